const test = require('node:test');
const assert = require('node:assert');
const { Ledger } = require('../src/ledger');

test('a payment and its refund balance out', () => {
  const ledger = new Ledger();
  ledger.post({
    debit: 'cash',
    credit: 'revenue',
    amountCents: 500,
    reference: 'pay_1',
  });
  ledger.post({
    debit: 'revenue',
    credit: 'cash',
    amountCents: 200,
    reference: 'ref_1',
  });
  assert.equal(ledger.balance('cash'), 300);
  assert.equal(ledger.balance('revenue'), -300);
  assert.equal(ledger.trialBalance(), 0);
});

test('refuses a posting to the same account', () => {
  assert.throws(
    () => new Ledger().post({ debit: 'cash', credit: 'cash', amountCents: 1 }),
    /must differ/,
  );
});
