import {
  createBackendPlugin,
  type BackendFeature,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  parsePipelineStepReport,
  pipelineStepTypesExtensionPoint,
  type PipelineStepContext,
  type PipelineStepReport,
  type PipelineStepType,
} from '@internal/plugin-pipelines-node';
import type {
  TestResult,
  TestRun,
} from '@internal/plugin-test-recorder-common';
import type { AddressInfo } from 'node:net';
import { createPipelinesModuleTestRecorder } from './module';
import { suiteReport } from './TestRecorderSuiteStep';
import defaultModule from './index';
import { TestRecorderBackendFake } from './testing/TestRecorderBackendFake';

const entityRef = 'component:default/storefront-web';
const runLink = 'http://portal.test/test-recorder/runs/run-1';

const component = (name: string, suites?: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: (suites ? { 'comet.dev/test-suites': suites } : {}) as Record<
      string,
      string
    >,
  },
  spec: { type: 'website', owner: 'team-a', lifecycle: 'production' },
});

function passed(testId: string, durationMs: number): TestResult {
  return {
    testId,
    testName: testId,
    status: 'passed',
    quarantined: false,
    durationMs,
    attempts: [{ attempt: 1, status: 'passed', durationMs, steps: [] }],
  };
}

function failed(testId: string, attempts = 1): TestResult {
  return {
    testId,
    testName: testId,
    status: 'failed',
    quarantined: false,
    durationMs: 5000,
    attempts: Array.from({ length: attempts }, (_, index) => ({
      attempt: index + 1,
      status: 'failed' as const,
      durationMs: 2500,
      steps: [],
      error: {
        message: 'Expected "Total: €36.00", got "Total: €39.60"',
        stepId: 's7',
        stepIndex: 6,
        signature: 'expected <text>, got <text>',
      },
    })),
  };
}

