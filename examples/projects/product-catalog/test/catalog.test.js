const test = require('node:test');
const assert = require('node:assert');
const { search, price } = require('../src/catalog');

test('searches by name, optionally in stock only', () => {
  assert.equal(search('comet').length, 3);
  assert.deepEqual(
    search('comet', { inStockOnly: true }).map(p => p.sku),
    ['MUG-01', 'CAP-01'],
  );
});

test('prices a quantity and rejects an unknown sku', () => {
  assert.equal(price('MUG-01', 3), 3600);
  assert.throws(() => price('NOPE'), /unknown sku/);
});
