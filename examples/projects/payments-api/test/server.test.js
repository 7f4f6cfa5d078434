const test = require('node:test');
const assert = require('node:assert');
const { once } = require('node:events');
const { createPaymentsServer } = require('../src/server');

async function start(t) {
  const server = createPaymentsServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return `http://127.0.0.1:${server.address().port}`;
}

test('GET / serves the payments console', async t => {
  const base = await start(t);
  const response = await fetch(`${base}/`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/html/);
  const html = await response.text();
  assert.match(html, /<h1>Payments console<\/h1>/);
  assert.match(html, /<label for="amount">Amount<\/label><input id="amount"/);
  assert.match(html, /<option value="EUR">EUR<\/option>/);
  assert.match(html, />Capture payment<\/button>/);
  assert.match(html, /fetch\('\/payments'/);
});

test('POST /payments captures, or answers 400 with the reason', async t => {
  const base = await start(t);
  const post = body =>
    fetch(`${base}/payments`, { method: 'POST', body: JSON.stringify(body) });
  const ok = await post({ amountCents: 1250, currency: 'EUR' });
  assert.equal(ok.status, 201);
  assert.match((await ok.json()).paymentId, /^pay_/);
  const bad = await post({ amountCents: 0, currency: 'EUR' });
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), {
    error: 'amountCents must be a positive integer',
  });
  assert.equal((await fetch(`${base}/nowhere`)).status, 404);
});
