// The service: a status page for people (and the starter browser test) and a health
// endpoint for machines. No dependencies, so it builds and tests offline.
'use strict';
const http = require('node:http');
const { name, version } = require('../package.json');

function escapeHtml(text) {
  return String(text).replace(
    /[&<>"']/g,
    c =>
      ({
        '&': '&amp;',
        '<': '&lt;',
        '>': '&gt;',
        '"': '&quot;',
        "'": '&#39;',
      }[c]),
  );
}

function statusPage() {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(
    name,
  )}</title></head>
<body>
<h1 data-testid="service-name">${escapeHtml(name)}</h1>
<p role="status" data-testid="status">Healthy</p>
<p>Version <span data-testid="version">${escapeHtml(version)}</span></p>
</body></html>`;
}

function createApp() {
  return http.createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://localhost');
    if (req.method === 'GET' && pathname === '/') {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(statusPage());
      return;
    }
    if (req.method === 'GET' && pathname === '/health') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'ok', service: name, version }));
      return;
    }
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: `no route ${req.method} ${pathname}` }));
  });
}

module.exports = { createApp };
