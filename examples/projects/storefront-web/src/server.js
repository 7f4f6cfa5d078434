const http = require('node:http');

const page = `<!doctype html><html><head><title>Comet shop</title></head>
<body><h1>Comet shop</h1><button id="add">Add mug to cart</button><p id="count">0 items</p>
<script>let n = 0; document.getElementById('add').onclick = () => { n++; document.getElementById('count').textContent = n + ' items'; };</script>
</body></html>`;

http
  .createServer((req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end(page),
  )
  .listen(Number(process.env.PORT ?? 8082), '127.0.0.1');
