import {
  type BackstageCredentials,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  type ActionsRegistryService,
  actionsRegistryServiceRef,
} from '@backstage/backend-plugin-api/alpha';
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import {
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { JsonObject } from '@backstage/types';
import request from 'supertest';
import { deliveryHealthPlugin } from '../plugin';

export const ADA = 'user:default/ada';
/** Sees no entity but the group. */
export const EVE = 'user:default/eve';
/** Sees every entity, and may not read SonarQube findings. */
export const MALLORY = 'user:default/mallory';
export const APP_BASE_URL = 'http://comet.example';

export const PAYMENTS = 'component:default/payments-api';
export const BARE = 'component:default/bare';
export const TEAM = 'group:default/team-a';

export function component(
  name: string,
  annotations: Record<string, string> = {},
  owner = TEAM,
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', lifecycle: 'production', owner },
    relations: [{ type: 'ownedBy', targetRef: owner }],
  };
}

export const GROUP: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name: 'team-a', namespace: 'default' },
  spec: { type: 'team', children: [] },
};

export const ANNOTATED = {
  'sonarqube.org/project-key': 'payments',
  'jira/project-key': 'PAY',
  'github.com/project-slug': 'acme/payments-api',
};

/** How a stand-in answers: its data, a failure, or not until released. */
export type StandInMode = 'ok' | 'not-configured' | 'down' | 'hang';

export type Invocation = { actionId: string; user?: string; input: unknown };

/** What the stand-in actions serve, per entity ref; tests seed and change it. */
export type StandInState = {
  modes: Partial<Record<string, StandInMode>>;
  runs: Map<string, JsonObject[]>;
  gates: Map<string, JsonObject[]>;
  suites: Map<string, JsonObject[]>;
  testRuns: Map<string, JsonObject>;
  bugs: Map<string, { issues: JsonObject[]; total?: number }>;
  pullRequests: Map<string, JsonObject[]>;
  /** Resolves every hanging stand-in. */
  release(): void;
  /** The most `pipelines:list-runs` calls that were in progress at once. */
  maxRunListsInFlight: number;
};

function userOf(credentials: BackstageCredentials): string | undefined {
  return (credentials.principal as { userEntityRef?: string }).userEntityRef;
}

const NOT_CONFIGURED: Record<string, string> = {
  pipelines: 'Pipelines is not configured: set pipelines.* to turn it on',
  sonarqube:
    'SonarQube is not configured: add an instance under sonarqube.instances (name, baseUrl, apiKey) in app-config to turn it on',
  'test-recorder': 'The test recorder is not configured: set testRecorder.*',
  jira: 'Jira is not configured: set jira.baseUrl, jira.email and jira.apiToken to turn it on',
  github:
    'GitHub is not configured: add integrations.github with a token or a GitHub App to turn it on',
};

/**
 * Stand-ins for the plugins delivery health reads, registering actions with the real ids and
 * input schemas (pipelines:list-runs, sonarqube:get-quality-gate, test-recorder:list-suites
 * and get-run, jira:search-issues, github:list-pull-requests) and serving what `state` holds.
 */
