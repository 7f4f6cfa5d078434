import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import express from 'express';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import {
  GitHubClientFactory,
  GitHubClientFactoryOptions,
} from './GitHubClientFactory';
import { GitHubFake, GitHubFakeRepoSeed, githubLogOf } from './testUtils';

const TOKEN = 'ghp_readWriteEverything0000000000000000';
const READER = 'ghp_actionsReaderOnly00000000000000000';
const OUTSIDER = 'ghp_seesAnotherRepoOnly0000000000000000';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

const FAILED_LOG = githubLogOf([
  '##[group]Run npm test',
  'FAIL src/refund.test.ts',
  '  ● refund › refunds once',
  '##[error]Process completed with exit code 1.',
]);
/** About 2.9 MB: line i is `… line i of the long log` with é in it (two bytes). */
const LONG_LOG = githubLogOf(
  Array.from({ length: 40_000 }, (_, i) => `é line ${i} of the long log`),
);

const REPOS: GitHubFakeRepoSeed[] = [
  {
    owner: 'comet-examples',
    name: 'payments-api',
    commits: [
      {
        message: 'Initial commit',
        files: { 'README.md': '# Payments\n' },
        date: '2026-01-01T00:00:00Z',
      },
      {
        message: 'Add refunds\n\nLong explanation.',
        author: 'alice',
        files: { 'src/refund.ts': 'export {};\n' },
        date: '2026-02-01T00:00:00Z',
      },
    ],
    workflows: [{ id: 1, name: 'CI' }],
    runs: [
      { id: 101 },
      { id: 102, conclusion: 'failure', head_branch: 'feature/refunds' },
      { id: 103, status: 'in_progress', conclusion: null },
    ],
    jobs: [
      ...Array.from({ length: 150 }, (_, i) => ({ id: 5000 + i, run_id: 101 })),
      { id: 2002, run_id: 103, name: 'old', logExpired: true },
      { id: 2003, run_id: 103, name: 'long', log: LONG_LOG },
      {
        id: 2001,
        run_id: 102,
        name: 'test',
        conclusion: 'failure',
        log: FAILED_LOG,
        steps: [
          {
            number: 1,
            name: 'Checkout',
            status: 'completed',
            conclusion: 'success',
          },
          {
            number: 2,
            name: 'Test',
            status: 'completed',
            conclusion: 'failure',
          },
        ],
      },
    ],
    pulls: [
      { number: 7, title: 'Refunds', head: 'main' },
      {
        number: 8,
        title: 'Old',
        head: 'main',
        state: 'closed',
        merged_at: '2026-01-03T00:00:00Z',
      },
      { number: 9, title: 'Draft', head: 'main', draft: true },
    ],
    reviews: [
      { pull: 7, user: 'bob', state: 'CHANGES_REQUESTED' },
      { pull: 7, user: 'bob', state: 'APPROVED' },
      { pull: 7, user: 'carol', state: 'COMMENTED' },
      { pull: 9, user: 'bob', state: 'CHANGES_REQUESTED' },
    ],
  },
];

function newFake(enterprise = false) {
  return GitHubFake.start({
    enterprise,
    repos: REPOS,
    tokens: [
      { token: TOKEN, login: 'comet-bot' },
      { token: READER, permissions: { actions: 'read' } },
      { token: OUTSIDER, repositories: ['comet-examples/other'] },
    ],
    apps: [
      {
        appId: 42,
        publicKey,
        installations: [
          {
            id: 7,
            account: 'comet-examples',
            repositories: ['payments-api'],
            permissions: {
              checks: 'write',
              statuses: 'read',
              pull_requests: 'read',
              contents: 'read',
            },
          },
        ],
      },
    ],
  });
}

const repository = {
  host: 'github.com',
  owner: 'comet-examples',
  repo: 'payments-api',
};

