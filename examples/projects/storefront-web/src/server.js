// The storefront: a small shop to record browser tests against. Dependency-free, carts live
// in memory per process (keyed by a session cookie), nothing is fetched from elsewhere.
const http = require('node:http');
const crypto = require('node:crypto');
const { addItem, total } = require('./cart');

const PRODUCTS = [
  { sku: 'MUG-01', name: 'Comet mug', priceCents: 1200 },
  { sku: 'TEE-01', name: 'Orbit T-shirt', priceCents: 2400 },
  { sku: 'CAP-01', name: 'Nebula cap', priceCents: 1800 },
];

const COUNTRIES = [
  ['DE', 'Germany'],
  ['FR', 'France'],
  ['NL', 'Netherlands'],
  ['GB', 'United Kingdom'],
];

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

function parseCookies(header) {
  const cookies = {};
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return cookies;
}

function readBody(req, limit = 64 * 1024) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', chunk => {
      body += chunk;
      if (body.length > limit) {
        reject(new Error('request body too large'));
        req.destroy();
      }
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

const STYLE = `body{font-family:sans-serif;margin:0;color:#222}
header{display:flex;justify-content:space-between;align-items:center;padding:12px 24px;background:#1d3557;color:#fff}
header a{color:#fff;text-decoration:none;font-weight:bold}
main{padding:16px 24px;max-width:720px}
.promo{display:flex;justify-content:space-between;align-items:center;background:#ffe8a3;padding:8px 24px}
.promo button{border:0;background:transparent;cursor:pointer;width:24px;height:24px;padding:0}
.products{list-style:none;padding:0;display:grid;grid-template-columns:repeat(3,1fr);gap:16px}
.products li{border:1px solid #ccc;border-radius:6px;padding:12px}
.price{font-size:18px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left}
.total{font-size:20px;font-weight:bold;padding:8px 0;display:inline-block}
form.checkout{display:grid;gap:10px;max-width:360px}
form.checkout input,form.checkout select{display:block;width:100%;padding:4px}
form.checkout label.inline input{display:inline;width:auto}
.error{color:#b00020}`;

/**
 * Creates the storefront's HTTP server (not listening yet). `breakMode: 'price'` shows every
 * price and total 10% higher: a deliberate regression for demos and end-to-end tests.
 */
function createStorefrontServer(options = {}) {
  const breakMode = options.breakMode ?? process.env.STOREFRONT_BREAK;
  const sessions = new Map();
  let nextOrderNumber = 1001;

  const shownCents = cents =>
    breakMode === 'price' ? Math.round(cents * 1.1) : cents;
  const money = cents => `€${(shownCents(cents) / 100).toFixed(2)}`;
  const itemCount = cart => cart.items.reduce((n, i) => n + i.quantity, 0);

  function layout(session, title, body) {
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(
      title,
    )} – Comet shop</title>
<style>${STYLE}</style></head>
<body>
<header><a href="/" data-testid="home-link">Comet shop</a>
<a href="/cart" data-testid="cart-link">Cart (<span data-testid="cart-count">${itemCount(
      session.cart,
    )}</span>)</a></header>
<main>${body}</main>
</body></html>`;
  }

  function productList(session) {
    const items = PRODUCTS.map(
      p => `<li data-testid="product-${p.sku}">
<h2>${escapeHtml(p.name)}</h2>
<p class="price" data-testid="price-${p.sku}">${money(p.priceCents)}</p>
<button type="button" class="add" data-sku="${p.sku}" data-testid="add-${
        p.sku
      }">Add to cart</button>
</li>`,
    ).join('\n');
    // The promo's dismiss button has neither a test id nor an accessible name on purpose: the
    // recorder can only find it by CSS and shows its fragile-locator advice for it.
    return layout(
      session,
      'Products',
      `<div class="promo"><span>Free shipping on orders over €50</span><button type="button" class="promo-dismiss"><svg width="12" height="12" viewBox="0 0 12 12"><path d="M1 1L11 11M11 1L1 11" stroke="#333" stroke-width="2"/></svg></button></div>
