import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { JiraInstances } from '@internal/plugin-jira-node';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JIRA_FAKE_DEMO_PAT,
  JIRA_FAKE_FIELDS,
  JiraFake,
} from '@internal/plugin-jira-node/testUtils';

/** The user who starts the tasks of these tests. */
export const INITIATOR = mockCredentials.user('user:default/ada');

export const TEMPLATE_REF = 'template:default/new-service';

/**
 * A permission service that answers `result` (or what `decide` says per request) and records
 * what it was asked, with whose credentials.
 */
export function permissionsAnswering(
  decide:
    | 'ALLOW'
    | 'DENY'
    | ((request: {
        permission: { name: string };
        resourceRef?: string;
      }) => 'ALLOW' | 'DENY'),
) {
  const answer = (request: any) => ({
    result: typeof decide === 'function' ? decide(request) : decide,
  });
  return mockServices.permissions.mock({
    authorize: jest.fn(async (requests: any[]) => requests.map(answer)) as any,
    // A condition only the catalog could evaluate: the decision per entity comes from
    // `authorize` with the entity's ref, so tests see which entity it was asked about
    authorizeConditional: jest.fn(async (requests: any[]) =>
      requests.map(() => ({
        result: 'CONDITIONAL',
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: {
          rule: 'DECIDED_BY_THE_TEST',
          resourceType: 'catalog-entity',
          params: {},
        },
      })),
    ) as any,
  });
}

/** The catalog the tasks read: the entity issues are about and the template. */
export function testCatalog() {
  return catalogServiceMock({
    entities: [
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'payments-api', namespace: 'default' },
        spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
      },
      {
        apiVersion: 'scaffolder.backstage.io/v1beta3',
        kind: 'Template',
        metadata: { name: 'new-service', namespace: 'default' },
        spec: { type: 'service', steps: [] },
      },
    ],
  });
}

/** The Jira instances of a fake: `default` (the Jira account in `auth`, default Comet's admin). */
export function instancesOf(
  fake: JiraFake,
  auth?: { email: string; apiToken: string } | { personalAccessToken: string },
) {
  return JiraInstances.fromConfig(
    new ConfigReader({
      jira: {
        instances: [
          {
            name: 'default',
            baseUrl: fake.url,
            product: fake.product,
            ...(auth ??
              (fake.product === 'cloud'
                ? {
                    email: JIRA_FAKE_DEMO_EMAIL,
                    apiToken: JIRA_FAKE_DEMO_API_TOKEN,
                  }
                : { personalAccessToken: JIRA_FAKE_DEMO_PAT })),
            customFields: {
              'Story points': JIRA_FAKE_FIELDS.storyPoints,
              Team: JIRA_FAKE_FIELDS.team,
            },
          },
        ],
      },
    }),
  );
}

/** The requests to the fake that could change something. */
export function writesTo(fake: JiraFake) {
  return fake.state.requests
    .filter(r => r.method !== 'GET')
    .map(r => `${r.method} ${r.path}`);
}

/**
 * Runs an action's handler as the scaffolder would: the initiator's credentials, the template,
 * a checkpoint store (`checkpoints`: pass the same one to act as a retried step), and what it
 * logged and output.
 */
export async function runAction(
  action: TemplateAction<any, any, any>,
  input: Record<string, unknown>,
  options: {
    isDryRun?: boolean;
    templateRef?: string | null;
    checkpoints?: Map<string, unknown>;
  } = {},
) {
  const output: Record<string, unknown> = {};
  const logs: string[] = [];
  const logger = mockServices.logger.mock();
  for (const level of ['info', 'warn', 'error', 'debug'] as const) {
    logger[level].mockImplementation((message: string) => {
      logs.push(message);
    });
  }
  const checkpoints = options.checkpoints ?? new Map<string, unknown>();
  const templateRef =
    options.templateRef === undefined ? TEMPLATE_REF : options.templateRef;
  await action.handler({
    input,
    logger,
    output: (name: string, value: unknown) => {
      output[name] = value;
    },
    isDryRun: options.isDryRun ?? false,
    checkpoint: async ({ key, fn }: { key: string; fn: () => unknown }) => {
      if (!checkpoints.has(key)) checkpoints.set(key, await fn());
      return checkpoints.get(key);
    },
    createTemporaryDirectory: async () => '/tmp',
    getInitiatorCredentials: async () => INITIATOR,
    workspacePath: '/tmp',
    task: { id: 'task-1' },
    ...(templateRef ? { templateInfo: { entityRef: templateRef } } : {}),
  } as any);
  return { output, logs };
}