function standIns(
  state: StandInState,
  invocations: Invocation[],
  hanging: Promise<void>,
  installed: string[],
) {
  const readOnly = { readOnly: true, destructive: false, idempotent: true };
  let inFlight = 0;
  const plugin = (
    pluginId: string,
    register: (
      registry: ActionsRegistryService,
      guard: (
        actionId: string,
        c: BackstageCredentials,
        i: unknown,
      ) => Promise<void>,
    ) => void,
  ) =>
    createBackendPlugin({
      pluginId,
      register(reg) {
        reg.registerInit({
          deps: { registry: actionsRegistryServiceRef },
          async init({ registry }) {
            register(registry, async (actionId, credentials, input) => {
              invocations.push({ actionId, user: userOf(credentials), input });
              switch (state.modes[pluginId] ?? 'ok') {
                case 'not-configured':
                  throw new ServiceUnavailableError(NOT_CONFIGURED[pluginId]);
                case 'down':
                  throw new ServiceUnavailableError(
                    `${pluginId} instance default at http://127.0.0.1:9/ answered 503 Service Unavailable`,
                  );
                case 'hang':
                  await hanging;
                  break;
                default:
              }
            });
          },
        });
      },
    });

  const pipelines = plugin('pipelines', (registry, guard) =>
    registry.register({
      name: 'list-runs',
      title: 'List pipeline runs',
      description: 'Lists Comet pipeline runs newest first',
      attributes: readOnly,
      schema: {
        input: z =>
          z.object({
            entityRef: z.string().optional(),
            scope: z.enum(['owned', 'all']).optional(),
            pipeline: z.string().optional(),
            branch: z.string().optional(),
            status: z.string().optional(),
            limit: z.number().int().min(1).max(100).optional(),
            cursor: z.string().optional(),
          }),
        output: z =>
          z.object({
            runs: z.array(z.any()),
            nextCursor: z.string().optional(),
            totalCount: z.number().optional(),
          }),
      },
      action: async ({ input, credentials }) => {
        await guard('pipelines:list-runs', credentials, input);
        inFlight += 1;
        state.maxRunListsInFlight = Math.max(
          state.maxRunListsInFlight,
          inFlight,
        );
        // Let other calls start before this one ends, so overlap is visible
        await new Promise(resolve => setImmediate(resolve));
        inFlight -= 1;
        const runs = state.runs.get(input.entityRef ?? '') ?? [];
        return {
          output: {
            runs: runs.slice(0, input.limit ?? 20),
            totalCount: runs.length,
          },
        };
      },
    }),
  );

  const sonarqube = plugin('sonarqube', (registry, guard) =>
    registry.register({
      name: 'get-quality-gate',
      title: 'Get the SonarQube quality gate',
      description: 'Gets the SonarQube quality gate status',
      attributes: readOnly,
      schema: {
        input: z =>
          z.object({
            entityRef: z.string(),
            project: z.string().optional(),
            branch: z.string().optional(),
            pullRequest: z.string().optional(),
          }),
        output: z =>
          z.object({
            projects: z.array(
              z.object({
                project: z.string(),
                instance: z.string(),
                status: z.string(),
                conditions: z.array(z.any()),
                url: z.string().optional(),
                analysed: z.literal(false).optional(),
                error: z.string().optional(),
              }),
            ),
          }),
      },
      action: async ({ input, credentials }) => {
        await guard('sonarqube:get-quality-gate', credentials, input);
        if (userOf(credentials) === MALLORY) {
          throw new NotAllowedError(
            `You are not allowed to sonarqube.findings.read on ${input.entityRef}`,
          );
        }
        return {
          output: { projects: (state.gates.get(input.entityRef) ?? []) as any },
        };
      },
    }),
  );

  const testRecorder = plugin('test-recorder', (registry, guard) => {
    registry.register({
      name: 'list-suites',
      title: 'List test suites',
      description: 'Lists the browser test suites of a catalog entity',
      attributes: readOnly,
      schema: {
        input: z => z.object({ entityRef: z.string() }),
        output: z =>
          z.object({ suites: z.array(z.any()), missing: z.array(z.any()) }),
      },
      action: async ({ input, credentials }) => {
        await guard('test-recorder:list-suites', credentials, input);
        return {
          output: {
            suites: state.suites.get(input.entityRef) ?? [],
            missing: [],
          },
        };
      },
    });
    registry.register({
      name: 'get-run',
      title: 'Get a test run',
      description: 'A browser test run',
      attributes: readOnly,
      schema: {
        input: z => z.object({ runId: z.string() }),
        output: z => z.object({ run: z.any() }),
      },
      action: async ({ input, credentials }) => {
        await guard('test-recorder:get-run', credentials, input);
        const run = state.testRuns.get(input.runId);
        if (!run) throw new NotFoundError(`No test run ${input.runId}`);
        return { output: { run } };
      },
    });
  });

  const jira = plugin('jira', (registry, guard) =>
    registry.register({
      name: 'search-issues',
      title: 'Search Jira issues',
      description: "Lists Jira issues of a catalog entity's projects",
      attributes: readOnly,
      schema: {
        input: z =>
          z.object({
            entityRef: z.string().optional(),
            jql: z.string().optional(),
            status: z.array(z.string()).optional(),
            type: z.array(z.string()).optional(),
            instance: z.string().optional(),
            limit: z.number().int().min(1).max(100).default(25),
          }),
        output: z =>
          z.object({
            issues: z.array(z.any()),
            total: z.number().optional(),
            notices: z.array(z.string()),
          }),
      },
      action: async ({ input, credentials }) => {
        await guard('jira:search-issues', credentials, input);
        const found = state.bugs.get(input.entityRef ?? '') ?? { issues: [] };
        return {
          output: {
            issues: found.issues.slice(0, input.limit),
            ...(found.total !== undefined ? { total: found.total } : {}),
            notices: [],
          },
        };
      },
    }),
  );

  const github = plugin('github', (registry, guard) =>
    registry.register({
      name: 'list-pull-requests',
      title: 'List GitHub pull requests',
      description: "Lists the pull requests of a catalog entity's repository",
      attributes: readOnly,
      schema: {
        input: z =>
          z.object({
            entityRef: z.string(),
            state: z.enum(['open', 'closed', 'all']).optional(),
          }),
        output: z =>
          z.object({
            pullRequests: z.array(z.any()),
            count: z.number(),
            hasMore: z.boolean(),
          }),
      },
      action: async ({ input, credentials }) => {
        await guard('github:list-pull-requests', credentials, input);
        const pullRequests = state.pullRequests.get(input.entityRef) ?? [];
        return {
          output: {
            pullRequests: pullRequests.slice(0, 30),
            count: Math.min(pullRequests.length, 30),
            hasMore: pullRequests.length > 30,
          },
        };
      },
    }),
  );

  const all: Record<string, ReturnType<typeof plugin>> = {
    pipelines,
    sonarqube,
    'test-recorder': testRecorder,
    jira,
    github,
  };
  return installed.map(id => all[id]);
}

