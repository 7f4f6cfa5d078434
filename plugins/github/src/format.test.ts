import { formatAge, formatDate, formatHours, shortSha } from './format';

describe('format', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');

  it('says how long ago, in the largest whole unit', () => {
    expect(formatAge('2026-12-06T11:59:30Z', now)).toBe('just now');
    expect(formatAge('2026-12-06T11:59:00Z', now)).toBe('1 minute ago');
    expect(formatAge('2026-12-06T07:00:00Z', now)).toBe('5 hours ago');
    expect(formatAge('2026-12-03T12:00:00Z', now)).toBe('3 days ago');
    expect(formatAge('2026-11-20T12:00:00Z', now)).toBe('2 weeks ago');
    expect(formatAge('2026-09-01T12:00:00Z', now)).toBe('3 months ago');
    expect(formatAge('2024-12-01T12:00:00Z', now)).toBe('2 years ago');
    // A clock a little ahead of the browser's is not "in the future"
    expect(formatAge('2026-12-06T12:00:05Z', now)).toBe('just now');
    expect(formatAge(undefined, now)).toBe('unknown');
    expect(formatAge('not a date', now)).toBe('unknown');
    expect(formatAge(new Date().toISOString())).toBe('just now');
  });

  it('writes dates in UTC to the minute', () => {
    expect(formatDate('2026-11-26T10:00:59Z')).toBe('2026-11-26 10:00');
    expect(formatDate(undefined)).toBe('unknown');
    expect(formatDate('nope')).toBe('unknown');
  });

  it('writes hours as minutes, hours or days', () => {
    expect(formatHours(0.25)).toBe('15 min');
    expect(formatHours(5)).toBe('5 h');
    expect(formatHours(5.55)).toBe('5.5 h');
    expect(formatHours(72)).toBe('3 days');
    expect(formatHours(100)).toBe('4.2 days');
    expect(formatHours(null)).toBe('no merges');
    expect(formatHours(undefined)).toBe('no merges');
    expect(formatHours(Number.NaN)).toBe('no merges');
  });

  it('shortens a sha to 7 characters', () => {
    expect(shortSha('0123456789abcdef')).toBe('0123456');
  });
});
