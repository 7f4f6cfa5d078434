import {
  attemptsToStatus,
  summarizeTestHistory,
  type TestHistoryRun,
} from './flake';

describe('attemptsToStatus', () => {
  it('is passed, flaky or failed by the last attempt', () => {
    expect(attemptsToStatus(['passed'])).toBe('passed');
    expect(attemptsToStatus(['failed', 'passed'])).toBe('flaky');
    expect(attemptsToStatus(['failed', 'failed', 'passed'])).toBe('flaky');
    expect(attemptsToStatus(['failed'])).toBe('failed');
    expect(attemptsToStatus(['passed', 'failed'])).toBe('failed');
  });

  it('refuses a result without attempts', () => {
    expect(() => attemptsToStatus([])).toThrow(
      'attemptsToStatus: a test result needs at least one attempt',
    );
  });
});

const run = (
  runId: string,
  minute: number,
  status: TestHistoryRun['status'],
  extra: Partial<TestHistoryRun> = {},
): TestHistoryRun => ({
  runId,
  createdAt: new Date(Date.UTC(2026, 11, 5, 12, minute)).toISOString(),
  status,
  durationMs: 1000,
  ...extra,
});

describe('summarizeTestHistory', () => {
  it('computes rates over the runs that ran', () => {
    const summary = summarizeTestHistory([
      run('r1', 1, 'passed'),
      run('r2', 2, 'passed'),
      run('r3', 3, 'flaky', { signature: 'A' }),
      run('r4', 4, 'failed', { signature: 'A' }),
      run('r5', 5, 'skipped'),
    ]);
    expect(summary).toEqual({
      passRate: 0.5,
      flakeRate: 0.25,
      failureRate: 0.25,
      flaky: true,
      failureGroups: [{ signature: 'A', count: 2, lastRunId: 'r4' }],
    });
  });

  it('is zero everywhere without runs that ran', () => {
    expect(summarizeTestHistory([run('r1', 1, 'skipped')])).toEqual({
      passRate: 0,
      flakeRate: 0,
      failureRate: 0,
      flaky: false,
      failureGroups: [],
    });
  });

  it('calls a test flaky when runs on one commit disagree', () => {
    expect(
      summarizeTestHistory([
        run('r1', 1, 'passed', { commit: 'abc' }),
        run('r2', 2, 'failed', { commit: 'def' }),
        run('r3', 3, 'failed', { commit: 'abc' }),
      ]).flaky,
    ).toBe(true);
    // A failure that persists on a new commit is a regression, not a flake.
    expect(
      summarizeTestHistory([
        run('r1', 1, 'passed', { commit: 'abc' }),
        run('r2', 2, 'failed', { commit: 'def' }),
        run('r3', 3, 'failed', { commit: 'def' }),
        run('r4', 4, 'failed'),
        run('r5', 5, 'passed'),
        run('r6', 6, 'skipped', { commit: 'def' }),
      ]).flaky,
    ).toBe(false);
  });

  it('groups failures by signature, most frequent first, then most recent', () => {
    const summary = summarizeTestHistory([
      run('r5', 5, 'failed', { signature: 'B' }),
      run('r1', 1, 'failed', { signature: 'A' }),
      run('r2', 2, 'failed', { signature: 'C' }),
      run('r3', 3, 'failed', { signature: 'A' }),
      run('r4', 4, 'failed', { signature: 'B' }),
      run('r6', 6, 'failed', { signature: 'D' }),
      run('r7', 7, 'failed'),
      run('r8', 8, 'passed', { signature: 'ignored' }),
      {
        ...run('r0', 0, 'failed', { signature: 'D' }),
        createdAt: 'not a date',
      },
    ]);
    expect(summary.failureGroups).toEqual([
      { signature: 'D', count: 2, lastRunId: 'r6' },
      { signature: 'B', count: 2, lastRunId: 'r5' },
      { signature: 'A', count: 2, lastRunId: 'r3' },
      { signature: 'C', count: 1, lastRunId: 'r2' },
    ]);
    expect(summary.failureRate).toBeCloseTo(8 / 9);
  });
});
