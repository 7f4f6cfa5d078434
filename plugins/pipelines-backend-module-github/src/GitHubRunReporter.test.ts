import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { GitHubClientFactory } from '@internal/plugin-github-node';
import {
  GitHubFake,
  GITHUB_FAKE_DEMO_TOKEN,
} from '@internal/plugin-github-node/testUtils';
import type {
  PipelineRunLink,
  PipelineRunReport,
} from '@internal/plugin-pipelines-common';
import type {
  PipelineRunEvent,
  PipelineRunEventType,
  PipelineRunFailure,
} from '@internal/plugin-pipelines-node';
import { generateKeyPairSync } from 'node:crypto';
import { GitHubRunReporter } from './GitHubRunReporter';
import { commentMarker, parseCommentState } from './pullRequestComment';

jest.setTimeout(30_000);

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

const TOKEN_WITHOUT_STATUSES = 'ghp_noStatusesNoComments000000000000000';
const OWNER = 'comet-examples';
const REPO = 'payments-api';
const ENTITY_REF = 'component:default/payments-api';

const component = (name: string, annotations: Record<string, string>) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
});

const ENTITIES = [
  component('payments-api', { 'github.com/project-slug': `${OWNER}/${REPO}` }),
  component('no-github', {}),
  component('bad-slug', { 'github.com/project-slug': 'not a slug' }),
  component('elsewhere', {
    'github.com/project-slug': `${OWNER}/${REPO}`,
    'backstage.io/source-location': `url:https://ghe.example.com/${OWNER}/${REPO}/tree/main/`,
  }),
  component('hidden', { 'github.com/project-slug': `${OWNER}/not-there` }),
];

const STATUS_OF: Record<string, PipelineRunEvent['status']> = {
  'run.queued': 'queued',
  'run.started': 'running',
  'run.waiting': 'waiting',
  'run.succeeded': 'succeeded',
  'run.failed': 'failed',
  'run.cancelled': 'cancelled',
};

