// A dependency-free app for the browser worker's tests, started as a suite's webServer.
// PORT: where to listen. NEVER_READY=1: answer 503 forever (a server that never gets ready).
'use strict';
const http = require('node:http');

const port = Number(process.env.PORT);
const neverReady = process.env.NEVER_READY === '1';
let flakyRequests = 0;

const FORM = `<!doctype html>
<html><head><title>Fixture form</title>
<style>body { font-family: sans-serif; margin: 20px; } .box { width: 200px; height: 40px; background: rgb(0, 128, 255); }</style>
</head><body>
<h1>Fixture form</h1>
<form id="form" onsubmit="event.preventDefault(); document.getElementById('submitted').textContent = 'Submitted ' + document.getElementById('email').value;">
  <label for="email">Email</label> <input id="email" name="email" type="text">
  <input placeholder="Search products" name="search">
  <input data-testid="nickname" name="nickname">
  <label for="password">Password</label> <input id="password" name="password" type="password">
  <label><input type="checkbox" name="terms" id="terms"> Accept terms</label>
  <label for="country">Country</label>
  <select id="country" name="country"><option value="fr">France</option><option value="de">Germany</option></select>
  <label for="attachment">Attachment</label> <input id="attachment" type="file" name="attachment"
    onchange="document.getElementById('file-name').textContent = this.files[0] ? this.files[0].name : ''">
  <span id="file-name" data-testid="file-name"></span>
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="Company logo" width="1" height="1">
  <span title="Help text">?</span>
  <button type="submit">Submit</button>
</form>
<p id="submitted" data-testid="submitted"></p>
<button type="button" onclick="document.getElementById('greeting').textContent = 'Hello, Comet!'">Show greeting</button>
<p id="greeting" data-testid="greeting">Nothing yet</p>
<button type="button" class="dup">Duplicate</button><button type="button" class="dup">Duplicate</button>
<p id="hidden-note" data-testid="hidden-note" style="display:none">Hidden note</p>
<div class="box" data-testid="box"></div>
<a href="/second">Second page</a>
</body></html>`;

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (neverReady) {
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('still starting');
    return;
  }
  const html = body => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(body);
  };
  switch (url.pathname) {
    case '/':
      html(FORM);
      return;
    case '/second':
      html(
        '<!doctype html><title>Second</title><h1 data-testid="heading">Second page</h1>',
      );
      return;
    case '/flaky':
      // The first request fails (a cold cache, say); later ones work: a retry passes.
      flakyRequests += 1;
      html(
        flakyRequests === 1
          ? '<!doctype html><title>Flaky</title><p data-testid="status">Warming up</p>'
          : '<!doctype html><title>Flaky</title><p data-testid="status">Ready</p>',
      );
      return;
    case '/fetch': {
      // Fetches every `url` from the page and shows what came of it: `reached <status>` or
      // `refused: <error>`.
      const targets = url.searchParams.getAll('url');
      html(
        `<!doctype html><title>Fetch</title><ul>${targets
          .map((_, index) => `<li data-testid="fetch-${index}">pending</li>`)
          .join('')}</ul><script>
${JSON.stringify(targets).replace(/</g, '\\u003c')}.forEach((target, index) => {
  const show = text => (document.querySelector('[data-testid="fetch-' + index + '"]').textContent = text);
  fetch(target).then(response => show('reached ' + response.status), error => show('refused: ' + error.message));
});
</script>`,
      );
      return;
    }
    case '/box-color': {
      const color = url.searchParams.get('color') ?? '0, 128, 255';
      html(
        `<!doctype html><style>body{margin:0} div{width:120px;height:80px;background:rgb(${color})}</style><div data-testid="swatch"></div>`,
      );
      return;
    }
    default:
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`fixture app listening on http://127.0.0.1:${port}/`);
});
if (neverReady) {
  console.log('fixture app: NEVER_READY is set, answering 503');
}
process.on('SIGTERM', () => server.close(() => process.exit(0)));
