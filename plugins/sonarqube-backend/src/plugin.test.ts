/*
 * The SonarQube plugin inside a test backend, through HTTP, against the SonarQube fake on an
 * ephemeral port: permissions, caching, bad input, the webhook and its signal.
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
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { parseEntityRef } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { SonarQubeFake } from '@internal/plugin-sonarqube-node/testUtils';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import { sonarqubePlugin } from './plugin';

const USER_TOKEN = 'squ_user_token_for_backend_tests';
const PROJECT_TOKEN = 'sqp_payments_only_token_for_tests';
const WEBHOOK_SECRET = 'sonar-webhook-secret-for-tests';

function component(name: string, annotation?: string, extra: object = {}) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      ...(annotation
        ? { annotations: { 'sonarqube.org/project-key': annotation } }
        : {}),
    },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
    relations: [
      { type: 'ownedBy', targetRef: 'group:default/team-a' },
      { type: 'partOf', targetRef: 'system:default/shop' },
    ],
    ...extra,
  };
}

describe('sonarqube plugin', () => {
  let fake: SonarQubeFake;
  let server: any;
  let stopBackend: () => Promise<void>;
  const signals: any[] = [];
  const denied = new Set<string>();
  const user = mockCredentials.user.header();
  /**
   * The decision a policy with conditions gives on `permissionName`: refused on the entities
   * `denied` names. Decisions are reused per user for a few seconds, so a test that refuses
   * something asks as a user of its own.
   */
  const decisionOn = (permissionName: string) => {
    const refused = [...denied]
      .filter(entry => entry.startsWith(`${permissionName} `))
      .map(entry => parseEntityRef(entry.slice(permissionName.length + 1)));
    if (refused.length === 0) return { result: AuthorizeResult.ALLOW };
    const condition = (rule: string, params: object) => ({
      rule,
      resourceType: 'catalog-entity',
      params,
    });
    return {
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      resourceType: 'catalog-entity',
      conditions: {
        not: {
          anyOf: refused.map(ref => ({
            allOf: [
              condition('IS_ENTITY_KIND', { kinds: [ref.kind] }),
              condition('HAS_METADATA', {
                key: 'namespace',
                value: ref.namespace,
              }),
              condition('HAS_METADATA', { key: 'name', value: ref.name }),
            ],
          })),
        },
      },
    };
  };

  beforeAll(async () => {
    fake = await SonarQubeFake.start({
      contextPath: '/sonar',
      tokens: [
        { token: USER_TOKEN, type: 'user', admin: true },
        {
          token: PROJECT_TOKEN,
          type: 'project-analysis',
          projects: ['comet-examples_payments-api'],
        },
      ],
    });
    const baseUrl = fake.url;
    const backend = await startTestBackend({
      features: [
        sonarqubePlugin,
        mockServices.rootConfig.factory({
          data: {
            sonarqube: {
              instances: [
                {
                  name: 'default',
                  baseUrl,
                  externalBaseUrl: 'https://sonar.example.com',
                  apiKey: USER_TOKEN,
                  webhookSecret: WEBHOOK_SECRET,
                },
                { name: 'restricted', baseUrl, apiKey: PROJECT_TOKEN },
              ],
            },
          },
        }),
        createServiceFactory({
          service: signalsServiceRef,
          deps: {},
          factory: () => ({
            publish: async (signal: any) => {
              signals.push(signal);
            },
          }),
        }),
        createServiceFactory({
          service: coreServices.permissions,
          deps: {},
          factory: () =>
            ({
              authorize: async (requests: any[]) =>
                requests.map(r => ({
                  result: denied.has(`${r.permission.name} ${r.resourceRef}`)
                    ? AuthorizeResult.DENY
                    : AuthorizeResult.ALLOW,
                })),
              authorizeConditional: async (requests: any[]) =>
                requests.map(r => decisionOn(r.permission.name)),
            } as any),
        }),
        catalogServiceMock.factory({
          entities: [
            component('payments-api', 'comet-examples_payments-api'),
            component(
              'notifications',
              'comet-examples_notification-api, default/comet-examples_notification-mailer',
            ),
            component('big', 'comet-examples_product-catalog'),
            component('never', 'comet-examples_new-service'),
            component('typo', 'comet-examples_paymnets-api'),
            component('elsewhere', 'cloud/comet-examples_payments-api'),
            component('no-access', 'restricted/comet-examples_ledger-worker'),
            component('malformed', 'a/b/c'),
            component('plain'),
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Group',
              metadata: { name: 'team-a', namespace: 'default' },
              spec: { type: 'team', children: [] },
            },
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'System',
              metadata: { name: 'shop', namespace: 'default' },
              spec: { owner: 'team-a' },
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

  const get = (path: string, as = user) =>
    request(server).get(`/api/sonarqube${path}`).set('Authorization', as);

  it('registers its permissions, sonarqube.project.configure among them', async () => {
    const res = await request(server)
      .get('/api/sonarqube/.well-known/backstage/permissions/metadata')
      .set('Authorization', mockCredentials.service.header());
    expect(res.status).toBe(200);
    expect(res.body.permissions).toContainEqual({
      type: 'basic',
      name: 'sonarqube.project.configure',
      attributes: { action: 'update' },
    });
  });

  it('summarises every project of an entity: gate, conditions, ratings and a link', async () => {
    const res = await get('/summary?entityRef=component:default/notifications');
    expect(res.status).toBe(200);
    expect(res.body.configured).toBe(true);
    expect(res.body.projects).toEqual([
      expect.objectContaining({
        project: 'comet-examples_notification-api',
        instance: 'default',
        name: 'Notification service: API',
        analysed: true,
        url: 'https://sonar.example.com/dashboard?id=comet-examples_notification-api',
        qualityGate: expect.objectContaining({ status: 'OK' }),
        measures: expect.objectContaining({
          coverage: '79.3',
          reliability_rating: expect.any(String),
          security_rating: expect.any(String),
          sqale_rating: expect.any(String),
        }),
      }),
      expect.objectContaining({
        project: 'default/comet-examples_notification-mailer',
        qualityGate: {
          status: 'ERROR',
          conditions: expect.arrayContaining([
            {
              metricKey: 'new_coverage',
              comparator: 'LT',
              errorThreshold: '80',
              actualValue: '42.3',
              status: 'ERROR',
            },
          ]),
        },
      }),
    ]);
  });

  it('reads a branch and a pull request, and lists them', async () => {
    const branches = await get(
      '/branches?entityRef=component:default/payments-api',
    );
    expect(branches.status).toBe(200);
    expect(branches.body.branches.map((b: any) => b.name)).toEqual([
      'main',
      'release/1.x',
    ]);
    expect(branches.body.pullRequests).toEqual([
      expect.objectContaining({ key: '42', qualityGateStatus: 'ERROR' }),
    ]);
    const pr = await get(
      '/project?entityRef=component:default/payments-api&pullRequest=42',
    );
    expect(pr.body).toMatchObject({
      scope: { pullRequest: '42' },
      qualityGate: { status: 'ERROR' },
      url: 'https://sonar.example.com/dashboard?id=comet-examples_payments-api&pullRequest=42',
    });
    const branch = await get(
      '/project?entityRef=component:default/payments-api&branch=release/1.x',
    );
    expect(branch.body).toMatchObject({
      scope: { branch: 'release/1.x' },
      qualityGate: { status: 'OK' },
    });
    const history = await get(
      '/history?entityRef=component:default/payments-api&metrics=coverage,bugs',
    );
    expect(history.body.metrics[0].history).toHaveLength(12);
  });

  it('pages 10,000 issues from the cache once warm, with no SonarQube call', async () => {
    const page1 = await get(
      '/issues?entityRef=component:default/big&page=1&pageSize=50',
    );
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({
      total: 10_000,
      reachableTotal: 10_000,
      page: 1,
      pageSize: 50,
    });
    expect(page1.body.issues).toHaveLength(50);
    expect(page1.body.issues[0].url).toMatch(
      /^https:\/\/sonar\.example\.com\/project\/issues\?id=comet-examples_product-catalog&open=/,
    );
    fake.resetCalls();
    const again = await get(
      '/issues?entityRef=component:default/big&page=1&pageSize=50',
    );
    expect(again.body).toEqual(page1.body);
    expect(fake.calls).toEqual([]);
    const last = await get(
      '/issues?entityRef=component:default/big&page=200&pageSize=50',
    );
    expect(last.body.issues).toHaveLength(50);
    const past = await get(
      '/issues?entityRef=component:default/big&page=201&pageSize=50',
    );
    expect(past.status).toBe(400);
    expect(past.body.error.message).toBe(
      'SonarQube returns only the first 10000 issues of a search; page 201 of 50 is past that (narrow the search with types or severities)',
    );
    const bugs = await get(
      '/issues?entityRef=component:default/big&types=BUG&severities=BLOCKER&pageSize=5',
    );
    expect(
      bugs.body.issues.every(
        (i: any) => i.type === 'BUG' && i.severity === 'BLOCKER',
      ),
    ).toBe(true);
  });

  it('hides security findings without sonarqube.security.read', async () => {
    denied.add('sonarqube.security.read component:default/payments-api');
    const withoutSecurity = mockCredentials.user.header(
      'user:default/no-security',
    );
    try {
      const summary = await get(
        '/summary?entityRef=component:default/payments-api',
        withoutSecurity,
      );
      const [project] = summary.body.projects;
      expect(project.securityHidden).toBe(true);
      expect(project.measures.vulnerabilities).toBeUndefined();
      expect(project.measures.security_rating).toBeUndefined();
      expect(project.measures.bugs).toBeDefined();
      const issues = await get(
        '/issues?entityRef=component:default/payments-api&pageSize=100',
        withoutSecurity,
      );
      expect(issues.body.securityHidden).toBe(true);
      expect(
        issues.body.issues.some((i: any) => i.type === 'VULNERABILITY'),
      ).toBe(false);
      const hotspots = await get(
        '/hotspots?entityRef=component:default/payments-api',
        withoutSecurity,
      );
      expect(hotspots.status).toBe(403);
      expect(hotspots.body.error.message).toBe(
        'You are not allowed to sonarqube.security.read on component:default/payments-api',
      );
    } finally {
      denied.clear();
    }
    const hotspots = await get(
      '/hotspots?entityRef=component:default/payments-api',
    );
    expect(hotspots.status).toBe(200);
    expect(hotspots.body.hotspots.length).toBeGreaterThan(0);
  });

  it('refuses without sonarqube.findings.read', async () => {
    denied.add('sonarqube.findings.read component:default/payments-api');
    try {
      const res = await get(
        '/summary?entityRef=component:default/payments-api',
        mockCredentials.user.header('user:default/no-findings'),
      );
      expect(res.status).toBe(403);
      expect(res.body.error.message).toBe(
        'You are not allowed to sonarqube.findings.read on component:default/payments-api',
      );
    } finally {
      denied.clear();
    }
  });

  it('gives a precise message for each kind of bad input, and no crash', async () => {
    const summary = async (name: string) =>
      (await get(`/summary?entityRef=component:default/${name}`)).body;
    expect((await summary('typo')).projects[0].error).toBe(
      'SonarQube instance "default": GET api/measures/component for project "comet-examples_paymnets-api": not found (404): Component key \'comet-examples_paymnets-api\' not found',
    );
    expect((await summary('elsewhere')).projects[0].error).toBe(
      'Unknown SonarQube instance "cloud" (from sonarqube.org/project-key); sonarqube.instances has "default", "restricted"',
    );
    expect((await summary('no-access')).projects[0].error).toMatch(
      /^SonarQube instance "restricted": GET api\/(measures\/component|qualitygates\/project_status) for project "comet-examples_ledger-worker" was refused \(403\): the configured token lacks the permission/,
    );
    expect(await summary('never')).toMatchObject({
      projects: [
        {
          analysed: false,
          error:
            'Project "comet-examples_new-service" on SonarQube instance "default" has not been analysed yet',
        },
      ],
    });
    const malformed = await get(
      '/summary?entityRef=component:default/malformed',
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toBe(
      'component:default/malformed: The item 1 of sonarqube.org/project-key "a/b/c" has more than one "/"; expected [instance/]key, e.g. "acme_payments-api" or "sonarcloud/acme_payments-api"',
    );
    const plain = await get('/summary?entityRef=component:default/plain');
    expect(plain.status).toBe(400);
    expect(plain.body.error.message).toBe(
      'component:default/plain has no sonarqube.org/project-key annotation',
    );
    const missing = await get('/summary?entityRef=component:default/nope');
    expect(missing.status).toBe(404);
    const notInAnnotation = await get(
      '/issues?entityRef=component:default/payments-api&project=comet-examples_ledger-worker',
    );
    expect(notInAnnotation.status).toBe(400);
    expect(notInAnnotation.body.error.message).toBe(
      'Project "comet-examples_ledger-worker" is not in sonarqube.org/project-key of component:default/payments-api (comet-examples_payments-api)',
    );
    const badQuery = await get(
      '/issues?entityRef=component:default/payments-api&types=BUGS',
    );
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.message).toBe(
      'Invalid query field "types": types are BUG, VULNERABILITY and CODE_SMELL',
    );
    const noSecretLeaks = JSON.stringify(
      await Promise.all(['typo', 'no-access', 'elsewhere'].map(summary)),
    );
    expect(noSecretLeaks).not.toContain(USER_TOKEN);
    expect(noSecretLeaks).not.toContain(PROJECT_TOKEN);
  });

  it("lists a group's and a system's entities with their gates", async () => {
    for (const ref of ['group:default/team-a', 'system:default/shop']) {
      const res = await get(`/table?entityRef=${ref}`);
      expect(res.status).toBe(200);
      const rows = res.body.rows as any[];
      expect(rows.map(r => r.entityRef)).toContain(
        'component:default/payments-api',
      );
      expect(rows.map(r => r.entityRef)).not.toContain(
        'component:default/plain',
      );
      expect(
        rows.find(r => r.entityRef === 'component:default/malformed').error,
      ).toMatch(/has more than one "\/"/);
      expect(
        rows.find(r => r.entityRef === 'component:default/notifications')
          .projects,
      ).toHaveLength(2);
    }
    const ofComponent = await get(
      '/table?entityRef=component:default/payments-api',
    );
    expect(ofComponent.status).toBe(400);
  });

  it('verifies the webhook signature, refreshes the cache and signals open pages', async () => {
    const warm = await get('/project?entityRef=component:default/payments-api');
    expect(warm.body.qualityGate.status).toBe('OK');
    fake.publishAnalysis({
      projectKey: 'comet-examples_payments-api',
      revision: 'abc123',
      gate: 'ERROR',
    });
    // Still cached until SonarQube tells us
    expect(
      (await get('/project?entityRef=component:default/payments-api')).body
        .qualityGate.status,
    ).toBe('OK');
    const body = JSON.stringify({
      serverUrl: 'https://sonar.example.com',
      taskId: 'AT1',
      status: 'SUCCESS',
      project: { key: 'comet-examples_payments-api', name: 'Payments API' },
      branch: { name: 'main', type: 'BRANCH', isMain: true },
      qualityGate: { name: 'Sonar way', status: 'ERROR', conditions: [] },
    });
    const bad = await request(server)
      .post('/api/sonarqube/webhook')
      .set('content-type', 'application/json')
      .set(
        'x-sonar-webhook-hmac-sha256',
        createHmac('sha256', 'wrong').update(body).digest('hex'),
      )
      .send(body);
    expect(bad.status).toBe(401);
    expect(bad.body.message).toBe(
      'Invalid X-Sonar-Webhook-HMAC-SHA256 signature',
    );
    const unsigned = await request(server)
      .post('/api/sonarqube/webhook')
      .set('content-type', 'application/json')
      .send(body);
    expect(unsigned.status).toBe(401);
    expect(signals).toEqual([]);
    const noSecret = await request(server)
      .post('/api/sonarqube/webhook?instance=restricted')
      .set('content-type', 'application/json')
      .set('x-sonar-webhook-hmac-sha256', 'ab')
      .send(body);
    expect(noSecret.status).toBe(503);
    expect(noSecret.body.message).toBe(
      'Webhooks from this SonarQube instance are off: set webhookSecret on it in sonarqube.instances',
    );
    const good = await request(server)
      .post('/api/sonarqube/webhook')
      .set('content-type', 'application/json')
      .set(
        'x-sonar-webhook-hmac-sha256',
        createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex'),
      )
      .send(body);
    expect(good.status).toBe(200);
    expect(signals).toEqual([
      {
        recipients: { type: 'broadcast' },
        channel: 'sonarqube:quality-gate',
        message: {
          instance: 'default',
          projectKey: 'comet-examples_payments-api',
        },
      },
    ]);
    expect(
      (await get('/project?entityRef=component:default/payments-api')).body
        .qualityGate.status,
    ).toBe('ERROR');
  });
});

describe('sonarqube plugin without configuration', () => {
  it('says which key turns it on', async () => {
    const backend = await startTestBackend({
      features: [
        sonarqubePlugin,
        mockServices.rootConfig.factory({ data: {} }),
        createServiceFactory({
          service: signalsServiceRef,
          deps: {},
          factory: () => ({ publish: async () => {} }),
        }),
        catalogServiceMock.factory({
          entities: [component('payments-api', 'comet-examples_payments-api')],
        }),
      ],
    });
    try {
      const res = await request(backend.server)
        .get('/api/sonarqube/summary?entityRef=component:default/payments-api')
        .set('Authorization', mockCredentials.user.header());
      expect(res.body).toEqual({
        configured: false,
        message:
          'SonarQube is not configured: add an instance under sonarqube.instances (name, baseUrl, apiKey) in app-config to turn it on',
      });
      const issues = await request(backend.server)
        .get('/api/sonarqube/issues?entityRef=component:default/payments-api')
        .set('Authorization', mockCredentials.user.header());
      expect(issues.status).toBe(503);
      expect(issues.body.error.message).toContain('sonarqube.instances');
    } finally {
      await backend.stop();
    }
  });
});

describe('sonarqube plugin with comet.resourceScopes', () => {
  it("reads only the projects within the owner group's scopes, and says why for others", async () => {
    const fake = await SonarQubeFake.start({
      tokens: [{ token: USER_TOKEN, type: 'user', admin: true }],
    });
    const backend = await startTestBackend({
      features: [
        sonarqubePlugin,
        mockServices.rootConfig.factory({
          data: {
            sonarqube: {
              instances: [
                { name: 'default', baseUrl: fake.url, apiKey: USER_TOKEN },
              ],
            },
            comet: {
              resourceScopes: {
                'team-a': { sonarqube: ['comet-examples_payments-*'] },
              },
            },
          },
        }),
        createServiceFactory({
          service: signalsServiceRef,
          deps: {},
          factory: () => ({ publish: async () => {} }),
        }),
        catalogServiceMock.factory({
          entities: [
            component('payments-api', 'comet-examples_payments-api'),
            // team-a names another team's project
            component('borrowed', 'comet-examples_ledger-worker'),
          ],
        }),
      ],
    });
    const get = (path: string) =>
      request(backend.server)
        .get(`/api/sonarqube${path}`)
        .set('Authorization', mockCredentials.user.header());
    try {
      const allowed = await get(
        '/summary?entityRef=component:default/payments-api',
      );
      expect(allowed.status).toBe(200);
      expect(allowed.body.projects[0].error).toBeUndefined();
      expect(allowed.body.projects[0].qualityGate).toBeDefined();

      const refused = await get(
        '/summary?entityRef=component:default/borrowed',
      );
      expect(refused.status).toBe(200);
      expect(refused.body.projects).toEqual([
        expect.objectContaining({
          project: 'comet-examples_ledger-worker',
          analysed: false,
          measures: {},
          error:
            'sonarqube.org/project-key entry "comet-examples_ledger-worker" of component:default/borrowed is refused: default/comet-examples_ledger-worker is outside the scopes of group:default/team-a (comet.resourceScopes.team-a.sonarqube: comet-examples_payments-*)',
        }),
      ]);
      expect(refused.body.projects[0].name).toBeUndefined();

      const issues = await get('/issues?entityRef=component:default/borrowed');
      expect(issues.status).toBe(403);
      expect(issues.body.error.message).toMatch(/outside the scopes/);
    } finally {
      await backend.stop();
      await fake.close();
    }
  });
});
