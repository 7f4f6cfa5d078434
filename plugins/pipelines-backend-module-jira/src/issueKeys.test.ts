import { issueKeysIn } from './issueKeys';

describe('issueKeysIn', () => {
  it("finds the keys of the entity's projects, once each, in first-seen order", () => {
    expect(
      issueKeysIn(
        [
          'feature/pay-12-refunds',
          undefined,
          'PAY-7: fix; see PAY-12, SHOP-3 and LEDG_OPS-4\n\nPAY-7 again',
        ],
        ['PAY', 'LEDG_OPS'],
      ),
    ).toEqual(['PAY-12', 'PAY-7', 'LEDG_OPS-4']);
  });

  it('ignores keys glued to other words, number zero and other projects', () => {
    expect(
      issueKeysIn(
        [
          'XPAY-1 PAY-0 PAY-1a aPAY-2 feature/PAY-3_refunds PAY-04 (PAY-5) [PAY-6]',
        ],
        ['PAY'],
      ),
    ).toEqual(['PAY-3', 'PAY-5', 'PAY-6']);
    expect(issueKeysIn(['PAY-1'], [])).toEqual([]);
    expect(issueKeysIn([''], ['PAY'])).toEqual([]);
  });
});
