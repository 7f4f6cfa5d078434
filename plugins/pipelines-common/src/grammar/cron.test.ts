import { cronMatches, cronProblem } from './cron';

const at = (iso: string) => new Date(iso);

describe('cronMatches', () => {
  it.each([
    ['* * * * *', '2026-11-26T13:37:00Z', true],
    ['0 3 * * *', '2026-11-26T03:00:00Z', true],
    ['0 3 * * *', '2026-11-26T03:01:00Z', false],
    ['*/15 * * * *', '2026-11-26T10:45:00Z', true],
    ['*/15 * * * *', '2026-11-26T10:46:00Z', false],
    ['0 9-17 * * 1-5', '2026-11-26T12:00:00Z', true], // a Thursday
    ['0 9-17 * * 1-5', '2026-11-29T12:00:00Z', false], // a Sunday
    ['0 0 * * 0', '2026-11-29T00:00:00Z', true],
    ['0 0 * * 7', '2026-11-29T00:00:00Z', true],
    ['30 6 1,15 * *', '2026-11-15T06:30:00Z', true],
    ['0 0 1 * 1', '2026-11-30T00:00:00Z', true], // day-of-month or day-of-week
    ['5/10 * * * *', '2026-11-26T10:25:00Z', true],
    ['bad', '2026-11-26T10:25:00Z', false],
  ])('%s at %s is %s', (expression, iso, expected) => {
    expect(cronMatches(expression, at(iso))).toBe(expected);
  });
});

describe('one cron grammar for the validator and the scheduler', () => {
  it.each([
    // Each of these was not a valid field; the scheduler read them anyway before: `1,,2`
    // matched minute 0 (an empty item read as 0), `-5` matched 0-5 and `*/0` never ended.
    ['1,,2 * * * *', '2026-11-26T10:00:00Z'],
    ['-5 * * * *', '2026-11-26T10:03:00Z'],
    ['*/0 * * * *', '2026-11-26T10:07:00Z'],
    ['61 * * * *', '2026-11-26T10:01:00Z'],
  ])('%s is invalid and never matches', (expression, iso) => {
    expect(cronProblem(expression)).toBeDefined();
    expect(cronMatches(expression, at(iso))).toBe(false);
  });

  it('reads a step after a single number, but the validator refuses it', () => {
    expect(cronProblem('5/10 * * * *')).toMatch(
      /^minute field "5\/10" is not valid/,
    );
    expect(cronMatches('5/10 * * * *', at('2026-11-26T10:24:00Z'))).toBe(false);
    expect(cronProblem('5-59/10 * * * *')).toBeUndefined();
    expect(cronMatches('5-59/10 * * * *', at('2026-11-26T10:25:00Z'))).toBe(
      true,
    );
  });
});
