import {
  type AuditorServiceCreateEventOptions,
  type BackstageCredentials,
  coreServices,
  createBackendPlugin,
  createServiceFactory,
  type PermissionsService,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { JsonObject } from '@backstage/types';
import {
  parseTestSuiteDefinition,
  type TestLocator,
  type TestStep,
  type TestSuiteDefinition,
} from '@internal/plugin-test-recorder-common';
import type { Knex } from 'knex';
import request from 'supertest';
import { aiAssistantPlugin } from '../../plugin';

export const ADA = 'user:default/ada';
/** May use the assistant, but not edit the entity's suites (`test-recorder.suite.edit`). */
export const BOB = 'user:default/bob';
/** May not use the assistant (`ai-assistant.chat.use`). */
export const MALLORY = 'user:default/mallory';

export const ENTITY = 'component:default/storefront-web';
/** Owns suites Ada may not read. */
export const OTHER_ENTITY = 'component:default/billing-web';
/** A secret in the backend's config: it must never reach the model. */
export const STORE_TOKEN = 'store-token-8c1d2e3f4a';

function userOf(credentials: BackstageCredentials): string | undefined {
  return (credentials.principal as { userEntityRef?: string }).userEntityRef;
}

function allowed(user: string | undefined, permission: string): boolean {
  if (user === MALLORY && permission === 'ai-assistant.chat.use') return false;
  if (user === BOB && permission === 'test-recorder.suite.edit') return false;
  return true;
}

const permissions: PermissionsService = {
  async authorize(requests, options) {
    return requests.map(r => ({
      ...r,
      result: allowed(userOf(options.credentials), r.permission.name)
        ? AuthorizeResult.ALLOW
        : AuthorizeResult.DENY,
    })) as any;
  },
  async authorizeConditional(requests) {
    return requests.map(r => ({ ...r, result: AuthorizeResult.ALLOW })) as any;
  },
};

/** An element of the fake app under test: what its locators can find. */
export type FakeElement = {
  /** The path of the page it is on, e.g. `/cart`. */
  page: string;
  testId?: string;
  role?: string;
  name?: string;
  label?: string;
  placeholder?: string;
  text?: string;
  /** Clicking it opens this path. */
  opens?: string;
};

type StoredSuite = {
  entityRef: string;
  versions: TestSuiteDefinition[];
};

type StoredRun = {
  runId: string;
  suite: string;
  entityRef: string;
  status: 'queued' | 'running' | 'passed' | 'failed';
  results: Array<{
    testId: string;
    name: string;
    status: 'passed' | 'failed';
    error?: string;
    failedStep?: string;
  }>;
};

export type TestRecorderState = {
  suites: Map<string, StoredSuite>;
  runs: Map<string, StoredRun>;
  /** The app under test. */
  app: FakeElement[];
  /** Runs stay `running` for ever (a hung browser). */
  hang: boolean;
  /** Every action call, in order. */
  calls: Array<{ actionId: string; user?: string; input: any }>;
};

function describeLocator(locator: TestLocator): string {
  switch (locator.kind) {
    case 'role':
      return `getByRole('${locator.role}'${
        locator.name ? `, { name: '${locator.name}' }` : ''
      })`;
    case 'testId':
      return `getByTestId('${locator.value}')`;
    case 'css':
      return `locator('${locator.value}')`;
    default:
      return `getBy${locator.kind[0].toUpperCase()}${locator.kind.slice(1)}('${
        locator.value
      }')`;
  }
}

function matches(element: FakeElement, locator: TestLocator): boolean {
  switch (locator.kind) {
    case 'role':
      return (
        element.role === locator.role &&
        (locator.name === undefined || element.name === locator.name)
      );
    case 'testId':
      return element.testId === locator.value;
    case 'label':
      return element.label === locator.value;
    case 'placeholder':
      return element.placeholder === locator.value;
    case 'text':
      return element.text?.includes(locator.value) ?? false;
    default:
      return false;
  }
}

/** The element a step's locator (then its fallbacks) finds on `page`. */
function findTarget(
  app: FakeElement[],
  page: string,
  step: TestStep,
): FakeElement | undefined {
  if (!('target' in step) || !step.target) return undefined;
  const locators = [step.target.locator, ...(step.target.fallbacks ?? [])];
  for (const locator of locators) {
    const found = app.find(e => e.page === page && matches(e, locator));
    if (found) return found;
  }
  return undefined;
}

/** Playwright's wording of a locator that never matched. */
function locatorTimeout(step: TestStep) {
  return {
    failedStep: step.id,
    error: `locator.${
      step.action
    }: Timeout 5000ms exceeded.\nCall log:\n  - waiting for ${describeLocator(
      (step as { target: { locator: TestLocator } }).target.locator,
    )}`,
  };
}

/**
 * Plays one test against the fake app as the runner would: each step's locator (then its
 * fallbacks) must find an element on the current page, or the step fails with Playwright's
 * own wording of a locator timeout.
 */
function play(
  app: FakeElement[],
  steps: TestStep[],
): { error?: string; failedStep?: string } {
  let page = '/';
  for (const step of steps) {
    const onPage = page;
    const find = () => findTarget(app, onPage, step);
    const timeout = () => locatorTimeout(step);
    switch (step.action) {
      case 'navigate':
        page = step.url;
        break;
      case 'assertUrl': {
        const ok =
          step.match === 'exact' ? page === step.url : page.includes(step.url);
        if (!ok) {
          return {
            failedStep: step.id,
            error: `expect(page).toHaveURL: expected "${step.url}", received "${page}"`,
          };
        }
        break;
      }
      case 'press':
        if (step.target && !find()) return timeout();
        break;
      case 'assertText': {
        const element = find();
        if (!element) return timeout();
        const text = element.text ?? '';
        const ok =
          step.match === 'exact'
            ? text === step.text
            : text.includes(step.text);
        if (!ok) {
          return {
            failedStep: step.id,
            error: `expect(locator).toHaveText: expected "${step.text}", received "${text}"`,
          };
        }
        break;
      }
      default: {
        const element = find();
        if (!element) return timeout();
        if (step.action === 'click' && element.opens) page = element.opens;
      }
    }
  }
  return {};
}

/**
 * A stand-in test recorder that registers the real `test-recorder:*` action ids and input
 * shapes and answers as the real service does: the recorder's own validator on save, a
 * conflict for a name another entity owns, `test-recorder.suite.edit` and `.run` checked as
 * the caller, and runs that go queued → running → passed/failed asynchronously, played
 * against a fake app, with Playwright's locator-timeout errors on the failing step.
 */
function standInTestRecorder(state: TestRecorderState) {
  return createBackendPlugin({
    pluginId: 'test-recorder',
    register(reg) {
      reg.registerInit({
        deps: { registry: actionsRegistryServiceRef },
        async init({ registry }) {
          const record = (
            actionId: string,
            credentials: BackstageCredentials,
            input: unknown,
          ) =>
            state.calls.push({
              actionId,
              user: userOf(credentials),
              input,
            });
          const require = (
            credentials: BackstageCredentials,
            permission: string,
            entityRef: string,
          ) => {
            if (!allowed(userOf(credentials), permission)) {
              throw new NotAllowedError(
                `You are not allowed to ${permission} on ${entityRef}`,
              );
            }
          };
          const suiteOf = (credentials: BackstageCredentials, name: string) => {
            const suite = state.suites.get(name);
            if (!suite)
              throw new NotFoundError(`There is no test suite "${name}"`);
            if (
              suite.entityRef === OTHER_ENTITY ||
              !allowed(userOf(credentials), 'test-recorder.suite.read')
            ) {
              throw new NotAllowedError(
                `You are not allowed to test-recorder.suite.read on ${suite.entityRef}`,
              );
            }
            return suite;
          };
          const parse = (value: unknown) => {
            try {
              return parseTestSuiteDefinition(value);
            } catch (error) {
              throw new InputError(`definition: ${(error as Error).message}`);
            }
          };
          const write = {
            readOnly: false,
            destructive: false,
            idempotent: false,
          };
          const read = { readOnly: true, destructive: false, idempotent: true };

          registry.register({
            name: 'list-suites',
            title: 'List test suites',
            description: 'Lists the browser test suites of a catalog entity',
            attributes: read,
            schema: {
              input: z => z.object({ entityRef: z.string() }),
              output: z =>
                z.object({
                  suites: z.array(z.any()),
                  missing: z.array(z.any()),
                }),
            },
            action: async ({ input, credentials }) => {
              record('test-recorder:list-suites', credentials, input);
              return {
                output: {
                  suites: [...state.suites.entries()]
                    .filter(([, s]) => s.entityRef === input.entityRef)
                    .map(([name, s]) => ({ name, version: s.versions.length })),
                  missing: [],
                },
              };
            },
          });
          registry.register({
            name: 'get-suite',
            title: 'Get a test suite',
            description: 'A browser test suite',
            attributes: read,
            schema: {
              input: z =>
                z.object({
                  suite: z.string(),
                  version: z.number().int().min(1).optional(),
                }),
              output: z =>
                z.object({
                  definition: z.any(),
                  version: z.number(),
                  files: z.array(z.any()),
                }),
            },
            action: async ({ input, credentials }) => {
              record('test-recorder:get-suite', credentials, input);
              const suite = suiteOf(credentials, input.suite);
              const version = input.version ?? suite.versions.length;
              return {
                output: {
                  definition: suite.versions[version - 1] as any,
                  version,
                  files: [],
                },
              };
            },
          });
          registry.register({
            name: 'create-suite',
            title: 'Create a test suite',
            description: 'Creates a browser test suite',
            attributes: write,
            schema: {
              input: z =>
                z.object({
                  entityRef: z.string(),
                  definition: z.record(z.string(), z.any()),
                  message: z.string().optional(),
                }),
              output: z => z.object({ name: z.string(), version: z.number() }),
            },
            action: async ({ input, credentials }) => {
              record('test-recorder:create-suite', credentials, input);
              const definition = parse(input.definition);
              require(credentials, 'test-recorder.suite.edit', input.entityRef);
              const existing = state.suites.get(definition.name);
              if (existing) {
                throw new ConflictError(
                  `A test suite named "${definition.name}" already exists, owned by ${existing.entityRef}; choose another name`,
                );
              }
              state.suites.set(definition.name, {
                entityRef: input.entityRef,
                versions: [definition],
              });
              return { output: { name: definition.name, version: 1 } };
            },
          });
          registry.register({
            name: 'update-suite',
            title: 'Save a new version of a test suite',
            description: 'Saves a new version of a browser test suite',
            attributes: write,
            schema: {
              input: z =>
                z.object({
                  suite: z.string(),
                  definition: z.record(z.string(), z.any()),
                  baseVersion: z.number().int().min(1),
                  message: z.string().optional(),
                }),
              output: z => z.object({ name: z.string(), version: z.number() }),
            },
            action: async ({ input, credentials }) => {
              record('test-recorder:update-suite', credentials, input);
              const definition = parse(input.definition);
              const suite = suiteOf(credentials, input.suite);
              require(credentials, 'test-recorder.suite.edit', suite.entityRef);
              if (input.baseVersion !== suite.versions.length) {
                throw new ConflictError(
                  `Suite "${input.suite}" is at version ${suite.versions.length}, not version ${input.baseVersion}`,
                );
              }
              suite.versions.push(definition);
              return {
                output: { name: input.suite, version: suite.versions.length },
              };
            },
          });
          registry.register({
            name: 'run-suite',
            title: 'Run a test suite',
            description: 'Queues a run of a browser test suite',
            attributes: write,
            schema: {
              input: z =>
                z.object({
                  suite: z.string(),
                  testIds: z.array(z.string()).optional(),
                  retries: z.number().int().min(0).max(5).optional(),
                }),
              output: z => z.object({ runId: z.string(), status: z.string() }),
            },
            action: async ({ input, credentials }) => {
              record('test-recorder:run-suite', credentials, input);
              const suite = suiteOf(credentials, input.suite);
              require(credentials, 'test-recorder.suite.run', suite.entityRef);
              const definition = suite.versions[suite.versions.length - 1];
              const run: StoredRun = {
                runId: `run-${state.runs.size + 1}`,
                suite: input.suite,
                entityRef: suite.entityRef,
                status: 'queued',
                results: [],
              };
              state.runs.set(run.runId, run);
              setTimeout(() => {
                run.status = 'running';
                if (state.hang) return;
                setTimeout(() => {
                  run.results = definition.tests.map(test => {
                    const outcome = play(state.app, test.steps);
                    return {
                      testId: test.id,
                      name: test.name,
                      status: outcome.error ? 'failed' : 'passed',
                      ...outcome,
                    };
                  });
                  run.status = run.results.some(r => r.status === 'failed')
                    ? 'failed'
                    : 'passed';
                }, 30);
              }, 20);
              return { output: { runId: run.runId, status: 'queued' } };
            },
          });
          registry.register({
            name: 'get-run',
            title: 'Get a test run',
            description: 'A browser test run',
            attributes: read,
            schema: {
              input: z => z.object({ runId: z.string() }),
              output: z => z.object({ run: z.any() }),
            },
            action: async ({ input, credentials }) => {
              record('test-recorder:get-run', credentials, input);
              const run = state.runs.get(input.runId);
              if (!run) throw new NotFoundError(`No test run ${input.runId}`);
              const count = (status: string) =>
                run.results.filter(r => r.status === status).length;
              return {
                output: {
                  run: {
                    runId: run.runId,
                    suite: run.suite,
                    entityRef: run.entityRef,
                    status: run.status,
                    trigger: 'action',
                    counts: {
                      passed: count('passed'),
                      failed: count('failed'),
                      flaky: 0,
                      skipped: 0,
                    },
                    tests: run.results.map(r => ({
                      testId: r.testId,
                      name: r.name,
                      status: r.status,
                      quarantined: false,
                      attempts: [
                        {
                          attempt: 1,
                          status: r.status,
                          durationMs: 120,
                          ...(r.error
                            ? { error: r.error, failedStep: r.failedStep }
                            : {}),
                          screenshots: [],
                        },
                      ],
                    })),
                  } as JsonObject,
                },
              };
            },
          });
        },
      });
    },
  });
}

/**
 * The assistant in a test backend with Backstage's own actions registry and actions service
 * over HTTP and the stand-in test recorder; audits are recorded.
 */
export async function startTestSuiteBackend(options: {
  knex: Knex;
  aiAssistant?: JsonObject;
}) {
  const audits: Array<AuditorServiceCreateEventOptions & { outcome?: string }> =
    [];
  const state: TestRecorderState = {
    suites: new Map(),
    runs: new Map(),
    app: [],
    hang: false,
    calls: [],
  };
  const backend = await startTestBackend({
    features: [
      actionsRegistryServiceFactory,
      actionsServiceFactory,
      createServiceFactory({
        service: coreServices.auditor,
        deps: {},
        factory: () => ({
          async createEvent(event: AuditorServiceCreateEventOptions) {
            const recorded: AuditorServiceCreateEventOptions & {
              outcome?: string;
            } = { ...event, request: undefined };
            audits.push(recorded);
            return {
              async success(result?: { meta?: JsonObject }) {
                recorded.outcome = 'success';
                if (result?.meta) {
                  recorded.meta = { ...recorded.meta, ...result.meta };
                }
              },
              async fail() {
                recorded.outcome = 'fail';
              },
            };
          },
        }),
      }),
      createServiceFactory({
        service: coreServices.permissions,
        deps: {},
        factory: () => permissions,
      }),
      mockServices.database.factory({ knex: options.knex }),
      mockServices.rootConfig.factory({
        data: {
          backend: {
            actions: { pluginSources: ['test-recorder', 'ai-assistant'] },
          },
          testRecorder: {
            suites: { checkout: { secrets: { TOKEN: STORE_TOKEN } } },
          },
          ...(options.aiAssistant ? { aiAssistant: options.aiAssistant } : {}),
        },
      }),
      standInTestRecorder(state),
      aiAssistantPlugin,
    ],
  });
  const http = () => request(backend.server);
  return {
    backend,
    state,
    audits,
    http,
    as: (user: string) => mockCredentials.user.header(user),
    /** `POST /api/ai-assistant/generate/test-suite` as `user`, answered as JSON. */
    generate: (user: string, body: object) =>
      http()
        .post('/api/ai-assistant/generate/test-suite')
        .set('authorization', mockCredentials.user.header(user))
        .send(body),
    calls: (actionId: string) =>
      state.calls.filter(c => c.actionId === actionId),
    stop: () => backend.stop(),
  };
}
