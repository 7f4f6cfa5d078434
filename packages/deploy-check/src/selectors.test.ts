import { cidrContains, isCidr, selectorMatches } from './selectors';

describe('selectorMatches', () => {
  const labels = { app: 'comet', tier: 'portal' };

  it('matches labels and every kind of expression', () => {
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'comet' } }, labels)).toBe(
      true,
    );
    expect(selectorMatches({ matchLabels: { app: 'other' } }, labels)).toBe(
      false,
    );
    const expression = (operator: string, values?: string[]) =>
      selectorMatches(
        { matchExpressions: [{ key: 'tier', operator, values }] },
        labels,
      );
    expect(expression('In', ['portal', 'jobs'])).toBe(true);
    expect(expression('In', ['jobs'])).toBe(false);
    expect(expression('NotIn', ['jobs'])).toBe(true);
    expect(expression('NotIn', ['portal'])).toBe(false);
    expect(expression('Exists')).toBe(true);
    expect(expression('DoesNotExist')).toBe(false);
    expect(expression('Near', ['portal'])).toBe(false);
    expect(
      selectorMatches(
        { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] },
        labels,
      ),
    ).toBe(true);
    expect(
      selectorMatches(
        { matchExpressions: [{ key: 'zone', operator: 'Exists' }] },
        labels,
      ),
    ).toBe(false);
  });

  it('selects nothing without a selector', () => {
    expect(selectorMatches(undefined, labels)).toBe(false);
    expect(selectorMatches({ matchLabels: { app: 'comet' } }, undefined)).toBe(
      false,
    );
  });
});

describe('CIDRs', () => {
  it('tells a CIDR the API server accepts', () => {
    expect(isCidr('10.0.0.0/8')).toBe(true);
    expect(isCidr('169.254.169.254/32')).toBe(true);
    expect(isCidr('fd00:ec2::254/128')).toBe(true);
    expect(isCidr('::/0')).toBe(true);
    expect(isCidr('169.254.169.254')).toBe(false);
    expect(isCidr('10.0.0.0/33')).toBe(false);
    expect(isCidr('10.0.0.256/8')).toBe(false);
    expect(isCidr('fd00::/129')).toBe(false);
    expect(isCidr('10.0.0.0/8/1')).toBe(false);
    expect(isCidr('example.com/8')).toBe(false);
    expect(isCidr(8)).toBe(false);
  });

  it('tells whether an IPv4 block contains an address', () => {
    expect(cidrContains('0.0.0.0/0', '169.254.169.254')).toBe(true);
    expect(cidrContains('169.254.0.0/16', '169.254.169.254')).toBe(true);
    expect(cidrContains('169.254.169.254/32', '169.254.169.254')).toBe(true);
    expect(cidrContains('169.254.169.255/32', '169.254.169.254')).toBe(false);
    expect(cidrContains('172.16.0.0/12', '172.31.255.255')).toBe(true);
    expect(cidrContains('172.16.0.0/12', '172.32.0.0')).toBe(false);
    expect(cidrContains('::/0', '169.254.169.254')).toBe(false);
    expect(cidrContains('10.0.0.0/40', '10.0.0.1')).toBe(false);
  });
});
