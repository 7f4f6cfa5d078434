const test = require('node:test');
const assert = require('node:assert');
const { capture, refund } = require('../src/payments');

test('captures a payment', () => {
  const payment = capture({ amountCents: 1250, currency: 'EUR' });
  assert.equal(payment.status, 'captured');
  assert.equal(payment.amountCents, 1250);
});

test('rejects a zero amount and an unknown currency', () => {
  assert.throws(
    () => capture({ amountCents: 0, currency: 'EUR' }),
    /positive integer/,
  );
  assert.throws(
    () => capture({ amountCents: 100, currency: 'XXX' }),
    /unsupported currency/,
  );
});

test('refunds in part, then in full', () => {
  const payment = capture({ amountCents: 1000, currency: 'USD' });
  const partly = refund(payment, 400);
  assert.equal(partly.status, 'partially_refunded');
  const fully = refund(partly);
  assert.equal(fully.status, 'refunded');
  assert.throws(() => refund(fully, 1), /can refund between 1 and 0/);
});
