const http = require('node:http');
const { capture } = require('./payments');

const server = http.createServer((req, res) => {
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
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
