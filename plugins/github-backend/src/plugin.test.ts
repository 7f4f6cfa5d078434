/*
 * The GitHub plugin end to end inside a test backend: REST API, permissions and audit events,
 * against the GitHub fake on an ephemeral port.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { GitHubFake } from '@internal/plugin-github-node/testUtils';
import request from 'supertest';
import { githubPlugin } from './plugin';
import {
  ENTITIES,
  gitHubConfig,
  mergeTimes,
  mondayUtc,
  repoSeeds,
  TOKEN,
  testClientFactoryService,
} from './__testUtils__/fixtures';

jest.setTimeout(60_000);

const DAY = 86_400_000;
const ENTITY = '/api/github/entities/component/default/payments-api';
const user = mockCredentials.user.header();
/** Alice's own GitHub token, as her GitHub sign-in gives it to the frontend. */
const ALICE_GITHUB_TOKEN = 'gho_aliceOwnToken0000000000000000000000';

type AuditEvent = {
  eventId: string;
  meta: unknown;
  outcome?: string;
  error?: string;
};

function auditorCollecting(events: AuditEvent[]) {
  return mockServices.auditor.mock({
    createEvent: async (options: any) => {
      const event: AuditEvent = {
        eventId: options.eventId,
        meta: options.meta,
      };
      events.push(event);
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
  }).factory;
}

async function startFake() {
  return GitHubFake.start({
    repos: repoSeeds(),
    tokens: [
      {
        token: TOKEN,
        login: 'comet-bot',
        repositories: [
          'comet-examples/payments-api',
          'comet-examples/busy-service',
        ],
      },
      {
        token: ALICE_GITHUB_TOKEN,
        login: 'alice',
        repositories: ['comet-examples/payments-api'],
      },
    ],
  });
}

describe('github plugin', () => {
  let fake: GitHubFake;
  let server: any;
  let stopBackend: () => Promise<void>;
  const auditEvents: AuditEvent[] = [];

  beforeAll(async () => {
    fake = await startFake();
    const backend = await startTestBackend({
      features: [
        githubPlugin,
        mockServices.rootConfig.factory({ data: gitHubConfig(fake.url) }),
        auditorCollecting(auditEvents),
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

  it('says it is configured, for which hosts, to signed-in users', async () => {
    const res = await request(server)
      .get('/api/github/config')
      .set('Authorization', user)
      .expect(200);
    expect(res.body).toEqual({ configured: true, hosts: ['github.com'] });
    await request(server)
      .get('/api/github/config')
      .set('Authorization', mockCredentials.service.header())
      .expect(403);
    await request(server)
      .get('/api/github/config')
      .set('Authorization', mockCredentials.none.header())
      .expect(401);
  });

  it("answers the entity's repository with its default branch", async () => {
    const res = await request(server)
      .get(`${ENTITY}/repository`)
      .set('Authorization', user)
      .expect(200);
    expect(res.body).toEqual({
      repository: {
        host: 'github.com',
        owner: 'comet-examples',
        repo: 'payments-api',
        htmlUrl: 'https://github.com/comet-examples/payments-api',
        defaultBranch: 'main',
      },
    });
  });

  it('pages workflow runs, filtered by branch and status, and lists the jobs of a run', async () => {
    const first = await request(server)
      .get(`${ENTITY}/workflow-runs?page=1&perPage=2`)
      .set('Authorization', user)
      .expect(200);
    expect(first.body).toMatchObject({
      totalCount: 3,
      page: 1,
      perPage: 2,
      repository: {
        host: 'github.com',
        owner: 'comet-examples',
        repo: 'payments-api',
        htmlUrl: 'https://github.com/comet-examples/payments-api',
      },
    });
    expect(first.body.runs.map((r: any) => r.id)).toEqual([103, 102]);
    const second = await request(server)
      .get(`${ENTITY}/workflow-runs?page=2&perPage=2`)
      .set('Authorization', user)
      .expect(200);
    expect(second.body.runs.map((r: any) => r.id)).toEqual([101]);
    const defaults = await request(server)
      .get(`${ENTITY}/workflow-runs`)
      .set('Authorization', user)
      .expect(200);
    expect(defaults.body).toMatchObject({ page: 1, perPage: 20 });
    const branch = await request(server)
      .get(`${ENTITY}/workflow-runs?branch=feature/refunds`)
      .set('Authorization', user)
      .expect(200);
    expect(branch.body.runs.map((r: any) => r.id)).toEqual([102]);
    const running = await request(server)
      .get(`${ENTITY}/workflow-runs?status=in_progress`)
      .set('Authorization', user)
      .expect(200);
    expect(running.body).toMatchObject({ totalCount: 1, runs: [{ id: 103 }] });

    const jobs = await request(server)
      .get(`${ENTITY}/workflow-runs/102/jobs`)
      .set('Authorization', user)
      .expect(200);
    expect(jobs.body.jobs).toEqual([
      expect.objectContaining({
        id: 2001,
        runId: 102,
        name: 'test',
        conclusion: 'failure',
        steps: [
          expect.objectContaining({ name: 'Checkout', conclusion: 'success' }),
          expect.objectContaining({ name: 'Test', conclusion: 'failure' }),
        ],
      }),
    ]);
  });

  it('rejects bad workflow run queries, naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['perPage=101', 'Invalid query field "perPage"'],
      ['perPage=0', 'Invalid query field "perPage"'],
      ['page=0', 'Invalid query field "page"'],
      ['status=broken', 'Invalid query field "status"'],
    ];
    for (const [query, message] of cases) {
      const res = await request(server)
        .get(`${ENTITY}/workflow-runs?${query}`)
        .set('Authorization', user)
        .expect(400);
      expect(res.body.error).toMatchObject({ name: 'InputError' });
      expect(res.body.error.message).toContain(message);
    }
    const badRun = await request(server)
      .get(`${ENTITY}/workflow-runs/abc/jobs`)
      .set('Authorization', user)
      .expect(400);
    expect(badRun.body.error.message).toContain('Invalid workflow run id');
    const missingRun = await request(server)
      .get(`${ENTITY}/workflow-runs/999/jobs`)
      .set('Authorization', user)
      .expect(404);
    expect(missingRun.body.error.name).toBe('NotFoundError');
  });

  it('re-runs a completed run and cancels a running one, audited', async () => {
    await request(server)
      .post(`${ENTITY}/workflow-runs/102/rerun`)
      .set('Authorization', user)
      .expect(202, { ok: true });
    const repo = fake.state.repo('comet-examples', 'payments-api')!;
    expect(repo.runs.find(r => r.id === 102)).toMatchObject({
      status: 'queued',
      run_attempt: 2,
    });
    await request(server)
      .post(`${ENTITY}/workflow-runs/103/cancel`)
      .set('Authorization', user)
      .expect(202, { ok: true });
    expect(repo.runs.find(r => r.id === 103)).toMatchObject({
      status: 'completed',
      conclusion: 'cancelled',
    });
    // Cancelling a completed run: GitHub's 409, passed on
    const conflict = await request(server)
      .post(`${ENTITY}/workflow-runs/101/cancel`)
      .set('Authorization', user)
      .expect(409);
    expect(conflict.body.error.message).toContain(
      'Cannot cancel a workflow run that is completed',
    );
    expect(auditEvents).toEqual([
      {
        eventId: 'workflow-run-rerun',
        meta: { entityRef: 'component:default/payments-api', runId: 102 },
        outcome: 'success',
      },
      {
        eventId: 'workflow-run-cancel',
        meta: { entityRef: 'component:default/payments-api', runId: 103 },
        outcome: 'success',
      },
      {
        eventId: 'workflow-run-cancel',
        meta: { entityRef: 'component:default/payments-api', runId: 101 },
        outcome: 'failure',
        error: expect.stringContaining('Cannot cancel'),
      },
    ]);
    expect(JSON.stringify(auditEvents)).not.toContain(TOKEN);
  });

  it('lists pull requests by state with review and checks, and gets one', async () => {
    const open = await request(server)
      .get(`${ENTITY}/pull-requests`)
      .set('Authorization', user)
      .expect(200);
    expect(open.body.pullRequests).toEqual([
      expect.objectContaining({
        number: 7,
        title: 'Refunds',
        state: 'open',
        reviewState: 'approved',
        checks: expect.objectContaining({ state: expect.any(String) }),
      }),
    ]);
    const closed = await request(server)
      .get(`${ENTITY}/pull-requests?state=closed`)
      .set('Authorization', user)
      .expect(200);
    expect(
      closed.body.pullRequests.map((p: any) => `${p.number}:${p.state}`),
    ).toEqual([
      '24:merged',
      '23:closed',
      '22:merged',
      '21:merged',
      '20:merged',
    ]);
    expect(closed.body).toMatchObject({ count: 5, hasMore: false });
    // The overview card's limit: the same list, details of the first two only
    const before = fake.calls.length;
    const newest = await request(server)
      .get(`${ENTITY}/pull-requests?state=closed&limit=2`)
      .set('Authorization', user)
      .expect(200);
    expect(newest.body).toMatchObject({ count: 5, hasMore: false });
    expect(newest.body.pullRequests.map((p: any) => p.number)).toEqual([
      24, 23,
    ]);
    expect(fake.calls.length - before).toBeLessThanOrEqual(1 + 3 * 2);
    for (const limit of ['0', '31', 'few']) {
      const badLimit = await request(server)
        .get(`${ENTITY}/pull-requests?limit=${limit}`)
        .set('Authorization', user)
        .expect(400);
      expect(badLimit.body.error.message).toContain(
        'Invalid query field "limit"',
      );
    }
    const one = await request(server)
      .get(`${ENTITY}/pull-requests/21`)
      .set('Authorization', user)
      .expect(200);
    expect(one.body.pullRequest).toMatchObject({
      number: 21,
      state: 'merged',
      mergedAt: expect.any(String),
    });
    const bad = await request(server)
      .get(`${ENTITY}/pull-requests?state=merged`)
      .set('Authorization', user)
      .expect(400);
    expect(bad.body.error.message).toContain('Invalid query field "state"');
    await request(server)
      .get(`${ENTITY}/pull-requests/0`)
      .set('Authorization', user)
      .expect(400);
    await request(server)
      .get(`${ENTITY}/pull-requests/404`)
      .set('Authorization', user)
      .expect(404);
  });

  it('lists the newest commits of the default branch', async () => {
    const res = await request(server)
      .get(`${ENTITY}/commits?perPage=1`)
      .set('Authorization', user)
      .expect(200);
    expect(res.body).toEqual({
      branch: 'main',
      commits: [
        expect.objectContaining({
          message: 'Add refunds',
          sha: expect.stringMatching(/^[0-9a-f]{40}$/),
          author: expect.objectContaining({ login: 'alice' }),
          date: '2026-02-01T00:00:00Z',
        }),
      ],
    });
    const all = await request(server)
      .get(`${ENTITY}/commits`)
      .set('Authorization', user)
      .expect(200);
    expect(all.body.commits).toHaveLength(2);
    await request(server)
      .get(`${ENTITY}/commits?perPage=500`)
      .set('Authorization', user)
      .expect(400);
  });

  it('computes cycle time per ISO week from the pull requests merged in the window', async () => {
    const before = Date.now();
    const res = await request(server)
      .get(`${ENTITY}/cycle-time?days=90`)
      .set('Authorization', user)
      .expect(200);
    const t = mergeTimes(before);
    const firstMonday = mondayUtc(before - 90 * DAY);
    const weeks = res.body.weeks as Array<{
      weekStart: string;
      merged: number;
      medianHours: number | null;
    }>;
    expect(res.body.days).toBe(90);
    expect(weeks[0].weekStart).toBe(
      new Date(firstMonday).toISOString().slice(0, 10),
    );
    expect(weeks[weeks.length - 1].weekStart).toBe(
      new Date(mondayUtc(before)).toISOString().slice(0, 10),
    );
    expect(weeks).toHaveLength(
      (mondayUtc(before) - firstMonday) / (7 * DAY) + 1,
    );
    const byWeek = Object.fromEntries(weeks.map(w => [w.weekStart, w]));
    const lastWeek = new Date(mondayUtc(t.lastWeek)).toISOString().slice(0, 10);
    const threeWeeksAgo = new Date(mondayUtc(t.threeWeeksAgo))
      .toISOString()
      .slice(0, 10);
    // 10 h and 31 h: the median of two is their mean; the closed unmerged one does not count
    expect(byWeek[lastWeek]).toEqual({
      weekStart: lastWeek,
      merged: 2,
      medianHours: 20.5,
    });
    expect(byWeek[threeWeeksAgo]).toEqual({
      weekStart: threeWeeksAgo,
      merged: 1,
      medianHours: 48,
    });
    const quiet = weeks.filter(
      w => w.weekStart !== lastWeek && w.weekStart !== threeWeeksAgo,
    );
    expect(quiet).toHaveLength(weeks.length - 2);
    expect(quiet).toEqual(
      quiet.map(w => ({
        weekStart: w.weekStart,
        merged: 0,
        medianHours: null,
      })),
    );
    // One request: every closed pull request fits in one page
    expect(fake.calls.map(c => `${c.method} ${c.path}`)).toEqual([
      'GET /repos/comet-examples/payments-api/pulls',
    ]);
  });

  it('pages cycle time through closed pull requests until one is older than the window', async () => {
    const res = await request(server)
      .get(
        '/api/github/entities/component/default/busy-service/cycle-time?days=30',
      )
      .set('Authorization', user)
      .expect(200);
    const merges = res.body.weeks.reduce(
      (sum: number, w: { merged: number }) => sum + w.merged,
      0,
    );
    expect(merges).toBe(120);
    const week = res.body.weeks.find((w: any) => w.merged > 0);
    expect(week.medianHours).toBe(3);
    // 270 closed pull requests, but the second page already reaches past the window
    expect(fake.calls.map(c => `${c.method} ${c.path} ${c.status}`)).toEqual([
      'GET /repos/comet-examples/busy-service/pulls 200',
      'GET /repos/comet-examples/busy-service/pulls 200',
    ]);
    for (const days of ['0', '366', 'many']) {
      const bad = await request(server)
        .get(`${ENTITY}/cycle-time?days=${days}`)
        .set('Authorization', user)
        .expect(400);
      expect(bad.body.error.message).toContain('Invalid query field "days"');
    }
  });

  it('proposes a change to a pipeline file: a branch, one commit with the trailer, a pull request', async () => {
    const res = await request(server)
      .post(`${ENTITY}/pull-requests`)
      .set('Authorization', user)
      .send({
        title: 'Run the tests twice!',
        body: 'Flaky tests deserve a second chance.',
        files: { '.comet/pipeline.yaml': 'steps:\n  - run: test\n' },
        message: 'Run the tests twice\n',
      })
      .expect(201);
    expect(res.body).toEqual({
      number: 25,
      htmlUrl: 'https://github.com/comet-examples/payments-api/pull/25',
      branch: expect.stringMatching(/^comet\/run-the-tests-twice-[0-9a-f]{6}$/),
      author: 'integration',
    });
    const { branch } = res.body;
    const repo = fake.state.repo('comet-examples', 'payments-api')!;
    const head = repo.refs.get(`heads/${branch}`)!;
    const commit = repo.commits.get(head)!;
    expect(commit.message).toBe(
      'Run the tests twice\n\nProposed-by: user:default/mock',
    );
    expect(commit.parents).toEqual([repo.refs.get('heads/main')]);
    expect(fake.state.filesAt(repo, branch)).toEqual({
      ...fake.state.filesAt(repo, 'main'),
      '.comet/pipeline.yaml': 'steps:\n  - run: test\n',
    });
    expect(repo.pulls.find(p => p.number === 25)).toMatchObject({
      title: 'Run the tests twice!',
      body: 'Flaky tests deserve a second chance.',
      state: 'open',
      head: { ref: branch },
      base: { ref: 'main' },
      user: { login: 'comet-bot' },
    });
    expect(auditEvents).toEqual([
      {
        eventId: 'pull-request-create',
        meta: {
          entityRef: 'component:default/payments-api',
          branch,
          paths: ['.comet/pipeline.yaml'],
          author: 'integration',
        },
        outcome: 'success',
      },
    ]);

    const untitled = await request(server)
      .post(`${ENTITY}/pull-requests`)
      .set('Authorization', user)
      .send({ title: '', files: {} })
      .expect(400);
    expect(untitled.body.error.message).toContain(
      'Invalid request body field "title"',
    );
    // The second path of the annotation, written as "./.comet/nightly.yaml" there
    const second = await request(server)
      .post(`${ENTITY}/pull-requests`)
      .set('Authorization', user)
      .send({
        title: '***',
        files: { '.comet/nightly.yaml': 'schedule: daily\n' },
      })
      .expect(201);
    expect(second.body.branch).toMatch(/^comet\/change-[0-9a-f]{6}$/);
    const secondHead = repo.commits.get(
      repo.refs.get(`heads/${second.body.branch}`)!,
    )!;
    expect(secondHead.message).toBe('***\n\nProposed-by: user:default/mock');
    expect(fake.state.filesAt(repo, second.body.branch)).toMatchObject({
      '.comet/nightly.yaml': 'schedule: daily\n',
    });
  });

  it('proposes as the user with their own GitHub token, which goes nowhere else', async () => {
    const res = await request(server)
      .post(`${ENTITY}/pull-requests`)
      .set('Authorization', user)
      .set('X-GitHub-User-Token', ALICE_GITHUB_TOKEN)
      .send({
        title: 'Cache dependencies',
        files: { '.comet/pipeline.yaml': 'steps:\n  - run: ci\n' },
      })
      .expect(201);
    expect(res.body.author).toBe('user');
    const repo = fake.state.repo('comet-examples', 'payments-api')!;
    const commit = repo.commits.get(
      repo.refs.get(`heads/${res.body.branch}`)!,
    )!;
    // Alice is the author: no trailer needed
    expect(commit).toMatchObject({
      message: 'Cache dependencies',
      login: 'alice',
    });
    expect(repo.pulls.find(p => p.number === res.body.number)).toMatchObject({
      user: { login: 'alice' },
    });
    // The writes went with her token; Comet's read the entity's repository only
    expect(JSON.stringify(auditEvents)).not.toContain(ALICE_GITHUB_TOKEN);
    expect(auditEvents.at(-1)).toMatchObject({
      eventId: 'pull-request-create',
      meta: { author: 'user' },
      outcome: 'success',
    });

    const rejected = await request(server)
      .post(`${ENTITY}/pull-requests`)
      .set('Authorization', user)
      .set('X-GitHub-User-Token', 'gho_revoked')
      .send({ title: 'Nope', files: { '.comet/pipeline.yaml': 'x: 1\n' } })
      .expect(403);
    expect(rejected.body.error.message).toContain(
      'GitHub rejected your own GitHub token for github.com',
    );
    expect(JSON.stringify(rejected.body)).not.toContain('gho_revoked');

    const malformed = await request(server)
      .post(`${ENTITY}/pull-requests`)
      .set('Authorization', user)
      .set('X-GitHub-User-Token', 'two words')
      .send({ title: 'Nope', files: { '.comet/pipeline.yaml': 'x: 1\n' } })
      .expect(400);
    expect(malformed.body.error.message).toContain(
      'The header x-github-user-token must hold a GitHub token',
    );
  });

  it('refuses to change a path the comet.dev/pipelines annotation does not name', async () => {
    const repo = fake.state.repo('comet-examples', 'payments-api')!;
    const refs = repo.refs.size;
    const res = await request(server)
      .post(`${ENTITY}/pull-requests`)
      .set('Authorization', user)
      .send({
        title: 'Sneak in a change',
        files: {
          '.comet/pipeline.yaml': 'steps: []\n',
          'src/refund.ts': 'export const steal = true;\n',
        },
      })
      .expect(400);
    expect(res.body.error).toEqual(
      expect.objectContaining({
        name: 'InputError',
        message:
          'The path "src/refund.ts" is not one of component:default/payments-api\'s pipeline files: only the paths its annotation comet.dev/pipelines names may be changed (.comet/pipeline.yaml, .comet/nightly.yaml)',
      }),
    );
    expect(repo.refs.size).toBe(refs);
    expect(fake.calls.filter(c => c.method === 'POST')).toEqual([]);
    expect(auditEvents).toMatchObject([
      { eventId: 'pull-request-create', outcome: 'failure' },
    ]);
    const empty = await request(server)
      .post(`${ENTITY}/pull-requests`)
      .set('Authorization', user)
      .send({ title: 'Nothing', files: {} })
      .expect(400);
    expect(empty.body.error.message).toBe(
      'Invalid request body field "files": name at least one file (path → content)',
    );
  });

  it('answers 404 naming the annotation for an entity without one, and for unknown entities', async () => {
    const res = await request(server)
      .get('/api/github/entities/component/default/no-github/pull-requests')
      .set('Authorization', user)
      .expect(404);
    expect(res.body.error).toEqual(
      expect.objectContaining({
        name: 'NotFoundError',
        message:
          'component:default/no-github has no GitHub repository: add the annotation github.com/project-slug (owner/repo) to it',
      }),
    );
    const unknown = await request(server)
      .get('/api/github/entities/component/default/nobody/repository')
      .set('Authorization', user)
      .expect(404);
    expect(unknown.body.error.message).toBe(
      'No entity component:default/nobody in the catalog (or you cannot see it)',
    );
  });

  it('answers 400 naming the annotation for a bad slug, and for a host without integration', async () => {
    const res = await request(server)
      .get('/api/github/entities/component/default/bad-slug/commits')
      .set('Authorization', user)
      .expect(400);
    expect(res.body.error).toEqual(
      expect.objectContaining({
        name: 'InputError',
        message: expect.stringContaining(
          'The annotation github.com/project-slug is "not a slug", which is not a GitHub repository',
        ),
      }),
    );
    const host = await request(server)
      .get('/api/github/entities/component/default/other-host/repository')
      .set('Authorization', user)
      .expect(400);
    expect(host.body.error.message).toContain(
      'No GitHub integration for the host ghe.other.example.com',
    );
    const path = await request(server)
      .get('/api/github/entities/component/default/bad%3Aname/repository')
      .set('Authorization', user)
      .expect(400);
    expect(path.body.error.message).toContain(
      'Invalid entity path field "name"',
    );
  });

  it('answers 404 saying the repository does not exist or the credentials cannot see it', async () => {
    for (const name of ['hidden', 'missing']) {
      const res = await request(server)
        .get(`/api/github/entities/component/default/${name}/repository`)
        .set('Authorization', user)
        .expect(404);
      expect(res.body.error.name).toBe('NotFoundError');
      expect(res.body.error.message).toMatch(
        /the repository comet-examples\/(secret|nowhere) does not exist or the credentials configured for github\.com cannot see it/,
      );
      expect(res.body.error.message).not.toContain(TOKEN);
    }
  });
});

describe('github plugin permissions', () => {
  let fake: GitHubFake;

  beforeAll(async () => {
    fake = await startFake();
  });

  afterAll(async () => {
    await fake.close();
  });

  it('needs github.workflowRun.rerun, .cancel and github.pullRequest.create on the entity', async () => {
    const events: AuditEvent[] = [];
    const allowOnly = (name: string) => async (requests: any[]) =>
      requests.map(r => ({
        result:
          r.permission.name === name
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY,
      }));
    const backend = await startTestBackend({
      features: [
        githubPlugin,
        mockServices.rootConfig.factory({ data: gitHubConfig(fake.url) }),
        mockServices.permissions.mock({
          authorize: allowOnly('github.workflowRun.cancel'),
          authorizeConditional: allowOnly('github.workflowRun.cancel'),
        }).factory,
        auditorCollecting(events),
        catalogServiceMock.factory({ entities: ENTITIES }),
        testClientFactoryService,
      ],
    });
    try {
      const rerun = await request(backend.server)
        .post(`${ENTITY}/workflow-runs/101/rerun`)
        .set('Authorization', user)
        .expect(403);
      expect(rerun.body.error).toEqual(
        expect.objectContaining({
          name: 'NotAllowedError',
          message:
            'You are not allowed to github.workflowRun.rerun on component:default/payments-api',
        }),
      );
      const proposal = await request(backend.server)
        .post(`${ENTITY}/pull-requests`)
        .set('Authorization', user)
        .send({
          title: 'Change',
          files: { '.comet/pipeline.yaml': 'x' },
        })
        .expect(403);
      expect(proposal.body.error.message).toBe(
        'You are not allowed to github.pullRequest.create on component:default/payments-api',
      );
      // Reads need only the catalog's view of the entity
      await request(backend.server)
        .get(`${ENTITY}/workflow-runs`)
        .set('Authorization', user)
        .expect(200);
      // Cancel is allowed: GitHub then decides (the run is completed)
      await request(backend.server)
        .post(`${ENTITY}/workflow-runs/101/cancel`)
        .set('Authorization', user)
        .expect(409);
      expect(events.map(e => `${e.eventId}:${e.outcome}`)).toEqual([
        'workflow-run-rerun:failure',
        'pull-request-create:failure',
        'workflow-run-cancel:failure',
      ]);
      const repo = fake.state.repo('comet-examples', 'payments-api')!;
      expect(repo.runs.find(r => r.id === 101)).toMatchObject({
        status: 'completed',
        run_attempt: 1,
      });
      expect(repo.pulls.some(p => p.title === 'Change')).toBe(false);
    } finally {
      await backend.stop();
    }
  });

  it('refuses a cancel without github.workflowRun.cancel', async () => {
    const backend = await startTestBackend({
      features: [
        githubPlugin,
        mockServices.rootConfig.factory({ data: gitHubConfig(fake.url) }),
        mockServices.permissions.mock({
          authorize: async (requests: any[]) =>
            requests.map(() => ({ result: AuthorizeResult.DENY })),
          authorizeConditional: async (requests: any[]) =>
            requests.map(() => ({ result: AuthorizeResult.DENY })),
        }).factory,
        catalogServiceMock.factory({ entities: ENTITIES }),
        testClientFactoryService,
      ],
    });
    try {
      const res = await request(backend.server)
        .post(`${ENTITY}/workflow-runs/103/cancel`)
        .set('Authorization', user)
        .expect(403);
      expect(res.body.error.message).toBe(
        'You are not allowed to github.workflowRun.cancel on component:default/payments-api',
      );
    } finally {
      await backend.stop();
    }
  });
});

describe('github plugin without integrations.github credentials', () => {
  it('logs one line, answers /config and 503 naming integrations.github elsewhere', async () => {
    const logger = mockServices.logger.mock();
    const backend = await startTestBackend({
      features: [
        githubPlugin,
        mockServices.rootConfig.factory({ data: {} }),
        logger.factory,
        catalogServiceMock.factory({ entities: ENTITIES }),
      ],
    });
    try {
      expect(logger.info).toHaveBeenCalledTimes(1);
      expect(logger.info).toHaveBeenCalledWith(
        'GitHub is not configured: set integrations.github (host, apiBaseUrl, and a token or apps) in app-config.yaml to turn it on',
      );
      const config = await request(backend.server)
        .get('/api/github/config')
        .set('Authorization', user)
        .expect(200);
      expect(config.body).toEqual({ configured: false, hosts: [] });
      for (const [method, path] of [
        ['get', '/repository'],
        ['get', '/workflow-runs'],
        ['get', '/pull-requests'],
        ['post', '/workflow-runs/1/rerun'],
        ['get', '/cycle-time'],
      ] as const) {
        const res = await request(backend.server)
          [method](`${ENTITY}${path}`)
          .set('Authorization', user)
          .expect(503);
        expect(res.body.error).toEqual(
          expect.objectContaining({
            name: 'ServiceUnavailableError',
            message:
              'GitHub is not configured: set integrations.github (host, apiBaseUrl, and a token or apps) in app-config.yaml to turn it on',
          }),
        );
      }
    } finally {
      await backend.stop();
    }
  });
});
