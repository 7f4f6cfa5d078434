import { cycleTimeOf, mondayOf } from './cycleTime';

describe('mondayOf', () => {
  it.each([
    ['2026-03-16T00:00:00Z', '2026-03-16'],
    ['2026-03-18T12:34:56Z', '2026-03-16'],
    ['2026-03-22T23:59:59Z', '2026-03-16'],
    ['2026-03-23T00:00:00Z', '2026-03-23'],
    ['2027-01-01T08:00:00Z', '2026-12-28'],
  ])('puts %s in the ISO week of Monday %s', (time, monday) => {
    expect(new Date(mondayOf(Date.parse(time))).toISOString()).toBe(
      `${monday}T00:00:00.000Z`,
    );
  });
});

describe('cycleTimeOf', () => {
  const now = Date.parse('2026-03-18T12:00:00Z'); // a Wednesday

  it('gives the median hours opened → merged per ISO week of the window, null without merges', () => {
    const result = cycleTimeOf(
      [
        // Merged just before the window starts (2026-03-04T12:00Z): left out
        { createdAt: '2026-03-01T00:00:00Z', mergedAt: '2026-03-04T11:59:59Z' },
        // Week of 03-02: one of 5 hours
        { createdAt: '2026-03-05T07:00:00Z', mergedAt: '2026-03-05T12:00:00Z' },
        // Week of 03-09: 1, 2 and 24 hours, the last one on Sunday night
        { createdAt: '2026-03-10T09:00:00Z', mergedAt: '2026-03-10T10:00:00Z' },
        { createdAt: '2026-03-12T00:00:00Z', mergedAt: '2026-03-12T02:00:00Z' },
        { createdAt: '2026-03-14T23:59:00Z', mergedAt: '2026-03-15T23:59:00Z' },
        // Week of 03-16, from Monday midnight on: 1.5 and 0.25 hours
        { createdAt: '2026-03-15T22:30:00Z', mergedAt: '2026-03-16T00:00:00Z' },
        { createdAt: '2026-03-17T10:00:00Z', mergedAt: '2026-03-17T10:15:00Z' },
        // Closed without merging, and merged after `now`: left out
        { createdAt: '2026-03-17T10:00:00Z' },
        { createdAt: '2026-03-18T10:00:00Z', mergedAt: '2026-03-18T13:00:00Z' },
      ],
      { now, days: 14 },
    );
    expect(result).toEqual({
      days: 14,
      weeks: [
        { weekStart: '2026-03-02', merged: 1, medianHours: 5 },
        { weekStart: '2026-03-09', merged: 3, medianHours: 2 },
        { weekStart: '2026-03-16', merged: 2, medianHours: 0.88 },
      ],
    });
  });

  it('lists every week of the window when nothing was merged', () => {
    const result = cycleTimeOf([], { now, days: 30 });
    expect(result.weeks.map(w => w.weekStart)).toEqual([
      '2026-02-16',
      '2026-02-23',
      '2026-03-02',
      '2026-03-09',
      '2026-03-16',
    ]);
    expect(
      result.weeks.every(w => w.merged === 0 && w.medianHours === null),
    ).toBe(true);
  });
});