<h1>Products</h1>
<ul class="products" data-testid="product-list">
${items}
</ul>
<p role="status" data-testid="cart-message"></p>
<script>
document.querySelector('.promo-dismiss').addEventListener('click', () => {
  document.querySelector('.promo').remove();
});
for (const button of document.querySelectorAll('button.add')) {
  button.addEventListener('click', async () => {
    const response = await fetch('/cart/items', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: button.dataset.sku }),
    });
    const body = await response.json();
    document.querySelector('[data-testid=cart-message]').textContent = response.ok
      ? 'Added ' + body.added + ' to your cart'
      : body.error;
    if (response.ok) document.querySelector('[data-testid=cart-count]').textContent = body.count;
  });
}
</script>`,
    );
  }

  function cartPage(session) {
    const { cart } = session;
    if (cart.items.length === 0) {
      return layout(
        session,
        'Cart',
        `<h1>Your cart</h1><p data-testid="cart-empty">Your cart is empty.</p><a href="/">Continue shopping</a>`,
      );
    }
    const rows = cart.items
      .map(item => {
        const product = PRODUCTS.find(p => p.sku === item.sku);
        return `<tr data-testid="line-${item.sku}"><td>${escapeHtml(
          product.name,
        )}</td><td>${item.quantity}</td><td>${money(
          item.priceCents * item.quantity,
        )}</td></tr>`;
      })
      .join('\n');
    return layout(
      session,
      'Cart',
      `<h1>Your cart</h1>
<table data-testid="cart-lines"><thead><tr><th>Product</th><th>Quantity</th><th>Price</th></tr></thead>
<tbody>${rows}</tbody></table>
<p><span class="total" data-testid="cart-total">Total: ${money(
        total(cart),
      )}</span></p>
<a href="/checkout" data-testid="checkout-link">Checkout</a>`,
    );
  }

  function checkoutPage(session, values = {}, errors = []) {
    const value = name => escapeHtml(values[name] ?? '');
    const options = COUNTRIES.map(
      ([code, name]) =>
        `<option value="${code}"${
          values.country === code ? ' selected' : ''
        }>${name}</option>`,
    ).join('');
    const errorList =
      errors.length > 0
        ? `<ul class="error" role="alert" data-testid="checkout-errors">${errors
            .map(e => `<li>${escapeHtml(e)}</li>`)
            .join('')}</ul>`
        : '';
    return layout(
      session,
      'Checkout',
      `<h1>Checkout</h1>
<p data-testid="checkout-total">To pay: ${money(total(session.cart))}</p>
${errorList}
<form class="checkout" method="post" action="/checkout" data-testid="checkout-form">
<div><label for="email">Email</label><input id="email" name="email" type="email" value="${value(
        'email',
      )}" data-testid="email"></div>
<div><input name="name" placeholder="Full name" value="${value('name')}"></div>
<div><label for="card">Card number</label><input id="card" name="card" inputmode="numeric" autocomplete="cc-number" value="${value(
        'card',
      )}" data-testid="card-number"></div>
