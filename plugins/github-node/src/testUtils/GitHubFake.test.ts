import express from 'express';
import { createSign, generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { GITHUB_FAKE_DEMO_TOKEN, GitHubFake, githubLogOf } from './GitHubFake';
import { gitSha } from './GitHubFakeState';

const auth = { authorization: `token ${GITHUB_FAKE_DEMO_TOKEN}` };
const REPO = '/repos/comet-examples/payments-api';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

function jwt(
  payload: Record<string, unknown>,
  options: { alg?: string; key?: string; parts?: number } = {},
) {
  const encode = (value: unknown) =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${encode({ alg: options.alg ?? 'RS256', typ: 'JWT' })}.${encode(
    payload,
  )}`;
  const signature = createSign('RSA-SHA256')
    .update(head)
    .sign(options.key ?? privateKey)
    .toString('base64url');
  return `${head}.${signature}`;
}

const now = () => Math.floor(Date.now() / 1000);

describe('GitHubFake', () => {
  it('listens on 127.0.0.1 until closed, with the example repositories and demo token', async () => {
    const fake = await GitHubFake.start();
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${fake.url}${REPO}`, { headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      full_name: 'comet-examples/payments-api',
      default_branch: 'main',
      private: true,
    });
    const { url } = fake;
    await fake.close();
    await expect(fetch(`${url}${REPO}`, { headers: auth })).rejects.toThrow(
      'fetch failed',
    );
    await expect(fake.close()).resolves.toBeUndefined();
  });

  it('serves under /api/v3 as GitHub Enterprise Server, and simulates latency', async () => {
    const fake = await GitHubFake.start({ enterprise: true, latencyMs: 20 });
    try {
      expect(fake.url).toMatch(/\/api\/v3$/);
      const res = await fetch(`${fake.url}${REPO}/actions/runs`, {
        headers: { authorization: `Bearer ${GITHUB_FAKE_DEMO_TOKEN}` },
      });
      expect(res.status).toBe(200);
      expect((await res.json()).total_count).toBe(3);
      expect(fake.calls).toEqual([
        { method: 'GET', path: `${REPO}/actions/runs`, status: 200 },
      ]);
    } finally {
      await fake.close();
    }
  });

  it('takes commits it was not seeded with from commitSource, once each', async () => {
    const asked: string[] = [];
    const known = 'a'.repeat(40);
    const app = express();
    const fake = new GitHubFake({
      commitSource: async (owner, repo, sha) => {
        asked.push(`${owner}/${repo}@${sha}`);
        return sha === known
          ? {
              message: 'Built by Comet',
              author: {
                name: 'Alice',
                email: 'alice@example.com',
                date: '2026-12-01T10:00:00Z',
              },
            }
          : undefined;
      },
    });
    app.use(fake.router);
    const status = await request(app)
      .post(`${REPO}/statuses/${known}`)
      .set(auth)
      .send({ state: 'pending', context: 'comet/build' });
    expect(status.status).toBe(201);
    const combined = await request(app)
      .get(`${REPO}/commits/${known}/status`)
      .set(auth);
    expect(combined.body).toMatchObject({
      state: 'pending',
      sha: known,
      total_count: 1,
    });
    expect(
      fake.state.repo('comet-examples', 'payments-api')!.commits.get(known),
    ).toMatchObject({ message: 'Built by Comet', parents: [] });
    const unknown = 'b'.repeat(40);
    const refused = await request(app)
      .post(`${REPO}/statuses/${unknown}`)
      .set(auth)
      .send({ state: 'success', context: 'comet/build' });
    expect(refused.status).toBe(422);
    expect(refused.body.message).toContain(
      `No commit found for SHA: ${unknown}`,
    );
    // Asked once for each commit it did not have
    expect(asked).toEqual([
      `comet-examples/payments-api@${known}`,
      `comet-examples/payments-api@${unknown}`,
    ]);
  });

  it("redirects a job's log to a signed URL that serves it for a minute, as GitHub does", async () => {
    let clock = Date.UTC(2026, 5, 1);
    const fake = await GitHubFake.start({
      enterprise: true,
      now: () => clock,
      tokens: [
        { token: GITHUB_FAKE_DEMO_TOKEN },
        { token: 'ghp_noActions', permissions: { contents: 'read' } },
      ],
      repos: [
        {
          owner: 'comet-examples',
          name: 'payments-api',
          runs: [{ id: 102, conclusion: 'failure' }],
          jobs: [
            {
              id: 2001,
              run_id: 102,
              log: githubLogOf(['npm test', 'FAIL src/a.test.ts']),
            },
            { id: 2002, run_id: 102, logExpired: true },
            {
              id: 2003,
              run_id: 102,
              name: 'lint',
              started_at: '2026-01-01T00:00:00Z',
              steps: [{ number: 1, name: 'Lint', conclusion: 'failure' }],
            },
          ],
        },
      ],
    });
    try {
      const logs = `${fake.url}${REPO}/actions/jobs/2001/logs`;
      const redirect = await fetch(logs, { headers: auth, redirect: 'manual' });
      expect(redirect.status).toBe(302);
      const location = redirect.headers.get('location')!;
      expect(location).toMatch(
        /^http:\/\/127\.0\.0\.1:\d+\/api\/v3\/_fake-blobs\/job-logs\/\d+\/2001\?urlExpires=2026-06-01T00%3A01%3A00\.000Z&urlSigningMethod=HMACV1&urlSignature=[\w-]+$/,
      );
      // No credentials: the URL's signature is enough
      const blob = await fetch(location);
      expect(blob.status).toBe(200);
      expect(blob.headers.get('content-type')).toBe(
        'text/plain; charset=utf-8',
      );
      expect(await blob.text()).toBe(
        '2026-01-01T00:00:00.0000000Z npm test\n2026-01-01T00:00:01.0000000Z FAIL src/a.test.ts\n',
      );
      // fetch follows the redirect itself
      const followed = await fetch(logs, { headers: auth });
      expect(await followed.text()).toContain('FAIL src/a.test.ts');

      const tampered = await fetch(
        location.replace(/.$/, c => (c === 'A' ? 'B' : 'A')),
      );
      expect(tampered.status).toBe(403);
      expect((await tampered.json()).message).toContain(
        'the signature does not match',
      );
      clock += 60_001;
      const late = await fetch(location);
      expect(late.status).toBe(403);
      expect((await late.json()).message).toBe(
        'The signed URL expired at 2026-06-01T00:01:00.000Z',
      );

      // A job without a seeded log: one from its steps
      const lint = await fetch(`${fake.url}${REPO}/actions/jobs/2003/logs`, {
        headers: auth,
      });
      expect(await lint.text()).toBe(
        githubLogOf(
          [
            '##[group]Run Lint',
            '##[endgroup]',
            '##[error]Process completed with exit code 1.',
          ],
          Date.UTC(2026, 0, 1),
        ),
      );

      const expired = await fetch(`${fake.url}${REPO}/actions/jobs/2002/logs`, {
        headers: auth,
        redirect: 'manual',
      });
      expect(expired.status).toBe(410);
      const unknown = await fetch(`${fake.url}${REPO}/actions/jobs/9/logs`, {
        headers: auth,
        redirect: 'manual',
      });
      expect(unknown.status).toBe(404);
      expect((await unknown.json()).message).toBe('Not Found');
      const anonymous = await fetch(logs, { redirect: 'manual' });
      expect(anonymous.status).toBe(401);
      const noActions = await fetch(logs, {
        headers: { authorization: 'token ghp_noActions' },
        redirect: 'manual',
      });
      expect(noActions.status).toBe(403);
      expect(noActions.headers.get('x-accepted-github-permissions')).toBe(
        'actions=read',
      );
    } finally {
      await fake.close();
    }
  });

  it('gives a router to mount without listening, and has no url then', async () => {
    const fake = new GitHubFake();
    expect(() => fake.url).toThrow(
      'This GitHubFake is not listening: create it with GitHubFake.start()',
    );
    const app = express().use('/api/fakes/github', fake.router);
    const res = await request(app)
      .get(`/api/fakes/github${REPO}/pulls`)
      .set(auth);
    expect(res.status).toBe(200);
    expect(res.body.map((p: { number: number }) => p.number)).toEqual([7]);
    await expect(fake.close()).resolves.toBeUndefined();
  });

  describe('authentication and authorization', () => {
    const fake = new GitHubFake({
      tokens: [
        { token: 'all' },
        { token: 'reader', permissions: { actions: 'read' } },
        { token: 'other', repositories: ['comet-examples/other'] },
        { token: 'owner-wide', repositories: ['comet-examples/*'] },
      ],
    });
    const app = express().use(fake.router);

    it('answers 401 without a token or with an unknown one', async () => {
      const none = await request(app).get(REPO);
      expect(none.status).toBe(401);
      expect(none.body).toEqual({
        message: 'Requires authentication',
        documentation_url: 'https://docs.github.com/rest',
      });
      const bad = await request(app)
        .get(REPO)
        .set('authorization', 'token nope');
      expect(bad.status).toBe(401);
      expect(bad.body.message).toBe('Bad credentials');
      const basic = await request(app)
        .get(REPO)
        .set('authorization', 'Basic all');
      expect(basic.status).toBe(401);
    });

    it('hides repositories a token cannot see, and unknown paths, as 404', async () => {
      expect(
        (await request(app).get(REPO).set('authorization', 'token other'))
          .status,
      ).toBe(404);
      expect(
        (await request(app).get(REPO).set('authorization', 'token owner-wide'))
          .status,
      ).toBe(200);
      const unknown = await request(app)
        .get('/repos/nobody/nothing')
        .set('authorization', 'token all');
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toBe('Not Found');
      expect(
        (await request(app).get('/nowhere').set('authorization', 'token all'))
          .status,
      ).toBe(404);
    });

    it('answers 403 with X-Accepted-GitHub-Permissions when a permission is missing', async () => {
      const ok = await request(app)
        .get(`${REPO}/actions/runs`)
        .set('authorization', 'token reader');
      expect(ok.status).toBe(200);
      const denied = await request(app)
        .post(`${REPO}/actions/runs/101/rerun`)
        .set('authorization', 'token reader');
      expect(denied.status).toBe(403);
      expect(denied.headers['x-accepted-github-permissions']).toBe(
        'actions=write',
      );
      expect(denied.body.message).toBe(
        'Resource not accessible by personal access token',
      );
      const pulls = await request(app)
        .get(`${REPO}/pulls`)
        .set('authorization', 'token reader');
      expect(pulls.headers['x-accepted-github-permissions']).toBe(
        'pull_requests=read',
      );
    });
  });

  describe('paging, ETags and rate limits', () => {
    it('paginates with per_page and page and links the other pages', async () => {
      const fake = await GitHubFake.start();
      try {
        const first = await fetch(
          `${fake.url}${REPO}/actions/runs?per_page=1`,
          { headers: auth },
        );
        const body = await first.json();
        expect(body.workflow_runs.map((r: { id: number }) => r.id)).toEqual([
          103,
        ]);
        expect(first.headers.get('link')).toBe(
          [
            `<${fake.url}${REPO}/actions/runs?per_page=1&page=2>; rel="next"`,
            `<${fake.url}${REPO}/actions/runs?per_page=1&page=3>; rel="last"`,
          ].join(', '),
        );
        const last = await fetch(
          `${fake.url}${REPO}/actions/runs?per_page=1&page=3`,
          { headers: auth },
        );
        expect(last.headers.get('link')).toBe(
          [
            `<${fake.url}${REPO}/actions/runs?per_page=1&page=2>; rel="prev"`,
            `<${fake.url}${REPO}/actions/runs?per_page=1&page=1>; rel="first"`,
          ].join(', '),
        );
        const all = await fetch(`${fake.url}${REPO}/actions/runs`, {
          headers: auth,
        });
        expect(all.headers.get('link')).toBeNull();
      } finally {
        await fake.close();
      }
    });

    it('sends an ETag and answers 304 to If-None-Match, without counting it', async () => {
      const fake = new GitHubFake({ tokens: [{ token: 't', rateLimit: 10 }] });
      const app = express().use(fake.router);
      // The repository's URLs name the host it was asked at: one host, as GitHub's
      const host = 'github.test';
      const first = await request(app)
        .get(REPO)
        .set('host', host)
        .set('authorization', 'token t');
      expect(first.headers).toMatchObject({
        etag: expect.stringMatching(/^W\/"[0-9a-f]{40}"$/),
        'x-ratelimit-limit': '10',
        'x-ratelimit-remaining': '9',
        'x-ratelimit-used': '1',
        'x-ratelimit-resource': 'core',
        'x-ratelimit-reset': expect.stringMatching(/^\d+$/),
      });
      const second = await request(app)
        .get(REPO)
        .set('host', host)
        .set('authorization', 'token t')
        .set('if-none-match', `"other", ${first.headers.etag}`);
      expect(second.status).toBe(304);
      expect(second.headers['x-ratelimit-remaining']).toBe('9');
      const changed = await request(app)
        .get(`${REPO}/pulls`)
        .set('authorization', 'token t')
        .set('if-none-match', first.headers.etag);
      expect(changed.status).toBe(200);
      expect(changed.headers['x-ratelimit-remaining']).toBe('8');
      const rate = await request(app)
        .get('/rate_limit')
        .set('authorization', 'token t');
      expect(rate.body.resources.core).toMatchObject({
        limit: 10,
        used: 2,
        remaining: 8,
      });
    });

    it('answers 403 with x-ratelimit-remaining 0 when the limit is used up, until it resets', async () => {
      let clock = Date.UTC(2026, 5, 1);
      const fake = new GitHubFake({
        tokens: [{ token: 't', rateLimit: 2 }],
        now: () => clock,
      });
      const app = express().use(fake.router);
      const get = () => request(app).get(REPO).set('authorization', 'token t');
      expect((await get()).status).toBe(200);
      expect((await get()).status).toBe(200);
      const limited = await get();
      expect(limited.status).toBe(403);
      expect(limited.headers['x-ratelimit-remaining']).toBe('0');
      expect(limited.body.message).toMatch(
        /^API rate limit exceeded for user ID \d+\.$/,
      );
      clock += 3_600_000;
      expect((await get()).status).toBe(200);

      fake.state.exhaustRateLimit('t');
      expect((await get()).status).toBe(403);
      fake.state.exhaustRateLimit('unknown-token');
      expect(fake.state.rateLimits.get('unknown-token')?.used).toBe(5000);
    });

    it('answers a secondary rate limit with retry-after when switched on', async () => {
      const fake = new GitHubFake();
      const app = express().use(fake.router);
      fake.secondaryRateLimitNext({ retryAfter: 30, times: 2 });
      fake.secondaryRateLimitNext({ status: 429 });
      const statuses = [];
      for (let i = 0; i < 4; i++) {
        const res = await request(app).get(REPO).set(auth);
        statuses.push([res.status, res.headers['retry-after']]);
      }
      expect(statuses).toEqual([
        [403, '30'],
        [403, '30'],
        [429, '1'],
        [200, undefined],
      ]);
      fake.resetCalls();
      expect(fake.calls).toEqual([]);
    });
  });

  describe('GitHub Apps', () => {
    const fake = new GitHubFake({
      apps: [
        {
          appId: 42,
          installations: [
            { id: 7, account: 'comet-examples' },
            {
              id: 8,
              account: 'acme',
              repositories: ['web'],
              permissions: { contents: 'read' },
            },
          ],
        },
        { appId: 43, publicKey, installations: [] },
      ],
      repos: [
        { owner: 'comet-examples', name: 'payments-api' },
        { owner: 'acme', name: 'web' },
        { owner: 'acme', name: 'api' },
      ],
    });
    const app = express().use(fake.router);
    const valid = () =>
      jwt({ iss: 42, iat: now() - 60, exp: now() + 600 }, { key: privateKey });

    it('finds installations by app and by repository with a JWT', async () => {
      const list = await request(app)
        .get('/app/installations')
        .set('authorization', `Bearer ${valid()}`);
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject([
        {
          id: 7,
          account: { login: 'comet-examples' },
          repository_selection: 'all',
        },
        { id: 8, account: { login: 'acme' }, repository_selection: 'selected' },
      ]);
      const byRepo = await request(app)
        .get('/repos/acme/web/installation')
        .set('authorization', `Bearer ${valid()}`);
      expect(byRepo.body).toMatchObject({ id: 8, app_id: 42 });
      const uncovered = await request(app)
        .get('/repos/acme/api/installation')
        .set('authorization', `Bearer ${valid()}`);
      expect(uncovered.status).toBe(404);
    });

    it('issues installation tokens limited to the installation', async () => {
      const created = await request(app)
        .post('/app/installations/8/access_tokens')
        .set('authorization', `Bearer ${valid()}`);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        token: expect.stringMatching(/^ghs_/),
        repository_selection: 'selected',
        permissions: { contents: 'read' },
      });
      const token = `token ${created.body.token}`;
      expect(
        (await request(app).get('/repos/acme/web').set('authorization', token))
          .status,
      ).toBe(200);
      expect(
        (await request(app).get('/repos/acme/api').set('authorization', token))
          .status,
      ).toBe(404);
      const repos = await request(app)
        .get('/installation/repositories')
        .set('authorization', token);
      expect(repos.body).toMatchObject({
        total_count: 1,
        repositories: [{ full_name: 'acme/web' }],
      });
      const notInstallation = await request(app)
        .get('/installation/repositories')
        .set(auth);
      expect(notInstallation.status).toBe(403);
      expect(
        (
          await request(app)
            .post('/app/installations/99/access_tokens')
            .set('authorization', `Bearer ${valid()}`)
        ).status,
      ).toBe(404);
    });

    it.each([
      ['no token', undefined, 'A JSON web token could not be decoded'],
      [
        'a token scheme',
        `token ${'x'}`,
        'A JSON web token could not be decoded',
      ],
      ['two parts', 'Bearer a.b', 'A JSON web token could not be decoded'],
      [
        'HS256',
        `Bearer ${jwt({ iss: 42, exp: now() + 600 }, { alg: 'HS256' })}`,
        'A JSON web token could not be decoded',
      ],
      ['garbage', 'Bearer a.b.c', 'A JSON web token could not be decoded'],
      [
        'another issuer',
        `Bearer ${jwt({ iss: 99, exp: now() + 600 })}`,
        "'Issuer' claim ('iss') must be an Integer or the app's client ID",
      ],
      [
        'an expired JWT',
        `Bearer ${jwt({ iss: 42, exp: now() - 10 })}`,
        "'Expiration time' claim ('exp') is too far in the future or in the past",
      ],
      [
        'a signature by another key',
        `Bearer ${jwt(
          { iss: 43, exp: now() + 600 },
          {
            key: generateKeyPairSync('rsa', {
              modulusLength: 2048,
              privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
              publicKeyEncoding: { type: 'spki', format: 'pem' },
            }).privateKey,
          },
        )}`,
        'A JSON web token could not be decoded',
      ],
    ])('refuses %s with 401', async (_, authorization, message) => {
      const req = request(app).get('/app/installations');
      const res = await (authorization
        ? req.set('authorization', authorization)
        : req);
      expect(res.status).toBe(401);
      expect(res.body.message).toBe(message);
    });

    it('checks the signature when it knows the public key', async () => {
      const res = await request(app)
        .get('/app/installations')
        .set('authorization', `Bearer ${jwt({ iss: 43, exp: now() + 600 })}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual([]);
    });
  });

  describe('contents', () => {
    const fake = new GitHubFake();
    const app = express().use(fake.router);
    const repo = fake.state.repo('comet-examples', 'payments-api')!;
    const head = repo.refs.get('heads/main')!;
    const first = repo.commits.get(head)!.parents[0];

    it('serves a file base64-encoded in lines of 60, with its blob SHA and links', async () => {
      const expected = fake.state.filesAt(repo, 'main')['catalog-info.yaml'];
      const res = await request(app)
        .get(`${REPO}/contents/catalog-info.yaml`)
        .set(auth);
      expect(res.status).toBe(200);
      const blobSha = gitSha('blob', expected);
      expect(res.body).toMatchObject({
        type: 'file',
        encoding: 'base64',
        size: Buffer.byteLength(expected),
        name: 'catalog-info.yaml',
        path: 'catalog-info.yaml',
        sha: blobSha,
        html_url:
          'https://github.com/comet-examples/payments-api/blob/main/catalog-info.yaml',
        download_url:
          'https://raw.githubusercontent.com/comet-examples/payments-api/main/catalog-info.yaml',
        git_url: expect.stringMatching(
          new RegExp(`${REPO}/git/blobs/${blobSha}$`),
        ),
      });
      const lines = res.body.content.split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.slice(0, -1).every((l: string) => l.length === 60)).toBe(
        true,
      );
      expect(Buffer.from(res.body.content, 'base64').toString('utf8')).toBe(
        expected,
      );
      expect(expected).toContain('name: payments-api');
    });

    it('reads at a branch or a commit SHA, and answers 404 as GitHub does', async () => {
      const atCommit = await request(app)
        .get(`${REPO}/contents/src%2Frefund.ts`)
        .query({ ref: head })
        .set(auth);
      expect(atCommit.status).toBe(200);
      expect(atCommit.body.path).toBe('src/refund.ts');
      expect(
        (
          await request(app)
            .get(`${REPO}/contents/src/refund.ts`)
            .query({ ref: 'refs/heads/main' })
            .set(auth)
        ).body.path,
      ).toBe('src/refund.ts');
      const before = await request(app)
        .get(`${REPO}/contents/src/refund.ts`)
        .query({ ref: first })
        .set(auth);
      expect(before.status).toBe(404);
      expect(before.body).toEqual({
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest',
      });
      const badRef = await request(app)
        .get(`${REPO}/contents/README.md`)
        .query({ ref: 'nope' })
        .set(auth);
      expect(badRef.status).toBe(404);
      expect(badRef.body.message).toBe('No commit found for the ref nope');
    });

    it('serves a file raw, trees, single commits and branches, as GithubUrlReader and publish:github read them', async () => {
      const raw = await request(app)
        .get(`${REPO}/contents/catalog-info.yaml`)
        .query({ ref: 'main' })
        .set(auth)
        .set('accept', 'application/vnd.github.v3.raw');
      expect(raw.status).toBe(200);
      expect(raw.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(raw.text).toBe(
        fake.state.filesAt(repo, 'main')['catalog-info.yaml'],
      );
      const tree = repo.commits.get(head)!.tree;
      const recursive = await request(app)
        .get(`${REPO}/git/trees/main`)
        .query({ recursive: 1 })
        .set(auth);
      expect(recursive.body.sha).toBe(tree);
      expect(
        recursive.body.tree.map(
          (e: { type: string; path: string }) => `${e.type}:${e.path}`,
        ),
      ).toEqual([
        'blob:README.md',
        'blob:catalog-info.yaml',
        'tree:src',
        'blob:src/refund.ts',
      ]);
      const top = await request(app).get(`${REPO}/git/trees/${tree}`).set(auth);
      expect(top.body.tree.map((e: { path: string }) => e.path)).toEqual([
        'README.md',
        'catalog-info.yaml',
        'src',
      ]);
      const blobSha = recursive.body.tree[0].sha;
      const blob = await request(app)
        .get(`${REPO}/git/blobs/${blobSha}`)
        .set(auth)
        .set('accept', 'application/vnd.github.raw');
      expect(blob.text).toBe('# Payments API\n');
      const commit = await request(app).get(`${REPO}/commits/main`).set(auth);
      expect(commit.body).toMatchObject({
        sha: head,
        commit: { message: 'Add the refund endpoint\n\nWith tests.' },
        files: [{ filename: 'src/refund.ts', status: 'added' }],
      });
      expect(
        (await request(app).get(`${REPO}/commits/nope`).set(auth)).status,
      ).toBe(422);
      const branch = await request(app).get(`${REPO}/branches/main`).set(auth);
      expect(branch.body).toMatchObject({
        name: 'main',
        commit: { sha: head },
        protected: false,
      });
      const missing = await request(app).get(`${REPO}/branches/nope`).set(auth);
      expect(missing.status).toBe(404);
      expect(missing.body.message).toBe('Branch not found');
    });

    it('lists a directory, leaves out the content of a file over 1 MB, and needs contents=read', async () => {
      const dir = await request(app).get(`${REPO}/contents/src`).set(auth);
      expect(dir.status).toBe(200);
      expect(dir.body).toEqual([
        expect.objectContaining({
          type: 'file',
          name: 'refund.ts',
          path: 'src/refund.ts',
          download_url: expect.any(String),
        }),
      ]);
      expect(dir.body[0].content).toBeUndefined();

      const big = new GitHubFake({
        repos: [
          {
            owner: 'comet-examples',
            name: 'big',
            commits: [
              {
                message: 'Big',
                files: {
                  'data/big.txt': 'x'.repeat(1024 * 1024 + 1),
                  'data/more/small.txt': 'small',
                },
              },
            ],
          },
        ],
        tokens: [
          { token: 'ghp_all' },
          { token: 'ghp_actions', permissions: { actions: 'read' } },
        ],
      });
      const bigApp = express().use(big.router);
      const path = '/repos/comet-examples/big/contents/data';
      const file = await request(bigApp)
        .get(`${path}/big.txt`)
        .set({ authorization: 'token ghp_all' });
      expect(file.body).toMatchObject({
        type: 'file',
        size: 1024 * 1024 + 1,
        encoding: 'none',
        content: '',
      });
      const listing = await request(bigApp)
        .get(path)
        .set({ authorization: 'token ghp_all' });
      expect(
        listing.body.map((e: { type: string; path: string }) => [
          e.type,
          e.path,
        ]),
      ).toEqual([
        ['file', 'data/big.txt'],
        ['dir', 'data/more'],
      ]);
      const refused = await request(bigApp)
        .get(`${path}/big.txt`)
        .set({ authorization: 'token ghp_actions' });
      expect(refused.status).toBe(403);
      expect(refused.headers['x-accepted-github-permissions']).toBe(
        'contents=read',
      );
    });
  });

  describe('writes', () => {
    const fake = new GitHubFake();
    const app = express().use(fake.router);
    const repo = fake.state.repo('comet-examples', 'payments-api')!;
    const head = repo.refs.get('heads/main')!;

    it('re-runs completed runs only and cancels running runs only', async () => {
      const running = await request(app)
        .post(`${REPO}/actions/runs/103/rerun`)
        .set(auth);
      expect(running.status).toBe(403);
      expect(running.body.message).toBe('This workflow is already running');
      expect(
        (await request(app).post(`${REPO}/actions/runs/999/cancel`).set(auth))
          .status,
      ).toBe(404);
      expect(
        (await request(app).get(`${REPO}/actions/runs/101`).set(auth)).body.id,
      ).toBe(101);
    });

    it('validates statuses, pull requests, comments and check runs', async () => {
      const badState = await request(app)
        .post(`${REPO}/statuses/${head}`)
        .set(auth)
        .send({ state: 'great' });
      expect(badState.status).toBe(422);
      expect(badState.body.errors[0].field).toBe('state');
      expect(
        (
          await request(app)
            .post(`${REPO}/statuses/${'0'.repeat(40)}`)
            .set(auth)
            .send({ state: 'success' })
        ).status,
      ).toBe(422);
      const noTitle = await request(app)
        .post(`${REPO}/pulls`)
        .set(auth)
        .send({ head: 'main', base: 'main' });
      expect(noTitle.body.errors[0]).toMatchObject({
        code: 'missing_field',
        field: 'title',
      });
      const badBase = await request(app)
        .post(`${REPO}/pulls`)
        .set(auth)
        .send({ title: 't', head: 'comet-examples:main', base: 'nope' });
      expect(badBase.body.errors[0]).toMatchObject({ field: 'base' });
      expect(
        (
          await request(app)
            .post(`${REPO}/issues/7/comments`)
            .set(auth)
            .send({})
        ).status,
      ).toBe(422);
      expect(
        (await request(app).get(`${REPO}/issues/99/comments`).set(auth)).status,
      ).toBe(404);
      expect(
        (
          await request(app)
            .patch(`${REPO}/issues/comments/1`)
            .set(auth)
            .send({ body: 'x' })
        ).status,
      ).toBe(404);
      expect(
        (await request(app).get(`${REPO}/commits/nope/status`).set(auth))
          .status,
      ).toBe(422);
    });

    it('checks runs only for installations, and validates them', async () => {
      fake.state.addToken({ token: 'ghs_app', installationId: 1 });
      const app_ = { authorization: 'token ghs_app' };
      const missing = await request(app)
        .post(`${REPO}/check-runs`)
        .set(app_)
        .send({ name: 'x', head_sha: 'nope' });
      expect(missing.status).toBe(422);
      expect(
        (
          await request(app)
            .patch(`${REPO}/check-runs/1`)
            .set(app_)
            .send({ status: 'completed' })
        ).status,
      ).toBe(404);
      const created = await request(app)
        .post(`${REPO}/check-runs`)
        .set(app_)
        .send({ name: 'x', head_sha: head, status: 'in_progress' });
      const updated = await request(app)
        .patch(`${REPO}/check-runs/${created.body.id}`)
        .set(app_)
        .send({ status: 'in_progress', output: { title: 't', summary: 's' } });
      expect(updated.body).toMatchObject({
        status: 'in_progress',
        completed_at: null,
      });
      const list = await request(app)
        .get(`${REPO}/commits/main/check-runs`)
        .set(auth);
      expect(list.body.total_count).toBe(1);
    });

    it('keeps git objects: blobs, trees with deletions, commits and refs', async () => {
      const blob = await request(app)
        .post(`${REPO}/git/blobs`)
        .set(auth)
        .send({
          content: Buffer.from('hello\n').toString('base64'),
          encoding: 'base64',
        });
      expect(blob.status).toBe(201);
      expect(
        (await request(app).post(`${REPO}/git/blobs`).set(auth).send({}))
          .status,
      ).toBe(422);
      const baseCommit = (
        await request(app).get(`${REPO}/git/commits/${head}`).set(auth)
      ).body;
      expect(
        (await request(app).get(`${REPO}/git/commits/nope`).set(auth)).status,
      ).toBe(404);
      const tree = await request(app)
        .post(`${REPO}/git/trees`)
        .set(auth)
        .send({
          base_tree: baseCommit.tree.sha,
          tree: [
            { path: 'README.md', sha: null },
            { path: 'hello.txt', sha: blob.body.sha },
            { path: 'a/b.txt', content: 'inline\n' },
          ],
        });
      expect(tree.status).toBe(201);
      const badTree = await request(app)
        .post(`${REPO}/git/trees`)
        .set(auth)
        .send({ base_tree: 'nope', tree: [] });
      expect(badTree.status).toBe(422);
      const badBlob = await request(app)
        .post(`${REPO}/git/trees`)
        .set(auth)
        .send({ tree: [{ path: 'x', sha: 'nope' }] });
      expect(badBlob.status).toBe(422);
      expect(
        (
          await request(app)
            .post(`${REPO}/git/commits`)
            .set(auth)
            .send({ message: 'm', tree: 'nope' })
        ).status,
      ).toBe(422);
      expect(
        (
          await request(app)
            .post(`${REPO}/git/commits`)
            .set(auth)
            .send({ message: 'm', tree: tree.body.sha, parents: ['nope'] })
        ).status,
      ).toBe(422);
      const commit = await request(app)
        .post(`${REPO}/git/commits`)
        .set(auth)
        .send({ message: 'Say hello', tree: tree.body.sha, parents: [head] });
      expect(commit.status).toBe(201);
      expect(
        (
          await request(app)
            .post(`${REPO}/git/refs`)
            .set(auth)
            .send({ ref: 'heads/x', sha: commit.body.sha })
        ).status,
      ).toBe(422);
      expect(
        (
          await request(app)
            .post(`${REPO}/git/refs`)
            .set(auth)
            .send({ ref: 'refs/heads/x', sha: 'nope' })
        ).status,
      ).toBe(422);
      const ref = await request(app)
        .post(`${REPO}/git/refs`)
        .set(auth)
        .send({ ref: 'refs/heads/feature/hello', sha: head });
      expect(ref.body).toEqual({
        ref: 'refs/heads/feature/hello',
        object: { sha: head, type: 'commit' },
      });
      const moved = await request(app)
        .patch(`${REPO}/git/refs/heads/feature/hello`)
        .set(auth)
        .send({ sha: commit.body.sha });
      expect(moved.body.object.sha).toBe(commit.body.sha);
      expect(
        (
          await request(app)
            .patch(`${REPO}/git/refs/heads/nope`)
            .set(auth)
            .send({ sha: commit.body.sha })
        ).status,
      ).toBe(422);
      expect(
        (
          await request(app)
            .patch(`${REPO}/git/refs/heads/feature/hello`)
            .set(auth)
            .send({ sha: 'nope' })
        ).status,
      ).toBe(422);
      const read = await request(app)
        .get(`${REPO}/git/ref/heads%2Ffeature%2Fhello`)
        .set(auth);
      expect(read.body.object.sha).toBe(commit.body.sha);
      expect(
        (await request(app).get(`${REPO}/git/ref/heads/nope`).set(auth)).status,
      ).toBe(404);
      expect(fake.state.filesAt(repo, 'feature/hello')).toEqual({
        'a/b.txt': 'inline\n',
        'catalog-info.yaml': fake.state.filesAt(repo, 'main')[
          'catalog-info.yaml'
        ],
        'hello.txt': 'hello\n',
        'src/refund.ts': 'export {};\n',
      });
      expect(() => fake.state.filesAt(repo, 'nope')).toThrow(
        'No commit nope in comet-examples/payments-api',
      );
    });
  });
});
