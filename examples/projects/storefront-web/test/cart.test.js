const test = require('node:test');
const assert = require('node:assert');
const { addItem, total } = require('../src/cart');

test('adding the same item twice adds up the quantity', () => {
  let cart = { items: [] };
  cart = addItem(cart, { sku: 'MUG-01', priceCents: 1200, quantity: 1 });
  cart = addItem(cart, { sku: 'MUG-01', priceCents: 1200, quantity: 2 });
  assert.equal(cart.items.length, 1);
  assert.equal(total(cart), 3600);
});
