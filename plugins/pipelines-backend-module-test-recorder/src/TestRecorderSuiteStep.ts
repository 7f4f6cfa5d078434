import type { AuthService } from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type {
  PipelineStepContext,
  PipelineStepReport,
  PipelineStepType,
} from '@internal/plugin-pipelines-node';
import {
  parseTestSuitesAnnotation,
  SUITE_NAME_PATTERN,
  TEST_SUITES_ANNOTATION,
  type TestResult,
  type TestRun,
} from '@internal/plugin-test-recorder-common';
import {
  sleep,
  type TestRecorderClient,
  type TestRecorderPipelineRunRequest,
} from './TestRecorderClient';

export const TEST_RECORDER_SUITE_STEP_ID = 'test-recorder/suite';

/** Retries a failed test at most this often: each retry holds a browser for the whole test. */
export const MAX_TEST_RETRIES = 5;

const FINISHED_RUN_STATUSES = ['passed', 'failed', 'cancelled'];

function isBlank(value: unknown) {
  return value === undefined || value === null || value === '';
}

function inputError(name: string, expected: string, value: unknown) {
  return new Error(
    `Input "${name}" of ${TEST_RECORDER_SUITE_STEP_ID} must be ${expected}, not ${JSON.stringify(
      value,
    )}`,
  );
}

/** The inputs of a `uses: test-recorder/suite` step, checked. */
export function parseSuiteStepInputs(inputs: Record<string, unknown>): {
  suite: string;
  baseUrl?: string;
  retries?: number;
  project?: string;
} {
  const { suite, baseUrl, retries, project } = inputs;
  if (typeof suite !== 'string' || !SUITE_NAME_PATTERN.test(suite)) {
    throw inputError(
      'suite',
      'a suite name (lower-case letters, digits and dashes)',
      suite,
    );
  }
  let url: string | undefined;
  if (!isBlank(baseUrl)) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(String(baseUrl));
    } catch {
      parsed = undefined;
    }
    if (
      typeof baseUrl !== 'string' ||
      !parsed ||
      !['http:', 'https:'].includes(parsed.protocol)
    ) {
      throw inputError('baseUrl', 'an absolute http(s) URL', baseUrl);
    }
    url = baseUrl;
  }
  let retryCount: number | undefined;
  if (!isBlank(retries)) {
    retryCount = Number(retries);
    if (
      (typeof retries !== 'number' && typeof retries !== 'string') ||
      !Number.isInteger(retryCount) ||
      retryCount < 0 ||
      retryCount > MAX_TEST_RETRIES
    ) {
      throw inputError(
        'retries',
        `a whole number from 0 to ${MAX_TEST_RETRIES}`,
        retries,
      );
    }
  }
  if (!isBlank(project) && typeof project !== 'string') {
    throw inputError('project', 'a Playwright device name', project);
  }
  return {
    suite,
    baseUrl: url,
    retries: retryCount,
    project: isBlank(project) ? undefined : (project as string),
  };
}

function seconds(durationMs: number) {
  return `${(durationMs / 1000).toFixed(1)} s`;
}

/** One log line for a finished test: `✓ checkout (3.2 s)`, `✗ browse: … at step 4`. */
export function describeTestResult(result: TestResult): string {
  const quarantined = result.quarantined ? ' (quarantined)' : '';
  switch (result.status) {
    case 'passed':
      return `✓ ${result.testName} (${seconds(result.durationMs)})`;
    case 'flaky': {
      const passedOn = result.attempts.find(a => a.status === 'passed');
      return `~ flaky ${result.testName} (${seconds(result.durationMs)}${
        passedOn ? `, passed on attempt ${passedOn.attempt}` : ''
      })${quarantined}`;
    }
    case 'skipped':
      return `- ${result.testName}: skipped${quarantined}`;
    default: {
      const failure = result.attempts[result.attempts.length - 1]?.error;
      const where =
        failure?.stepIndex !== undefined
          ? ` at step ${failure.stepIndex + 1}`
          : '';
      return `✗ ${result.testName}: ${
        failure?.message ?? 'failed'
      }${where}${quarantined}`;
    }
  }
}

