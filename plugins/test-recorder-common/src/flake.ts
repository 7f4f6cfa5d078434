import type { TestHistory, TestResultStatus } from './types';

/** A test's status from its attempts in one run: passed on a retry after failing is flaky. */
export function attemptsToStatus(
  attempts: ReadonlyArray<'passed' | 'failed'>,
): 'passed' | 'failed' | 'flaky' {
  if (attempts.length === 0) {
    throw new Error(
      'attemptsToStatus: a test result needs at least one attempt',
    );
  }
  if (attempts[attempts.length - 1] === 'failed') {
    return 'failed';
  }
  return attempts.includes('failed') ? 'flaky' : 'passed';
}

export type TestHistoryRun = TestHistory['runs'][number];

export type TestHistorySummary = Pick<
  TestHistory,
  'passRate' | 'flakeRate' | 'failureRate' | 'flaky' | 'failureGroups'
>;

function timeOf(run: { createdAt: string }): number {
  const time = Date.parse(run.createdAt);
  return Number.isNaN(time) ? 0 : time;
}

/**
 * Rates over the runs in which the test ran (skipped runs do not count), whether it is flaky
 * (a flaky run, or a pass and a failure on the same commit), and its failures grouped by
 * signature (failed and flaky runs that have one), most frequent first, then most recent.
 */
export function summarizeTestHistory(
  runs: ReadonlyArray<TestHistoryRun>,
): TestHistorySummary {
  const ran = runs.filter(run => run.status !== 'skipped');
  const share = (status: TestResultStatus) =>
    ran.length === 0
      ? 0
      : ran.filter(run => run.status === status).length / ran.length;

  const outcomesByCommit = new Map<string, Set<'pass' | 'fail'>>();
  for (const run of ran) {
    if (run.commit === undefined) continue;
    const outcomes = outcomesByCommit.get(run.commit) ?? new Set();
    outcomes.add(run.status === 'failed' ? 'fail' : 'pass');
    outcomesByCommit.set(run.commit, outcomes);
  }
  const flaky =
    ran.some(run => run.status === 'flaky') ||
    [...outcomesByCommit.values()].some(outcomes => outcomes.size === 2);

  const groups = new Map<
    string,
    { signature: string; count: number; lastRunId: string; lastTime: number }
  >();
  for (const run of ran) {
    if (run.signature === undefined || run.status === 'passed') continue;
    const time = timeOf(run);
    const group = groups.get(run.signature);
    if (!group) {
      groups.set(run.signature, {
        signature: run.signature,
        count: 1,
        lastRunId: run.runId,
        lastTime: time,
      });
    } else {
      group.count += 1;
      if (time >= group.lastTime) {
        group.lastRunId = run.runId;
        group.lastTime = time;
      }
    }
  }
  const failureGroups = [...groups.values()]
    .sort((a, b) => b.count - a.count || b.lastTime - a.lastTime)
    .map(({ signature, count, lastRunId }) => ({
      signature,
      count,
      lastRunId,
    }));

  return {
    passRate: share('passed'),
    flakeRate: share('flaky'),
    failureRate: share('failed'),
    flaky,
    failureGroups,
  };
}