describe('GitHubRunReporter', () => {
  let fake: GitHubFake;
  let head: string;
  let older: string;
  let eventNumber = 0;
  const logger = mockServices.logger.mock();

  beforeEach(async () => {
    fake = await GitHubFake.start({
      repos: [
        {
          owner: OWNER,
          name: REPO,
          commits: [
            { message: 'Initial commit', files: { 'README.md': '# P\n' } },
            { message: 'Refunds', files: { 'src/refund.ts': 'export {}\n' } },
          ],
          pulls: [
            { number: 7, title: 'Refunds', head: 'feature/refunds' },
            { number: 8, title: 'Other', head: 'feature/other' },
          ],
        },
      ],
      tokens: [
        { token: GITHUB_FAKE_DEMO_TOKEN, login: 'comet-bot' },
        {
          token: TOKEN_WITHOUT_STATUSES,
          permissions: { checks: 'read', statuses: 'read', contents: 'read' },
        },
      ],
      apps: [
        {
          appId: 42,
          installations: [
            {
              id: 7,
              account: OWNER,
              permissions: {
                checks: 'write',
                statuses: 'write',
                pull_requests: 'write',
                contents: 'read',
              },
            },
          ],
        },
      ],
    });
    const repo = fake.state.repo(OWNER, REPO)!;
    head = repo.refs.get('heads/main')!;
    older = repo.commits.get(head)!.parents[0];
    // The pull request's head is the commit the runs build
    repo.refs.set('heads/feature/refunds', head);
    repo.pulls.find(p => p.number === 7)!.head.sha = head;
    repo.pulls.find(p => p.number === 8)!.head.sha = older;
    logger.warn.mockClear();
  });

  afterEach(async () => {
    await fake.close();
  });

  type Credential = { token?: string; app?: boolean };

  function reporter(credential: Credential = {}) {
    const integration = credential.app
      ? {
          apps: [
            { appId: 42, privateKey, clientId: 'Iv1.x', clientSecret: 's' },
          ],
        }
      : { token: credential.token ?? GITHUB_FAKE_DEMO_TOKEN };
    const gitHub = GitHubClientFactory.fromConfig(
      new ConfigReader({
        integrations: {
          github: [
            { host: 'github.com', apiBaseUrl: fake.url, ...integration },
          ],
        },
        github: { cache: { ttlSeconds: 0 } },
      }),
      {
        logger,
        writeIntervalMs: 0,
        retries: 0,
        retryBaseMs: 1,
        // Rate limits fail at once: the outbox's backoff is the retry
        maxRateLimitWaitSeconds: 0,
      },
    );
    return GitHubRunReporter.create({
      gitHub,
      catalog: catalogServiceMock({ entities: ENTITIES }),
      auth: mockServices.auth(),
      logger,
      appBaseUrl: 'http://portal.example.com/',
    });
  }

  /** The run's links as the pipelines store keeps them: added ones show in later events. */
  function context(
    failures: PipelineRunFailure[] = [],
    reports: PipelineRunReport[] = [],
  ) {
    const links: PipelineRunLink[] = [];
    return {
      links,
      reports: jest.fn(async () => reports),
      failures: jest.fn(async () => failures),
      addRunLinks: jest.fn(async (added: PipelineRunLink[]) => {
        for (const link of added) {
          if (!links.some(l => l.url === link.url)) links.push(link);
        }
      }),
    };
  }

  function event(
    type: PipelineRunEventType,
    over: Partial<PipelineRunEvent> & { links?: PipelineRunLink[] } = {},
  ): PipelineRunEvent {
    eventNumber += 1;
    return {
      eventId: String(eventNumber),
      type,
      occurredAt: new Date(
        Date.UTC(2026, 11, 6, 10, 0, eventNumber),
      ).toISOString(),
      runId: 'run-1',
      entityRef: ENTITY_REF,
      pipeline: 'ci',
      runNumber: 3,
      status: STATUS_OF[type] ?? 'running',
      trigger: { type: 'push' },
      branch: 'feature/refunds',
      commit: { sha: head },
      createdAt: '2026-12-06T09:59:00.000Z',
      links: [],
      ...over,
    };
  }

  const repo = () => fake.state.repo(OWNER, REPO)!;
  const statuses = () => repo().statuses;
  const comments = (pull = 7) =>
    repo().issueComments.filter(c => c.issue_number === pull);

  it('sets a commit status through a run with a token, and keeps one comment per pull request', async () => {
    const r = reporter();
    const ctx = context([
      {
        jobRunId: 'j1',
        jobName: 'Unit tests',
        stepIndex: 0,
        stepName: 'npm test',
        exitCode: 1,
        error: 'Exited with code 1',
        logTail: ['password=*** FAIL'],
      },
    ]);
    await r.onEvent(event('run.queued'), ctx);
    expect(statuses()).toEqual([
      expect.objectContaining({
        sha: head,
        state: 'pending',
        context: 'comet/ci',
        description: 'Comet run #3 queued',
        target_url: 'http://portal.example.com/pipelines/runs/run-1',
      }),
    ]);
    // Not a GitHub App: one refused check run, then statuses only
    expect(
      fake.calls
        .filter(c => c.method === 'POST' && c.path.endsWith('/check-runs'))
        .map(c => c.status),
    ).toEqual([403]);
    expect(comments()).toHaveLength(1);
    expect(comments(8)).toHaveLength(0);
    const [comment] = comments();
    expect(comment.body).toContain(commentMarker(ENTITY_REF));
    expect(comment.body).toContain(
      '| ci | [#3](http://portal.example.com/pipelines/runs/run-1) | 🕒 queued |',
    );
    expect(ctx.links).toEqual([
      {
        title: 'Comet results on pull request #7',
        url: comment.html_url,
      },
    ]);

    await r.onEvent(event('run.started', { links: ctx.links }), ctx);
    const failed = event('run.failed', { links: ctx.links });
    await r.onEvent(failed, ctx);
    expect(statuses().map(s => [s.state, s.description])).toEqual([
      ['pending', 'Comet run #3 queued'],
      ['pending', 'Comet run #3 running'],
      ['failure', 'Comet run #3 failed'],
    ]);
    expect(comments()).toHaveLength(1);
    expect(comments()[0].body).toContain(
      '| ci | [#3](http://portal.example.com/pipelines/runs/run-1) | ❌ failed at Unit tests › npm test |',
    );
    expect(comments()[0].body).not.toContain('FAIL');
    expect(ctx.failures).toHaveBeenCalledWith({ logLines: 0 });
    expect(
      fake.calls.filter(
        c => c.method === 'POST' && c.path.endsWith('/check-runs'),
      ),
    ).toHaveLength(1);

    // Redelivered: the same status again, the comment untouched
    const before = comments()[0].updated_at;
    fake.resetCalls();
    await r.onEvent(failed, ctx);
    expect(comments()).toHaveLength(1);
    expect(comments()[0].updated_at).toBe(before);
    expect(fake.calls.filter(c => c.method === 'PATCH')).toEqual([]);
    expect(statuses().at(-1)).toMatchObject({ state: 'failure' });

    // A late event of the run (retried after later ones went on) changes nothing
    fake.resetCalls();
    await r.onEvent(
      { ...event('run.started'), occurredAt: '2026-12-06T09:00:00.000Z' },
      ctx,
    );
    expect(fake.calls).toEqual([]);

    // Another pipeline of the commit joins the same comment; a later run of ci replaces its row
    const other = context();
    await r.onEvent(
      event('run.succeeded', {
        runId: 'run-2',
        pipeline: 'lint',
        runNumber: 1,
      }),
      other,
    );
    await r.onEvent(
      event('run.succeeded', { runId: 'run-3', runNumber: 4 }),
      other,
    );
    expect(comments()).toHaveLength(1);
    const state = parseCommentState(comments()[0].body)!;
    expect(state.sha).toBe(head);
    expect(
      state.runs.map(run => [run.pipeline, run.runNumber, run.status]),
    ).toEqual([
      ['ci', 4, 'succeeded'],
      ['lint', 1, 'succeeded'],
    ]);
    expect(statuses().at(-1)).toMatchObject({
      context: 'comet/ci',
      state: 'success',
      target_url: 'http://portal.example.com/pipelines/runs/run-3',
    });
  });

  it('lists the SonarQube gate and the test results in the comment, updated in place by any replica', async () => {
    const gate: PipelineRunReport = {
      jobRunId: 'gate',
      jobName: 'Gate',
      stepIndex: 0,
      stepName: 'sonarqube/quality-gate',
      kind: 'sonarqube.quality-gate',
      title: 'SonarQube gate of payments-api',
      status: 'passed',
      summary: 'All 4 conditions passed',
      url: 'https://sonar.example.com/dashboard?id=payments-api',
      reportedAt: '2026-12-06T10:00:05.000Z',
    };
    const tests: PipelineRunReport = {
      ...gate,
      jobRunId: 'test',
      kind: 'test-recorder.suite',
      title: 'Test suite storefront-checkout',
      status: 'failed',
      summary: '12 passed, 1 failed, 1 flaky, 0 skipped',
      url: 'http://portal.example.com/test-recorder/runs/tr-1',
      data: { passed: 12, failed: 1 },
    };
    const reports: PipelineRunReport[] = [gate];
    const ctx = context(
      [
        {
          jobRunId: 'test',
          jobName: 'Test',
          stepIndex: 0,
          stepName: 'suite',
          error: 'secret-ish *** text',
          logTail: ['LOG LINE NEVER SHOWN'],
        },
      ],
      reports,
    );
    await reporter().onEvent(event('run.started'), ctx);
    expect(comments()).toHaveLength(1);
    expect(comments()[0].body).toContain(
      [
        '**ci** [#3](http://portal.example.com/pipelines/runs/run-1):',
        '',
        '- SonarQube gate of payments-api: ✅ passed — All 4 conditions passed — [details](https://sonar.example.com/dashboard?id=payments-api)',
      ].join('\n'),
    );

    // The tests report later; another replica (nothing in memory) updates the same comment
    reports.push(tests);
    fake.resetCalls();
    await reporter().onEvent(event('run.failed', { links: ctx.links }), ctx);
    expect(comments()).toHaveLength(1);
    expect(
      fake.calls.filter(
        c => c.method === 'POST' && c.path.endsWith('/comments'),
      ),
    ).toEqual([]);
    const { body } = comments()[0];
    expect(body).toContain(
      '| ci | [#3](http://portal.example.com/pipelines/runs/run-1) | ❌ failed at Test › suite |',
    );
    expect(body).toContain(
      '- Test suite storefront-checkout: ❌ failed — 12 passed, 1 failed, 1 flaky, 0 skipped — [details](http://portal.example.com/test-recorder/runs/tr-1)',
    );
    expect(body).not.toContain('LOG LINE');
    expect(parseCommentState(body)!.runs[0].reports).toEqual([
      {
        title: 'SonarQube gate of payments-api',
        status: 'passed',
        summary: 'All 4 conditions passed',
        url: 'https://sonar.example.com/dashboard?id=payments-api',
      },
      {
        title: 'Test suite storefront-checkout',
        status: 'failed',
        summary: '12 passed, 1 failed, 1 flaky, 0 skipped',
        url: 'http://portal.example.com/test-recorder/runs/tr-1',
      },
    ]);

    // Another pipeline's run keeps ci's reports, read back from the comment
    await reporter().onEvent(
      event('run.succeeded', {
        runId: 'run-2',
        pipeline: 'lint',
        runNumber: 1,
      }),
      context(),
    );
    const merged = comments()[0].body;
    expect(merged).toContain('- Test suite storefront-checkout: ❌ failed');
    expect(merged).not.toContain('**lint**');
    expect(comments()).toHaveLength(1);
  });

  it('creates one check run per run with a GitHub App and updates it, also after a restart', async () => {
    const ctx = context();
    const first = reporter({ app: true });
    await first.onEvent(event('run.queued'), ctx);
    expect(repo().checkRuns).toHaveLength(1);
    const [checkRun] = repo().checkRuns;
    expect(checkRun).toMatchObject({
      name: 'comet/ci',
      head_sha: head,
      status: 'queued',
      details_url: 'http://portal.example.com/pipelines/runs/run-1',
      external_id: 'run-1',
    });
    expect(ctx.links).toContainEqual({
      title: 'GitHub check comet/ci',
      url: checkRun.html_url,
    });
    await first.onEvent(event('run.started', { links: ctx.links }), ctx);
    expect(checkRun.status).toBe('in_progress');

    // Another replica (or this one restarted) finds the check run in the run's links
    const second = reporter({ app: true });
    const done = event('run.succeeded', { links: [...ctx.links] });
    await second.onEvent(done, ctx);
    await second.onEvent(done, ctx);
    expect(repo().checkRuns).toHaveLength(1);
    expect(checkRun).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      output: expect.objectContaining({ title: 'Run #3 passed' }),
    });
    expect(statuses()).toEqual([]);

    // A check run deleted on GitHub's side: a new one
    repo().checkRuns.length = 0;
    await reporter({ app: true }).onEvent(
      event('run.cancelled', { links: [...ctx.links] }),
      ctx,
    );
    expect(repo().checkRuns).toEqual([
      expect.objectContaining({ conclusion: 'cancelled', name: 'comet/ci' }),
    ]);
  });

  it('maps waiting, cancelled, skipped and failed runs to statuses and check runs', async () => {
    const token = reporter();
    const app = reporter({ app: true });
    const ctx = context();
    const steps: Array<[PipelineRunEventType, PipelineRunEvent['status']]> = [
      ['run.waiting', 'waiting'],
      ['run.cancelled', 'cancelled'],
      ['run.succeeded', 'skipped'],
      ['run.failed', 'failed'],
    ];
    for (const [type, status] of steps) {
      const runId = `run-${status}`;
      await token.onEvent(event(type, { runId, status, branch: 'x' }), ctx);
      await app.onEvent(
        event(type, { runId, status, branch: 'x', pipeline: 'app' }),
        ctx,
      );
    }
    expect(statuses().map(s => [s.state, s.description])).toEqual([
      ['pending', 'Comet run #3 waiting for approval'],
      ['error', 'Comet run #3 cancelled'],
      ['success', 'Comet run #3 skipped'],
      ['failure', 'Comet run #3 failed'],
    ]);
    expect(repo().checkRuns.map(c => [c.status, c.conclusion])).toEqual([
      ['in_progress', null],
      ['completed', 'cancelled'],
      ['completed', 'skipped'],
      ['completed', 'failure'],
    ]);
  });

  it('throws on a rate limit so the outbox retries, and then reports', async () => {
    const r = reporter();
    const ctx = context();
    fake.secondaryRateLimitNext({ times: 1, retryAfter: 30 });
    const queued = event('run.queued');
    await expect(r.onEvent(queued, ctx)).rejects.toThrow(
      /secondary rate limit/,
    );
    expect(statuses()).toEqual([]);
    // The outbox delivers it again later
    await r.onEvent(queued, ctx);
    expect(statuses()).toHaveLength(1);
    expect(comments()).toHaveLength(1);
    // A limit hit while commenting: the status is set again, the comment written once
    fake.secondaryRateLimitNext({ times: 1, retryAfter: 30 });
    const started = event('run.started');
    fake.resetCalls();
    // Statuses are remembered for the owner: no check run tried; the status hits the limit
    await expect(r.onEvent(started, ctx)).rejects.toThrow(
      /secondary rate limit/,
    );
    expect(comments()[0].body).toContain('🕒 queued');
    await r.onEvent(started, ctx);
    expect(comments()).toHaveLength(1);
    expect(comments()[0].body).toContain('🔄 running');
    for (const call of logger.warn.mock.calls) {
      expect(String(call[0])).not.toContain(GITHUB_FAKE_DEMO_TOKEN);
    }
  });

  it('logs and links what GitHub refuses for good instead of retrying', async () => {
    const ctx = context();
    await reporter({ token: TOKEN_WITHOUT_STATUSES }).onEvent(
      event('run.queued'),
      ctx,
    );
    expect(statuses()).toEqual([]);
    expect(comments()).toEqual([]);
    expect(ctx.links.map(l => l.title)).toEqual([
      "Not reported to the GitHub commit: Comet's GitHub credentials may not write there (see the portal's log)",
      "Not reported to the GitHub pull request: Comet's GitHub credentials may not write there (see the portal's log)",
    ]);
    expect(ctx.links.map(l => l.url)).toEqual([
      `https://github.com/${OWNER}/${REPO}/commit/${head}`,
      `https://github.com/${OWNER}/${REPO}/pulls`,
    ]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        `Cannot report run run-1 of ${ENTITY_REF} (ci) to the commit on GitHub github.com/${OWNER}/${REPO}`,
      ),
    );
    for (const call of logger.warn.mock.calls) {
      expect(String(call[0])).not.toContain(TOKEN_WITHOUT_STATUSES);
    }

    // A repository the credentials cannot see; a host without an integration
    const hidden = context();
    await reporter().onEvent(
      event('run.queued', { entityRef: 'component:default/hidden' }),
      hidden,
    );
    expect(hidden.links[0].title).toMatch(/not visible to Comet/);
    const elsewhere = context();
    await reporter().onEvent(
      event('run.queued', { entityRef: 'component:default/elsewhere' }),
      elsewhere,
    );
    expect(elsewhere.links).toEqual([
      {
        title:
          "Not reported to the GitHub commit: GitHub refused it (see the portal's log)",
        url: `https://ghe.example.com/${OWNER}/${REPO}/commit/${head}`,
      },
    ]);
    // A commit GitHub does not know
    const unknown = context();
    await reporter().onEvent(
      event('run.queued', { commit: { sha: 'f'.repeat(40) } }),
      unknown,
    );
    expect(unknown.links[0].title).toMatch(/GitHub refused it/);
  });

  it('comments on the run’s own pull request, and only while the commit is its head', async () => {
    const r = reporter();
    const ctx = context();
    const pullRequest = {
      number: 7,
      url: `https://github.com/${OWNER}/${REPO}/pull/7`,
    };
    await r.onEvent(
      event('run.queued', {
        trigger: { type: 'pull_request' as any, pullRequest },
      }),
      ctx,
    );
    expect(comments()).toHaveLength(1);
    // An older commit of the branch: its status, no comment
    await r.onEvent(
      event('run.queued', {
        runId: 'run-old',
        commit: { sha: older },
        trigger: { type: 'pull_request' as any, pullRequest },
      }),
      ctx,
    );
    expect(parseCommentState(comments()[0].body)!.runs).toHaveLength(1);
    expect(statuses().map(s => s.sha)).toEqual([head, older]);
    // A pull request that is gone
    await r.onEvent(
      event('run.queued', {
        runId: 'run-gone',
        trigger: {
          type: 'pull_request' as any,
          pullRequest: { ...pullRequest, number: 99 },
        },
      }),
      ctx,
    );
    // No branch: a status, no pull request
    await r.onEvent(
      event('run.queued', { runId: 'run-nobranch', branch: undefined }),
      ctx,
    );
    expect(comments()).toHaveLength(1);
    expect(statuses()).toHaveLength(4);
  });

  it('does nothing for job events, runs without a commit, entities without the annotation, and without GitHub', async () => {
    const r = reporter();
    const ctx = context();
    await r.onEvent(event('job.started'), ctx);
    await r.onEvent(event('run.queued', { commit: undefined }), ctx);
    for (const entityRef of [
      'component:default/no-github',
      'component:default/bad-slug',
      'component:default/gone',
    ]) {
      await r.onEvent(event('run.queued', { entityRef }), ctx);
    }
    const unconfigured = GitHubRunReporter.create({
      gitHub: {
        isConfigured: () => false,
        forRepository: () => {
          throw new Error('not expected');
        },
      },
      catalog: catalogServiceMock({ entities: ENTITIES }),
      auth: mockServices.auth(),
      logger,
      appBaseUrl: 'http://portal.example.com',
    });
    await unconfigured.onEvent(event('run.queued'), ctx);
    expect(fake.calls).toEqual([]);
    expect(ctx.links).toEqual([]);
    expect(unconfigured.runUrl('a b')).toBe(
      'http://portal.example.com/pipelines/runs/a%20b',
    );
  });
});