/** What the step reports of the suite's run. */
export const TEST_RECORDER_SUITE_REPORT_KIND = 'test-recorder.suite';

function isHttpUrl(value: string) {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * The report of a finished suite run: failed when a test failed (or the run was cancelled or
 * could not run), a warning when it passed with flaky tests, passed otherwise; the counts in
 * the summary and the run page as the link (when `app.baseUrl` makes it absolute).
 */
export function suiteReport(
  run: TestRun,
  suite: string,
  link: string,
): PipelineStepReport {
  const { passed, failed, flaky, skipped } = run.counts;
  const counts = `${passed} passed, ${failed} failed, ${flaky} flaky, ${skipped} skipped`;
  let status: PipelineStepReport['status'] = 'passed';
  let summary = counts;
  if (run.status === 'cancelled') {
    status = 'failed';
    summary = `Cancelled in the test recorder (${counts})`;
  } else if (run.status !== 'passed') {
    status = 'failed';
    if (run.reason) {
      const reason = run.reason.replace(/\s+/g, ' ').trim();
      summary = `Could not run: ${reason}`.slice(0, 500);
    }
  } else if (flaky > 0) {
    status = 'warning';
  }
  return {
    kind: TEST_RECORDER_SUITE_REPORT_KIND,
    title: `Test suite ${suite}`,
    status,
    summary,
    ...(isHttpUrl(link) ? { url: link } : {}),
    data: {
      testRunId: run.runId,
      suite,
      passed,
      failed,
      flaky,
      skipped,
    },
  };
}

/**
 * `uses: test-recorder/suite`: runs a recorded browser test suite of the run's entity through
 * the test-recorder backend, logs each test as it finishes and fails the step when a test
 * fails; reports the run's counts (`test-recorder.suite`, linking the test run page).
 * Inputs (`with:`): `suite` (required), `baseUrl`, `retries` (0..5), `project`.
 *
 * A pipeline file is written by whoever can push to the repository, and the run is started
 * with Comet's own credentials, so `suite` may only name a suite in the entity's
 * `comet.dev/test-suites`.
 */
export class TestRecorderSuiteStep implements PipelineStepType {
  readonly id = TEST_RECORDER_SUITE_STEP_ID;
  readonly description =
    "Runs a recorded browser test suite of the run's entity and fails when a test fails";
  readonly requiredInputs = ['suite'];

  static create(options: {
    client: TestRecorderClient;
    catalog: CatalogService;
    auth: AuthService;
    /** The portal's address, for links to the run page (`app.baseUrl`). */
    appBaseUrl?: string;
    /** How often the run is polled (1 s). */
    pollIntervalMs?: number;
  }) {
    return new TestRecorderSuiteStep(
      options.client,
      options.catalog,
      options.auth,
      options.appBaseUrl?.replace(/\/+$/, '') ?? '',
      options.pollIntervalMs ?? 1000,
    );
  }

  private constructor(
    private readonly client: TestRecorderClient,
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
    private readonly appBaseUrl: string,
    private readonly pollIntervalMs: number,
  ) {}

  async run(context: PipelineStepContext): Promise<void> {
    const { log, signal } = context;
    const inputs = parseSuiteStepInputs(context.inputs);
    await this.checkAnnotation(context.entityRef, inputs.suite);

    const request: TestRecorderPipelineRunRequest = {
      entityRef: context.entityRef,
      suite: inputs.suite,
      pipelineRunId: context.runId,
    };
    if (inputs.baseUrl !== undefined) request.baseUrl = inputs.baseUrl;
    if (inputs.retries !== undefined) request.retries = inputs.retries;
    if (inputs.project !== undefined) request.project = inputs.project;
    if (context.commit) request.commit = context.commit;

    const started = await this.client.startPipelineRun(request, signal);
    const link = `${this.appBaseUrl}/test-recorder/runs/${encodeURIComponent(
      started.runId,
    )}`;
    log.info(
      `Started test run ${started.runId} of suite ${inputs.suite} (version ${started.suiteVersion}): ${link}`,
    );

    const logged = new Set<string>();
    let run: TestRun;
    try {
      for (;;) {
        await sleep(this.pollIntervalMs, signal);
        run = await this.client.getRun(started.runId, signal);
        const runFinished = FINISHED_RUN_STATUSES.includes(run.status);
        for (const result of run.results) {
          // A failed test with retries left may still pass (and end flaky)
          const testFinished =
            result.status !== 'failed' ||
            runFinished ||
            result.attempts.length > run.retries;
          if (!testFinished || logged.has(result.testId)) continue;
          logged.add(result.testId);
          const line = describeTestResult(result);
          if (result.status === 'failed') log.error(line);
          else log.info(line);
        }
        if (runFinished) break;
      }
    } catch (error) {
      if (signal.aborted) {
        await this.cancel(started.runId, context);
      }
      throw error;
    }
    await context.report(suiteReport(run, inputs.suite, link));
    this.finish(run, inputs.suite, link, context);
  }

  private finish(
    run: TestRun,
    suite: string,
    link: string,
    context: PipelineStepContext,
  ) {
    const total = run.results.length;
    if (run.status === 'passed') {
      const { flaky, skipped } = run.counts;
      const notes = [
        flaky > 0 ? `${flaky} flaky` : '',
        skipped > 0 ? `${skipped} skipped` : '',
      ].filter(Boolean);
      context.log.info(
        `All ${total} tests of suite ${suite} passed${
          notes.length > 0 ? ` (${notes.join(', ')})` : ''
        }: ${link}`,
      );
      return;
    }
    if (run.status === 'cancelled') {
      throw new Error(
        `Test run ${run.runId} of suite ${suite} was cancelled in the test recorder: ${link}`,
      );
    }
    if (run.reason) {
      throw new Error(`Suite ${suite} could not run: ${run.reason} (${link})`);
    }
    const failed = run.results.filter(r => r.status === 'failed').length;
    throw new Error(
      `${failed} of ${total} tests failed in suite ${suite}: ${link}`,
    );
  }

  private async cancel(runId: string, context: PipelineStepContext) {
    try {
      await this.client.cancelRun(runId);
      context.log.info(`Cancelled test run ${runId}`);
    } catch (error) {
      context.log.error(
        `Could not cancel test run ${runId}: ${(error as Error).message}`,
      );
    }
  }

  /** Refuses suites that are not the run's entity's own. */
  private async checkAnnotation(entityRef: string, suite: string) {
    const entity = await this.catalog.getEntityByRef(entityRef, {
      credentials: await this.auth.getOwnServiceCredentials(),
    });
    if (!entity) {
      throw new Error(
        `${TEST_RECORDER_SUITE_STEP_ID}: the run's entity ${entityRef} is not in the catalog`,
      );
    }
    const value = entity.metadata.annotations?.[TEST_SUITES_ANNOTATION];
    let names: string[];
    try {
      names = parseTestSuitesAnnotation(value);
    } catch (error) {
      throw new Error(
        `${TEST_RECORDER_SUITE_STEP_ID}: bad annotation of ${entityRef}: ${
          (error as Error).message
        }`,
      );
    }
    if (!names.includes(suite)) {
      throw new Error(
        `${TEST_RECORDER_SUITE_STEP_ID} runs only the suites of the run's entity: "${suite}" is not in the annotation ${TEST_SUITES_ANNOTATION} of ${entityRef} (${
          names.length > 0 ? `"${names.join(', ')}"` : 'not set'
        }); add it there`,
      );
    }
  }
}
