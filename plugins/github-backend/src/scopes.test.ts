/*
 * comet.resourceScopes for GitHub, end to end: an entity may only name a repository its owner
 * group's `github` scopes allow, on every route and for every write, before any call to GitHub.
 */
import type { Entity } from '@backstage/catalog-model';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { ResourceScopes } from '@internal/backend-common';
import { GitHubFake } from '@internal/plugin-github-node/testUtils';
import request from 'supertest';
import { githubPlugin } from './plugin';
import { gitHubScopeRefusal } from './service/GitHubService';
import {
  component,
  repoSeeds,
  TOKEN,
  testClientFactoryService,
} from './__testUtils__/fixtures';

jest.setTimeout(60_000);

const user = mockCredentials.user.header();
const GHE_SOURCE = (slug: string) =>
  `url:https://ghe.example.com/${slug}/tree/main/`;

function owned(entity: Entity, owner: string): Entity {
  return { ...entity, spec: { ...entity.spec, owner } };
}

const ENTITIES: Entity[] = [
  // team-a: comet-examples/payments-* on github.com and on ghe.example.com
  component('payments-api', {
    'github.com/project-slug': 'comet-examples/payments-api',
    'comet.dev/pipelines': '.comet/pipeline.yaml',
  }),
  component('busy-service', {
    'github.com/project-slug': 'comet-examples/busy-service',
    'comet.dev/pipelines': '.comet/pipeline.yaml',
  }),
  component('ghe-payments', {
    'github.com/project-slug': 'comet-examples/payments-api',
    'backstage.io/source-location': GHE_SOURCE('comet-examples/payments-api'),
  }),
  component('ghe-busy', {
    'github.com/project-slug': 'comet-examples/busy-service',
    'backstage.io/source-location': GHE_SOURCE('comet-examples/busy-service'),
  }),
  // team-b: comet-examples/* on github.com only
  owned(
    component('team-b-ghe', {
      'github.com/project-slug': 'comet-examples/payments-api',
      'backstage.io/source-location': GHE_SOURCE('comet-examples/payments-api'),
    }),
    'team-b',
  ),
  owned(
    component('team-b-service', {
      'github.com/project-slug': 'comet-examples/busy-service',
    }),
    'group:default/team-b',
  ),
  // team-c: no github scopes; a user: no scopes at all
  owned(
    component('team-c-service', {
      'github.com/project-slug': 'comet-examples/payments-api',
    }),
    'team-c',
  ),
  owned(
    component('alice-service', {
      'github.com/project-slug': 'comet-examples/payments-api',
    }),
    'user:default/alice',
  ),
];

const SCOPES = {
  'team-a': {
    github: [
      'comet-examples/payments-*',
      'ghe.example.com:comet-examples/payments-*',
    ],
    jenkins: ['payments/*'],
  },
  'team-b': { github: ['comet-examples/*'] },
  'team-c': { jenkins: ['storefront/*'] },
};

const refusedBusy =
  'github.com/project-slug entry "comet-examples/busy-service" of component:default/busy-service is refused: github.com:comet-examples/busy-service is outside the scopes of group:default/team-a (comet.resourceScopes.team-a.github: comet-examples/payments-*, ghe.example.com:comet-examples/payments-*)';

type AuditEvent = { eventId: string; outcome?: string; error?: string };

