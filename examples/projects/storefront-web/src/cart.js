function addItem(cart, item) {
  const existing = cart.items.find(i => i.sku === item.sku);
  const items = existing
    ? cart.items.map(i =>
        i.sku === item.sku ? { ...i, quantity: i.quantity + item.quantity } : i,
      )
    : [...cart.items, item];
  return { ...cart, items };
}

function total(cart) {
  return cart.items.reduce((sum, i) => sum + i.priceCents * i.quantity, 0);
}

module.exports = { addItem, total };
