import type { ActionReader } from '../ActionReader';
import {
  assertExplainable,
  formatNumber,
  runReadError,
  tailLines,
} from './evidence';
import type {
  EarlierRun,
  FailedRun,
  FailureSource,
  FailureSourceLimits,
  ModelEvidence,
} from './FailureSource';

/** A test run as `test-recorder:get-run` gives it. */
type TestRun = {
  runId: string;
  suite: string;
  entityRef: string;
  status: string;
  reason?: string;
  createdAt: string;
  finishedAt?: string;
  counts: { passed: number; failed: number; flaky: number; skipped: number };
  tests: Array<{
    testId: string;
    name: string;
    status: string;
    quarantined?: boolean;
    attempts: Array<{
      attempt: number;
      status: string;
      durationMs?: number;
      error?: string;
      failedStep?: string;
    }>;
  }>;
};

type TestHistory = {
  runs: Array<{
    runId: string;
    createdAt: string;
    status: string;
    durationMs?: number;
    commit?: string;
  }>;
};

/**
 * A test run as a log in Playwright's list-reporter style, so the failure rules that read
 * Playwright output read it too: the reason of the run, each failed test with its attempts'
 * errors, and the summary. `testIds[i]` is the test of line i + 1.
 */
export function testRunLog(run: TestRun): { text: string; testIds: string[] } {
  const lines: string[] = [];
  const testIds: string[] = [];
  const push = (text: string, testId = '') => {
    for (const part of text.split('\n')) {
      lines.push(part);
      testIds.push(testId);
    }
  };
  push(`Test run ${run.runId} of suite ${run.suite}: ${run.status}`);
  if (run.reason) push(`Error: ${run.reason}`);
  const failed = run.tests.filter(t => t.status === 'failed');
  const flaky = run.tests.filter(t => t.status === 'flaky');
  let index = 0;
  for (const test of [...failed, ...flaky]) {
    index += 1;
    push('');
    push(
      `  ${index}) [${run.suite}] › ${test.name}${
        test.status === 'flaky' ? ' (flaky: passed on a retry)' : ''
      } ─────`,
      test.testId,
    );
    for (const attempt of test.attempts) {
      if (!attempt.error) continue;
      push('', test.testId);
      push(
        `    ${
          attempt.attempt > 1 ? `Retry #${attempt.attempt - 1}` : 'Attempt 1'
        }${attempt.failedStep ? ` (step ${attempt.failedStep})` : ''}:`,
        test.testId,
      );
      push(
        attempt.error
          .split('\n')
          .map(line => `    ${line}`)
          .join('\n'),
        test.testId,
      );
    }
  }
  push('');
  if (failed.length > 0) {
    push(`  ${failed.length} failed`);
    for (const test of failed)
      push(`    [${run.suite}] › ${test.name}`, test.testId);
  }
  if (run.counts.flaky > 0) push(`  ${run.counts.flaky} flaky`);
  if (run.counts.skipped > 0) push(`  ${run.counts.skipped} skipped`);
  push(`  ${run.counts.passed} passed`);
  return { text: lines.join('\n'), testIds };
}

/**
 * Test-recorder runs, through the test recorder's actions: `get-run` (each test's attempts
 * and errors, read as a log) and `get-test-history` (earlier runs of the first failed test).
 */
export class TestRunSource implements FailureSource {
  readonly kind = 'test-recorder' as const;
  private run?: TestRun;

  constructor(
    private readonly reader: ActionReader,
    private readonly runId: string,
    private readonly options: {
      appBaseUrl: string;
      limits: FailureSourceLimits;
    },
  ) {}

  private runUrl(runId: string) {
    return `${this.options.appBaseUrl}/test-recorder/runs/${encodeURIComponent(
      runId,
    )}`;
  }

  async readFailedRun(): Promise<FailedRun> {
    let run: TestRun;
    try {
      ({ run } = await this.reader.invoke<{ run: TestRun }>(
        'test-recorder:get-run',
        { runId: this.runId },
      ));
    } catch (error) {
      throw runReadError(`Test run ${this.runId}`, error);
    }
    this.run = run;
    const title = `${run.suite} test run`;
    assertExplainable(`Test run ${this.runId} of ${run.suite}`, run.status, {
      failed: ['failed', 'cancelled'],
      active: ['queued', 'running'],
    });
    const { text, testIds } = testRunLog(run);
    const tail = tailLines(text, this.options.limits.maxLogLines);
    const url = this.runUrl(this.runId);
    const failedTest = run.tests.find(t => t.status === 'failed');
    return {
      run: {
        kind: 'test-recorder',
        runId: this.runId,
        title,
        status: run.status,
        entityRef: run.entityRef,
        pipeline: run.suite,
        ...(failedTest ? { failedStep: failedTest.name } : {}),
        url,
      },
      pipelineKey: `test-recorder:${run.suite}`,
      startedAt: run.createdAt,
      finishedAt: run.finishedAt ?? run.createdAt,
      log: {
        text: tail.text,
        source: `the results of ${formatNumber(run.tests.length)} tests (${
          run.counts.failed
        } failed, ${run.counts.flaky} flaky)`,
        lineUrl: line => {
          const testId = testIds[tail.dropped + line - 1];
          return testId
            ? `${url}?test=${encodeURIComponent(testId)}`
            : undefined;
        },
        warnings: [],
      },
      ...(run.reason ? { error: run.reason } : {}),
      warnings: [],
    };
  }

  async earlierRuns(_failed: FailedRun, limit: number): Promise<EarlierRun[]> {
    const run = this.run!;
    const test =
      run.tests.find(t => t.status === 'failed') ??
      run.tests.find(t => t.status === 'flaky');
    if (!test) return [];
    const output = await this.reader.optional<{ history: TestHistory }>(
      `the history of test ${test.name}`,
      'test-recorder:get-test-history',
      {
        suite: run.suite,
        testId: test.testId,
        limit: Math.min(200, limit + 1),
      },
    );
    const before = Date.parse(run.createdAt);
    return (output?.history?.runs ?? [])
      .filter(
        r =>
          r.runId !== run.runId &&
          r.status !== 'skipped' &&
          Date.parse(r.createdAt) < before,
      )
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
      .slice(0, limit)
      .map(r => ({
        runId: r.runId,
        // A flaky test passed on a retry: its run went on green
        status: r.status === 'failed' ? 'failed' : 'succeeded',
        ...(r.commit ? { commit: r.commit } : {}),
        finishedAt: new Date(
          Date.parse(r.createdAt) + (r.durationMs ?? 0),
        ).toISOString(),
        url: this.runUrl(r.runId),
      }));
  }

  async readEarlierLog(run: EarlierRun): Promise<string | undefined> {
    const output = await this.reader.optional<{ run: TestRun }>(
      `the earlier test run ${run.runId}`,
      'test-recorder:get-run',
      { runId: run.runId },
    );
    return output?.run
      ? tailLines(
          testRunLog(output.run).text,
          this.options.limits.maxEarlierLogLines,
        ).text
      : undefined;
  }

  async modelEvidence(): Promise<ModelEvidence[]> {
    const run = this.run!;
    return [
      {
        kind: 'test-results',
        title: `Results of test run ${run.runId}`,
        url: this.runUrl(run.runId),
        content: {
          counts: run.counts,
          tests: run.tests.slice(0, 50).map(t => ({
            name: t.name,
            status: t.status,
            ...(t.quarantined ? { quarantined: true } : {}),
            attempts: t.attempts.length,
          })),
        },
      },
    ];
  }
}
