// A double-entry ledger: every posting debits one account and credits another by the same amount.
class Ledger {
  constructor() {
    this.entries = [];
  }

  post({ debit, credit, amountCents, reference }) {
    if (debit === credit)
      throw new Error('debit and credit accounts must differ');
    if (!Number.isInteger(amountCents) || amountCents <= 0)
      throw new RangeError('amountCents must be positive');
    this.entries.push({ debit, credit, amountCents, reference });
  }

  balance(account) {
    let total = 0;
    for (const entry of this.entries) {
      if (entry.debit === account) total += entry.amountCents;
      if (entry.credit === account) total -= entry.amountCents;
    }
    return total;
  }

  trialBalance() {
    const accounts = new Set(this.entries.flatMap(e => [e.debit, e.credit]));
    let sum = 0;
    for (const account of accounts) sum += this.balance(account);
    return sum;
  }
}

module.exports = { Ledger };
