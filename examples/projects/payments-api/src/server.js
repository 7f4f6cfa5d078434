const http = require('node:http');
const { capture } = require('./payments');

// The payments console: a page to capture a payment by hand (and to record browser tests on).
const CONSOLE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Payments console</title>
<style>body{font-family:sans-serif;margin:24px;color:#222}form{display:grid;gap:10px;max-width:320px}
input,select{display:block;width:100%;padding:4px}.error{color:#b00020}.ok{color:#1b5e20}</style></head>
<body>
<h1>Payments console</h1>
<form id="capture" data-testid="capture-form">
<div><label for="amount">Amount</label><input id="amount" name="amount" inputmode="decimal" placeholder="12.50" data-testid="amount"></div>
<div><label for="currency">Currency</label><select id="currency" name="currency" data-testid="currency">
<option value="EUR">EUR</option><option value="USD">USD</option><option value="GBP">GBP</option></select></div>
<button type="submit" data-testid="capture">Capture payment</button>
</form>
<p role="status" data-testid="result"></p>
<script>
document.getElementById('capture').addEventListener('submit', async event => {
  event.preventDefault();
  const result = document.querySelector('[data-testid=result]');
  result.textContent = '';
  result.className = '';
  const amount = Number(document.getElementById('amount').value.replace(',', '.'));
  const response = await fetch('/payments', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      amountCents: Math.round(amount * 100),
      currency: document.getElementById('currency').value,
    }),
  });
  const body = await response.json();
  if (response.ok) {
    result.textContent = 'Payment ' + body.paymentId + ' captured';
    result.className = 'ok';
  } else {
    result.textContent = 'Error: ' + body.error;
    result.className = 'error';
  }
});
</script>
</body></html>`;

function createPaymentsServer() {
  return http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/') {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(CONSOLE_PAGE);
      return;
    }
    if (req.method === 'POST' && req.url === '/payments') {
      let body = '';
      req.on('data', chunk => (body += chunk));
      req.on('end', () => {
        try {
          const payment = capture(JSON.parse(body));
          res
            .writeHead(201, { 'content-type': 'application/json' })
            .end(JSON.stringify(payment));
        } catch (error) {
          res
            .writeHead(400, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: error.message }));
        }
      });
      return;
    }
    res.writeHead(404).end();
  });
}

module.exports = { createPaymentsServer };

if (require.main === module) {
  createPaymentsServer().listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
}
