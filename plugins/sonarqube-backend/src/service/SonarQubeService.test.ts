/*
 * SonarQubeService on its own: the real SonarQube client against the SonarQube fake, the
 * catalog mock, a permission policy that refuses per user and permission, and Backstage's
 * memory cache.
 */
import { CacheManager } from '@backstage/backend-defaults/cache';
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { SonarQubeClient } from '@internal/plugin-sonarqube-node';
import { SonarQubeFake } from '@internal/plugin-sonarqube-node/testUtils';
import { DEFAULT_HISTORY_METRICS, SonarQubeService } from './SonarQubeService';

const TOKEN = 'squ_service_tests_token';

function entity(
  kind: string,
  name: string,
  annotation?: string,
  relations: Array<{ type: string; targetRef: string }> = [],
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: {
      name,
      namespace: 'default',
      ...(annotation
        ? { annotations: { 'sonarqube.org/project-key': annotation } }
        : {}),
    },
    spec: {},
    relations,
  };
}

const team = [{ type: 'ownedBy', targetRef: 'group:default/team-a' }];
const ENTITIES: Entity[] = [
  entity('Component', 'payments', 'comet-examples_payments-api', team),
  entity(
    'Component',
    'notifications',
    'comet-examples_notification-api,default/comet-examples_notification-mailer',
    team,
  ),
  entity('Component', 'never', 'comet-examples_new-service', team),
  entity('Component', 'broken', 'a/b/c', team),
  entity('Component', 'unannotated', undefined, team),
  entity('Component', 'elsewhere', 'cloud/comet-examples_payments-api'),
  entity('Group', 'team-a'),
  entity('Group', 'empty-team'),
  entity('API', 'payments-api'),
];

