import {
  createBackendModule,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  actionsRegistryServiceRef,
  actionsServiceRef,
  type ActionsService,
} from '@backstage/backend-plugin-api/alpha';
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { INITIATOR, runAction } from '@internal/backend-common/testUtils';
import {
  createTestSuiteAction,
  MAX_INVOKE_BODY_BYTES,
} from './createTestSuiteAction';
import type { WaitClock } from '@internal/backend-common';
import { scaffolderModuleTestRecorder } from './module';

const SUITE = {
  name: 'payouts-api-smoke',
  baseUrl: 'https://payouts-api.example.com',
  tests: [
    {
      id: 'home',
      name: 'the home page answers',
      steps: [{ id: 's1', action: 'navigate', url: '/' }],
    },
  ],
};

/** What the stand-in test recorder holds: ingested entities and suites by name. */
type StandInState = {
  ingested: Set<string>;
  suites: Map<string, { entityRef: string; version: number }>;
  seen: Array<{ action: string; principal: unknown; input: unknown }>;
};

/**
 * A stand-in for the test recorder: registers `create-suite`, `list-suites` and `get-suite`
 * with the real actions' schemas and answers as its service does (a NotFoundError naming the
 * entity until the catalog has it, a ConflictError naming the owner of a taken name).
 */
function testRecorderStandIn(state: StandInState) {
  return createBackendPlugin({
    pluginId: 'test-recorder',
    register(reg) {
      reg.registerInit({
        deps: { registry: actionsRegistryServiceRef },
        async init({ registry }) {
          const attributes = {
            readOnly: false,
            destructive: false,
            idempotent: false,
          };
          const needEntity = (entityRef: string) => {
            if (!state.ingested.has(entityRef)) {
              throw new NotFoundError(
                `No entity ${entityRef} in the catalog (or you cannot see it)`,
              );
            }
          };
          registry.register({
            name: 'create-suite',
            title: 'Create a test suite',
            description: 'Creates a browser test suite',
            attributes,
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
              state.seen.push({
                action: 'create-suite',
                principal: credentials.principal,
                input,
              });
              needEntity(input.entityRef);
              const name = input.definition.name as string;
              const taken = state.suites.get(name);
              if (taken) {
                throw new ConflictError(
                  `A test suite named "${name}" already exists, owned by ${taken.entityRef}; choose another name`,
                );
              }
              state.suites.set(name, {
                entityRef: input.entityRef,
                version: 1,
              });
              return { output: { name, version: 1 } };
            },
          });
          registry.register({
            name: 'list-suites',
            title: 'List test suites',
            description: 'Lists the test suites of an entity',
            attributes: { ...attributes, readOnly: true, idempotent: true },
            schema: {
              input: z => z.object({ entityRef: z.string() }),
              output: z =>
                z.object({
                  suites: z.array(z.any()),
                  missing: z.array(z.any()),
                }),
            },
            action: async ({ input, credentials }) => {
              state.seen.push({
                action: 'list-suites',
                principal: credentials.principal,
                input,
              });
              needEntity(input.entityRef);
              return {
                output: {
                  suites: [...state.suites]
                    .filter(([, suite]) => suite.entityRef === input.entityRef)
                    .map(([name, suite]) => ({ name, version: suite.version })),
                  missing: [],
                },
              };
            },
          });
          registry.register({
            name: 'get-suite',
            title: 'Get a test suite',
            description: 'A test suite',
            attributes: { ...attributes, readOnly: true, idempotent: true },
            schema: {
              input: z => z.object({ suite: z.string() }),
              output: z =>
                z.object({
                  definition: z.any(),
                  version: z.number(),
                  files: z.array(z.any()),
                }),
            },
            action: async ({ input, credentials }) => {
              state.seen.push({
                action: 'get-suite',
                principal: credentials.principal,
                input,
              });
              const suite = state.suites.get(input.suite);
              if (!suite) {
                throw new NotFoundError(`Test suite ${input.suite} not found`);
              }
              return {
                output: { definition: {}, version: suite.version, files: [] },
              };
            },
          });
        },
      });
    },
  });
}

/** The actions registry and service as app-config.yaml sets them up, with the stand-in. */
function actionsFeatures(state: StandInState) {
  return [
    actionsRegistryServiceFactory,
    actionsServiceFactory,
    // As app-config.yaml: the test recorder's actions listed, destructive ones refused
    mockServices.rootConfig.factory({
      data: {
        backend: {
          actions: {
            pluginSources: ['test-recorder'],
            filter: { exclude: [{ attributes: { destructive: true } }] },
          },
        },
      },
    }),
    testRecorderStandIn(state),
  ];
}

