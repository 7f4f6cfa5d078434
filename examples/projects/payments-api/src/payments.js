const CURRENCIES = new Set(['EUR', 'USD', 'GBP']);

function capture({ amountCents, currency }) {
  if (!Number.isInteger(amountCents) || amountCents < 1) {
    throw new RangeError('amountCents must be a positive integer');
  }
  if (!CURRENCIES.has(currency)) {
    throw new RangeError(`unsupported currency ${currency}`);
  }
  return {
    paymentId: `pay_${Date.now().toString(36)}`,
    amountCents,
    currency,
    refundedCents: 0,
    status: 'captured',
  };
}

function refund(
  payment,
  amountCents = payment.amountCents - payment.refundedCents,
) {
  const refundable = payment.amountCents - payment.refundedCents;
  if (amountCents < 1 || amountCents > refundable) {
    throw new RangeError(`can refund between 1 and ${refundable} cents`);
  }
  const refundedCents = payment.refundedCents + amountCents;
  return {
    ...payment,
    refundedCents,
    status:
      refundedCents === payment.amountCents ? 'refunded' : 'partially_refunded',
  };
}

module.exports = { capture, refund };
