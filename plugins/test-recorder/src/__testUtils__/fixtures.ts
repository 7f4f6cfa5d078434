import type {
  TestRun,
  TestRunSummary,
  TestSuite,
  TestSuiteDefinition,
} from '@internal/plugin-test-recorder-common';
import type { TestRecorderApi, TestRecorderConfig } from '../api';
import type {
  RecordingServerMessage,
  RecordingSocket,
} from '../recordingMessages';

export const entityRef = 'component:default/storefront-web';

export function entityWith(
  annotations: Record<string, string>,
  name = 'storefront-web',
) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'website', owner: 'team-shop', lifecycle: 'production' },
  };
}

export const entity = entityWith({
  'comet.dev/test-suites':
    'storefront-checkout, storefront-search, payments-api-smoke',
});

export const config: TestRecorderConfig = {
  enabled: true,
  allowedOrigins: ['http://localhost:3000'],
  videoAvailable: true,
  sandboxAvailable: true,
  devices: ['Desktop Chrome', 'Pixel 7'],
  testIdAttribute: 'data-testid',
  maxConcurrentRuns: 2,
};

export const definition: TestSuiteDefinition = {
  name: 'storefront-checkout',
  title: 'Storefront checkout',
  baseUrl: 'http://localhost:3000',
  secrets: ['card-number', 'api-token'],
  tests: [
    {
      id: 'checkout',
      name: 'Checkout with a card',
      steps: [
        { id: 's1', action: 'navigate', url: '/' },
        {
          id: 's2',
          action: 'click',
          target: {
            locator: { kind: 'role', role: 'button', name: 'Add to cart' },
          },
        },
        {
          id: 's3',
          action: 'fill',
          target: { locator: { kind: 'label', value: 'Card number' } },
          secret: 'card-number',
        },
        {
          id: 's4',
          action: 'click',
          target: {
            locator: { kind: 'css', value: 'div.pay > button', nth: 1 },
          },
        },
      ],
    },
    {
      id: 'browse',
      name: 'Browse the catalogue',
      steps: [{ id: 'b1', action: 'navigate', url: '/products' }],
    },
  ],
};

export const suite: TestSuite = {
  name: 'storefront-checkout',
  entityRef,
  version: 3,
  definition,
  updatedAt: '2026-12-01T10:00:00.000Z',
  updatedBy: 'user:default/ada',
  quarantinedTestIds: [],
  secretsSet: ['card-number'],
  files: [],
};

export function runSummary(
  runId: string,
  overrides: Partial<TestRunSummary> = {},
): TestRunSummary {
  return {
    runId,
    suiteName: 'storefront-checkout',
    suiteVersion: 3,
    entityRef,
    status: 'passed',
    trigger: 'manual',
    triggeredBy: 'user:default/ada',
    createdAt: '2026-12-02T09:00:00.000Z',
    finishedAt: '2026-12-02T09:01:00.000Z',
    durationMs: 60_000,
    counts: { passed: 2, failed: 0, flaky: 0, skipped: 0 },
    ...overrides,
  };
}

export function run(overrides: Partial<TestRun> = {}): TestRun {
  return {
    ...runSummary('run-1', {
      status: 'failed',
      counts: { passed: 0, failed: 1, flaky: 1, skipped: 0 },
    }),
    baseUrl: 'http://localhost:3000',
    project: 'Pixel 7',
    retries: 1,
    results: [
      {
        testId: 'checkout',
        testName: 'Checkout with a card',
        status: 'failed',
        quarantined: false,
        durationMs: 4200,
        attempts: [
          {
            attempt: 1,
            status: 'failed',
            durationMs: 2100,
            error: {
              message: 'locator.click: Timeout 5000ms exceeded',
              stepId: 's4',
              stepIndex: 3,
              signature: 'locator.click: Timeout <n>ms exceeded',
            },
            steps: [
              {
                stepId: 's1',
                index: 0,
                action: 'navigate',
                status: 'passed',
                durationMs: 300,
                screenshotArtifactId: 'shot-1',
              },
              {
                stepId: 's4',
                index: 3,
                action: 'assertScreenshot',
                status: 'failed',
                durationMs: 500,
                error: 'Screenshot differs from the baseline',
                visual: {
                  name: 'cart',
                  status: 'differs',
                  baselineArtifactId: 'base-1',
                  actualArtifactId: 'actual-1',
                  diffArtifactId: 'diff-1',
                  diffPixels: 1234,
                  diffRatio: 0.0125,
                },
              },
            ],
            videoArtifactId: 'video-1',
            traceArtifactId: 'trace-1',
          },
        ],
      },
      {
        testId: 'browse',
        testName: 'Browse the catalogue',
        status: 'flaky',
        quarantined: true,
        durationMs: 900,
        attempts: [
          {
            attempt: 1,
            status: 'failed',
            durationMs: 400,
            steps: [],
            error: { message: 'net::ERR_CONNECTION_RESET', signature: 'net' },
          },
          { attempt: 2, status: 'passed', durationMs: 500, steps: [] },
        ],
      },
    ],
    ...overrides,
  };
}

/** The recorder socket in memory: what the page sent, and messages the test pushes. */
export class FakeSocket implements RecordingSocket {
  readyState = 0;
  readonly sent: any[] = [];
  closed?: { code?: number; reason?: string };
  private readonly listeners = new Map<string, Set<(event: any) => void>>();

  send(data: string) {
    this.sent.push(JSON.parse(data));
  }

  close(code?: number, reason?: string) {
    this.closed = { code, reason };
    this.readyState = 3;
  }

