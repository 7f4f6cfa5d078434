import type { JiraIssue } from '@internal/plugin-jira-common';
import { computeBurndown, doneAt } from './burndown';

function issue(
  key: string,
  points: number,
  status: string,
  category: 'new' | 'indeterminate' | 'done',
): JiraIssue {
  return {
    key,
    id: key,
    url: '',
    summary: key,
    status: { name: status, category },
    type: { name: 'Story' },
    labels: [],
    components: [],
    fixVersions: [],
    customFields: {},
    storyPoints: points,
    created: '2026-11-30T08:00:00.000Z',
    updated: '2026-12-02T08:00:00.000Z',
  };
}

const moved = (created: string, to: string) => ({
  created,
  items: [{ field: 'status', fromString: 'To Do', toString: to }],
});

describe('burndown', () => {
  it('finds when an issue became done, ignoring issues reopened since', () => {
    const done = issue('A-1', 3, 'Done', 'done');
    expect(
      doneAt(done, [
        moved('2026-12-01T10:00:00.000Z', 'Done'),
        moved('2026-12-01T11:00:00.000Z', 'In Progress'),
        moved('2026-12-02T09:00:00.000Z', 'Done'),
      ]),
    ).toBe(Date.parse('2026-12-02T09:00:00.000Z'));
    expect(doneAt(done, [])).toBe(Date.parse(done.created));
    expect(
      doneAt(issue('A-2', 1, 'In Progress', 'indeterminate'), [
        moved('2026-12-01T10:00:00.000Z', 'Done'),
      ]),
    ).toBeUndefined();
  });

  it('gives remaining points per day and the ideal line', () => {
    const points = computeBurndown({
      sprint: {
        id: 1,
        name: 'S1',
        state: 'active',
        startDate: '2026-12-01T00:00:00.000Z',
        endDate: '2026-12-05T00:00:00.000Z',
      },
      issues: [
        {
          issue: issue('A-1', 5, 'Done', 'done'),
          changelog: [moved('2026-12-01T12:00:00.000Z', 'Done')],
        },
        {
          issue: issue('A-2', 3, 'Done', 'done'),
          changelog: [moved('2026-12-03T12:00:00.000Z', 'Done')],
        },
        { issue: issue('A-3', 2, 'To Do', 'new'), changelog: [] },
      ],
      now: Date.parse('2026-12-03T18:00:00.000Z'),
    });
    expect(points).toEqual([
      { date: '2026-12-01', remaining: 5, ideal: 7.5 },
      { date: '2026-12-02', remaining: 5, ideal: 5 },
      { date: '2026-12-03', remaining: 2, ideal: 2.5 },
    ]);
  });

  it('is empty without a start date or with an end before the start', () => {
    const sprint = { id: 1, name: 'S', state: 'future' as const };
    expect(computeBurndown({ sprint, issues: [], now: 0 })).toEqual([]);
    expect(
      computeBurndown({
        sprint: { ...sprint, startDate: '2026-12-05', endDate: '2026-12-01' },
        issues: [],
        now: Date.now(),
      }),
    ).toEqual([]);
  });
});
