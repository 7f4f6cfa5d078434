const http = require('node:http');
const { search } = require('./catalog');

http
  .createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(search(url.searchParams.get('q') ?? '')));
  })
  .listen(Number(process.env.PORT ?? 8081), '127.0.0.1');