describe('pipelines-backend-module-test-recorder', () => {
  const fake = new TestRecorderBackendFake();
  let stepTypes: PipelineStepType[];
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  /** Stands in for the pipelines plugin: it only collects the step types modules add. */
  function pipelinesHost(collected: PipelineStepType[]) {
    return createBackendPlugin({
      pluginId: 'pipelines',
      register(reg) {
        reg.registerExtensionPoint(pipelineStepTypesExtensionPoint, {
          addStepType: (...types) => collected.push(...types),
        });
        reg.registerInit({ deps: {}, async init() {} });
      },
    });
  }

  function startBackend(module: BackendFeature, collected: PipelineStepType[]) {
    return startTestBackend({
      features: [
        pipelinesHost(collected),
        module,
        fake.plugin,
        mockServices.rootConfig.factory({
          data: { app: { baseUrl: 'http://portal.test/' } },
        }),
        catalogServiceMock.factory({
          entities: [
            component(
              entityRef.split('/')[1],
              'storefront-checkout, storefront-search',
            ),
            component('payments-api'),
            component('broken', 'Not_A_Suite'),
          ],
        }),
      ],
    });
  }

  beforeAll(async () => {
    stepTypes = [];
    backend = await startBackend(
      createPipelinesModuleTestRecorder({ pollIntervalMs: 1, retryDelayMs: 1 }),
      stepTypes,
    );
  });

  afterAll(async () => {
    await backend.stop();
  });

  beforeEach(() => fake.reset());

  function context(
    inputs: Record<string, unknown>,
    overrides: Partial<Omit<PipelineStepContext, 'log'>> = {},
  ) {
    const log = { info: jest.fn(), error: jest.fn() };
    return {
      runId: 'pipeline-run-7',
      entityRef,
      inputs,
      workspaceDir: '/nowhere',
      env: {},
      commit: 'abc123',
      signal: new AbortController().signal,
      ...overrides,
      log,
      report: jest.fn(async (_report: PipelineStepReport) => {}),
    };
  }

  const step = () => stepTypes[0];

  it('registers test-recorder/suite with its required input', () => {
    expect(stepTypes.map(t => [t.id, t.requiredInputs])).toEqual([
      ['test-recorder/suite', ['suite']],
    ]);
  });

  it('the default export registers the same step with the default polling', async () => {
    const collected: PipelineStepType[] = [];
    const other = await startBackend(defaultModule, collected);
    try {
      expect(collected.map(t => t.id)).toEqual(['test-recorder/suite']);
    } finally {
      await other.stop();
    }
  });

  it('starts the run as the pipelines plugin, logs each finished test and passes', async () => {
    const flaky: TestResult = {
      ...passed('browse', 1000),
      status: 'flaky',
      attempts: [
        { ...failed('browse').attempts[0], attempt: 1 },
        { attempt: 2, status: 'passed', durationMs: 1000, steps: [] },
      ],
    };
    fake.polls = [
      { status: 'running' },
      // browse failed once and has a retry left: not logged yet
      {
        status: 'running',
        results: [passed('checkout', 3240), failed('browse')],
      },
      { status: 'running', results: [passed('checkout', 3240), flaky] },
      {
        status: 'passed',
        results: [passed('checkout', 3240), flaky],
        counts: { passed: 1, failed: 0, flaky: 1, skipped: 0 },
      },
    ];
    const ctx = context({
      suite: 'storefront-checkout',
      baseUrl: 'http://127.0.0.1:4173',
      retries: '1',
      project: 'Pixel 7',
    });
    await step().run(ctx);

    expect(fake.calls[0]).toEqual({
      method: 'POST',
      path: '/pipeline-runs',
      subject: 'plugin:pipelines',
      body: {
        entityRef,
        suite: 'storefront-checkout',
        baseUrl: 'http://127.0.0.1:4173',
        retries: 1,
        project: 'Pixel 7',
        commit: 'abc123',
        pipelineRunId: 'pipeline-run-7',
      },
    });
    expect(
      fake.calls.slice(1).map(c => `${c.method} ${c.path} ${c.subject}`),
    ).toEqual(Array(4).fill('GET /runs/run-1 plugin:pipelines'));
    expect(ctx.log.info.mock.calls.map(c => c[0])).toEqual([
      `Started test run run-1 of suite storefront-checkout (version 3): ${runLink}`,
      '✓ checkout (3.2 s)',
      '~ flaky browse (1.0 s, passed on attempt 2)',
      `All 2 tests of suite storefront-checkout passed (1 flaky): ${runLink}`,
    ]);
    expect(ctx.log.error).not.toHaveBeenCalled();
    // Passed, with a flaky test: a warning
    expect(ctx.report.mock.calls).toEqual([
      [
        {
          kind: 'test-recorder.suite',
          title: 'Test suite storefront-checkout',
          status: 'warning',
          summary: '1 passed, 0 failed, 1 flaky, 0 skipped',
          url: runLink,
          data: {
            testRunId: 'run-1',
            suite: 'storefront-checkout',
            passed: 1,
            failed: 0,
            flaky: 1,
            skipped: 0,
          },
        },
      ],
    ]);
  });

  it('sends only the inputs given, and says "passed" without notes when all passed', async () => {
    fake.polls = [{ status: 'passed', results: [passed('checkout', 500)] }];
    const ctx = context(
      { suite: 'storefront-search', retries: 0 },
      { commit: undefined },
    );
    await step().run(ctx);
    expect(fake.calls[0].body).toEqual({
      entityRef,
      suite: 'storefront-search',
      retries: 0,
      pipelineRunId: 'pipeline-run-7',
    });
    expect(ctx.log.info).toHaveBeenLastCalledWith(
      `All 1 tests of suite storefront-search passed: ${runLink}`,
    );
  });

  it('fails the step naming how many tests failed, with the run link', async () => {
    const skipped: TestResult = {
      ...passed('search', 0),
      status: 'skipped',
      quarantined: true,
      attempts: [],
    };
    fake.polls = [
      { status: 'running', results: [passed('browse', 800)] },
      {
        status: 'failed',
        results: [passed('browse', 800), failed('checkout', 2), skipped],
        counts: { passed: 1, failed: 1, flaky: 0, skipped: 1 },
      },
    ];
    const ctx = context({ suite: 'storefront-checkout', retries: 1 });
    await expect(step().run(ctx)).rejects.toThrow(
      `1 of 3 tests failed in suite storefront-checkout: ${runLink}`,
    );
    expect(ctx.log.error.mock.calls).toEqual([
      ['✗ checkout: Expected "Total: €36.00", got "Total: €39.60" at step 7'],
    ]);
    expect(ctx.log.info.mock.calls.map(c => c[0]).slice(1)).toEqual([
      '✓ browse (0.8 s)',
      '- search: skipped (quarantined)',
    ]);
    // Reported before the step fails
    expect(ctx.report).toHaveBeenCalledWith(
      expect.objectContaining({
        status: 'failed',
        summary: '1 passed, 1 failed, 0 flaky, 1 skipped',
        url: runLink,
      }),
    );
  });

  it("fails with the run's reason when the run failed as a whole", async () => {
    fake.polls = [
      {
        status: 'failed',
        reason:
          'The web server "node src/server.js" did not answer on port 4173 within 30 s',
      },
    ];
    const ctx = context({ suite: 'storefront-checkout' });
    await expect(step().run(ctx)).rejects.toThrow(
      `Suite storefront-checkout could not run: The web server "node src/server.js" did not answer on port 4173 within 30 s (${runLink})`,
    );
    expect(ctx.report).toHaveBeenCalledWith(
      expect.objectContaining({
        status: 'failed',
        summary:
          'Could not run: The web server "node src/server.js" did not answer on port 4173 within 30 s',
      }),
    );
  });

  it('fails when the run was cancelled in the test recorder', async () => {
    fake.polls = [{ status: 'cancelled' }];
    const ctx = context({ suite: 'storefront-checkout' });
    await expect(step().run(ctx)).rejects.toThrow(
      `Test run run-1 of suite storefront-checkout was cancelled in the test recorder: ${runLink}`,
    );
    expect(ctx.report).toHaveBeenCalledWith(
      expect.objectContaining({
        status: 'failed',
        summary:
          'Cancelled in the test recorder (0 passed, 0 failed, 0 flaky, 0 skipped)',
      }),
    );
  });

  it('reports no link without an absolute app.baseUrl, and "passed" when nothing was flaky', () => {
    const run = {
      runId: 'run-9',
      status: 'passed',
      results: [],
      retries: 0,
      counts: { passed: 3, failed: 0, flaky: 0, skipped: 0 },
    } as unknown as TestRun;
    const report = suiteReport(
      run,
      'storefront-search',
      '/test-recorder/runs/run-9',
    );
    expect(report).toMatchObject({
      status: 'passed',
      summary: '3 passed, 0 failed, 0 flaky, 0 skipped',
    });
    expect(report).not.toHaveProperty('url');
    // The report is one the pipelines plugin accepts as is
    expect(parsePipelineStepReport(report)).toEqual(report);
  });

  it('cancels the test run when the step is aborted', async () => {
    const controller = new AbortController();
    fake.polls = [{ status: 'running' }];
    // Aborted while the run is being polled, as a pipeline cancel would
    fake.onPoll = poll => {
      if (poll === 2) controller.abort();
    };
    const ctx = context(
      { suite: 'storefront-checkout' },
      { signal: controller.signal },
    );
    await expect(step().run(ctx)).rejects.toThrow('Cancelled');
    expect(fake.calls.map(c => `${c.method} ${c.path}`)).toEqual([
      'POST /pipeline-runs',
      'GET /runs/run-1',
      'GET /runs/run-1',
      'POST /runs/run-1/cancel',
    ]);
    expect(ctx.log.info).toHaveBeenLastCalledWith('Cancelled test run run-1');
  });

  it('logs, and still fails the step, when the run cannot be cancelled', async () => {
    const controller = new AbortController();
    fake.polls = [{ status: 'running' }];
    fake.cancelError = new ConflictError('Run run-1 has already finished');
    fake.onPoll = () => controller.abort();
    const ctx = context(
      { suite: 'storefront-checkout' },
      { signal: controller.signal },
    );
    await expect(step().run(ctx)).rejects.toThrow('Cancelled');
    expect(ctx.log.error).toHaveBeenCalledWith(
      'Could not cancel test run run-1: test-recorder backend: POST /runs/run-1/cancel answered 409 Conflict: Run run-1 has already finished',
    );
  });

  it('does not start a run when aborted before', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      step().run(
        context(
          { suite: 'storefront-checkout' },
          { signal: controller.signal },
        ),
      ),
    ).rejects.toThrow();
    expect(fake.calls).toEqual([]);
  });

  it("refuses a suite that is not in the entity's comet.dev/test-suites", async () => {
    await expect(
      step().run(context({ suite: 'payments-api-smoke' })),
    ).rejects.toThrow(
      `test-recorder/suite runs only the suites of the run's entity: "payments-api-smoke" is not in the annotation comet.dev/test-suites of ${entityRef} ("storefront-checkout, storefront-search"); add it there`,
    );
    await expect(
      step().run(
        context(
          { suite: 'payments-api-smoke' },
          { entityRef: 'component:default/payments-api' },
        ),
      ),
    ).rejects.toThrow(
      '"payments-api-smoke" is not in the annotation comet.dev/test-suites of component:default/payments-api (not set); add it there',
    );
    await expect(
      step().run(
        context({ suite: 'a' }, { entityRef: 'component:default/broken' }),
      ),
    ).rejects.toThrow(
      'test-recorder/suite: bad annotation of component:default/broken: comet.dev/test-suites: "Not_A_Suite" is not a suite name',
    );
    await expect(
      step().run(
        context({ suite: 'a' }, { entityRef: 'component:default/nowhere' }),
      ),
    ).rejects.toThrow(
      "test-recorder/suite: the run's entity component:default/nowhere is not in the catalog",
    );
    expect(fake.calls).toEqual([]);
  });

  it("names the status and the backend's message of a 4xx", async () => {
    fake.startError = new NotFoundError(
      'No suite storefront-checkout owned by component:default/storefront-web',
    );
    await expect(
      step().run(context({ suite: 'storefront-checkout' })),
    ).rejects.toThrow(
      'test-recorder backend: POST /pipeline-runs answered 404 Not Found: No suite storefront-checkout owned by component:default/storefront-web',
    );
  });

  it('asks again after a 503 or 429 while polling, and gives up on a 500', async () => {
    fake.polls = [
      { httpStatus: 503, message: 'restarting' },
      { httpStatus: 429, retryAfter: '0', message: 'slow down' },
      { status: 'passed', results: [passed('checkout', 100)] },
    ];
    await step().run(context({ suite: 'storefront-checkout' }));
    expect(fake.calls.filter(c => c.method === 'GET')).toHaveLength(3);

    fake.reset();
    fake.polls = [{ httpStatus: 500, message: 'database is gone' }];
    await expect(
      step().run(context({ suite: 'storefront-checkout' })),
    ).rejects.toThrow(
      'test-recorder backend: GET /runs/run-1 answered 500 Internal Server Error: database is gone',
    );
    // not retried: a 500 is a bug, not a passing state
    expect(fake.calls.filter(c => c.method === 'GET')).toHaveLength(1);

    fake.reset();
    fake.polls = [{ httpStatus: 503, message: 'still restarting' }];
    await expect(
      step().run(context({ suite: 'storefront-checkout' })),
    ).rejects.toThrow(
      'test-recorder backend: GET /runs/run-1 answered 503 Service Unavailable: still restarting',
    );
    expect(fake.calls.filter(c => c.method === 'GET')).toHaveLength(4);
  });

  it.each([
    [
      {},
      'Input "suite" of test-recorder/suite must be a suite name (lower-case letters, digits and dashes), not undefined',
    ],
    [
      { suite: 'Bad Name' },
      'must be a suite name (lower-case letters, digits and dashes), not "Bad Name"',
    ],
    [
      { suite: 'x', retries: 6 },
      'Input "retries" of test-recorder/suite must be a whole number from 0 to 5, not 6',
    ],
    [
      { suite: 'x', retries: '1.5' },
      'must be a whole number from 0 to 5, not "1.5"',
    ],
    [
      { suite: 'x', retries: true },
      'must be a whole number from 0 to 5, not true',
    ],
    [
      { suite: 'x', baseUrl: 'ftp://host/' },
      'Input "baseUrl" of test-recorder/suite must be an absolute http(s) URL, not "ftp://host/"',
    ],
    [
      { suite: 'x', baseUrl: '/relative' },
      'must be an absolute http(s) URL, not "/relative"',
    ],
    [
      { suite: 'x', project: 7 },
      'Input "project" of test-recorder/suite must be a Playwright device name, not 7',
    ],
  ])('rejects bad inputs %p', async (inputs, message) => {
    await expect(step().run(context(inputs))).rejects.toThrow(message);
    expect(fake.calls).toEqual([]);
  });

  it('the stand-in backend refuses callers other than the pipelines plugin', async () => {
    const { port } = backend.server.address() as AddressInfo;
    const response = await fetch(
      `http://127.0.0.1:${port}/api/test-recorder/pipeline-runs`,
      {
        method: 'POST',
        headers: {
          authorization: mockCredentials.service.header({
            onBehalfOf: mockCredentials.service('plugin:catalog'),
            targetPluginId: 'test-recorder',
          }),
          'content-type': 'application/json',
        },
        body: '{}',
      },
    );
    expect(response.status).toBe(403);
    expect((await response.json()).error.message).toBe(
      'Only the pipelines plugin may start pipeline runs, not plugin:catalog',
    );
  });
});