describe('GitHubClient against the GitHub fake', () => {
  let fake: GitHubFake;

  beforeEach(async () => {
    fake = await newFake();
  });

  afterEach(async () => {
    await fake.close();
  });

  function factory(
    github: Array<Record<string, unknown>>,
    options: Partial<GitHubClientFactoryOptions> & { ttlSeconds?: number } = {},
  ) {
    return GitHubClientFactory.fromConfig(
      new ConfigReader({
        integrations: { github },
        github: { cache: { ttlSeconds: options.ttlSeconds ?? 0 } },
      } as any),
      {
        logger: mockServices.logger.mock(),
        writeIntervalMs: 0,
        retryBaseMs: 1,
        ...options,
      },
    );
  }

  const client = (token = TOKEN, options = {}) =>
    factory(
      [{ host: 'github.com', apiBaseUrl: fake.url, token }],
      options,
    ).forRepository(repository);

  it('describes a repository with its topics, and says when there is none', async () => {
    fake.state.repo('comet-examples', 'payments-api')!.topics = [
      'payments',
      'comet-entity-0123456789abcdef',
    ];
    await expect(client().getRepository()).resolves.toEqual({
      fullName: 'comet-examples/payments-api',
      htmlUrl: 'https://github.com/comet-examples/payments-api',
      private: expect.any(Boolean),
      defaultBranch: 'main',
      topics: ['payments', 'comet-entity-0123456789abcdef'],
    });
    const missing = factory([
      { host: 'github.com', apiBaseUrl: fake.url, token: TOKEN },
    ]).forRepository({ ...repository, repo: 'no-such-repo' });
    await expect(missing.getRepository()).resolves.toBeUndefined();
  });

  it("lists workflow runs a page at a time, newest first, and a run's jobs over every page", async () => {
    const c = client();
    const page = await c.listWorkflowRuns({ page: 1, perPage: 2 });
    expect(page.totalCount).toBe(3);
    expect(page.runs.map(r => r.id)).toEqual([103, 102]);
    expect(page.runs[1]).toEqual({
      id: 102,
      name: 'CI',
      workflowId: 1,
      headBranch: 'feature/refunds',
      headSha: expect.stringMatching(/^[0-9a-f]{40}$/),
      event: 'push',
      status: 'completed',
      conclusion: 'failure',
      runNumber: 2,
      runAttempt: 1,
      htmlUrl:
        'https://github.com/comet-examples/payments-api/actions/runs/102',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      runStartedAt: expect.any(String),
      actor: {
        login: 'octocat',
        avatarUrl: 'https://avatars.githubusercontent.com/octocat',
        htmlUrl: 'https://github.com/octocat',
      },
    });
    expect(page.runs[0].conclusion).toBeUndefined();
    const second = await c.listWorkflowRuns({ page: 2, perPage: 2 });
    expect(second.runs.map(r => r.id)).toEqual([101]);
    const branch = await c.listWorkflowRuns({ branch: 'feature/refunds' });
    expect(branch).toMatchObject({ totalCount: 1, runs: [{ id: 102 }] });

    fake.resetCalls();
    const jobs = await c.listJobs(101);
    expect(jobs).toHaveLength(150);
    expect(
      fake.calls.map(call => `${call.method} ${call.path} ${call.status}`),
    ).toEqual([
      'GET /repos/comet-examples/payments-api/actions/runs/101/jobs 200',
      'GET /repos/comet-examples/payments-api/actions/runs/101/jobs 200',
    ]);
    const [failed] = await c.listJobs(102);
    expect(failed).toMatchObject({
      id: 2001,
      runId: 102,
      name: 'test',
      conclusion: 'failure',
      htmlUrl:
        'https://github.com/comet-examples/payments-api/actions/runs/102/job/2001',
      steps: [
        {
          number: 1,
          name: 'Checkout',
          status: 'completed',
          conclusion: 'success',
        },
        { number: 2, name: 'Test', status: 'completed', conclusion: 'failure' },
      ],
    });
  });

  it("reads a job's log through GitHub's redirect, without its token, never cached", async () => {
    const c = client();
    fake.resetCalls();
    const log = await c.getJobLog(2001);
    expect(log).toEqual({
      jobId: 2001,
      text: FAILED_LOG,
      bytesRead: Buffer.byteLength(FAILED_LOG),
      droppedBytes: 0,
      unreadAfter: false,
    });
    await c.getJobLog(2001);
    expect(
      fake.calls.map(call => `${call.method} ${call.path} ${call.status}`),
    ).toEqual(
      Array(2)
        .fill([
          'GET /repos/comet-examples/payments-api/actions/jobs/2001/logs 302',
          expect.stringMatching(/^GET \/_fake-blobs\/job-logs\/\d+\/2001 200$/),
        ])
        .flat(),
    );
  });

  it('keeps the end of a long log from a whole line, and stops reading at the cap', async () => {
    const c = client();
    const total = Buffer.byteLength(LONG_LOG);
    const tail = await c.getJobLog(2003, { maxBytes: 10_000 });
    expect(tail.bytesRead).toBe(total);
    expect(tail.unreadAfter).toBe(false);
    expect(Buffer.byteLength(tail.text)).toBeLessThanOrEqual(10_000);
    expect(Buffer.byteLength(tail.text)).toBeGreaterThan(9_900);
    expect(tail.droppedBytes).toBe(total - Buffer.byteLength(tail.text));
    expect(LONG_LOG.endsWith(tail.text)).toBe(true);
    expect(tail.text).toMatch(/^\S+Z é line \d+ of the long log\n/);
    expect(tail.text).toMatch(/é line 39999 of the long log\n$/);

    const capped = await c.getJobLog(2003, {
      maxBytes: 1_000,
      maxReadBytes: 100_000,
    });
    expect(capped).toMatchObject({ bytesRead: 100_000, unreadAfter: true });
    expect(LONG_LOG.slice(0, 100_000)).toContain(capped.text);
    expect(capped.text).toMatch(/^\S+Z é line \d+/);
    expect(capped.droppedBytes).toBe(100_000 - Buffer.byteLength(capped.text));

    // One line longer than the cap: its end, without half a character
    // (the last line is `…Z é line 39999 of the long log`, é two bytes: 29 cut it in half)
    const oneLine = await c.getJobLog(2003, { maxBytes: 29 });
    expect(oneLine.text).toBe(' line 39999 of the long log\n');
  });

  it('says when a job or its log is gone, without retrying', async () => {
    const c = client();
    fake.resetCalls();
    await expect(c.getJobLog(2002)).rejects.toMatchObject({
      name: 'NotFoundError',
      message:
        "GitHub answered 410 Gone for GET /repos/comet-examples/payments-api/actions/jobs/2002/logs on github.com: Gone (what it names existed but is gone, e.g. a log past the repository's retention)",
    });
    await expect(c.getJobLog(9)).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining(
        'GitHub answered 404 for GET /repos/comet-examples/payments-api/actions/jobs/9/logs on github.com',
      ),
    });
    expect(fake.calls.map(call => call.status)).toEqual([410, 404]);
    await expect(client(OUTSIDER).getJobLog(2001)).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });

  it('says when the download GitHub redirected to fails, without its signed URL', async () => {
    const broken = express();
    let blobUrl = '';
    broken.get('/repos/:owner/:repo/actions/jobs/:id/logs', (req, res) => {
      blobUrl = `http://${req.get('host')}/blob?urlSignature=s3cr3t`;
      res.redirect(302, blobUrl);
    });
    broken.get('/blob', (_req, res) => {
      res.status(403).send('AuthenticationFailed');
    });
    broken.get('/slow/repos/:owner/:repo/actions/jobs/:id/logs', (req, res) => {
      res.redirect(302, `http://${req.get('host')}/slow-blob`);
    });
    broken.get('/slow-blob', (_req, res) => {
      res.type('text/plain').write('first line\n');
      // never ends
    });
    const server = broken.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const c = factory([
        { host: 'github.com', apiBaseUrl: base, token: TOKEN },
      ]).forRepository(repository);
      const error = await c.getJobLog(1).catch(e => e);
      expect(error).toMatchObject({
        name: 'ServiceUnavailableError',
        message: `Could not download the log of job 1 of comet-examples/payments-api on github.com: ${
          new URL(base).host
        } answered 403 to the URL GitHub redirected to (it works for a minute after the redirect)`,
      });
      expect(String(error.message)).not.toContain('s3cr3t');
      const slow = factory(
        [{ host: 'github.com', apiBaseUrl: `${base}/slow`, token: TOKEN }],
        { logDownloadTimeoutMs: 200 },
      ).forRepository(repository);
      await expect(slow.getJobLog(1)).rejects.toMatchObject({
        name: 'ServiceUnavailableError',
        message: expect.stringContaining('it took longer than 200 ms'),
      });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('re-runs a completed run and cancels a running one; a completed one cannot be cancelled', async () => {
    const c = client();
    await c.rerunWorkflowRun(102);
    expect(
      fake.state
        .repo('comet-examples', 'payments-api')!
        .runs.find(r => r.id === 102),
    ).toMatchObject({
      status: 'queued',
      run_attempt: 2,
    });
    await c.cancelWorkflowRun(103);
    const runs = await c.listWorkflowRuns({});
    expect(runs.runs.find(r => r.id === 103)).toMatchObject({
      status: 'completed',
      conclusion: 'cancelled',
    });
    await expect(c.cancelWorkflowRun(101)).rejects.toMatchObject({
      name: 'ConflictError',
      message:
        'GitHub refused POST /repos/comet-examples/payments-api/actions/runs/101/cancel on github.com: Cannot cancel a workflow run that is completed.',
    });
  });

  it('lists pull requests with their review state and the checks of their head commit', async () => {
    const c = client();
    const head = fake.state
      .repo('comet-examples', 'payments-api')!
      .refs.get('heads/main')!;
    await c.createCommitStatus(head, {
      state: 'success',
      context: 'ci/build',
      description: 'x'.repeat(200),
      targetUrl: 'https://ci.example.com/1',
    });
    await c.createCommitStatus(head, {
      state: 'pending',
      context: 'ci/deploy',
    });
    const statuses = fake.state.repo(
      'comet-examples',
      'payments-api',
    )!.statuses;
    expect(statuses[0]).toMatchObject({
      description: 'x'.repeat(140),
      target_url: 'https://ci.example.com/1',
      creator: { login: 'comet-bot' },
    });

    fake.resetCalls();
    const open = await c.listPullRequests({ state: 'open' });
    // 1 list + 3 per pull request; both have the same head commit, so its status and
    // check runs are asked once
    expect(fake.calls).toHaveLength(1 + 2 + 2);
    expect(open.map(p => [p.number, p.reviewState, p.draft])).toEqual([
      [9, 'changes_requested', true],
      [7, 'approved', false],
    ]);
    expect(open[1]).toMatchObject({
      title: 'Refunds',
      state: 'open',
      headRef: 'main',
      headSha: head,
      baseRef: 'main',
      author: { login: 'octocat' },
      htmlUrl: 'https://github.com/comet-examples/payments-api/pull/7',
      checks: {
        state: 'pending',
        total: 2,
        successful: 1,
        failed: 0,
        pending: 1,
      },
    });
    const all = await c.listPullRequests({ state: 'all', perPage: 10 });
    expect(all.map(p => `${p.number}:${p.state}`)).toEqual([
      '9:open',
      '8:merged',
      '7:open',
    ]);
    expect(all[1].mergedAt).toBe('2026-01-03T00:00:00Z');

    await c.createCommitStatus(head, { state: 'error', context: 'ci/deploy' });
    expect((await c.getPullRequest(7)).checks).toEqual({
      state: 'failure',
      total: 2,
      successful: 1,
      failed: 1,
      pending: 0,
    });
  });

  it('pages through pull request dates in one request per page, sorted as asked', async () => {
    const c = client();
    const repo = fake.state.repo('comet-examples', 'payments-api')!;
    fake.state.addPull(repo, {
      number: 10,
      title: 'Older update',
      head: 'main',
      state: 'closed',
      created_at: '2025-12-30T00:00:00Z',
      updated_at: '2025-12-31T12:00:00Z',
      closed_at: '2025-12-31T12:00:00Z',
    });
    fake.resetCalls();
    const first = await c.listPullRequestTimes({
      state: 'closed',
      sort: 'updated',
      direction: 'desc',
      perPage: 1,
    });
    expect(first).toEqual({
      pullRequests: [
        {
          number: 8,
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
          mergedAt: '2026-01-03T00:00:00Z',
        },
      ],
      hasMore: true,
    });
    const second = await c.listPullRequestTimes({
      state: 'closed',
      sort: 'updated',
      direction: 'desc',
      perPage: 1,
      page: 2,
    });
    expect(second).toEqual({
      pullRequests: [
        {
          number: 10,
          createdAt: '2025-12-30T00:00:00Z',
          updatedAt: '2025-12-31T12:00:00Z',
          closedAt: '2025-12-31T12:00:00Z',
        },
      ],
      hasMore: false,
    });
    expect(fake.calls.map(call => `${call.method} ${call.path}`)).toEqual([
      'GET /repos/comet-examples/payments-api/pulls',
      'GET /repos/comet-examples/payments-api/pulls',
    ]);
    const ascending = await c.listPullRequestTimes({
      state: 'closed',
      sort: 'updated',
    });
    expect(ascending.pullRequests.map(p => p.number)).toEqual([10, 8]);
    const created = await c.listPullRequestTimes({
      state: 'all',
      sort: 'created',
    });
    expect(created.pullRequests[created.pullRequests.length - 1].number).toBe(
      10,
    );
    expect(
      (await c.listWorkflowRuns({ status: 'failure' })).runs.map(r => r.id),
    ).toEqual([102]);
    expect(
      (await c.listWorkflowRuns({ status: 'in_progress' })).runs.map(r => r.id),
    ).toEqual([103]);
  });

  it('lists commits of a branch since a date, first lines only', async () => {
    const c = client();
    const commits = await c.listCommits({ perPage: 10 });
    expect(commits.map(commit => commit.message)).toEqual([
      'Add refunds',
      'Initial commit',
    ]);
    expect(commits[0]).toEqual({
      sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      message: 'Add refunds',
      author: {
        login: 'alice',
        name: 'alice',
        avatarUrl: 'https://avatars.githubusercontent.com/alice',
        htmlUrl: 'https://github.com/alice',
      },
      date: '2026-02-01T00:00:00Z',
      htmlUrl: `https://github.com/comet-examples/payments-api/commit/${commits[0].sha}`,
    });
    const recent = await c.listCommits({
      sha: 'main',
      since: '2026-01-15T00:00:00Z',
    });
    expect(recent.map(commit => commit.message)).toEqual(['Add refunds']);
    expect(await c.listCommits({ perPage: 1, page: 2 })).toHaveLength(1);
  });

  it('finds, creates and updates a marked issue comment', async () => {
    const c = client();
    const marker = '<!-- comet:summary -->';
    expect(await c.findIssueComment(7, marker)).toBeUndefined();
    const created = await c.createIssueComment(7, `${marker}\nFirst`);
    expect(created).toEqual({
      id: expect.any(Number),
      body: `${marker}\nFirst`,
      htmlUrl: expect.stringContaining('/pull/7#issuecomment-'),
    });
    expect(await c.findIssueComment(7, marker)).toEqual(created);
    const updated = await c.updateIssueComment(created.id, `${marker}\nSecond`);
    expect(updated.body).toBe(`${marker}\nSecond`);
    expect((await c.findIssueComment(7, marker))?.body).toBe(
      `${marker}\nSecond`,
    );
  });

  it('proposes a change: a branch with one commit on the base tree, then a pull request', async () => {
    const c = client();
    const base = await c.getDefaultBranch();
    expect(base).toBe('main');
    const { branch, commitSha } = await c.createBranchWithCommit({
      base,
      branch: 'comet/add-catalog-info',
      message: 'Add catalog-info.yaml',
      files: {
        'catalog-info.yaml': 'kind: Component\n',
        'docs/nested/index.md': '# Docs\n',
      },
    });
    const repo = fake.state.repo('comet-examples', 'payments-api')!;
    expect(repo.refs.get('heads/comet/add-catalog-info')).toBe(commitSha);
    expect(repo.commits.get(commitSha)).toMatchObject({
      message: 'Add catalog-info.yaml',
      parents: [repo.refs.get('heads/main')],
    });
    expect(fake.state.filesAt(repo, branch)).toEqual({
      'README.md': '# Payments\n',
      'src/refund.ts': 'export {};\n',
      'catalog-info.yaml': 'kind: Component\n',
      'docs/nested/index.md': '# Docs\n',
    });
    const pull = await c.createPullRequest({
      title: 'Add catalog-info.yaml',
      head: branch,
      base,
      body: 'Proposed by Comet',
    });
    expect(pull).toMatchObject({
      number: 10,
      state: 'open',
      headRef: 'comet/add-catalog-info',
      headSha: commitSha,
      baseRef: 'main',
      author: { login: 'comet-bot' },
      reviewState: 'none',
      checks: { state: 'none', total: 0 },
    });
    expect(repo.pulls.find(p => p.number === 10)).toMatchObject({
      body: 'Proposed by Comet',
    });

    await expect(
      c.createBranchWithCommit({
        base,
        branch,
        message: 'again',
        files: { a: 'b' },
      }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining('Reference already exists'),
    });
    await expect(
      c.createPullRequest({ title: 'Again', head: branch, base }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining(
        'A pull request already exists for comet-examples:comet/add-catalog-info.',
      ),
    });
    await expect(
      c.createPullRequest({ title: 'Nowhere', head: 'missing', base }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'GitHub refused POST /repos/comet-examples/payments-api/pulls on github.com: Validation Failed (PullRequest head invalid)',
    });
  });

  it('reads a file at a branch or a commit with the contents API, and branches from a given commit', async () => {
    const c = client();
    const repo = fake.state.repo('comet-examples', 'payments-api')!;
    const head = await c.getBranchSha('main');
    expect(head).toBe(repo.refs.get('heads/main'));
    const first = repo.commits.get(head)!.parents[0];

    const readme = await c.getFileContent('README.md');
    expect(readme).toEqual({
      path: 'README.md',
      sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      content: '# Payments\n',
    });
    expect(await c.getFileContent('src/refund.ts', { ref: head })).toEqual({
      path: 'src/refund.ts',
      sha: expect.any(String),
      content: 'export {};\n',
    });
    // Not yet there in the first commit; nowhere at all
    expect(
      await c.getFileContent('src/refund.ts', { ref: first }),
    ).toBeUndefined();
    expect(await c.getFileContent('catalog-info.yaml')).toBeUndefined();

    await expect(c.getFileContent('src')).rejects.toMatchObject({
      name: 'InputError',
      message:
        'src in comet-examples/payments-api on github.com is a directory, not a file',
    });

    // A file over 1 MB, on a branch of its own: its content is not in the answer
    const big = 'é'.repeat(600_000);
    const tree = fake.state.addTree(repo, [
      {
        path: 'big.txt',
        mode: '100644',
        type: 'blob',
        sha: fake.state.addBlob(repo, big, 'utf-8'),
      },
    ]);
    const commit = fake.state.addCommit(repo, {
      tree,
      parents: [head],
      message: 'Big',
      author: {
        name: 'bob',
        email: 'bob@example.com',
        date: '2026-03-01T00:00:00Z',
      },
    });
    repo.refs.set('heads/big', commit.sha);
    await expect(
      c.getFileContent('big.txt', { ref: 'big' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        "big.txt in comet-examples/payments-api on github.com at big is 1200000 bytes: larger than the 1 MB whose content GitHub's contents API returns",
    });

    await expect(
      client(READER).getFileContent('README.md'),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining('contents=read'),
    });
    await expect(c.getBranchSha('nope')).rejects.toMatchObject({
      name: 'NotFoundError',
    });

    // From the first commit, whatever main says since
    const { commitSha } = await c.createBranchWithCommit({
      base: 'main',
      baseSha: first,
      branch: 'comet/from-first',
      message: 'Change the readme',
      files: { 'README.md': '# Payments API\n' },
    });
    expect(repo.commits.get(commitSha)!.parents).toEqual([first]);
    expect(fake.state.filesAt(repo, 'comet/from-first')).toEqual({
      'README.md': '# Payments API\n',
    });
  });

  it('revalidates with If-None-Match: a 304 reuses the answer and costs no rate limit', async () => {
    const c = client();
    await c.listWorkflowRuns({});
    const before = await c.rateLimit();
    const again = await c.listWorkflowRuns({});
    expect(again.runs).toHaveLength(3);
    expect(fake.calls.map(call => call.status)).toEqual([200, 304]);
    expect(await c.rateLimit()).toEqual(before);
    expect(before).toEqual({
      limit: 5000,
      remaining: 4999,
      resetAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('serves fresh answers without asking, and forgets them after a write to the repository', async () => {
    const c = client(TOKEN, { ttlSeconds: 60 });
    await c.listWorkflowRuns({});
    await c.listWorkflowRuns({});
    expect(fake.calls).toHaveLength(1);
    await c.cancelWorkflowRun(103);
    const runs = await c.listWorkflowRuns({});
    expect(runs.runs.find(r => r.id === 103)?.conclusion).toBe('cancelled');
    expect(fake.calls.map(call => `${call.method} ${call.status}`)).toEqual([
      'GET 200',
      'POST 202',
      'GET 200',
    ]);
  });

  it('keys the cache by repository in any case, but by branch names as written', async () => {
    const f = factory(
      [{ host: 'github.com', apiBaseUrl: fake.url, token: TOKEN }],
      {
        ttlSeconds: 60,
      },
    );
    const lower = f.forRepository(repository);
    const upper = f.forRepository({ ...repository, owner: 'Comet-Examples' });
    await lower.listWorkflowRuns({ branch: 'feature/refunds' });
    await upper.listWorkflowRuns({ branch: 'feature/refunds' });
    expect(fake.calls).toHaveLength(1);
    // GitHub's branch names are case-sensitive: another branch, another answer
    const other = await lower.listWorkflowRuns({ branch: 'Feature/Refunds' });
    expect(other.runs).toEqual([]);
    expect(fake.calls).toHaveLength(2);
  });

  it('serves a page of runs from a fresh cached larger page that holds it, without a request', async () => {
    const c = client(TOKEN, { ttlSeconds: 60 });
    const three = await c.listWorkflowRuns({ perPage: 3 });
    const firstTwo = await c.listWorkflowRuns({ page: 1, perPage: 2 });
    const third = await c.listWorkflowRuns({ page: 3, perPage: 1 });
    expect(fake.calls).toHaveLength(1);
    expect(firstTwo).toEqual({ runs: three.runs.slice(0, 2), totalCount: 3 });
    expect(third).toEqual({ runs: three.runs.slice(2), totalCount: 3 });
    // The same as GitHub answers for those pages
    const uncached = client(TOKEN);
    expect(await uncached.listWorkflowRuns({ page: 1, perPage: 2 })).toEqual(
      firstTwo,
    );
    expect(await uncached.listWorkflowRuns({ page: 3, perPage: 1 })).toEqual(
      third,
    );

    // Not held by it: a page that reaches past it, the same page with another filter
    fake.resetCalls();
    const second = await c.listWorkflowRuns({ page: 2, perPage: 2 });
    expect(second.runs.map(r => r.id)).toEqual([101]);
    const branch = await c.listWorkflowRuns({
      page: 1,
      perPage: 2,
      branch: 'feature/refunds',
    });
    expect(branch).toMatchObject({ totalCount: 1, runs: [{ id: 102 }] });
    expect(fake.calls.map(call => call.path)).toEqual([
      '/repos/comet-examples/payments-api/actions/runs',
      '/repos/comet-examples/payments-api/actions/runs',
    ]);

    // Nor after a write to the repository, which makes the larger page stale too
    fake.resetCalls();
    await c.cancelWorkflowRun(103);
    const afterCancel = await c.listWorkflowRuns({ page: 1, perPage: 1 });
    expect(afterCancel.runs[0]).toMatchObject({
      id: 103,
      conclusion: 'cancelled',
    });
    expect(fake.calls.map(call => call.method)).toEqual(['POST', 'GET']);
  });

  it('does not cut a page from a larger one older than the TTL', async () => {
    const c = client(TOKEN, { ttlSeconds: 0 });
    await c.listWorkflowRuns({ perPage: 3 });
    const firstTwo = await c.listWorkflowRuns({ page: 1, perPage: 2 });
    expect(firstTwo.runs.map(r => r.id)).toEqual([103, 102]);
    expect(fake.calls).toHaveLength(2);
  });

  it('coalesces identical concurrent GETs into one request', async () => {
    const c = client();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => c.listCommits({ perPage: 5 })),
    );
    expect(new Set(results.map(r => JSON.stringify(r))).size).toBe(1);
    expect(fake.calls).toHaveLength(1);
  });

  it('keeps cache entries and rate limits per credential', async () => {
    const f = factory(
      [{ host: 'github.com', apiBaseUrl: fake.url, token: TOKEN }],
      {
        ttlSeconds: 60,
      },
    );
    const other = factory([
      { host: 'github.com', apiBaseUrl: fake.url, token: READER },
    ]);
    await f.forRepository(repository).listWorkflowRuns({});
    await other.forRepository(repository).listWorkflowRuns({});
    expect(fake.calls).toHaveLength(2);
    expect((await f.forRepository(repository).rateLimit()).remaining).toBe(
      4999,
    );
    expect((await other.forRepository(repository).rateLimit()).remaining).toBe(
      4999,
    );
    expect(f.rateLimitReadings()).toEqual([
      {
        credential: expect.stringMatching(/^github\.com:[0-9a-f]{32}$/),
        limit: 5000,
        remaining: 4999,
        resetAt: expect.any(String),
      },
    ]);
    expect(JSON.stringify(f.rateLimitReadings())).not.toContain(TOKEN);
  });

  it('reads the rate limit from GET /rate_limit before any request', async () => {
    expect(await client().rateLimit()).toEqual({
      limit: 5000,
      remaining: 5000,
      resetAt: expect.any(String),
    });
  });

  it('waits for the primary rate limit to reset, up to the cap', async () => {
    fake.state.exhaustRateLimit(TOKEN, new Date(Date.now() + 1000));
    const c = client();
    const runs = await c.listWorkflowRuns({});
    expect(runs.totalCount).toBe(3);
    expect(fake.calls.map(call => call.status)).toEqual([403, 200]);

    fake.state.exhaustRateLimit(TOKEN, new Date(Date.now() + 120_000));
    await expect(c.listCommits({})).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringMatching(
        /^GitHub's rate limit for the credentials configured for github\.com is used up until \d{4}-.+; Comet waits at most 60 s, so GET \/repos\/comet-examples\/payments-api\/commits on github\.com failed$/,
      ),
    });
    expect(await c.rateLimit()).toMatchObject({ remaining: 0 });
  });

  it('waits out a secondary rate limit (403 and 429 with retry-after), once and up to the cap', async () => {
    fake.secondaryRateLimitNext({ retryAfter: 1 });
    const c = client();
    expect((await c.listWorkflowRuns({})).totalCount).toBe(3);
    expect(fake.calls.map(call => call.status)).toEqual([403, 200]);

    const sleep = jest.fn(async () => {});
    const slept = client(TOKEN, { sleep });
    fake.secondaryRateLimitNext({ retryAfter: 3, status: 429 });
    expect(await slept.listCommits({})).toHaveLength(2);
    expect(sleep).toHaveBeenCalledWith(3000);

    fake.secondaryRateLimitNext({ retryAfter: 120, status: 429 });
    await expect(slept.listCommits({ perPage: 1 })).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message:
        "GitHub's secondary rate limit refused GET /repos/comet-examples/payments-api/commits on github.com (retry after 120 s; Comet waits at most 60 s and once): You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    });
    fake.secondaryRateLimitNext({ retryAfter: 120 });
    await expect(slept.listCommits({ perPage: 2 })).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringContaining("GitHub's secondary rate limit refused"),
    });
  });

  it('names the missing permission on a 403, and never the token', async () => {
    const c = client(READER);
    expect((await c.listWorkflowRuns({})).totalCount).toBe(3);
    const error = await c.rerunWorkflowRun(102).catch(e => e);
    expect(error).toMatchObject({
      name: 'NotAllowedError',
      message:
        'The credentials configured for github.com lack the GitHub permission actions=write needed for POST /repos/comet-examples/payments-api/actions/runs/102/rerun on github.com ("Resource not accessible by personal access token"); grant it to the token or GitHub App',
    });
    const comment = await c.createIssueComment(7, 'x').catch(e => e);
    expect(comment.message).toContain(
      'permission issues=write or pull_requests=write',
    );
    for (const e of [error, comment]) {
      expect(JSON.stringify(e)).not.toContain(READER);
      expect(String(e.stack)).not.toContain(READER);
    }
  });

  it('says a 404 repository does not exist or cannot be seen', async () => {
    const c = client(OUTSIDER);
    await expect(c.listWorkflowRuns({})).rejects.toMatchObject({
      name: 'NotFoundError',
      message:
        'GitHub answered 404 for GET /repos/comet-examples/payments-api/actions/runs on github.com: the repository comet-examples/payments-api does not exist or the credentials configured for github.com cannot see it, or what the request names does not exist',
    });
    await expect(c.getDefaultBranch()).rejects.toMatchObject({
      message:
        'GitHub answered 404 for GET /repos/comet-examples/payments-api on github.com: the repository comet-examples/payments-api does not exist or the credentials configured for github.com cannot see it',
    });
  });

  it('says the configured credentials are rejected on a 401, without the token', async () => {
    const bad = 'ghp_notKnownToTheFake00000000000000000000';
    const error = await client(bad)
      .listCommits({})
      .catch(e => e);
    expect(error).toMatchObject({
      name: 'ServiceUnavailableError',
      message:
        'GitHub rejected the credentials configured for github.com (integrations.github, host github.com) on GET /repos/comet-examples/payments-api/commits on github.com: Bad credentials. Check its token or GitHub App',
    });
    expect(JSON.stringify(error) + String(error.stack)).not.toContain(bad);
  });

  it('fails with a timeout when GitHub does not answer in time', async () => {
    const slow = await GitHubFake.start({
      latencyMs: 300,
      tokens: [{ token: TOKEN }],
    });
    try {
      const c = factory(
        [{ host: 'github.com', apiBaseUrl: slow.url, token: TOKEN }],
        {
          requestTimeoutMs: 50,
          retries: 0,
        },
      ).forRepository(repository);
      await expect(c.getDefaultBranch()).rejects.toMatchObject({
        name: 'ServiceUnavailableError',
        message: expect.stringContaining(
          'GitHub did not answer GET /repos/comet-examples/payments-api on github.com',
        ),
      });
    } finally {
      await slow.close();
    }
  });

  it('uses GitHub App credentials: an installation token, which may create check runs', async () => {
    const f = factory([
      {
        host: 'github.com',
        apiBaseUrl: fake.url,
        apps: [
          { appId: 42, privateKey, clientId: 'Iv1.x', clientSecret: 'secret' },
        ],
      },
    ]);
    expect(f.isConfigured()).toBe(true);
    const c = f.forRepository(repository);
    const head = fake.state
      .repo('comet-examples', 'payments-api')!
      .refs.get('heads/main')!;
    const checkRun = await c.createCheckRun({
      name: 'comet/quality',
      headSha: head,
      status: 'in_progress',
      detailsUrl: 'https://comet.example.com/runs/1',
      externalId: 'run-1',
    });
    expect(checkRun.htmlUrl).toBe(
      `https://github.com/comet-examples/payments-api/runs/${checkRun.id}`,
    );
    expect((await c.getPullRequest(7)).checks).toMatchObject({
      state: 'pending',
      pending: 1,
    });
    await c.updateCheckRun(checkRun.id, {
      conclusion: 'success',
      output: { title: 'Passed', summary: 'All good' },
    });
    expect((await c.getPullRequest(7)).checks).toEqual({
      state: 'success',
      total: 1,
      successful: 1,
      failed: 0,
      pending: 0,
    });
    const paths = fake.calls.map(call => `${call.method} ${call.path}`);
    expect(paths).toContain('POST /app/installations/7/access_tokens');
    expect(paths.filter(p => p.includes('access_tokens'))).toHaveLength(1);
    const stored = fake.state.repo('comet-examples', 'payments-api')!
      .checkRuns[0];
    expect(stored).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      details_url: 'https://comet.example.com/runs/1',
      external_id: 'run-1',
      output: { title: 'Passed', summary: 'All good' },
    });
    // The installation may not write statuses
    await expect(
      c.createCommitStatus(head, { state: 'success', context: 'x' }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining('statuses=write'),
    });
  });

  it('refuses check runs with a personal access token, as GitHub does', async () => {
    const head = fake.state
      .repo('comet-examples', 'payments-api')!
      .refs.get('heads/main')!;
    await expect(
      client().createCheckRun({ name: 'x', headSha: head }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message:
        'GitHub refused POST /repos/comet-examples/payments-api/check-runs on github.com: You must authenticate via a GitHub App.',
    });
  });

  it('says when the GitHub App cannot be used for a repository', async () => {
    const c = factory([
      {
        host: 'github.com',
        apiBaseUrl: fake.url,
        apps: [
          { appId: 42, privateKey, clientId: 'Iv1.x', clientSecret: 'secret' },
        ],
      },
    ]).forRepository({ ...repository, owner: 'someone-else' });
    await expect(c.listCommits({})).rejects.toMatchObject({
      name: 'NotAllowedError',
      message:
        'No installation of the GitHub App configured for github.com (integrations.github[].apps) covers someone-else/payments-api: install the app on someone-else or give the integration a token',
    });
  });

  it('says when the GitHub App credentials are refused', async () => {
    const c = factory([
      {
        host: 'github.com',
        apiBaseUrl: fake.url,
        apps: [
          { appId: 44, privateKey, clientId: 'Iv1.x', clientSecret: 'secret' },
        ],
      },
    ]).forRepository(repository);
    const error = await c.listCommits({}).catch(e => e);
    expect(error).toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining(
        'The credentials configured for github.com (integrations.github) cannot be used for comet-examples/payments-api: ',
      ),
    });
    expect(error.message).not.toContain('PRIVATE KEY');
  });

  it('talks to GitHub Enterprise Server under /api/v3 for a host configured with its apiBaseUrl', async () => {
    const ghe = await newFake(true);
    try {
      expect(ghe.url).toMatch(/\/api\/v3$/);
      const f = factory([
        { host: 'ghe.example.com', apiBaseUrl: ghe.url, token: TOKEN },
      ]);
      const c = f.forRepository({ ...repository, host: 'ghe.example.com' });
      expect((await c.listCommits({})).map(commit => commit.message)).toEqual([
        'Add refunds',
        'Initial commit',
      ]);
      expect((await c.listJobs(101)).length).toBe(150);
      expect(f.hosts()).toEqual(['ghe.example.com', 'github.com']);
      expect(() =>
        f.forRepository({ ...repository, host: 'ghe.other.com' }),
      ).toThrow(
        'No GitHub integration for the host ghe.other.com of comet-examples/payments-api: add one with that host to integrations.github[].host (with its apiBaseUrl and a token or apps)',
      );
    } finally {
      await ghe.close();
    }
  });

  it('is not configured without a token or an app, and then reads anonymously', async () => {
    const f = factory([]);
    expect(f.isConfigured()).toBe(false);
    expect(f.hosts()).toEqual(['github.com']);
    // github.com is always there (https://api.github.com); the fake host is not
    expect(() =>
      f.forRepository({ ...repository, host: 'ghe.example.com' }),
    ).toThrow('No GitHub integration for the host ghe.example.com');
    const anonymous = factory([{ host: 'github.com', apiBaseUrl: fake.url }]);
    await expect(
      anonymous.forRepository(repository).getDefaultBranch(),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringContaining('Requires authentication'),
    });
  });
});
