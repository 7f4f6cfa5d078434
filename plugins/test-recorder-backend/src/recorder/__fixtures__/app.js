// A page with a fixed layout for the recorder tests: every control sits at a known position.
// Started as a suite's webServer: listens on 127.0.0.1:$PORT. A click the page itself sees
// shows in #status, so a test can tell a pick from a real click.
'use strict';
const http = require('node:http');

const PAGE = `<!doctype html>
<html><head><title>Recorder fixture</title>
<style>
  body { margin: 0; font: 16px sans-serif; }
  .abs { position: absolute; left: 20px; width: 200px; height: 40px; box-sizing: border-box; }
</style></head>
<body>
  <button class="abs" style="top: 20px" data-testid="pay-button" onclick="seen('pay')">Pay now</button>
  <label class="abs" style="top: 80px; width: 100px" for="email">Email</label>
  <input class="abs" style="top: 80px; left: 130px" id="email" name="email" />
  <label class="abs" style="top: 140px; width: 100px" for="pw">Password</label>
  <input class="abs" style="top: 140px; left: 130px" id="pw" name="pw" type="password" />
  <div class="abs box" style="top: 200px" onclick="seen('box')"></div>
  <div class="abs box" style="top: 260px" onclick="seen('box2')"></div>
  <a class="abs" style="top: 320px" href="/second">Second page</a>
  <button class="abs" style="top: 200px; left: 240px" onclick="this.textContent = 'Added to cart'">Add to cart</button>
  <input class="abs" style="top: 260px; left: 240px" placeholder="Search" onkeydown="if (event.key === 'Enter') this.placeholder = 'Results below'" />
  <p id="status" class="abs" style="top: 380px">idle</p>
  <script>
    function seen(what) {
      document.getElementById('status').textContent = 'clicked ' + what;
    }
  </script>
</body></html>`;

// Fetches every `url` from the page and shows what came of each: `reached <status>` or
// `refused: <error>`.
function fetchPage(targets) {
  const items = targets
    .map((_, index) => `<li data-testid="fetch-${index}">pending</li>`)
    .join('');
  const script = `${JSON.stringify(targets).replace(
    /</g,
    '\\u003c',
  )}.forEach((target, index) => {
  const show = text => (document.querySelector('[data-testid="fetch-' + index + '"]').textContent = text);
  fetch(target).then(response => show('reached ' + response.status), error => show('refused: ' + error.message));
});`;
  return `<!doctype html><title>Fetch</title><ul>${items}</ul><script>${script}</script>`;
}

const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'text/html');
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/second') {
    res.end('<!doctype html><title>Second</title><h1>Second page</h1>');
    return;
  }
  if (url.pathname === '/fetch') {
    res.end(fetchPage(url.searchParams.getAll('url')));
    return;
  }
  res.end(PAGE);
});
server.listen(
  Number(process.env.PORT ?? process.argv[2] ?? 0),
  '127.0.0.1',
  () => {
    process.stdout.write(`listening ${server.address().port}\n`);
  },
);