describe('github plugin with comet.resourceScopes', () => {
  let fake: GitHubFake;
  let server: any;
  let stopBackend: () => Promise<void>;
  const auditEvents: AuditEvent[] = [];

  beforeAll(async () => {
    fake = await GitHubFake.start({
      repos: repoSeeds(),
      tokens: [{ token: TOKEN, login: 'comet-bot' }],
    });
    const backend = await startTestBackend({
      features: [
        githubPlugin,
        mockServices.rootConfig.factory({
          data: {
            integrations: {
              github: [
                { host: 'github.com', apiBaseUrl: fake.url, token: TOKEN },
                { host: 'ghe.example.com', apiBaseUrl: fake.url, token: TOKEN },
              ],
            },
            github: { cache: { ttlSeconds: 0 } },
            comet: { resourceScopes: SCOPES },
          },
        }),
        mockServices.auditor.mock({
          createEvent: async (options: any) => {
            const event: AuditEvent = { eventId: options.eventId };
            auditEvents.push(event);
            return {
              success: async () => {
                event.outcome = 'success';
              },
              fail: async ({ error }: { error: Error }) => {
                event.outcome = 'failure';
                event.error = error.message;
              },
            };
          },
        }).factory,
        catalogServiceMock.factory({ entities: ENTITIES }),
        testClientFactoryService,
      ],
    });
    server = backend.server;
    stopBackend = () => backend.stop();
  });

  afterAll(async () => {
    await stopBackend();
    await fake.close();
  });

  beforeEach(() => {
    fake.resetCalls();
    auditEvents.length = 0;
  });

  const entity = (name: string) =>
    `/api/github/entities/component/default/${name}`;

  it('serves an entity whose repository is within its owner group scopes', async () => {
    const repository = await request(server)
      .get(`${entity('payments-api')}/repository`)
      .set('Authorization', user)
      .expect(200);
    expect(repository.body.repository).toMatchObject({
      host: 'github.com',
      owner: 'comet-examples',
      repo: 'payments-api',
    });
    await request(server)
      .get(`${entity('payments-api')}/pull-requests?state=open`)
      .set('Authorization', user)
      .expect(200);
    await request(server)
      .post(`${entity('payments-api')}/workflow-runs/102/rerun`)
      .set('Authorization', user)
      .expect(202, { ok: true });
    expect(auditEvents).toEqual([
      { eventId: 'workflow-run-rerun', outcome: 'success' },
    ]);
    // team-b's comet-examples/* allows any repository of the organisation on github.com
    await request(server)
      .get(`${entity('team-b-service')}/commits`)
      .set('Authorization', user)
      .expect(200);
  });

  it.each([
    ['repository', '/repository'],
    ['workflow runs', '/workflow-runs'],
    ['jobs', '/workflow-runs/102/jobs'],
    ['pull requests', '/pull-requests'],
    ['one pull request', '/pull-requests/7'],
    ['commits', '/commits'],
    ['cycle time', '/cycle-time'],
  ])(
    'answers 403 naming the annotation, entity, group and config key for the %s of a repository outside the scopes',
    async (_, path) => {
      const res = await request(server)
        .get(`${entity('busy-service')}${path}`)
        .set('Authorization', user)
        .expect(403);
      expect(res.body.error).toMatchObject({
        name: 'NotAllowedError',
        message: refusedBusy,
      });
      expect(fake.calls).toEqual([]);
    },
  );

  it('refuses re-runs, cancels and proposed pull requests outside the scopes, audited, before calling GitHub', async () => {
    for (const action of ['rerun', 'cancel']) {
      const res = await request(server)
        .post(`${entity('busy-service')}/workflow-runs/102/${action}`)
        .set('Authorization', user)
        .expect(403);
      expect(res.body.error.message).toBe(refusedBusy);
    }
    const proposal = await request(server)
      .post(`${entity('busy-service')}/pull-requests`)
      .set('Authorization', user)
      .send({
        title: 'Sneak in',
        files: { '.comet/pipeline.yaml': 'steps: []\n' },
      })
      .expect(403);
    expect(proposal.body.error.message).toBe(refusedBusy);
    expect(fake.calls).toEqual([]);
    expect(auditEvents).toEqual([
      { eventId: 'workflow-run-rerun', outcome: 'failure', error: refusedBusy },
      {
        eventId: 'workflow-run-cancel',
        outcome: 'failure',
        error: refusedBusy,
      },
      {
        eventId: 'pull-request-create',
        outcome: 'failure',
        error: refusedBusy,
      },
    ]);
  });

  it('matches host-prefixed patterns against the GitHub Enterprise host of the source location', async () => {
    const allowed = await request(server)
      .get(`${entity('ghe-payments')}/repository`)
      .set('Authorization', user)
      .expect(200);
    expect(allowed.body.repository).toMatchObject({
      host: 'ghe.example.com',
      htmlUrl: 'https://ghe.example.com/comet-examples/payments-api',
    });

    const refused = await request(server)
      .post(`${entity('ghe-busy')}/workflow-runs/102/rerun`)
      .set('Authorization', user)
      .expect(403);
    expect(refused.body.error.message).toBe(
      'github.com/project-slug entry "comet-examples/busy-service" of component:default/ghe-busy is refused: ghe.example.com:comet-examples/busy-service is outside the scopes of group:default/team-a (comet.resourceScopes.team-a.github: comet-examples/payments-*, ghe.example.com:comet-examples/payments-*)',
    );

    // A pattern without a host is github.com's only
    const otherHost = await request(server)
      .get(`${entity('team-b-ghe')}/pull-requests`)
      .set('Authorization', user)
      .expect(403);
    expect(otherHost.body.error.message).toBe(
      'github.com/project-slug entry "comet-examples/payments-api" of component:default/team-b-ghe is refused: ghe.example.com:comet-examples/payments-api is outside the scopes of group:default/team-b (comet.resourceScopes.team-b.github: comet-examples/*)',
    );
    expect(fake.calls.map(c => `${c.method} ${c.path}`)).toEqual([
      'GET /repos/comet-examples/payments-api',
    ]);
  });

  it('refuses every repository to a group without github scopes and to an entity a user owns', async () => {
    const noScopes = await request(server)
      .get(`${entity('team-c-service')}/repository`)
      .set('Authorization', user)
      .expect(403);
    expect(noScopes.body.error.message).toBe(
      'github.com/project-slug entry "comet-examples/payments-api" of component:default/team-c-service is refused: github.com:comet-examples/payments-api is outside the scopes of group:default/team-c (comet.resourceScopes.team-c.github: none)',
    );
    const userOwned = await request(server)
      .get(`${entity('alice-service')}/repository`)
      .set('Authorization', user)
      .expect(403);
    expect(userOwned.body.error.message).toBe(
      'github.com/project-slug entry "comet-examples/payments-api" of component:default/alice-service is refused: the entity\'s owner is not a group, and only a group\'s comet.resourceScopes.<owner group>.github scopes allow external resources',
    );
    expect(fake.calls).toEqual([]);
  });
});