<div><label for="password">Account password</label><input id="password" name="password" type="password" data-testid="account-password"></div>
<div><label for="country">Country</label><select id="country" name="country" data-testid="country">${options}</select></div>
<div><label class="inline"><input type="checkbox" name="terms" value="yes" data-testid="accept-terms"> Accept terms</label></div>
<button type="submit" data-testid="pay-now">Pay now</button>
</form>`,
    );
  }

  function checkoutErrors(form, session) {
    const errors = [];
    if (session.cart.items.length === 0) errors.push('Your cart is empty');
    if (!/^[^@\s]+@[^@\s]+$/.test(form.email ?? ''))
      errors.push('Enter a valid email address');
    if (!(form.name ?? '').trim()) errors.push('Enter your name');
    if (!/^\d{12,19}$/.test((form.card ?? '').replace(/[\s-]/g, '')))
      errors.push('Enter a card number of 12 to 19 digits');
    if (!form.password) errors.push('Enter your account password');
    if (!COUNTRIES.some(([code]) => code === form.country))
      errors.push('Choose a country');
    if (form.terms !== 'yes') errors.push('Accept the terms to pay');
    return errors;
  }

  function send(res, status, html, headers = {}) {
    res
      .writeHead(status, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        ...headers,
      })
      .end(html);
  }

  function sendJson(res, status, body) {
    res
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify(body));
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://localhost');
    const cookies = parseCookies(req.headers.cookie);
    let sessionId = cookies.sid;
    let setCookie = {};
    if (!sessionId || !sessions.has(sessionId)) {
      sessionId = crypto.randomUUID();
      sessions.set(sessionId, { cart: { items: [] } });
      setCookie = {
        'set-cookie': `sid=${sessionId}; Path=/; HttpOnly; SameSite=Lax`,
      };
    }
    const session = sessions.get(sessionId);
    const route = `${req.method} ${url.pathname}`;

    if (route === 'GET /') {
      send(res, 200, productList(session), setCookie);
    } else if (route === 'POST /cart/items') {
      let sku;
      try {
        sku = JSON.parse(await readBody(req)).sku;
      } catch {
        sendJson(res, 400, { error: 'Send JSON: { "sku": "<product sku>" }' });
        return;
      }
      const product = PRODUCTS.find(p => p.sku === sku);
      if (!product) {
        sendJson(res, 400, { error: `No product with sku ${sku}` });
        return;
      }
      session.cart = addItem(session.cart, {
        sku,
        priceCents: product.priceCents,
        quantity: 1,
      });
      res.writeHead(200, { 'content-type': 'application/json', ...setCookie });
      res.end(
        JSON.stringify({ added: product.name, count: itemCount(session.cart) }),
      );
    } else if (route === 'GET /cart') {
      send(res, 200, cartPage(session), setCookie);
    } else if (route === 'GET /checkout') {
      send(res, 200, checkoutPage(session), setCookie);
    } else if (route === 'POST /checkout') {
      const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
      const errors = checkoutErrors(form, session);
      if (errors.length > 0) {
        // The password is never sent back
        const { password, ...values } = form;
        send(res, 400, checkoutPage(session, values, errors), setCookie);
        return;
      }
      const orderNumber = `CMT-${nextOrderNumber++}`;
      session.lastOrder = { orderNumber, name: form.name.trim() };
      session.cart = { items: [] };
      res.writeHead(303, { location: '/done', ...setCookie }).end();
    } else if (route === 'GET /done') {
      if (!session.lastOrder) {
        res.writeHead(303, { location: '/', ...setCookie }).end();
        return;
      }
      const { orderNumber, name } = session.lastOrder;
      send(
        res,
        200,
        layout(
          session,
          'Thank you',
          `<h1 data-testid="thank-you">Thank you, ${escapeHtml(name)}</h1>
<p>Your order number is <strong data-testid="order-number">${orderNumber}</strong>.</p>
<a href="/">Back to the shop</a>`,
        ),
        setCookie,
      );
    } else {
      send(
        res,
        404,
        layout(session, 'Not found', '<h1>Page not found</h1>'),
        setCookie,
      );
    }
  }

  return http.createServer((req, res) => {
    handle(req, res).catch(error => {
      if (!res.headersSent) sendJson(res, 500, { error: error.message });
      else res.destroy();
    });
  });
}

module.exports = { createStorefrontServer, PRODUCTS };

if (require.main === module) {
  const port = Number(process.env.PORT ?? 8082);
  createStorefrontServer().listen(port, '127.0.0.1', function onListening() {
    console.log(
      `storefront-web listening on http://127.0.0.1:${this.address().port}${
        process.env.STOREFRONT_BREAK === 'price'
          ? ' (STOREFRONT_BREAK=price: prices shown 10% higher)'
          : ''
      }`,
    );
  });
}
