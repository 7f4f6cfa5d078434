const PRODUCTS = [
  { sku: 'MUG-01', name: 'Comet mug', priceCents: 1200, stock: 40 },
  { sku: 'TEE-01', name: 'Comet T-shirt', priceCents: 2500, stock: 0 },
  { sku: 'CAP-01', name: 'Comet cap', priceCents: 1800, stock: 12 },
];

function search(query = '', { inStockOnly = false } = {}) {
  const q = query.trim().toLowerCase();
  return PRODUCTS.filter(p => p.name.toLowerCase().includes(q)).filter(
    p => !inStockOnly || p.stock > 0,
  );
}

function price(sku, quantity = 1) {
  const product = PRODUCTS.find(p => p.sku === sku);
  if (!product) throw new Error(`unknown sku ${sku}`);
  return product.priceCents * quantity;
}

module.exports = { search, price };
