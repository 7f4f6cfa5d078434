import {
  formatDate,
  formatDateTime,
  releaseNotesFileName,
  splitList,
} from './format';

describe('format', () => {
  it('formats dates in the local time zone and keeps what is no date', () => {
    const local = new Date(2026, 10, 5, 9, 7);
    expect(formatDateTime(local.toISOString())).toBe('2026-11-05 09:07');
    expect(formatDate(local.toISOString())).toBe('2026-11-05');
    expect(formatDateTime(undefined)).toBe('–');
    expect(formatDateTime('soon')).toBe('soon');
  });

  it('makes safe release-note file names', () => {
    expect(releaseNotesFileName('1.5.0')).toBe('release-notes-1.5.0.md');
    expect(releaseNotesFileName('Release 2 / beta')).toBe(
      'release-notes-Release-2-beta.md',
    );
    expect(releaseNotesFileName('///')).toBe('release-notes-version.md');
  });

  it('splits comma-separated lists', () => {
    expect(splitList(' a, b,,a , c ')).toEqual(['a', 'b', 'c']);
    expect(splitList('')).toEqual([]);
  });
});