  addEventListener(type: string, listener: (event: any) => void) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(listener);
  }

  removeEventListener(type: string, listener: (event: any) => void) {
    this.listeners.get(type)?.delete(listener);
  }

  private emit(type: string, event: any) {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }

  open() {
    this.readyState = 1;
    this.emit('open', {});
  }

  receive(message: RecordingServerMessage) {
    this.emit('message', { data: JSON.stringify(message) });
  }

  receiveRaw(data: string) {
    this.emit('message', { data });
  }

  drop(reason: string) {
    this.readyState = 3;
    this.emit('close', { reason });
  }

  sentOfType(type: string) {
    return this.sent.filter(m => m.type === type);
  }
}

/** A `TestRecorderApi` whose every method is a jest mock with a sensible answer. */
export function mockApi(
  overrides: Partial<TestRecorderApi> = {},
): jest.Mocked<TestRecorderApi> {
  const api: TestRecorderApi = {
    getConfig: async () => config,
    getEntitySuites: async () => ({
      suites: [
        {
          name: 'storefront-checkout',
          entityRef,
          title: 'Storefront checkout',
          version: 3,
          testCount: 2,
          updatedAt: suite.updatedAt,
          latestRun: runSummary('run-9', {
            status: 'failed',
            counts: { passed: 1, failed: 1, flaky: 0, skipped: 0 },
          }),
        },
      ],
      annotated: [
        'storefront-checkout',
        'storefront-search',
        'payments-api-smoke',
      ],
      missing: [
        { name: 'storefront-search', reason: 'not-found' },
        {
          name: 'payments-api-smoke',
          reason: 'owned-by-another-entity',
          ownerEntityRef: 'component:default/payments-api',
        },
      ],
    }),
    createSuite: async request => ({
      ...suite,
      name: request.definition.name,
      definition: request.definition,
      version: 1,
    }),
    getSuite: async () => suite,
    updateSuite: async (_name, request) => ({
      ...suite,
      definition: request.definition,
      version: request.baseVersion + 1,
    }),
    deleteSuite: async () => undefined,
    getVersions: async () => ({
      versions: [
        {
          version: 3,
          createdAt: '2026-12-01T10:00:00.000Z',
          createdBy: 'user:default/ada',
          message: 'Settings changed',
        },
        {
          version: 2,
          createdAt: '2026-11-30T10:00:00.000Z',
          createdBy: 'user:default/grace',
          message: 'Recorded "Browse"',
        },
      ],
    }),
    getVersion: async (_name, version) => ({
      version,
      createdAt: '',
      createdBy: '',
      definition,
    }),
    getCode: async (_name, version) => ({
      files: [
        {
          path: 'playwright.config.ts',
          content: `export default {}; // v${version ?? 'current'}`,
        },
        {
          path: 'tests/checkout.spec.ts',
          content: `test('Checkout with a card', async () => {}); // v${
            version ?? 'current'
          }`,
        },
      ],
    }),
    getExportObjectUrl: async () => 'blob:export',
    setSecret: async () => undefined,
    deleteSecret: async () => undefined,
    setQuarantine: async () => undefined,
    getTestHistory: async (_name, testId) => ({
      suiteName: 'storefront-checkout',
      testId,
      testName:
        testId === 'checkout' ? 'Checkout with a card' : 'Browse the catalogue',
      runs: [
        {
          runId: 'run-9',
          createdAt: '2026-12-02T09:00:00.000Z',
          status: 'failed',
          durationMs: 2000,
          commit: 'abcdef1234',
          signature: 'timeout',
        },
        {
          runId: 'run-8',
          createdAt: '2026-12-01T09:00:00.000Z',
          status: 'flaky',
          durationMs: 2100,
        },
      ],
      passRate: 0.5,
      flakeRate: testId === 'checkout' ? 0.25 : 0,
      failureRate: 0.25,
      flaky: testId === 'checkout',
      quarantined: false,
      failureGroups: [
        {
          signature: 'locator.click: Timeout <n>ms exceeded',
          count: 3,
          lastRunId: 'run-9',
        },
      ],
    }),
    runSuite: async () => runSummary('run-new', { status: 'queued' }),
    listRuns: async () => ({
      runs: [
        runSummary('run-9', {
          status: 'failed',
          counts: { passed: 1, failed: 1, flaky: 0, skipped: 0 },
        }),
        runSummary('run-8', { createdAt: '2026-12-01T09:00:00.000Z' }),
      ],
    }),
    getRun: async () => run(),
    cancelRun: async () => undefined,
    acceptBaseline: async () => undefined,
    createJiraBug: async () => ({
      key: 'SHOP-42',
      url: 'https://jira.example.com/browse/SHOP-42',
    }),
    getArtifactUrl: async artifactId =>
      `http://localhost:7007/api/test-recorder/artifacts/${artifactId}?sig=s`,
    getTraceViewerUrl: async artifactId =>
      `http://localhost:7007/api/test-recorder/trace-viewer/index.html?trace=${artifactId}`,
    startRecording: async () => ({
      sessionId: 'session-1',
      baseUrl: 'http://localhost:3000',
      expiresAt: '2026-12-05T18:00:00.000Z',
    }),
    stopRecording: async () => undefined,
    saveRecordingSecrets: async () => ({ saved: ['card-number'] }),
    openRecordingSocket: async () => new FakeSocket(),
    ...overrides,
  };
  for (const key of Object.keys(api) as Array<keyof TestRecorderApi>) {
    (api as any)[key] = jest.fn(api[key] as any);
  }
  return api as jest.Mocked<TestRecorderApi>;
}
