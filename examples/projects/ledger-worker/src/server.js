const { Ledger } = require('./ledger');

const ledger = new Ledger();
process.stdin.on('data', line => {
  const event = JSON.parse(line);
  ledger.post({
    debit: 'cash',
    credit: 'revenue',
    amountCents: event.amountCents,
    reference: event.paymentId,
  });
});