/** A catalog where EVE sees only groups, everyone else everything. */
function catalogFor(entities: Entity[]): CatalogService {
  const visible = (credentials: BackstageCredentials) =>
    catalogServiceMock({
      entities:
        userOf(credentials) === EVE
          ? entities.filter(e => e.kind === 'Group')
          : entities,
    });
  return {
    getEntityByRef: (ref: any, options: any) =>
      visible(options.credentials).getEntityByRef(ref, options),
    queryEntities: (query: any, options: any) =>
      visible(options.credentials).queryEntities(query, options),
  } as unknown as CatalogService;
}

export const ALL_FAMILIES = [
  'pipelines',
  'sonarqube',
  'test-recorder',
  'jira',
  'github',
];

/**
 * The delivery health plugin in a test backend with Backstage's own actions registry and
 * actions service over HTTP, the stand-in plugins `installed`, and a catalog of `entities`.
 */
export async function startHealthBackend(
  options: {
    entities?: Entity[];
    installed?: string[];
    deliveryHealth?: JsonObject;
    /** pluginSources, when not every installed plugin. */
    pluginSources?: string[];
  } = {},
) {
  const invocations: Invocation[] = [];
  let release!: () => void;
  const hanging = new Promise<void>(resolve => {
    release = resolve;
  });
  const state: StandInState = {
    modes: {},
    runs: new Map(),
    gates: new Map(),
    suites: new Map(),
    testRuns: new Map(),
    bugs: new Map(),
    pullRequests: new Map(),
    release: () => release(),
    maxRunListsInFlight: 0,
  };
  const installed = options.installed ?? ALL_FAMILIES;
  const entities = options.entities ?? [
    GROUP,
    component('payments-api', ANNOTATED),
    component('bare'),
  ];
  const backend = await startTestBackend({
    features: [
      actionsRegistryServiceFactory,
      actionsServiceFactory,
      createServiceFactory({
        service: catalogServiceRef,
        deps: {},
        factory: () => catalogFor(entities),
      }),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: `${APP_BASE_URL}/` },
          backend: {
            actions: {
              pluginSources: options.pluginSources ?? [...installed, 'comet'],
            },
          },
          ...(options.deliveryHealth
            ? { deliveryHealth: options.deliveryHealth }
            : {}),
        },
      }),
      ...standIns(state, invocations, hanging, installed),
      deliveryHealthPlugin,
    ],
  });
  const http = () => request(backend.server);
  const as = (user: string) => mockCredentials.user.header(user);
  return {
    backend,
    state,
    invocations,
    http,
    as,
    /** `GET /api/comet/entity` as `user`. */
    entity: (user: string, entityRef: string) =>
      http()
        .get('/api/comet/entity')
        .query({ entityRef })
        .set('Authorization', as(user)),
    /** `POST /api/comet/group` as `user`. */
    group: (user: string, groupRef: string) =>
      http()
        .post('/api/comet/group')
        .send({ groupRef })
        .set('Authorization', as(user)),
    async stop() {
      release();
      await backend.stop();
    },
  };
}