describe('gitHubScopeRefusal', () => {
  const scopes = ResourceScopes.fromConfig(
    new ConfigReader({
      comet: {
        resourceScopes: {
          'team-a': {
            github: [
              'comet-examples/payments-*',
              'ghe.internal:8443:platform/*',
              'Legacy-Org/Exact-Name',
            ],
          },
        },
      },
    }),
  );
  const repo = (host: string, owner: string, name: string) => ({
    host,
    owner,
    repo: name,
  });
  const entityOf = (slug: string) =>
    component('x', { 'github.com/project-slug': ` ${slug} ` });

  it('matches GitHub names case-insensitively against lower-case patterns', () => {
    const slug = 'Comet-Examples/Payments-API';
    expect(
      gitHubScopeRefusal(
        scopes,
        entityOf(slug),
        repo('github.com', 'Comet-Examples', 'Payments-API'),
      ),
    ).toBeUndefined();
    expect(
      gitHubScopeRefusal(
        scopes,
        entityOf('Legacy-Org/Exact-Name'),
        repo('github.com', 'Legacy-Org', 'Exact-Name'),
      ),
    ).toBeUndefined();
    expect(
      gitHubScopeRefusal(
        scopes,
        entityOf('Comet-Examples/Storefront'),
        repo('github.com', 'Comet-Examples', 'Storefront'),
      ),
    ).toBe(
      'github.com/project-slug entry "Comet-Examples/Storefront" of component:default/x is refused: github.com:Comet-Examples/Storefront is outside the scopes of group:default/team-a (comet.resourceScopes.team-a.github: comet-examples/payments-*, ghe.internal:8443:platform/*, Legacy-Org/Exact-Name)',
    );
  });

  it('matches a host with a port written in full', () => {
    expect(
      gitHubScopeRefusal(
        scopes,
        entityOf('platform/payments'),
        repo('ghe.internal:8443', 'platform', 'payments'),
      ),
    ).toBeUndefined();
    expect(
      gitHubScopeRefusal(
        scopes,
        entityOf('platform/payments'),
        repo('ghe.internal:9443', 'platform', 'payments'),
      ),
    ).toMatch(
      /refused: ghe\.internal:9443:platform\/payments is outside the scopes of group:default\/team-a/,
    );
  });

  it('names the repository when the annotation is gone, and allows anything without scopes', () => {
    const bare = component('x', {});
    expect(
      gitHubScopeRefusal(scopes, bare, repo('github.com', 'a', 'b')),
    ).toMatch(
      /^github\.com\/project-slug entry "a\/b" of component:default\/x/,
    );
    expect(
      gitHubScopeRefusal(
        ResourceScopes.fromConfig(new ConfigReader({})),
        bare,
        repo('github.com', 'a', 'b'),
      ),
    ).toBeUndefined();
  });
});
