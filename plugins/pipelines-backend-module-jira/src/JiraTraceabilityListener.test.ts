import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { ResourceScopes } from '@internal/backend-common';
import { JiraError, JiraInstances } from '@internal/plugin-jira-node';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JiraFake,
} from '@internal/plugin-jira-node/testUtils';
import type { PipelineRunLink } from '@internal/plugin-pipelines-common';
import type {
  PipelineRunEvent,
  PipelineRunFailure,
} from '@internal/plugin-pipelines-node';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  bugPipelines,
  JiraTraceabilityListener,
  type JiraInstancesLike,
} from './JiraTraceabilityListener';

jest.setTimeout(30_000);

const component = (name: string, annotations: Record<string, string>) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: {
    type: 'service',
    owner: 'group:default/team-a',
    lifecycle: 'production',
  },
});

const failure: PipelineRunFailure = {
  jobRunId: 'test',
  jobName: 'Unit tests',
  stepIndex: 0,
  stepName: 'npm test',
  exitCode: 1,
  error: 'Exited with code 1',
  logTail: ['FAIL'],
};

function event(over: Partial<PipelineRunEvent> = {}): PipelineRunEvent {
  return {
    eventId: '1',
    type: 'run.failed',
    occurredAt: '2026-12-05T10:00:00.000Z',
    runId: 'run-1',
    entityRef: 'component:default/payments-api',
    pipeline: 'ci',
    runNumber: 1,
    status: 'failed',
    trigger: { type: 'manual' },
    branch: 'feature/PAY-1-refunds',
    commit: { sha: 'a'.repeat(40), message: 'PAY-2 and PAY-99999' },
    createdAt: '2026-12-05T09:59:00.000Z',
    links: [],
    ...over,
  };
}

