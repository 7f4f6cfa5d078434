import { formatDuration, formatTime, shortSha } from './format';
import { statusText } from './components/StatusLabel';

describe('format', () => {
  it('writes durations as a person would read them', () => {
    expect(formatDuration(undefined)).toBe('–');
    expect(formatDuration(400)).toBe('0s');
    expect(formatDuration(59_400)).toBe('59s');
    expect(formatDuration(65_000)).toBe('1m 5s');
    expect(formatDuration(3_599_000)).toBe('59m 59s');
    expect(formatDuration(3_720_000)).toBe('1h 2m');
    expect(formatDuration(26 * 3_600_000)).toBe('26h 0m');
  });

  it('writes times in a short day-month form, and a dash for none', () => {
    expect(formatTime(undefined)).toBe('–');
    expect(formatTime('')).toBe('–');
    expect(formatTime('2026-11-26T10:05:00.000Z')).toMatch(/^26 Nov/);
  });

  it('shortens commit shas to 7 characters', () => {
    expect(shortSha('abcdef1234567890')).toBe('abcdef1');
    expect(shortSha(undefined)).toBe('');
  });

  it('names every build status in words', () => {
    expect(
      (
        [
          'queued',
          'running',
          'success',
          'unstable',
          'failure',
          'aborted',
          'not_built',
        ] as const
      ).map(statusText),
    ).toEqual([
      'Queued',
      'Running',
      'Success',
      'Unstable',
      'Failed',
      'Aborted',
      'Not built',
    ]);
  });
});
