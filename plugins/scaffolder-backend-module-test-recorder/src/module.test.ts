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
import { NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { INITIATOR, runAction } from './__testUtils__/runAction';
import {
  createTestSuiteAction,
  MAX_INVOKE_BODY_BYTES,
  type WaitClock,
} from './createTestSuiteAction';
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

    /** The module's action, with the catalog holding ENTITY and the policy answering `result`. */
    async function dryRunAs(
      result: AuthorizeResult.ALLOW | AuthorizeResult.DENY,
      entityRef: string,
    ) {
      const addActions = jest.fn();
      const backend = await startTestBackend({
        extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
        features: [
          catalogServiceMock.factory({ entities: [ENTITY] }),
          mockServices.permissions.factory({ result }),
          scaffolderModuleTestRecorder,
        ],
      });
      try {
        const [action] = addActions.mock.calls[0];
        return await runAction(
          action,
          { entityRef, suite: SUITE },
          { isDryRun: true },
        );
      } finally {
        await backend.stop();
      }
    }

    it('would create the suite when the user may edit the entity', async () => {
      const { output, logs } = await dryRunAs(
        AuthorizeResult.ALLOW,
        'component:default/payouts-api',
      );
      expect(output).toEqual({ name: 'payouts-api-smoke', version: 0 });
      expect(logs.join('\n')).toContain('Dry run: would create');
    });

    it('refuses a user who may not edit the entity', async () => {
      await expect(
        dryRunAs(AuthorizeResult.DENY, 'component:default/payouts-api'),
      ).rejects.toThrow(
        'You may not create test suites for component:default/payouts-api (test-recorder.suite.edit)',
      );
    });

    it('passes for an entity the catalog does not have yet: the template creates it', async () => {
      const { output } = await dryRunAs(
        AuthorizeResult.ALLOW,
        'component:default/not-yet-registered',
      );
      expect(output).toEqual({ name: 'payouts-api-smoke', version: 0 });
    });
  });

  /**
   * The action against Backstage's own actions registry and actions service, over HTTP: a
   * stand-in for the test recorder registers `create-suite` with the real action's schema and
   * answers as its service does (a NotFoundError naming the entity until the catalog has it).
   */
  describe('through the actions registry', () => {
    const ingested = new Set<string>();
    const seen: Array<{ principal: unknown; input: unknown }> = [];
    let actions: ActionsService;
    let backend: Awaited<ReturnType<typeof startTestBackend>>;

    beforeAll(async () => {
      const testRecorderStandIn = createBackendPlugin({
        pluginId: 'test-recorder',
        register(reg) {
          reg.registerInit({
            deps: { registry: actionsRegistryServiceRef },
            async init({ registry }) {
              registry.register({
                name: 'create-suite',
                title: 'Create a test suite',
                description: 'Creates a browser test suite',
                attributes: {
                  readOnly: false,
                  destructive: false,
                  idempotent: false,
                },
                schema: {
                  input: z =>
                    z.object({
                      entityRef: z.string(),
                      definition: z.record(z.string(), z.any()),
                      message: z.string().optional(),
                    }),
                  output: z =>
                    z.object({ name: z.string(), version: z.number() }),
                },
                action: async ({ input, credentials }) => {
                  seen.push({ principal: credentials.principal, input });
                  if (!ingested.has(input.entityRef)) {
                    throw new NotFoundError(
                      `No entity ${input.entityRef} in the catalog (or you cannot see it)`,
                    );
                  }
                  return {
                    output: { name: input.definition.name, version: 1 },
                  };
                },
              });
            },
          });
        },
      });
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
          testRecorderStandIn,
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

      expect(output).toEqual({ name: 'payouts-api-smoke', version: 1 });
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
        'Created the test suite "payouts-api-smoke" (version 1) for component:default/payouts-api',
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
