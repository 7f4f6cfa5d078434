import { cronMatches } from './cron';

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