describe('SonarQubeService', () => {
  let fake: SonarQubeFake;
  /** `<user> <permission>` pairs the policy refuses. */
  const refused = new Set<string>();

  beforeAll(async () => {
    fake = await SonarQubeFake.start({
      tokens: [{ token: TOKEN, type: 'user', admin: true }],
    });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    refused.clear();
    fake.resetCalls();
  });

  function service(
    instances: Array<Record<string, unknown>> = [
      { name: 'default', baseUrl: fake.url, apiKey: TOKEN },
    ],
  ) {
    const config = new ConfigReader({
      sonarqube: { instances },
      backend: { cache: { store: 'memory' } },
    } as any);
    const client = SonarQubeClient.fromConfig(config, { maxRetries: 0 });
    const decide = (credentials: BackstageCredentials, name: string) => {
      const user = (credentials.principal as { userEntityRef?: string })
        .userEntityRef;
      return {
        result: refused.has(`${user} ${name}`)
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
      } as const;
    };
    const permissions = mockServices.permissions.mock({
      authorize: async (requests, { credentials }) =>
        requests.map(r => decide(credentials, r.permission.name)),
      authorizeConditional: async (requests, { credentials }) =>
        requests.map(r => decide(credentials, r.permission.name)),
    });
    const catalog = catalogServiceMock({ entities: ENTITIES });
    const sonarQube = new SonarQubeService({
      client,
      catalog,
      permissions,
      cache: CacheManager.fromConfig(config).forPlugin('sonarqube'),
      cacheTtlMs: 60_000,
      accessCacheTtlMs: 0,
    });
    return { sonarQube, client, catalog, permissions };
  }

  const user = mockCredentials.user('user:default/alice');
  const callsTo = (path: string) =>
    fake.calls.filter(c => c.path === path).length;

  describe('summary', () => {
    it('summarises each project of an entity, with a link and a precise note when never analysed', async () => {
      const { sonarQube } = service();
      const summary = await sonarQube.summary(user, {
        entityRef: 'component:default/notifications',
      });
      expect(summary).toEqual({
        configured: true,
        entityRef: 'component:default/notifications',
        projects: [
          expect.objectContaining({
            project: 'comet-examples_notification-api',
            instance: 'default',
            projectKey: 'comet-examples_notification-api',
            name: 'Notification service: API',
            analysed: true,
            url: `${fake.url}/dashboard?id=comet-examples_notification-api`,
            qualityGate: expect.objectContaining({ status: 'OK' }),
            scope: {},
          }),
          expect.objectContaining({
            project: 'default/comet-examples_notification-mailer',
            qualityGate: expect.objectContaining({ status: 'ERROR' }),
          }),
        ],
      });
      const never = await sonarQube.summary(user, {
        entityRef: 'component:default/never',
      });
      expect(never.configured && never.projects).toEqual([
        expect.objectContaining({
          analysed: false,
          qualityGate: undefined,
          error:
            'Project "comet-examples_new-service" on SonarQube instance "default" has not been analysed yet',
        }),
      ]);
    });

    it('applies a branch or pull request to an entity with one project only', async () => {
      const { sonarQube } = service();
      const pr = await sonarQube.summary(user, {
        entityRef: 'component:default/payments',
        pullRequest: '42',
        branch: 'ignored-with-a-pull-request',
      });
      expect(pr.configured && pr.projects[0]).toMatchObject({
        scope: { pullRequest: '42' },
        qualityGate: { status: 'ERROR' },
        url: `${fake.url}/dashboard?id=comet-examples_payments-api&pullRequest=42`,
      });
      const several = await sonarQube.summary(user, {
        entityRef: 'component:default/notifications',
        branch: 'develop',
      });
      expect(several.configured && several.projects.map(p => p.scope)).toEqual([
        {},
        {},
      ]);
    });

    it('hides security measures and conditions without sonarqube.security.read', async () => {
      const { sonarQube } = service();
      refused.add('user:default/alice sonarqube.security.read');
      const summary = await sonarQube.summary(user, {
        entityRef: 'component:default/payments',
        pullRequest: '42',
      });
      const [project] = summary.configured ? summary.projects : [];
      expect(project.securityHidden).toBe(true);
      expect(Object.keys(project.measures)).not.toEqual(
        expect.arrayContaining(['vulnerabilities']),
      );
      expect(project.measures).not.toHaveProperty('security_rating');
      expect(project.measures).toHaveProperty('bugs');
      expect(
        project.qualityGate?.conditions.map(c => c.metricKey),
      ).not.toContain('new_security_hotspots_reviewed');
      expect(project.qualityGate?.conditions.length).toBeGreaterThan(0);
    });

    it('refuses without sonarqube.findings.read, and says so', async () => {
      const { sonarQube } = service();
      refused.add('user:default/alice sonarqube.findings.read');
      await expect(
        sonarQube.summary(user, { entityRef: 'component:default/payments' }),
      ).rejects.toThrow(
        expect.objectContaining({
          name: 'NotAllowedError',
          message:
            'You are not allowed to sonarqube.findings.read on component:default/payments',
        }),
      );
      expect(fake.calls).toEqual([]);
    });

    it('reports a missing or malformed annotation as bad input', async () => {
      const { sonarQube } = service();
      await expect(
        sonarQube.summary(user, { entityRef: 'component:default/unannotated' }),
      ).rejects.toThrow(
        expect.objectContaining({
          name: 'InputError',
          message:
            'component:default/unannotated has no sonarqube.org/project-key annotation',
        }),
      );
      await expect(
        sonarQube.summary(user, { entityRef: 'component:default/broken' }),
      ).rejects.toThrow(
        /^component:default\/broken: The item 1 of sonarqube\.org\/project-key "a\/b\/c" has more than one "\/"/,
      );
    });

    it('reports per project an instance it cannot resolve, and SonarQube errors', async () => {
      const { sonarQube } = service([
        { name: 'main', baseUrl: fake.url, apiKey: TOKEN },
        { name: 'cloud', baseUrl: fake.url, apiKey: 'not-a-token' },
      ]);
      // Several instances and none called default: the annotation must name one
      const unnamed = await sonarQube.summary(user, {
        entityRef: 'component:default/payments',
      });
      expect(unnamed.configured && unnamed.projects).toEqual([
        {
          project: 'comet-examples_payments-api',
          instance: 'default',
          projectKey: 'comet-examples_payments-api',
          scope: {},
          analysed: false,
          measures: {},
          error:
            'sonarqube.org/project-key names no SonarQube instance, and sonarqube.instances has several ("main", "cloud") with none called "default"; write the instance name in sonarqube.org/project-key',
        },
      ]);
      const refusedToken = await sonarQube.summary(user, {
        entityRef: 'component:default/elsewhere',
      });
      expect(refusedToken.configured && refusedToken.projects[0]).toMatchObject(
        {
          instance: 'cloud',
          analysed: false,
          error: expect.stringMatching(
            /^SonarQube instance "cloud": GET api\/(measures\/component|qualitygates\/project_status) for project "comet-examples_payments-api" was refused \(401\)/,
          ),
        },
      );
    });

    it('passes on an unexpected failure instead of showing it as a project note', async () => {
      const { sonarQube, client } = service();
      jest
        .spyOn(client, 'getMeasures')
        .mockRejectedValueOnce(new Error('bug in the client'));
      // No request left in flight to land in the next test's count
      jest
        .spyOn(client, 'getQualityGate')
        .mockResolvedValueOnce({ status: 'OK', conditions: [] });
      await expect(
        sonarQube.summary(user, { entityRef: 'component:default/payments' }),
      ).rejects.toThrow('bug in the client');
    });

    it('says which key turns SonarQube on when nothing is configured', async () => {
      const { sonarQube } = service([]);
      const message =
        'SonarQube is not configured: add an instance under sonarqube.instances (name, baseUrl, apiKey) in app-config to turn it on';
      expect(sonarQube.configured).toBe(false);
      expect(
        await sonarQube.summary(user, {
          entityRef: 'component:default/payments',
        }),
      ).toEqual({ configured: false, message });
      expect(
        await sonarQube.table(user, { entityRef: 'group:default/team-a' }),
      ).toEqual({ configured: false, message });
      for (const call of [
        () =>
          sonarQube.projectView(user, {
            entityRef: 'component:default/payments',
          }),
        () =>
          sonarQube.branches(user, { entityRef: 'component:default/payments' }),
      ]) {
        await expect(call()).rejects.toThrow(
          expect.objectContaining({ name: 'ServiceUnavailableError', message }),
        );
      }
    });
  });

  describe('caching', () => {
    it('reads SonarQube once for concurrent and repeated views, and again after invalidate', async () => {
      const { sonarQube } = service();
      const view = () =>
        sonarQube.projectView(user, {
          entityRef: 'component:default/payments',
        });
      const [first, second] = await Promise.all([view(), view()]);
      expect(second).toEqual(first);
      expect(callsTo('api/measures/component')).toBe(1);
      expect(callsTo('api/qualitygates/project_status')).toBe(1);
      await view();
      expect(callsTo('api/measures/component')).toBe(1);

      fake.publishAnalysis({
        projectKey: 'comet-examples_payments-api',
        revision: 'feedface',
        gate: 'ERROR',
      });
      expect((await view()).qualityGate?.status).toBe('OK');
      await sonarQube.invalidate('default', 'comet-examples_payments-api');
      expect((await view()).qualityGate?.status).toBe('ERROR');
      expect(callsTo('api/measures/component')).toBe(2);
    });
  });

  describe('one project of an entity', () => {
    it('picks a project by its annotation form or by instance/key', async () => {
      const { sonarQube } = service();
      for (const project of [
        'default/comet-examples_notification-mailer',
        'comet-examples_notification-api',
        'default/comet-examples_notification-api',
      ]) {
        const view = await sonarQube.projectView(user, {
          entityRef: 'component:default/notifications',
          project,
        });
        expect(view.projectKey).toBe(project.replace(/^default\//, ''));
      }
      await expect(
        sonarQube.projectView(user, {
          entityRef: 'component:default/notifications',
          project: 'comet-examples_payments-api',
        }),
      ).rejects.toThrow(
        expect.objectContaining({
          name: 'InputError',
          message:
            'Project "comet-examples_payments-api" is not in sonarqube.org/project-key of component:default/notifications (comet-examples_notification-api, default/comet-examples_notification-mailer)',
        }),
      );
    });

    it('reads the history of the default metrics, without security ones when not allowed', async () => {
      const { sonarQube } = service();
      const history = await sonarQube.history(user, {
        entityRef: 'component:default/payments',
      });
      expect(history.metrics.map(m => m.metric)).toEqual(
        DEFAULT_HISTORY_METRICS,
      );
      refused.add('user:default/alice sonarqube.security.read');
      const hidden = await sonarQube.history(user, {
        entityRef: 'component:default/payments',
        metrics: ['coverage', 'vulnerabilities', 'security_rating'],
      });
      expect(hidden.metrics.map(m => m.metric)).toEqual(['coverage']);
    });

    it('pages issues, leaving out vulnerabilities without sonarqube.security.read', async () => {
      const { sonarQube } = service();
      const page = await sonarQube.issues(user, {
        entityRef: 'component:default/payments',
        types: ['VULNERABILITY'],
        severities: ['MINOR', 'BLOCKER'],
        page: 1,
        pageSize: 5,
      });
      expect(page.issues).toHaveLength(5);
      expect(page.securityHidden).toBeUndefined();
      expect(
        page.issues.every(
          i =>
            i.type === 'VULNERABILITY' &&
            ['MINOR', 'BLOCKER'].includes(i.severity),
        ),
      ).toBe(true);
      // The fake's vulnerabilities are all MINOR: the severity filter reaches SonarQube
      const major = await sonarQube.issues(user, {
        entityRef: 'component:default/payments',
        types: ['VULNERABILITY'],
        severities: ['MAJOR'],
        page: 1,
        pageSize: 5,
      });
      expect(major.total).toBe(0);

      refused.add('user:default/alice sonarqube.security.read');
      const hidden = await sonarQube.issues(user, {
        entityRef: 'component:default/payments',
        page: 1,
        pageSize: 100,
      });
      expect(hidden.securityHidden).toBe(true);
      expect(hidden.issues.some(i => i.type === 'VULNERABILITY')).toBe(false);
      await expect(
        sonarQube.issues(user, {
          entityRef: 'component:default/payments',
          types: ['VULNERABILITY'],
          page: 1,
          pageSize: 5,
        }),
      ).rejects.toThrow(
        expect.objectContaining({
          name: 'NotAllowedError',
          message:
            'You are not allowed to sonarqube.security.read on component:default/payments, so vulnerabilities are not shown',
        }),
      );
    });

    it('pages hotspots only with sonarqube.security.read', async () => {
      const { sonarQube } = service();
      const hotspots = await sonarQube.hotspots(user, {
        entityRef: 'component:default/payments',
        page: 1,
        pageSize: 10,
      });
      expect(hotspots.total).toBeGreaterThan(0);
      expect(hotspots.hotspots[0].url).toContain(
        `${fake.url}/security_hotspots?id=comet-examples_payments-api&hotspots=`,
      );
      refused.add('user:default/alice sonarqube.security.read');
      await expect(
        sonarQube.hotspots(user, {
          entityRef: 'component:default/payments',
          page: 1,
          pageSize: 10,
        }),
      ).rejects.toThrow(
        'You are not allowed to sonarqube.security.read on component:default/payments',
      );
    });

    it('lists branches and pull requests', async () => {
      const { sonarQube } = service();
      const branches = await sonarQube.branches(user, {
        entityRef: 'component:default/payments',
      });
      expect(branches.branches.map(b => b.name)).toEqual([
        'main',
        'release/1.x',
      ]);
      expect(branches.pullRequests.map(p => p.key)).toEqual(['42']);
    });
  });

  describe('table', () => {
    it("lists a group's annotated entities with their projects, and a note for each one that cannot be shown", async () => {
      const { sonarQube } = service();
      const table = await sonarQube.table(user, {
        entityRef: 'group:default/team-a',
      });
      expect(table.configured && table.entityRef).toBe('group:default/team-a');
      const rows = table.configured ? table.rows : [];
      expect(rows.map(r => r.entityRef)).toEqual([
        'component:default/broken',
        'component:default/never',
        'component:default/notifications',
        'component:default/payments',
      ]);
      expect(rows[0]).toEqual({
        entityRef: 'component:default/broken',
        title: 'broken',
        projects: [],
        error: expect.stringMatching(/has more than one "\/"/),
      });
      expect(rows[2].projects.map(p => p.qualityGate?.status)).toEqual([
        'OK',
        'ERROR',
      ]);
    });

    it('shows no findings of entities the caller may not read', async () => {
      const { sonarQube } = service();
      refused.add('user:default/alice sonarqube.findings.read');
      const table = await sonarQube.table(user, {
        entityRef: 'group:default/team-a',
      });
      const rows = table.configured ? table.rows : [];
      expect(rows).toHaveLength(4);
      for (const row of rows) {
        expect(row.projects).toEqual([]);
        expect(row.error).toBe(
          `You are not allowed to sonarqube.findings.read on ${row.entityRef}`,
        );
      }
      expect(fake.calls).toEqual([]);
    });

    it('is empty for a group without annotated entities, and refuses other kinds', async () => {
      const { sonarQube } = service();
      expect(
        await sonarQube.table(user, { entityRef: 'group:default/empty-team' }),
      ).toEqual({
        configured: true,
        entityRef: 'group:default/empty-team',
        rows: [],
      });
      await expect(
        sonarQube.table(user, { entityRef: 'api:default/payments-api' }),
      ).rejects.toThrow(
        expect.objectContaining({
          name: 'InputError',
          message:
            'The SonarQube table is for Group and System entities; api:default/payments-api is a API',
        }),
      );
      await expect(
        sonarQube.table(user, { entityRef: 'group:default/nobody' }),
      ).rejects.toThrow(expect.objectContaining({ name: 'NotFoundError' }));
    });
  });
});