describe('JiraTraceabilityListener', () => {
  let fake: JiraFake;
  let instances: JiraInstances;
  let backend: http.Server;
  let backendStatus = 204;
  const reports: any[] = [];
  const logger = mockServices.logger.mock();

  beforeAll(async () => {
    fake = await JiraFake.start({ example: true });
    const jira = (apiToken = JIRA_FAKE_DEMO_API_TOKEN) => ({
      baseUrl: fake.url,
      product: 'cloud',
      email: JIRA_FAKE_DEMO_EMAIL,
      apiToken,
    });
    instances = JiraInstances.fromConfig(
      new ConfigReader({
        jira: {
          instances: [
            { name: 'default', ...jira() },
            { name: 'broken', ...jira('wrong') },
          ],
        },
      }),
    );
    backend = http.createServer((req, res) => {
      let body = '';
      req.on('data', chunk => (body += chunk));
      req.on('end', () => {
        reports.push({
          url: req.url,
          auth: req.headers.authorization,
          body: JSON.parse(body),
        });
        res.statusCode = backendStatus;
        res.end(backendStatus >= 400 ? 'nope' : undefined);
      });
    });
    await new Promise<void>(r => backend.listen(0, '127.0.0.1', r));
  });

  afterAll(async () => {
    await fake.close();
    await new Promise(r => backend.close(r));
  });

  beforeEach(() => {
    reports.length = 0;
    backendStatus = 204;
  });

  function listener(
    options: {
      entities?: any[];
      scopes?: ResourceScopes;
      jira?: JiraInstancesLike;
    } = {},
  ) {
    const port = (backend.address() as AddressInfo).port;
    return JiraTraceabilityListener.create({
      instances: options.jira ?? instances,
      catalog: catalogServiceMock({
        entities: options.entities ?? [
          component('payments-api', {
            'jira/project-key': 'PAY',
            'comet.dev/jira-bug-on-failure': 'ci',
          }),
        ],
      }),
      auth: mockServices.auth(),
      discovery: {
        getBaseUrl: async () => `http://127.0.0.1:${port}/api/jira`,
        getExternalBaseUrl: async () => `http://127.0.0.1:${port}/api/jira`,
      },
      logger,
      scopes: options.scopes,
      appBaseUrl: 'http://portal.example.com/',
    });
  }

  function context(failures: PipelineRunFailure[] = [failure]) {
    const links: PipelineRunLink[] = [];
    return {
      links,
      failures: jest.fn(async () => failures),
      reports: async () => [],
      addRunLinks: async (added: PipelineRunLink[]) => {
        for (const link of added) {
          if (!links.some(l => l.url === link.url)) links.push(link);
        }
      },
    };
  }

  const bugs = () =>
    [...fake.state.issues.values()].filter(i => i.labels.includes('comet'));

  it('reads which pipelines file bugs', () => {
    const entity = (value?: string) =>
      component(
        'x',
        value === undefined ? {} : { 'comet.dev/jira-bug-on-failure': value },
      ) as any;
    expect(bugPipelines(entity())).toEqual([]);
    expect(bugPipelines(entity('false'))).toEqual([]);
    expect(bugPipelines(entity(' TRUE '))).toBe('all');
    expect(bugPipelines(entity('ci, release ,'))).toEqual(['ci', 'release']);
  });

  it('links existing issues once, reports them, and files a bug only once per run', async () => {
    const l = listener();
    const ctx = context();
    await l.onEvent(event(), ctx);
    expect(ctx.links.map(link => link.url)).toEqual([
      `${fake.url}/browse/PAY-1`,
      `${fake.url}/browse/PAY-2`,
    ]);
    expect(reports).toHaveLength(1);
    expect(reports[0].url).toBe('/api/jira/run-links');
    expect(reports[0].auth).toMatch(/^Bearer /);
    expect(reports[0].body).toEqual({
      entityRef: 'component:default/payments-api',
      runId: 'run-1',
      pipeline: 'ci',
      runNumber: 1,
      status: 'failed',
      path: '/pipelines/runs/run-1',
      createdAt: '2026-12-05T09:59:00.000Z',
      updatedAt: '2026-12-05T10:00:00.000Z',
      issues: [
        { instance: 'default', key: 'PAY-1' },
        { instance: 'default', key: 'PAY-2' },
      ],
    });
    expect(bugs()).toHaveLength(1);
    const [bug] = bugs();
    // Redelivered: Jira's issues come from the cache, no second bug, no comment
    fake.state.resetCalls();
    await l.onEvent(event(), ctx);
    expect(fake.state.callCount('GET /rest/api/3/issue/PAY-1')).toBe(0);
    expect(bugs()).toHaveLength(1);
    expect(bug.comments).toHaveLength(0);
    // job events and other pipelines do nothing about bugs
    await l.onEvent(event({ type: 'job.finished', runId: 'run-2' }), ctx);
    await l.onEvent(event({ pipeline: 'release', runId: 'run-3' }), ctx);
    expect(bugs()).toHaveLength(1);
    expect(bug.comments).toHaveLength(0);
    // A green run comments once; its redelivery does not comment again
    const green = event({
      type: 'run.succeeded',
      status: 'succeeded',
      runId: 'run-4',
    });
    await l.onEvent(green, ctx);
    await l.onEvent(green, ctx);
    expect(bug.comments).toHaveLength(1);
    // No failed step (a cancelled job): no bug
    await l.onEvent(event({ runId: 'run-5' }), context([]));
    expect(bugs()).toHaveLength(1);
    bug.statusId = '10001';
  });

  it('stops reporting when the Jira backend is not installed, and retries when it fails', async () => {
    backendStatus = 500;
    await expect(
      listener().onEvent(event({ type: 'run.started' }), context()),
    ).rejects.toThrow(
      /The Jira backend refused the run links of run run-1: 500 nope/,
    );
    backendStatus = 404;
    const l = listener();
    await l.onEvent(event({ type: 'run.started' }), context());
    await l.onEvent(event({ type: 'run.started' }), context());
    expect(reports).toHaveLength(2);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('does not answer /api/jira/run-links'),
    );
  });

  it('does nothing for entities without Jira, out of scope or gone, and while Jira is off', async () => {
    const ctx = context();
    const scopes = ResourceScopes.fromConfig(
      new ConfigReader({
        comet: { resourceScopes: { 'team-a': { jira: ['SHOP'] } } },
      }),
    );
    await listener({ scopes }).onEvent(event(), ctx);
    await listener({ entities: [] }).onEvent(event(), ctx);
    await listener({
      entities: [component('payments-api', { 'jira/project-key': 'pay' })],
    }).onEvent(event(), ctx);
    await listener({
      entities: [component('payments-api', {})],
    }).onEvent(event(), ctx);
    await listener({
      jira: {
        ...instances,
        isConfigured: () => false,
        list: () => [],
        client: instances.client.bind(instances),
      },
    }).onEvent(event(), ctx);
    // No key of the entity's projects
    await listener().onEvent(
      event({ type: 'run.started', branch: 'main', commit: undefined }),
      ctx,
    );
    expect(ctx.links).toEqual([]);
    expect(reports).toEqual([]);
  });

  it('retries when Jira cannot be read, and logs what Jira refuses instead of retrying', async () => {
    const broken = listener({
      entities: [
        component('payments-api', { 'jira/project-key': 'broken/PAY' }),
      ],
    });
    await expect(
      broken.onEvent(event({ type: 'run.started' }), context()),
    ).rejects.toThrow(/401|credentials|unauthori/i);
    const refusing: JiraInstancesLike = {
      isConfigured: () => true,
      list: () => instances.list(),
      client: name => {
        const client = instances.client(name);
        return new Proxy(client, {
          get(target, prop, receiver) {
            if (prop === 'createIssue') {
              return async () => {
                throw new JiraError({
                  message: 'Specify a valid issue type',
                  kind: 'badRequest',
                  instance: name,
                  status: 400,
                });
              };
            }
            return Reflect.get(target, prop, receiver);
          },
        });
      },
    };
    const before = bugs().length;
    await listener({ jira: refusing }).onEvent(
      event({ runId: 'run-refused', branch: 'main', commit: undefined }),
      context([{ ...failure, stepName: 'a different step' }]),
    );
    expect(bugs()).toHaveLength(before);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        'Cannot file a Jira bug in PAY for run run-refused',
      ),
    );
  });
});
