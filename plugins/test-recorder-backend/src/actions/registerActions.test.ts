import { mockCredentials } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { NotAllowedError } from '@backstage/errors';
import type { TestRun } from '@internal/plugin-test-recorder-common';
import type { TestRecorderService } from '../service/TestRecorderService';
import { briefRun, registerActions } from './registerActions';

const credentials = mockCredentials.user('user:default/ada');
const entityRef = 'component:default/storefront-web';

const DEFINITION = {
  name: 'storefront-checkout',
  baseUrl: 'http://127.0.0.1:4173',
  tests: [{ id: 'checkout', name: 'Checkout', steps: [] }],
};

const RUN: TestRun = {
  runId: 'run-1',
  suiteName: 'storefront-checkout',
  suiteVersion: 3,
  entityRef,
  status: 'failed',
  trigger: 'manual',
  triggeredBy: 'user:default/ada',
  createdAt: '2026-12-05T10:00:00.000Z',
  finishedAt: '2026-12-05T10:01:00.000Z',
  reason: 'a test failed',
  counts: { passed: 1, failed: 1, flaky: 0, skipped: 0 },
  baseUrl: 'http://127.0.0.1:4173',
  retries: 1,
  results: [
    {
      testId: 'checkout',
      testName: 'Checkout',
      status: 'failed',
      quarantined: false,
      durationMs: 900,
      attempts: [
        {
          attempt: 1,
          status: 'failed',
          durationMs: 900,
          error: { message: 'Timed out', stepId: 's2', signature: 'timed out' },
          traceArtifactId: 'trace-1',
          videoArtifactId: 'video-1',
          steps: [
            {
              stepId: 's1',
              index: 0,
              action: 'navigate',
              status: 'passed',
              durationMs: 100,
            },
            {
              stepId: 's2',
              index: 1,
              action: 'click',
              status: 'failed',
              durationMs: 800,
              screenshotArtifactId: 'shot-1',
            },
          ],
        },
      ],
    },
    {
      testId: 'search',
      testName: 'Search',
      status: 'passed',
      quarantined: true,
      durationMs: 50,
      attempts: [{ attempt: 1, status: 'passed', durationMs: 50, steps: [] }],
    },
  ],
};

function setup() {
  const service = {
    listSuites: jest.fn(async () => ({
      suites: [
        {
          name: 'storefront-checkout',
          entityRef,
          title: 'Checkout',
          version: 3,
          testCount: 2,
          updatedAt: '2026-12-05T09:00:00.000Z',
          latestRun: { ...RUN, results: undefined },
        },
        {
          name: 'storefront-search',
          entityRef,
          version: 1,
          testCount: 1,
          updatedAt: '2026-12-05T09:00:00.000Z',
        },
      ],
      annotated: ['storefront-checkout', 'ghost'],
      missing: [{ name: 'ghost', reason: 'not-found' }],
    })),
    getVersion: jest.fn(async () => ({
      version: 3,
      createdAt: '2026-12-05T09:00:00.000Z',
      createdBy: 'user:default/ada',
      definition: DEFINITION,
    })),
    code: jest.fn(async () => ({
      files: [{ path: 'tests/storefront-checkout.spec.ts', content: 'test()' }],
    })),
    createSuite: jest.fn(async () => ({
      name: 'storefront-checkout',
      version: 1,
    })),
    updateSuite: jest.fn(async () => ({
      name: 'storefront-checkout',
      version: 4,
    })),
    runSuite: jest.fn(async () => ({ runId: 'run-2', status: 'queued' })),
    getRun: jest.fn(async () => RUN),
    history: jest.fn(async () => ({
      suiteName: 'storefront-checkout',
      passRate: 1,
    })),
  };
  const registry = actionsRegistryServiceMock();
  registerActions(registry, service as unknown as TestRecorderService);
  return { registry, service };
}