describe('scaffolderModuleTestRecorder', () => {
  it('adds test-recorder:suite:create to the scaffolder', async () => {
    const addActions = jest.fn();
    const backend = await startTestBackend({
      extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
      features: [scaffolderModuleTestRecorder],
    });
    try {
      expect(addActions).toHaveBeenCalledTimes(1);
      const actions = addActions.mock.calls[0];
      expect(
        actions.map((a: { id: string; supportsDryRun?: boolean }) => [
          a.id,
          a.supportsDryRun,
        ]),
      ).toEqual([['test-recorder:suite:create', true]]);
    } finally {
      await backend.stop();
    }
  });

  describe('dry runs', () => {
    const ENTITY = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'payouts-api', namespace: 'default' },
      spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
    };

    /**
     * The module's action, with the catalog holding ENTITY, the policy answering `result` and
     * the test recorder holding `suites`.
     */
    async function dryRunAs(
      result: AuthorizeResult.ALLOW | AuthorizeResult.DENY,
      entityRef: string,
      suites: StandInState['suites'] = new Map(),
    ) {
      const state: StandInState = {
        ingested: new Set(['component:default/payouts-api']),
        suites,
        seen: [],
      };
      const addActions = jest.fn();
      const backend = await startTestBackend({
        extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
        features: [
          catalogServiceMock.factory({ entities: [ENTITY] }),
          mockServices.permissions.factory({ result }),
          ...actionsFeatures(state),
          scaffolderModuleTestRecorder,
        ],
      });
      try {
        const [action] = addActions.mock.calls[0];
        const run = await runAction(
          action,
          { entityRef, suite: SUITE },
          { isDryRun: true },
        );
        return { ...run, seen: state.seen.map(call => call.action) };
      } finally {
        await backend.stop();
      }
    }

    it('would create the suite when the user may edit the entity', async () => {
      const { output, logs, seen } = await dryRunAs(
        AuthorizeResult.ALLOW,
        'component:default/payouts-api',
      );
      expect(output).toEqual({
        name: 'payouts-api-smoke',
        version: 0,
        created: false,
        adopted: false,
      });
      expect(logs.join('\n')).toContain('Dry run: would create');
      // Reads only
      expect(seen).toEqual(['list-suites', 'get-suite']);
    });

    it("would adopt the entity's own suite of that name, and refuses another's", async () => {
      const { output, logs, seen } = await dryRunAs(
        AuthorizeResult.ALLOW,
        'component:default/payouts-api',
        new Map([
          [
            'payouts-api-smoke',
            { entityRef: 'component:default/payouts-api', version: 2 },
          ],
        ]),
      );
      expect(output).toEqual({
        name: 'payouts-api-smoke',
        version: 2,
        created: false,
        adopted: true,
      });
      expect(logs).toEqual([
        'Dry run: would adopt the test suite "payouts-api-smoke" (version 2) of component:default/payouts-api, which owns it; nothing changed',
      ]);
      expect(seen).toEqual(['list-suites']);

      await expect(
        dryRunAs(
          AuthorizeResult.ALLOW,
          'component:default/payouts-api',
          new Map([
            [
              'payouts-api-smoke',
              { entityRef: 'component:default/someone-else', version: 1 },
            ],
          ]),
        ),
      ).rejects.toMatchObject({
        name: 'ConflictError',
        message:
          'The test recorder would not create the test suite "payouts-api-smoke" (1 test) for component:default/payouts-api: a test suite named "payouts-api-smoke" already exists and component:default/payouts-api does not own it; choose another name',
      });
    });

    it('refuses a user who may not edit the entity', async () => {
      await expect(
        dryRunAs(AuthorizeResult.DENY, 'component:default/payouts-api'),
      ).rejects.toThrow(
        'You may not create test suites for component:default/payouts-api (test-recorder.suite.edit)',
      );
    });

    it('passes for an entity the catalog does not have yet: the template creates it', async () => {
      const { output, seen } = await dryRunAs(
        AuthorizeResult.ALLOW,
        'component:default/not-yet-registered',
      );
      expect(output).toEqual({
        name: 'payouts-api-smoke',
        version: 0,
        created: false,
        adopted: false,
      });
      expect(seen).toEqual(['get-suite']);
    });
  });

  /**
   * The action against Backstage's own actions registry and actions service, over HTTP, with
   * the stand-in test recorder.
   */
  describe('through the actions registry', () => {
    const state: StandInState = {
      ingested: new Set(),
      suites: new Map(),
      seen: [],
    };
    const { ingested, seen } = state;
    let actions: ActionsService;
    let backend: Awaited<ReturnType<typeof startTestBackend>>;

    beforeAll(async () => {
      const captureActionsService = createBackendModule({
        pluginId: 'scaffolder',
        moduleId: 'capture-actions-service',
        register(reg) {
          reg.registerInit({
            deps: { service: actionsServiceRef },
            async init({ service }) {
              actions = service;
            },
          });
        },
      });
      backend = await startTestBackend({
        extensionPoints: [
          [scaffolderActionsExtensionPoint, { addActions: () => {} }],
        ],
        features: [
          ...actionsFeatures(state),
          scaffolderModuleTestRecorder,
          captureActionsService,
        ],
      });
    });

    afterAll(async () => {
      await backend.stop();
    });

    beforeEach(() => {
      seen.length = 0;
      ingested.clear();
      state.suites.clear();
    });

    it('waits for the entity as the user who started the task, then creates the suite', async () => {
      let time = 0;
      let sleeps = 0;
      const clock: WaitClock = {
        now: () => time,
        async sleep(ms) {
          time += ms;
          sleeps += 1;
          // The catalog ingests the entity during the second wait
          if (sleeps === 2) ingested.add('component:default/payouts-api');
        },
      };

      const { output, logs } = await runAction(
        createTestSuiteAction({ actions, clock }),
        { entityRef: 'component:payouts-api', suite: SUITE },
      );

      expect(output).toEqual({
        name: 'payouts-api-smoke',
        version: 1,
        created: true,
        adopted: false,
      });
      expect(seen).toHaveLength(3);
      for (const call of seen) {
        expect(call.principal).toEqual(
          expect.objectContaining({
            type: 'user',
            userEntityRef: INITIATOR.principal.userEntityRef,
          }),
        );
      }
      expect(seen[2].input).toEqual({
        entityRef: 'component:default/payouts-api',
        definition: SUITE,
      });
      expect(logs).toEqual([
        'waiting for the catalog to ingest component:default/payouts-api (0 s of 120 s)',
        'waiting for the catalog to ingest component:default/payouts-api (2 s of 120 s)',
        'The test suite "payouts-api-smoke" (version 1) belongs to component:default/payouts-api',
        'Created test suite payouts-api-smoke: /test-recorder/suites/payouts-api-smoke',
      ]);
    });

    it('gives up after the wait with the test recorder message', async () => {
      let time = 0;
      const clock: WaitClock = {
        now: () => time,
        sleep: async ms => {
          time += ms;
        },
      };
      await expect(
        runAction(createTestSuiteAction({ actions, clock }), {
          entityRef: 'component:default/payouts-api',
          suite: SUITE,
          waitForEntitySeconds: 4,
        }),
      ).rejects.toThrow(
        'the catalog has not ingested component:default/payouts-api after waiting 4 s (No entity component:default/payouts-api in the catalog (or you cannot see it))',
      );
      expect(seen).toHaveLength(3);
    });

    it("a re-run adopts the entity's own suite; another entity's name is a conflict", async () => {
      ingested.add('component:default/payouts-api');
      ingested.add('component:default/ledger-api');
      const action = createTestSuiteAction({ actions });
      const input = {
        entityRef: 'component:default/payouts-api',
        suite: SUITE,
      };
      await runAction(action, input);
      seen.length = 0;

      const again = await runAction(action, input);
      expect(again.output).toEqual({
        name: 'payouts-api-smoke',
        version: 1,
        created: false,
        adopted: true,
      });
      expect(again.logs).toEqual([
        'Adopted the test suite "payouts-api-smoke" (version 1) of component:default/payouts-api, which owns it; nothing changed',
        'Adopted test suite payouts-api-smoke: /test-recorder/suites/payouts-api-smoke',
      ]);
      expect(seen.map(call => call.action)).toEqual([
        'create-suite',
        'list-suites',
      ]);

      await expect(
        runAction(action, {
          ...input,
          entityRef: 'component:default/ledger-api',
        }),
      ).rejects.toMatchObject({
        name: 'ConflictError',
        message:
          'The test recorder did not create the test suite "payouts-api-smoke" (1 test) for component:default/ledger-api: A test suite named "payouts-api-smoke" already exists, owned by component:default/payouts-api; choose another name',
      });
      expect(state.suites.get('payouts-api-smoke')).toEqual({
        entityRef: 'component:default/payouts-api',
        version: 1,
      });
    });

    it('the registry refuses bodies over 100 KiB, the limit the action checks first', async () => {
      const padding = 'x'.repeat(MAX_INVOKE_BODY_BYTES);
      await expect(
        actions.invoke({
          id: 'test-recorder:create-suite',
          input: {
            entityRef: 'component:default/payouts-api',
            definition: { ...SUITE, description: padding },
          },
          credentials: INITIATOR,
        }),
      ).rejects.toMatchObject({ statusCode: 413 });
      expect(seen).toEqual([]);
    });
  });
});
