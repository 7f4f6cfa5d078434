'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { once } = require('node:events');
const { createApp } = require('../src/app');
const { name, version } = require('../package.json');

async function start(t) {
  const server = createApp();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return `http://127.0.0.1:${server.address().port}`;
}

test('GET / shows the service name and its status', async t => {
  const base = await start(t);
  const response = await fetch(`${base}/`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/html/);
  const html = await response.text();
  assert.ok(
    html.includes(`<h1 data-testid="service-name">${name}</h1>`),
    `the page names the service ${name}`,
  );
  assert.match(html, /<p role="status" data-testid="status">Healthy<\/p>/);
});

test('GET /health answers ok with the name and version', async t => {
  const base = await start(t);
  const response = await fetch(`${base}/health`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), {
    status: 'ok',
    service: name,
    version,
  });
});

test('an unknown route is a 404 that names it', async t => {
  const base = await start(t);
  const response = await fetch(`${base}/nowhere`);
  assert.equal(response.status, 404);
  assert.deepEqual(await response.json(), { error: 'no route GET /nowhere' });
});
