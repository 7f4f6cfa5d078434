import {
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
import type { Entity } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { JsonObject } from '@backstage/types';
import { JenkinsFake } from '@internal/plugin-jenkins-node/testUtils';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JiraFake,
} from '@internal/plugin-jira-node/testUtils';
import {
  SONARQUBE_FAKE_DEMO_TOKEN,
  SonarQubeFake,
} from '@internal/plugin-sonarqube-node/testUtils';
import request from 'supertest';
import { deliveryHealthPlugin } from '../../plugin';

/** A member of team-a, which owns payments-api. */
export const ADA = 'user:default/ada';
/** A member of team-b. */
export const BOB = 'user:default/bob';
/** An administrator (every permission). */
export const ROOT = 'user:default/root';
/** Sees nothing in the catalog. */
export const EVE = 'user:default/eve';

export const TEAM = 'group:default/team-a';
export const PAYMENTS = 'component:default/payments-api';

const CLAIMS: Record<string, string[]> = {
  [ADA]: [ADA, TEAM],
  [BOB]: [BOB, 'group:default/team-b'],
};

export function component(
  name: string,
  annotations: Record<string, string> = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', lifecycle: 'production', owner: TEAM },
    relations: [{ type: 'ownedBy', targetRef: TEAM }],
  };
}

export type AuditEvent = {
  eventId: string;
  meta: unknown;
  outcome?: string;
  successMeta?: unknown;
  error?: string;
};

export type Invocation = { actionId: string; user?: string; input: unknown };

function userOf(credentials: BackstageCredentials): string | undefined {
  return (credentials.principal as { userEntityRef?: string }).userEntityRef;
}

/**
 * The comet plugin with Backstage's actions registry and service, stand-ins for the test
 * recorder's suite actions and GitHub's propose-catalog-change action (real ids and input
 * schemas), the Jenkins, SonarQube and Jira fakes, a catalog of `entities`, and a permission
 * policy like Comet's: owners (by the catalog's ownership rule) and ROOT may write.
 */