describe('test recorder actions', () => {
  it('registers honest attributes', async () => {
    const { registry } = setup();
    const { actions } = await registry.list();
    expect(
      actions.map(a => [
        a.name,
        a.attributes.readOnly,
        a.attributes.destructive,
        a.attributes.idempotent,
      ]),
    ).toEqual([
      ['list-suites', true, false, true],
      ['get-suite', true, false, true],
      ['create-suite', false, false, false],
      ['update-suite', false, false, false],
      ['run-suite', false, false, false],
      ['get-run', true, false, true],
      ['get-test-history', true, false, true],
    ]);
  });

  it("lists an entity's suites briefly, with the missing ones", async () => {
    const { registry, service } = setup();
    const result = await registry.invoke({
      id: 'test:list-suites',
      input: { entityRef },
      credentials,
    });
    expect(service.listSuites).toHaveBeenCalledWith(credentials, entityRef);
    expect(result.output).toEqual({
      suites: [
        {
          name: 'storefront-checkout',
          title: 'Checkout',
          version: 3,
          tests: 2,
          latestRun: { runId: 'run-1', status: 'failed' },
        },
        {
          name: 'storefront-search',
          version: 1,
          tests: 1,
        },
      ],
      missing: [{ name: 'ghost', reason: 'not-found' }],
    });
  });

  it('gets a suite with the code of the same version', async () => {
    const { registry, service } = setup();
    const result = await registry.invoke({
      id: 'test:get-suite',
      input: { suite: 'storefront-checkout' },
      credentials,
    });
    expect(service.getVersion).toHaveBeenCalledWith(
      credentials,
      'storefront-checkout',
      undefined,
    );
    expect(service.code).toHaveBeenCalledWith(
      credentials,
      'storefront-checkout',
      3,
    );
    expect(result.output).toEqual({
      definition: DEFINITION,
      version: 3,
      files: [{ path: 'tests/storefront-checkout.spec.ts', content: 'test()' }],
    });
    await registry.invoke({
      id: 'test:get-suite',
      input: { suite: 'storefront-checkout', version: 2 },
      credentials,
    });
    expect(service.getVersion).toHaveBeenLastCalledWith(
      credentials,
      'storefront-checkout',
      2,
    );
    await expect(
      registry.invoke({
        id: 'test:get-suite',
        input: { suite: 'storefront-checkout', version: 0 },
        credentials,
      }),
    ).rejects.toMatchObject({ name: 'InputError' });
  });

  it('creates and runs suites as the caller', async () => {
    const { registry, service } = setup();
    const created = await registry.invoke({
      id: 'test:create-suite',
      input: { entityRef, definition: DEFINITION, message: 'From the AI' },
      credentials,
    });
    expect(service.createSuite).toHaveBeenCalledWith(credentials, {
      entityRef,
      definition: DEFINITION,
      message: 'From the AI',
    });
    expect(created.output).toEqual({ name: 'storefront-checkout', version: 1 });

    const run = await registry.invoke({
      id: 'test:run-suite',
      input: {
        suite: 'storefront-checkout',
        testIds: ['checkout'],
        retries: 2,
      },
      credentials,
    });
    expect(service.runSuite).toHaveBeenCalledWith(
      credentials,
      'storefront-checkout',
      { testIds: ['checkout'], retries: 2, trigger: 'action' },
    );
    expect(run.output).toEqual({ runId: 'run-2', status: 'queued' });
    await expect(
      registry.invoke({
        id: 'test:run-suite',
        input: { suite: 'storefront-checkout', retries: 6 },
        credentials,
      }),
    ).rejects.toMatchObject({ name: 'InputError' });
  });

  it('saves a new version as the caller, from its base version', async () => {
    const { registry, service } = setup();
    const updated = await registry.invoke({
      id: 'test:update-suite',
      input: {
        suite: 'storefront-checkout',
        definition: DEFINITION,
        baseVersion: 3,
        message: 'Repaired',
      },
      credentials,
    });
    expect(service.updateSuite).toHaveBeenCalledWith(
      credentials,
      'storefront-checkout',
      { definition: DEFINITION, baseVersion: 3, message: 'Repaired' },
    );
    expect(updated.output).toEqual({ name: 'storefront-checkout', version: 4 });
    await expect(
      registry.invoke({
        id: 'test:update-suite',
        input: { suite: 'storefront-checkout', definition: DEFINITION },
        credentials,
      }),
    ).rejects.toMatchObject({ name: 'InputError' });
  });

  it('passes refusals of the service on', async () => {
    const { registry, service } = setup();
    service.runSuite.mockRejectedValueOnce(
      new NotAllowedError('You are not allowed to test-recorder.suite.run'),
    );
    await expect(
      registry.invoke({
        id: 'test:run-suite',
        input: { suite: 'storefront-checkout' },
        credentials,
      }),
    ).rejects.toThrow('You are not allowed to test-recorder.suite.run');
  });

  it('gets a run briefly: statuses, errors and artifact ids', async () => {
    const { registry, service } = setup();
    const result = await registry.invoke({
      id: 'test:get-run',
      input: { runId: 'run-1' },
      credentials,
    });
    expect(service.getRun).toHaveBeenCalledWith(credentials, 'run-1');
    expect(result.output).toEqual({ run: briefRun(RUN) });
    expect(briefRun(RUN)).toEqual({
      runId: 'run-1',
      suite: 'storefront-checkout',
      entityRef,
      status: 'failed',
      trigger: 'manual',
      reason: 'a test failed',
      createdAt: '2026-12-05T10:00:00.000Z',
      finishedAt: '2026-12-05T10:01:00.000Z',
      counts: { passed: 1, failed: 1, flaky: 0, skipped: 0 },
      tests: [
        {
          testId: 'checkout',
          name: 'Checkout',
          status: 'failed',
          quarantined: false,
          attempts: [
            {
              attempt: 1,
              status: 'failed',
              durationMs: 900,
              error: 'Timed out',
              failedStep: 's2',
              traceArtifactId: 'trace-1',
              videoArtifactId: 'video-1',
              screenshots: [{ stepId: 's2', artifactId: 'shot-1' }],
            },
          ],
        },
        {
          testId: 'search',
          name: 'Search',
          status: 'passed',
          quarantined: true,
          attempts: [
            { attempt: 1, status: 'passed', durationMs: 50, screenshots: [] },
          ],
        },
      ],
    });
    const queued = briefRun({
      ...RUN,
      status: 'queued',
      reason: undefined,
      finishedAt: undefined,
      results: [],
    });
    expect(queued).not.toHaveProperty('reason');
    expect(queued).not.toHaveProperty('finishedAt');
  });

  it("gets a test's history, 50 runs unless told", async () => {
    const { registry, service } = setup();
    const result = await registry.invoke({
      id: 'test:get-test-history',
      input: { suite: 'storefront-checkout', testId: 'checkout' },
      credentials,
    });
    expect(service.history).toHaveBeenCalledWith(
      credentials,
      'storefront-checkout',
      'checkout',
      50,
    );
    expect(result.output).toEqual({
      history: { suiteName: 'storefront-checkout', passRate: 1 },
    });
    await registry.invoke({
      id: 'test:get-test-history',
      input: { suite: 'storefront-checkout', testId: 'checkout', limit: 5 },
      credentials,
    });
    expect(service.history).toHaveBeenLastCalledWith(
      credentials,
      'storefront-checkout',
      'checkout',
      5,
    );
  });
});
