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
import type { WaitClock } from '@internal/backend-common';
import { INITIATOR, runAction } from '@internal/backend-common/testUtils';
import { createRunTriggerAction } from './createRunTriggerAction';
import { scaffolderModulePipelines } from './module';

const APP_CONFIG = {
  app: { baseUrl: 'http://localhost:3000' },
};

describe('scaffolderModulePipelines', () => {
  it('adds pipelines:run:trigger to the scaffolder, linking runs under app.baseUrl', async () => {
    const addActions = jest.fn();
    const backend = await startTestBackend({
      extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
      features: [
        scaffolderModulePipelines,
        mockServices.rootConfig.factory({ data: APP_CONFIG }),
      ],
    });
    try {
      expect(addActions).toHaveBeenCalledTimes(1);
      const actions = addActions.mock.calls[0];
      expect(
        actions.map((a: { id: string; supportsDryRun?: boolean }) => [
          a.id,
          a.supportsDryRun,
        ]),
      ).toEqual([['pipelines:run:trigger', true]]);
      const { output } = await runAction(
        actions[0],
        { entityRef: 'component:default/payouts-api' },
        { isDryRun: true },
      );
      expect(output.runUrl).toBe('http://localhost:3000/pipelines');
    } finally {
      await backend.stop();
    }
  });

  it('links runs relative to the app when app.baseUrl is not set', async () => {
    const addActions = jest.fn();
    const backend = await startTestBackend({
      extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
      features: [scaffolderModulePipelines],
    });
    try {
      const { output } = await runAction(
        addActions.mock.calls[0][0],
        { entityRef: 'component:default/payouts-api' },
        { isDryRun: true },
      );
      expect(output.runUrl).toBe('/pipelines');
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
          mockServices.rootConfig.factory({ data: APP_CONFIG }),
          scaffolderModulePipelines,
        ],
      });
      try {
        const [action] = addActions.mock.calls[0];
        return await runAction(action, { entityRef }, { isDryRun: true });
      } finally {
        await backend.stop();
      }
    }

    it('would trigger the run when the user may start runs of the entity', async () => {
      const { logs } = await dryRunAs(
        AuthorizeResult.ALLOW,
        'component:default/payouts-api',
      );
      expect(logs).toEqual([
        "Dry run: would trigger the entity's first pipeline of component:default/payouts-api as user:default/ada",
      ]);
    });

    it('refuses a user who may not start runs of the entity', async () => {
      await expect(
        dryRunAs(AuthorizeResult.DENY, 'component:default/payouts-api'),
      ).rejects.toThrow(
        'You may not start pipeline runs of component:default/payouts-api (pipelines.run.create)',
      );
    });

    it('passes for an entity the catalog does not have yet: the template registers it', async () => {
      const { output } = await dryRunAs(
        AuthorizeResult.DENY,
        'component:default/not-yet-registered',
      );
      expect(output.runId).toBe('dry-run');
    });
  });

  /**
   * The action against Backstage's own actions registry and actions service, over HTTP: a
   * stand-in for the pipelines plugin registers `trigger-run` with the real action's schema and
   * answers as its service does (a NotFoundError naming the entity until the catalog has it).
   */
  describe('through the actions registry', () => {
    const ingested = new Set<string>();
    const seen: Array<{ principal: unknown; input: unknown }> = [];
    let actions: ActionsService;
    let backend: Awaited<ReturnType<typeof startTestBackend>>;

    beforeAll(async () => {
      const pipelinesStandIn = createBackendPlugin({
        pluginId: 'pipelines',
        register(reg) {
          reg.registerInit({
            deps: { registry: actionsRegistryServiceRef },
            async init({ registry }) {
              registry.register({
                name: 'trigger-run',
                title: 'Trigger a pipeline run',
                description: 'Starts a Comet pipeline of a catalog entity',
                attributes: {
                  readOnly: false,
                  destructive: false,
                  idempotent: false,
                },
                schema: {
                  input: z =>
                    z.object({
                      entityRef: z.string(),
                      pipelinePath: z.string().optional(),
                      branch: z.string().optional(),
                      params: z
                        .record(z.union([z.string(), z.number(), z.boolean()]))
                        .optional(),
                    }),
                  output: z => z.object({ run: z.any() }),
                },
                action: async ({ input, credentials }) => {
                  seen.push({ principal: credentials.principal, input });
                  if (!ingested.has(input.entityRef)) {
                    throw new NotFoundError(
                      `No entity ${input.entityRef} in the catalog (or you cannot see it)`,
                    );
                  }
                  return {
                    output: {
                      run: {
                        runId: 'a1b2c3',
                        entityRef: input.entityRef,
                        status: 'queued',
                      },
                    },
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
          // As app-config.yaml: the pipelines actions listed, destructive ones refused
          mockServices.rootConfig.factory({
            data: {
              ...APP_CONFIG,
              backend: {
                actions: {
                  pluginSources: ['pipelines'],
                  filter: { exclude: [{ attributes: { destructive: true } }] },
                },
              },
            },
          }),
          pipelinesStandIn,
          scaffolderModulePipelines,
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

    it('waits for the entity as the user who started the task, then starts the run', async () => {
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
        createRunTriggerAction({
          actions,
          appBaseUrl: 'http://localhost:3000',
          clock,
        }),
        { entityRef: 'component:payouts-api', params: { fast: true } },
      );

      expect(output).toEqual({
        runId: 'a1b2c3',
        runUrl: 'http://localhost:3000/pipelines/runs/a1b2c3',
        runPath: '/pipelines/runs/a1b2c3',
        status: 'queued',
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
        params: { fast: true },
      });
      expect(logs).toEqual([
        'waiting for the catalog to ingest component:default/payouts-api (0 s of 120 s)',
        'waiting for the catalog to ingest component:default/payouts-api (2 s of 120 s)',
        "Started run a1b2c3 of the entity's first pipeline of component:default/payouts-api (queued)",
        'Created pipeline run a1b2c3: http://localhost:3000/pipelines/runs/a1b2c3',
      ]);
    });

    it('gives up after the wait with the pipelines plugin message', async () => {
      let time = 0;
      const clock: WaitClock = {
        now: () => time,
        sleep: async ms => {
          time += ms;
        },
      };
      await expect(
        runAction(
          createRunTriggerAction({ actions, appBaseUrl: 'http://x', clock }),
          {
            entityRef: 'component:default/payouts-api',
            waitForEntitySeconds: 4,
          },
        ),
      ).rejects.toThrow(
        'the catalog has not ingested component:default/payouts-api after waiting 4 s (No entity component:default/payouts-api in the catalog (or you cannot see it))',
      );
      expect(seen).toHaveLength(3);
    });
  });
});
