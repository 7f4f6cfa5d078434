/*
 * The Jira backend through HTTP, against the Jira fake (Cloud REST v3 and Agile 1.0) on an
 * ephemeral port: an entity's overview, issues with filters and paging, scope checks, writes
 * with permissions and audit, the sprint with its burndown, release notes, the user's own
 * issues, throttling with stale answers, and the errors a user can act on.
 */
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JiraFake,
} from '@internal/plugin-jira-node/testUtils';
import request from 'supertest';
import jiraPlugin from './index';

jest.setTimeout(60_000);

function component(name: string, annotations: Record<string, string>) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  };
}

describe('jira backend', () => {
  let fake: JiraFake;
  let server: any;
  let stopBackend: () => Promise<void>;
  const denied = new Set<string>();
  const user = mockCredentials.user.header('user:default/alan.turing');
  const audits: Array<{ eventId: string; status: string; meta?: any }> = [];

  beforeAll(async () => {
    fake = await JiraFake.start({ example: true });
    const backend = await startTestBackend({
      features: [
        jiraPlugin,
        mockServices.rootConfig.factory({
          data: {
            jira: {
              instances: [
                {
                  name: 'default',
                  baseUrl: fake.url,
                  product: 'cloud',
                  email: JIRA_FAKE_DEMO_EMAIL,
                  apiToken: JIRA_FAKE_DEMO_API_TOKEN,
                  customFields: { 'Story points': 'customfield_10016' },
                },
                {
                  name: 'broken',
                  baseUrl: fake.url,
                  product: 'cloud',
                  email: JIRA_FAKE_DEMO_EMAIL,
                  apiToken: 'wrong-token',
                },
              ],
              maxRetryWaitSeconds: 1,
            },
          },
        }),
        createServiceFactory({
          service: coreServices.auditor,
          deps: {},
          factory: () =>
            ({
              createEvent: async (event: any) => ({
                success: async () => {
                  audits.push({ ...event, status: 'success' });
                },
                fail: async () => {
                  audits.push({ ...event, status: 'fail' });
                },
              }),
            } as any),
        }),
        createServiceFactory({
          service: coreServices.permissions,
          deps: {},
          factory: () =>
            ({
              authorize: async (requests: any[]) =>
                requests.map(r => ({
                  result: denied.has(r.permission.name)
                    ? AuthorizeResult.DENY
                    : AuthorizeResult.ALLOW,
                })),
              authorizeConditional: async (requests: any[]) =>
                requests.map(r => ({
                  result: denied.has(r.permission.name)
                    ? AuthorizeResult.DENY
                    : AuthorizeResult.ALLOW,
                })),
            } as any),
        }),
        catalogServiceMock.factory({
          entities: [
            component('payments-api', {
              'jira/project-key': 'PAY',
              'jira/component': 'payments-api',
            }),
            component('payments-all', { 'jira/project-key': 'PAY' }),
            component('no-jira', {}),
            component('malformed', { 'jira/project-key': 'pay' }),
            component('unknown-instance', { 'jira/project-key': 'nope/PAY' }),
            component('bad-credentials', { 'jira/project-key': 'broken/PAY' }),
            component('missing-project', { 'jira/project-key': 'NOPE' }),
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'User',
              metadata: { name: 'alan.turing', namespace: 'default' },
              spec: { profile: { email: 'alan.turing@example.com' } },
            },
          ],
        }),
      ],
    });
    server = backend.server;
    stopBackend = () => backend.stop();
  });

  afterAll(async () => {
    await stopBackend?.();
    await fake.close();
  });

  beforeEach(() => denied.clear());

  const get = (path: string, query: Record<string, any> = {}) =>
    request(server)
      .get(`/api/jira${path}`)
      .query(query)
      .set('Authorization', user);
  const post = (path: string, query: Record<string, any>, body: object) =>
    request(server)
      .post(`/api/jira${path}`)
      .query(query)
      .set('Authorization', user)
      .send(body);
  const payments = { entityRef: 'component:default/payments-api' };

  it('counts the entity issues by status and type, within its component', async () => {
    const res = await get('/entity/overview', payments);
    expect(res.status).toBe(200);
    expect(res.body.scope).toEqual({
      projects: [{ instance: 'default', projectKey: 'PAY' }],
      component: 'payments-api',
      jql: 'project = "PAY" AND component = "payments-api"',
    });
    const all = await get('/entity/overview', {
      entityRef: 'component:default/payments-all',
    });
    expect(res.body.total).toBeGreaterThan(0);
    expect(all.body.total).toBeGreaterThan(res.body.total);
    const sum = (rows: Array<{ count: number }>) =>
      rows.reduce((n, r) => n + r.count, 0);
    expect(sum(res.body.byStatus)).toBe(res.body.total);
    expect(sum(res.body.byType)).toBe(res.body.total);
  });

  it('pages through the issues with filters, each in scope, and reuses cached pages', async () => {
    const first = await get('/entity/issues', { ...payments, limit: 3 });
    expect(first.status).toBe(200);
    expect(first.body.issues).toHaveLength(3);
    expect(typeof first.body.nextPageToken).toBe('string');
    for (const issue of first.body.issues) {
      expect(issue.key).toMatch(/^PAY-\d+$/);
      expect(issue.components).toContain('payments-api');
      expect(issue.url).toBe(`${fake.url}/browse/${issue.key}`);
    }
    const second = await get('/entity/issues', {
      ...payments,
      limit: 3,
      pageToken: first.body.nextPageToken,
    });
    expect(second.status).toBe(200);
    const keys = new Set(first.body.issues.map((i: any) => i.key));
    for (const issue of second.body.issues)
      expect(keys.has(issue.key)).toBe(false);

    fake.state.resetCalls();
    await get('/entity/issues', { ...payments, limit: 3 });
    expect(fake.state.callCount('')).toBe(0);

    const done = await get('/entity/issues', {
      ...payments,
      status: 'Done',
      limit: 100,
    });
    expect(done.body.issues.length).toBeGreaterThan(0);
    for (const issue of done.body.issues)
      expect(issue.status.name).toBe('Done');
  });

  it("refuses a filter that would widen the scope, and shows Jira's own JQL errors", async () => {
    const widened = await get('/entity/issues', {
      ...payments,
      jql: 'x = 1) OR (project = SHOP',
    });
    expect(widened.status).toBe(400);
    expect(widened.body.error.message).toMatch(
      /closes a parenthesis it did not open/,
    );
    const bad = await get('/entity/issues', {
      ...payments,
      jql: 'status = = x',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/JQL/);
  });

  it('takes run links from the pipelines plugin only, and shows the latest run of each issue', async () => {
    const first = await get('/entity/issues', { ...payments, limit: 5 });
    const [a, b] = first.body.issues.map((i: any) => i.key);
    expect(first.body.linkedRuns).toEqual({});
    const report = (over: object = {}) => ({
      entityRef: 'component:default/payments-api',
      runId: 'run-1',
      pipeline: 'ci',
      runNumber: 4,
      status: 'running',
      path: '/pipelines/runs/run-1',
      createdAt: '2026-12-05T10:00:00.000Z',
      updatedAt: '2026-12-05T10:00:01.000Z',
      issues: [
        { instance: 'default', key: a },
        { instance: 'default', key: b },
      ],
      ...over,
    });
    const send = (body: object, auth: string) =>
      request(server)
        .post('/api/jira/run-links')
        .set('Authorization', auth)
        .send(body);
    const pipelines = mockCredentials.service.header({
      onBehalfOf: mockCredentials.service('plugin:pipelines'),
      targetPluginId: 'jira',
    });
    const other = mockCredentials.service.header({
      onBehalfOf: mockCredentials.service('plugin:catalog'),
      targetPluginId: 'jira',
    });
    expect((await send(report(), user)).status).toBe(403);
    const refused = await send(report(), other);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/Only the pipelines plugin/);
    const bad = await send(
      report({ issues: [{ instance: 'nope', key: 'PAY-1' }] }),
      pipelines,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(
      /issues\[0\]\.instance: "nope" is not a configured Jira instance/,
    );
    const badKey = await send(
      report({ issues: [{ instance: 'default', key: 'pay 1' }] }),
      pipelines,
    );
    expect(badKey.status).toBe(400);
    expect(badKey.body.error.message).toMatch(/issues/);

    expect((await send(report(), pipelines)).status).toBe(204);
    // the same run, later: its new status
    expect(
      (
        await send(
          report({
            status: 'succeeded',
            updatedAt: '2026-12-05T10:05:00.000Z',
            issues: [{ instance: 'default', key: a }],
          }),
          pipelines,
        )
      ).status,
    ).toBe(204);
    // an older run reported late changes nothing
    await send(
      report({
        runId: 'run-0',
        runNumber: 3,
        status: 'failed',
        path: '/pipelines/runs/run-0',
        createdAt: '2026-12-05T09:00:00.000Z',
        updatedAt: '2026-12-05T10:06:00.000Z',
      }),
      pipelines,
    );
    const again = await get('/entity/issues', { ...payments, limit: 5 });
    expect(again.body.linkedRuns).toEqual({
      [a]: {
        runId: 'run-1',
        entityRef: 'component:default/payments-api',
        pipeline: 'ci',
        runNumber: 4,
        status: 'succeeded',
        path: '/pipelines/runs/run-1',
        updatedAt: '2026-12-05T10:05:00.000Z',
      },
      [b]: expect.objectContaining({ runNumber: 4, status: 'running' }),
    });
    // Another entity's view of the same issues has no run of its own
    const all = await get('/entity/issues', {
      entityRef: 'component:default/payments-all',
      limit: 100,
    });
    expect(all.body.linkedRuns).toEqual({});
  });

  it('explains a missing or malformed annotation, an unknown instance, bad credentials and a missing project', async () => {
    const none = await get('/entity/overview', {
      entityRef: 'component:default/no-jira',
    });
    expect(none.status).toBe(404);
    expect(none.body.error.message).toBe(
      'component:default/no-jira has no jira/project-key annotation; add one, e.g. jira/project-key: PAY',
    );
    const malformed = await get('/entity/overview', {
      entityRef: 'component:default/malformed',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(
      /project key "pay", which is not a Jira project key/,
    );
    const unknown = await get('/entity/overview', {
      entityRef: 'component:default/unknown-instance',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/"nope"/);
    expect(unknown.body.error.message).toMatch(/"default", "broken"/);
    const broken = await get('/entity/overview', {
      entityRef: 'component:default/bad-credentials',
    });
    expect(broken.status).toBe(502);
    expect(broken.body.error.message).toMatch(/broken/);
    expect(JSON.stringify(broken.body)).not.toContain('wrong-token');
    const missing = await get('/entity/create-meta', {
      entityRef: 'component:default/missing-project',
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/NOPE/);
  });

  it('creates an issue with the entity component, audited, and refuses without permission', async () => {
    const meta = await get('/entity/create-meta', payments);
    expect(meta.status).toBe(200);
    const types = meta.body.projects[0].issueTypes.map((t: any) => t.name);
    expect(types).toContain('Bug');

    denied.add('jira.issue.create');
    const refused = await post('/entity/issues', payments, {
      issueType: 'Bug',
      summary: 'Refused',
    });
    expect(refused.status).toBe(403);
    denied.clear();

    const created = await post('/entity/issues', payments, {
      issueType: 'Bug',
      summary: 'Refund is applied twice',
      description: 'Steps:\n\n1. refund\n2. **refund again**',
      labels: ['from-comet'],
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^PAY-\d+$/);
    const issue = await get(`/issues/${created.body.key}`, payments);
    expect(issue.status).toBe(200);
    expect(issue.body.summary).toBe('Refund is applied twice');
    expect(issue.body.components).toEqual(['payments-api']);
    expect(issue.body.labels).toEqual(['from-comet']);
    expect(issue.body.descriptionMarkdown).toContain('**refund again**');
    expect(audits).toContainEqual(
      expect.objectContaining({
        eventId: 'jira-issue-create',
        status: 'success',
      }),
    );
    // The next read asks Jira again: the new issue is listed
    const listed = await get('/entity/issues', { ...payments, limit: 100 });
    expect(listed.body.issues.map((i: any) => i.key)).toContain(
      created.body.key,
    );

    const noSummary = await post('/entity/issues', payments, {
      issueType: 'Bug',
    });
    expect(noSummary.status).toBe(400);
    expect(noSummary.body.error.message).toMatch(/summary/);
    const otherProject = await post('/entity/issues', payments, {
      projectKey: 'SHOP',
      issueType: 'Bug',
      summary: 'x',
    });
    expect(otherProject.status).toBe(403);
  });

  it('transitions and comments on issues of the entity only', async () => {
    const { body } = await get('/entity/issues', {
      ...payments,
      status: 'To Do',
      limit: 1,
    });
    const key = body.issues[0].key;
    const transitions = await get(`/issues/${key}/transitions`, payments);
    expect(transitions.body.transitions.map((t: any) => t.name)).toContain(
      'In Progress',
    );
    const moved = await post(`/issues/${key}/transitions`, payments, {
      transition: 'in progress',
    });
    expect(moved.status).toBe(200);
    expect(moved.body.to.name).toBe('In Progress');
    const notAllowed = await post(`/issues/${key}/transitions`, payments, {
      transition: 'Teleport',
    });
    expect(notAllowed.status).toBe(400);
    expect(notAllowed.body.error.message).toMatch(/Done|To Do/);

    const comment = await post(`/issues/${key}/comments`, payments, {
      body: 'Looking at it',
    });
    expect(comment.status).toBe(201);

    const shop = await get('/entity/issues', {
      entityRef: 'component:default/payments-all',
      limit: 1,
    });
    expect(shop.status).toBe(200);
    const outside = await get('/issues/SHOP-1', payments);
    expect(outside.status).toBe(403);
    expect(outside.body.error.message).toMatch(/not in the Jira projects/);

    denied.add('jira.issue.update');
    const refused = await post(`/issues/${key}/comments`, payments, {
      body: 'no',
    });
    expect(refused.status).toBe(403);
  });

  it('attaches a file', async () => {
    const { body } = await get('/entity/issues', { ...payments, limit: 1 });
    const key = body.issues[0].key;
    const res = await request(server)
      .post(`/api/jira/issues/${key}/attachments`)
      .query({ ...payments, filename: 'trace.txt' })
      .set('Authorization', user)
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.from('stack trace'));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ filename: 'trace.txt', size: 11 });
  });

  it('gives the active sprint with a burndown, and release notes', async () => {
    const sprint = await get('/entity/sprint', {
      entityRef: 'component:default/payments-all',
    });
    expect(sprint.status).toBe(200);
    expect(sprint.body.sprint.state).toBe('active');
    expect(sprint.body.issues.length).toBeGreaterThan(0);
    expect(sprint.body.burndown.length).toBeGreaterThan(1);
    const points = sprint.body.burndown.map((p: any) => p.remaining);
    expect(points[points.length - 1]).toBeLessThanOrEqual(points[0]);

    const versions = await get('/entity/versions', payments);
    expect(versions.body.versions.map((v: any) => v.name)).toEqual(
      expect.arrayContaining(['1.4.0', '1.5.0']),
    );
    const notes = await get('/entity/release-notes', {
      entityRef: 'component:default/payments-all',
      version: '1.4.0',
    });
    expect(notes.status).toBe(200);
    expect(notes.body.markdown).toMatch(/^# Release notes: 1\.4\.0\n/);
    expect(notes.body.markdown).toMatch(/- \[PAY-\d+\]\(/);
  });

  it("lists the signed-in user's own open issues", async () => {
    const res = await get('/me/issues');
    expect(res.status).toBe(200);
    expect(res.body.issues.length).toBeGreaterThan(0);
    for (const issue of res.body.issues) {
      expect(
        issue.assignee.emailAddress ?? issue.assignee.displayName,
      ).toBeTruthy();
      expect(issue.status.category).not.toBe('done');
    }
    // The instance with bad credentials is named; the others' issues still show
    expect(res.body.notices).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^Jira instance "broken": /),
      }),
    ]);
  });

  it('needs jira.search.jql for raw JQL', async () => {
    denied.add('jira.search.jql');
    const refused = await get('/search', { jql: 'project = SHOP' });
    expect(refused.status).toBe(403);
    denied.clear();
    const res = await get('/search', { jql: 'project = SHOP', limit: 5 });
    expect(res.status).toBe(200);
    expect(res.body.issues[0].key).toMatch(/^SHOP-/);
  });

  it('serves the last answer with a notice while Jira throttles', async () => {
    const query = {
      entityRef: 'component:default/payments-all',
      status: 'In Progress',
      limit: 5,
    };
    const fresh = await get('/entity/issues', query);
    expect(fresh.status).toBe(200);
    expect(fresh.body.notices).toEqual([]);
    // A write moves the cache on, so the next read asks Jira, which now throttles
    const created = await post('/entity/issues', payments, {
      issueType: 'Task',
      summary: 'Moves the cache on',
    });
    expect(created.status).toBe(201);
    fake.state.throttle({ requests: 20, retryAfterSeconds: 30 });
    const stale = await get('/entity/issues', query);
    expect(stale.status).toBe(200);
    expect(stale.body.issues.map((i: any) => i.key)).toEqual(
      fresh.body.issues.map((i: any) => i.key),
    );
    expect(stale.body.notices[0]).toMatchObject({ kind: 'stale' });
    expect(stale.body.notices[0].message).toMatch(
      /^Jira instance "default" is not answering .*; showing what it answered at /,
    );
    // Nothing cached to fall back on: the error says Jira throttles
    const uncached = await get('/entity/issues', { ...query, limit: 7 });
    expect(uncached.status).toBe(503);
    // A write is never retried
    const write = await post('/entity/issues', payments, {
      issueType: 'Task',
      summary: 'Throttled',
    });
    expect(write.status).toBe(503);
  });
});