export async function startIntegrationsBackend(
  options: {
    entities?: Entity[];
    /**
     * Stand-in plugins to install: `test-recorder`, `github`, `pipelines` (listing what
     * `repositoryFiles` holds), and the list actions of `jenkins`, `sonarqube` and `jira`
     * (answering what `listAnswers` holds).
     */
    installed?: string[];
    /** Families to configure; all by default. */
    configured?: Array<'jenkins' | 'sonarqube' | 'jira'>;
  } = {},
) {
  const [jenkins, sonarqube, jira] = await Promise.all([
    JenkinsFake.start(),
    SonarQubeFake.start(),
    JiraFake.start({ example: true }),
  ]);
  const configured = options.configured ?? ['jenkins', 'sonarqube', 'jira'];
  const installed = options.installed ?? ['test-recorder', 'github'];
  const entities = options.entities ?? [
    component('payments-api', {
      'github.com/project-slug': 'comet-examples/payments-api',
      'jira/project-key': 'PAY',
      'backstage.io/source-location':
        'url:https://github.com/comet-examples/payments-api',
    }),
    component('ledger'),
  ];
  const refreshed: string[] = [];
  const auditEvents: AuditEvent[] = [];
  const invocations: Invocation[] = [];
  const suites = new Map<string, string[]>([
    [PAYMENTS, ['payments-checkout', 'payments-refunds']],
  ]);
  /**
   * Every file of each entity's repository at its default branch, for the pipelines stand-in
   * (an Error is thrown), by entity ref.
   */
  const repositoryFiles = new Map<
    string,
    { files: Array<{ path: string; name?: string }> } | Error
  >([
    [
      PAYMENTS,
      {
        files: [
          { path: '.comet/pipeline.yaml', name: 'Build and test' },
          { path: '.comet/nightly.yml' },
          { path: '.comet/notes.md' },
          { path: 'deploy/prod.yaml', name: 'Production' },
          { path: 'README.md' },
        ],
      },
    ],
  ]);
  /** What each family's list action answers (an Error is thrown), by action id. */
  const listAnswers = new Map<string, JsonObject | Error>([
    [
      'jenkins:search-jobs',
      {
        jobs: [
          {
            fullName: 'payments/payments-api',
            url: `${jenkins.url}/job/payments/job/payments-api/`,
            instance: 'default',
            ref: 'payments/payments-api',
          },
        ],
        truncated: false,
        errors: [],
      },
    ],
    [
      'sonarqube:search-projects',
      {
        projects: [
          {
            key: 'comet-examples_payments-api',
            name: 'Payments API',
            instance: 'default',
            ref: 'comet-examples_payments-api',
            url: `${sonarqube.url}/dashboard?id=comet-examples_payments-api`,
          },
        ],
        truncated: false,
        errors: [],
      },
    ],
    [
      'jira:list-projects',
      {
        projects: [
          {
            key: 'PAY',
            name: 'Payments',
            instance: 'default',
            ref: 'PAY',
            url: `${jira.url}/browse/PAY`,
          },
        ],
        truncated: false,
        errors: [],
      },
    ],
  ]);

  const visible = (credentials: BackstageCredentials) =>
    catalogServiceMock({
      entities: userOf(credentials) === EVE ? [] : entities,
    });
  const catalog = {
    getEntityByRef: (ref: any, o: any) =>
      visible(o.credentials).getEntityByRef(ref, o),
    refreshEntity: async (ref: string, o: any) => {
      if (o.credentials.principal.type !== 'service') {
        throw new Error('refresh must be asked as the service');
      }
      refreshed.push(ref);
    },
  } as unknown as CatalogService;

  const decide = (credentials: BackstageCredentials, name: string) => {
    const user = userOf(credentials);
    if (user === ROOT) return { result: AuthorizeResult.ALLOW } as const;
    if (
      name === 'comet.integrations.override' ||
      name === 'github.pullRequest.create'
    ) {
      if (!user) return { result: AuthorizeResult.DENY } as const;
      return {
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: {
          rule: 'IS_ENTITY_OWNER',
          resourceType: 'catalog-entity',
          params: { claims: CLAIMS[user] ?? [user] },
        },
      } as const;
    }
    return { result: AuthorizeResult.ALLOW } as const;
  };
  const permissions: PermissionsService = {
    authorizeConditional: async (requests: any[], o: any) =>
      requests.map(r => decide(o.credentials, r.permission.name)) as any,
    authorize: async () => {
      throw new Error('every decision here is local');
    },
  };

  const standIns = [];
  if (installed.includes('test-recorder')) {
    standIns.push(
      createBackendPlugin({
        pluginId: 'test-recorder',
        register(reg) {
          reg.registerInit({
            deps: { registry: actionsRegistryServiceRef },
            async init({ registry }) {
              registry.register({
                name: 'list-suites',
                title: 'List test suites',
                description: 'Lists the browser test suites of an entity',
                attributes: {
                  readOnly: true,
                  destructive: false,
                  idempotent: true,
                },
                schema: {
                  input: z => z.object({ entityRef: z.string() }),
                  output: z =>
                    z.object({
                      suites: z.array(z.any()),
                      missing: z.array(z.any()),
                    }),
                },
                action: async ({ input, credentials }) => {
                  invocations.push({
                    actionId: 'test-recorder:list-suites',
                    user: userOf(credentials),
                    input,
                  });
                  return {
                    output: {
                      suites: (suites.get(input.entityRef) ?? []).map(name => ({
                        name,
                        title: name.replace(/-/g, ' '),
                      })),
                      missing: [],
                    },
                  };
                },
              });
              registry.register({
                name: 'get-suite',
                title: 'Get a test suite',
                description: 'A browser test suite',
                attributes: {
                  readOnly: true,
                  destructive: false,
                  idempotent: true,
                },
                schema: {
                  input: z =>
                    z.object({
                      suite: z.string(),
                      version: z.number().optional(),
                    }),
                  output: z =>
                    z.object({
                      definition: z.any(),
                      version: z.number(),
                      files: z.array(z.any()),
                    }),
                },
                action: async ({ input, credentials }) => {
                  invocations.push({
                    actionId: 'test-recorder:get-suite',
                    user: userOf(credentials),
                    input,
                  });
                  const known = [...suites.values()].flat();
                  if (!known.includes(input.suite)) {
                    throw new NotFoundError(`No test suite ${input.suite}`);
                  }
                  return {
                    output: { definition: {}, version: 1, files: [] },
                  };
                },
              });
            },
          });
        },
      }),
    );
  }
  if (installed.includes('github')) {
    standIns.push(
      createBackendPlugin({
        pluginId: 'github',
        register(reg) {
          reg.registerInit({
            deps: { registry: actionsRegistryServiceRef },
            async init({ registry }) {
              registry.register({
                name: 'propose-catalog-change',
                title: 'Propose a change of catalog-info.yaml',
                description: 'Opens a pull request changing annotations',
                attributes: {
                  readOnly: false,
                  destructive: false,
                  idempotent: false,
                },
                schema: {
                  input: z =>
                    z.object({
                      entityRef: z.string(),
                      annotations: z.record(z.string()),
                      title: z.string(),
                      body: z.string().optional(),
                    }),
                  output: z =>
                    z.object({
                      number: z.number(),
                      htmlUrl: z.string(),
                      branch: z.string(),
                    }),
                },
                action: async ({ input, credentials }) => {
                  invocations.push({
                    actionId: 'github:propose-catalog-change',
                    user: userOf(credentials),
                    input,
                  });
                  return {
                    output: {
                      number: 7,
                      htmlUrl:
                        'https://github.com/comet-examples/payments-api/pull/7',
                      branch: 'comet/wire-payments-api-abc123',
                    },
                  };
                },
              });
            },
          });
        },
      }),
    );
  }

  if (installed.includes('pipelines')) {
    standIns.push(
      createBackendPlugin({
        pluginId: 'pipelines',
        register(reg) {
          reg.registerInit({
            deps: { registry: actionsRegistryServiceRef },
            async init({ registry }) {
              registry.register({
                name: 'list-pipeline-files',
                title: 'List pipeline files',
                description: "The pipeline files in an entity's repository",
                attributes: {
                  readOnly: true,
                  destructive: false,
                  idempotent: true,
                },
                schema: {
                  input: z =>
                    z.object({
                      entityRef: z.string(),
                      ref: z.string().min(1).max(255).optional(),
                      paths: z.array(z.string().max(500)).max(50).optional(),
                    }),
                  output: z =>
                    z.object({
                      repositoryUrl: z.string(),
                      ref: z.string(),
                      commit: z.string(),
                      files: z.array(
                        z.object({
                          path: z.string(),
                          name: z.string().optional(),
                        }),
                      ),
                    }),
                },
                action: async ({ input, credentials }) => {
                  invocations.push({
                    actionId: 'pipelines:list-pipeline-files',
                    user: userOf(credentials),
                    input,
                  });
                  const repository = repositoryFiles.get(input.entityRef);
                  if (repository instanceof Error) throw repository;
                  if (!repository) {
                    throw new InputError(
                      `${input.entityRef} has no backstage.io/source-location annotation, so Comet cannot list its pipeline files`,
                    );
                  }
                  // As the pipelines backend lists them: .comet/'s YAML files, and the
                  // declared and asked-for files that exist
                  const entity = entities.find(
                    e =>
                      `component:default/${e.metadata.name}` ===
                      input.entityRef,
                  );
                  const named = new Set([
                    ...(
                      entity?.metadata.annotations?.['comet.dev/pipelines'] ??
                      '.comet/pipeline.yaml'
                    )
                      .split(',')
                      .map(p => p.trim()),
                    ...(input.paths ?? []),
                  ]);
                  return {
                    output: {
                      repositoryUrl:
                        'https://github.com/comet-examples/payments-api.git',
                      ref: input.ref ?? 'HEAD',
                      commit: '0123456789abcdef0123456789abcdef01234567',
                      files: repository.files.filter(
                        file =>
                          /^\.comet\/[^/]+\.ya?ml$/.test(file.path) ||
                          named.has(file.path),
                      ),
                    },
                  };
                },
              });
            },
          });
        },
      }),
    );
  }

  // The families' list actions, with their real names and input schemas
  const lists = [
    { pluginId: 'jenkins', name: 'search-jobs', items: 'jobs' },
    { pluginId: 'sonarqube', name: 'search-projects', items: 'projects' },
    { pluginId: 'jira', name: 'list-projects', items: 'projects' },
  ];
  for (const list of lists) {
    if (!installed.includes(list.pluginId)) continue;
    const actionId = `${list.pluginId}:${list.name}`;
    standIns.push(
      createBackendPlugin({
        pluginId: list.pluginId,
        register(reg) {
          reg.registerInit({
            deps: { registry: actionsRegistryServiceRef },
            async init({ registry }) {
              registry.register({
                name: list.name,
                title: `List (${actionId})`,
                description: 'A family list for the Integrations card',
                attributes: {
                  readOnly: true,
                  destructive: false,
                  idempotent: true,
                },
                schema: {
                  input: z =>
                    z.object({
                      instance: z.string().optional(),
                      query: z.string().max(200).optional(),
                      limit: z.number().int().min(1).max(100).optional(),
                    }),
                  output: z =>
                    z.object({
                      [list.items]: z.array(z.any()),
                      truncated: z.boolean(),
                      errors: z.array(z.any()),
                    }),
                },
                action: async ({ input, credentials }) => {
                  invocations.push({
                    actionId,
                    user: userOf(credentials),
                    input,
                  });
                  const answer = listAnswers.get(actionId)!;
                  if (answer instanceof Error) throw answer;
                  return { output: answer as any };
                },
              });
            },
          });
        },
      }),
    );
  }

  const config: JsonObject = {
    backend: {
      actions: { pluginSources: [...installed, 'comet'] },
    },
  };
  if (configured.includes('jenkins')) {
    config.jenkins = {
      instances: [
        {
          name: 'default',
          baseUrl: jenkins.url,
          username: 'comet',
          apiKey: 'comet-fake-jenkins-token',
        },
      ],
    };
  }
  if (configured.includes('sonarqube')) {
    config.sonarqube = {
      instances: [
        {
          name: 'default',
          baseUrl: sonarqube.url,
          apiKey: SONARQUBE_FAKE_DEMO_TOKEN,
        },
      ],
    };
  }
  if (configured.includes('jira')) {
    config.jira = {
      instances: [
        {
          name: 'default',
          baseUrl: jira.url,
          product: 'cloud',
          email: JIRA_FAKE_DEMO_EMAIL,
          apiToken: JIRA_FAKE_DEMO_API_TOKEN,
        },
      ],
    };
  }

  const backend = await startTestBackend({
    features: [
      actionsRegistryServiceFactory,
      actionsServiceFactory,
      createServiceFactory({
        service: catalogServiceRef,
        deps: {},
        factory: () => catalog,
      }),
      createServiceFactory({
        service: coreServices.permissions,
        deps: {},
        factory: () => permissions,
      }),
      mockServices.auditor.mock({
        createEvent: async (o: any) => {
          const event: AuditEvent = { eventId: o.eventId, meta: o.meta };
          auditEvents.push(event);
          return {
            success: async (s?: { meta?: unknown }) => {
              event.outcome = 'success';
              event.successMeta = s?.meta;
            },
            fail: async ({ error }: { error: Error }) => {
              event.outcome = 'failure';
              event.error = error.message;
            },
          };
        },
      }).factory,
      mockServices.rootConfig.factory({ data: config }),
      ...standIns,
      deliveryHealthPlugin,
    ],
  });

  const http = () => request(backend.server);
  const as = (user: string) => mockCredentials.user.header(user);
  return {
    backend,
    jenkins,
    sonarqube,
    jira,
    refreshed,
    auditEvents,
    invocations,
    suites,
    repositoryFiles,
    listAnswers,
    http,
    as,
    wiring: (user: string, entityRef = PAYMENTS) =>
      http()
        .get('/api/comet/integrations/wiring')
        .query({ entityRef })
        .set('Authorization', as(user)),
    options: (user: string, entityRef = PAYMENTS) =>
      http()
        .get('/api/comet/integrations/options')
        .query({ entityRef })
        .set('Authorization', as(user)),
    change: (user: string, body: object) =>
      http()
        .post('/api/comet/integrations/wiring')
        .send(body)
        .set('Authorization', as(user)),
    remove: (user: string, entityRef = PAYMENTS) =>
      http()
        .delete('/api/comet/integrations/wiring')
        .query({ entityRef })
        .set('Authorization', as(user)),
    overrides: (header: string) =>
      http()
        .get('/api/comet/integrations/overrides')
        .set('Authorization', header),
    async stop() {
      await backend.stop();
      await Promise.all([jenkins.close(), sonarqube.close(), jira.close()]);
    },
  };
}
