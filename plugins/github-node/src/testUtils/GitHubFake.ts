import express from 'express';
import {
  createHash,
  createHmac,
  createVerify,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  EXAMPLE_GITHUB_REPOS,
  FakeRepo,
  FakeTreeEntry,
  GITHUB_FAKE_DEMO_TOKEN,
  GitHubFakeAccess,
  GitHubFakeApp,
  GitHubFakePermission,
  GitHubFakeRepoSeed,
  GitHubFakeState,
  GitHubFakeToken,
  FakeJobSeed,
  githubLogOf,
  gitSha,
} from './GitHubFakeState';

export {
  EXAMPLE_GITHUB_REPOS,
  GITHUB_FAKE_DEMO_TOKEN,
  GitHubFakeState,
  githubLogOf,
};
export type {
  FakeJobSeed,
  GitHubFakeAccess,
  GitHubFakeApp,
  GitHubFakePermission,
  GitHubFakeRepoSeed,
  GitHubFakeToken,
};

export type GitHubFakeOptions = {
  /** Repositories to create; the example catalog's when absent. */
  repos?: GitHubFakeRepoSeed[];
  /** Tokens it accepts; the demo token (sees everything) when absent. */
  tokens?: GitHubFakeToken[];
  /** GitHub Apps whose JWTs it accepts, with their installations. */
  apps?: GitHubFakeApp[];
  /**
   * Milliseconds to wait before each answer, so a benchmark against the fake sees a network's
   * round trip instead of loopback's. Default 0.
   */
  latencyMs?: number;
  /** The clock of rate-limit windows and JWT expiry. Default `Date.now`. */
  now?: () => number;
  /**
   * Where commits the fake was not seeded with come from: asked for a full 40-hex SHA that a
   * request names (in its path, `sha` or `head_sha`) and the repository lacks, e.g. to read
   * the demo's example git repositories so that Comet runs of them can report statuses. An
   * answer is kept as a commit with an empty tree and no parents; `undefined` leaves GitHub's
   * 422 "No commit found".
   */
  commitSource?: (
    owner: string,
    repo: string,
    sha: string,
  ) => Promise<GitHubFakeImportedCommit | undefined>;
};

/** A commit the fake takes from `commitSource`. */
export type GitHubFakeImportedCommit = {
  message: string;
  author: { name: string; email: string; date: string };
};

export type GitHubFakeStartOptions = GitHubFakeOptions & {
  /** Serve under `/api/v3`, as GitHub Enterprise Server does. Default false (api.github.com). */
  enterprise?: boolean;
};

/** One request the fake answered, for tests and benchmarks to count API calls. */
export type GitHubFakeCall = {
  method: string;
  /** Without the `/api/v3` prefix or the query. */
  path: string;
  status: number;
};

type Json = Record<string, any>;

type Reply = {
  status?: number;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as plain text instead of `body`. */
  text?: string;
  headers?: Record<string, string>;
};

type Context = {
  req: express.Request;
  params: string[];
  query: Record<string, string | undefined>;
  body: Json;
  token?: GitHubFakeToken;
  credential?: string;
  repo: FakeRepo;
};

type Route = {
  method: string;
  regex: RegExp;
  /**
   * `jwt`: a GitHub App's JWT; `repo`: a token that can see the repository in the path;
   * `signed`: none, the URL's own signature (the log blobs GitHub redirects to).
   */
  auth: 'jwt' | 'token' | 'repo' | 'signed';
  handler: (ctx: Context) => Reply | Promise<Reply>;
};

const DOCS = 'https://docs.github.com/rest';

/** How long a signed log URL works: "The URL expires after 1 minute" (GitHub's docs). */
const LOG_URL_TTL_MS = 60_000;
/** Where the signed log URLs point, under the fake's own base path. */
const LOG_BLOB_PATH = '/_fake-blobs/job-logs';

class FakeError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly errors?: Json[],
  ) {
    super(message);
  }
}

/** The largest file whose content the contents API returns: 1 MB. */
const CONTENTS_MAX_BYTES = 1024 * 1024;

/** Base64 as GitHub's contents API writes it: lines of 60 characters, each ending in "\n". */
function wrappedBase64(text: string): string {
  const encoded = Buffer.from(text, 'utf8').toString('base64');
  return encoded.replace(/.{1,60}/g, line => `${line}\n`);
}

function notFound(): FakeError {
  return new FakeError(404, 'Not Found');
}

function invalid(message: string, errors?: Json[]): FakeError {
  return new FakeError(422, message, {}, errors);
}

function base64url(text: string): Json | undefined {
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * A local GitHub that answers as the REST API documentation says, for the endpoints Comet's
 * client uses: Actions workflow runs and jobs (re-run, cancel), pull requests with reviews,
 * commits, combined commit statuses, check runs, issue comments, file contents (base64, at a
 * branch or commit), and the git database (refs, blobs, trees, commits) for proposing a change.
 * It authenticates `Authorization: token …` or
 * `Bearer …` (401 otherwise), hides repositories a token cannot see (404), checks fine-grained
 * permissions (403 with `X-Accepted-GitHub-Permissions`), paginates with `per_page`/`page` and
 * `Link`, sends an `ETag` on every GET and 304 for a matching `If-None-Match` (not counted),
 * counts the core rate limit per token (`x-ratelimit-*`, 403 when used up), can answer a
 * secondary rate limit with `retry-after`, and issues installation tokens to GitHub Apps
 * (`GET /app/installations`, `GET /repos/{o}/{r}/installation`,
 * `POST /app/installations/{id}/access_tokens` with an RS256 JWT whose `iss` is the app id).
 *
 * `await GitHubFake.start()` listens on 127.0.0.1 on a free port and gives its `url` (the
 * `apiBaseUrl`, with `/api/v3` when `enterprise`); `new GitHubFake().router` does not listen,
 * for mounting in a server that already runs.
 */
export class GitHubFake {
  readonly state: GitHubFakeState;
  readonly calls: GitHubFakeCall[] = [];
  readonly router: express.Router;
  private readonly latencyMs: number;
  private readonly commitSource?: GitHubFakeOptions['commitSource'];
  private readonly routes: Route[] = [];
  /** Signs the log URLs this fake redirects to. */
  private readonly urlSigningKey = randomBytes(32);
  private secondaryLimits: Array<{
    status: number;
    retryAfter: number;
    times: number;
  }> = [];
  private server?: Server;
  private baseUrl?: string;

  /** A fake listening on 127.0.0.1 on a free port; `close()` it when done. */
  static async start(
    options: GitHubFakeStartOptions = {},
  ): Promise<GitHubFake> {
    const fake = new GitHubFake(options);
    const prefix = options.enterprise ? '/api/v3' : '';
    const app = express();
    app.use(prefix || '/', fake.router);
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    fake.server = server;
    fake.baseUrl = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }${prefix}`;
    return fake;
  }

  constructor(options: GitHubFakeOptions = {}) {
    this.state = new GitHubFakeState(options.now);
    for (const seed of options.repos ?? EXAMPLE_GITHUB_REPOS) {
      this.state.addRepo(seed);
    }
    for (const token of options.tokens ?? [{ token: GITHUB_FAKE_DEMO_TOKEN }]) {
      this.state.addToken(token);
    }
    this.state.apps.push(...(options.apps ?? []));
    this.latencyMs = options.latencyMs ?? 0;
    this.commitSource = options.commitSource;
    this.defineRoutes();
    this.router = express.Router();
    this.router.use(express.json({ limit: '10mb' }));
    this.router.use((req, res) => {
      void this.handle(req, res);
    });
  }

  /** The REST API's base URL, as `integrations.github[].apiBaseUrl` takes it (after `start()`). */
  get url(): string {
    if (!this.baseUrl) {
      throw new Error(
        'This GitHubFake is not listening: create it with GitHubFake.start()',
      );
    }
    return this.baseUrl;
  }

  /**
   * Makes the next `times` authenticated requests answer GitHub's secondary rate limit: 403
   * (or 429) with `retry-after` seconds.
   */
  secondaryRateLimitNext(
    options: { retryAfter?: number; times?: number; status?: 403 | 429 } = {},
  ) {
    this.secondaryLimits.push({
      status: options.status ?? 403,
      retryAfter: options.retryAfter ?? 1,
      times: options.times ?? 1,
    });
  }

  /** Forgets the recorded calls. */
  resetCalls() {
    this.calls.length = 0;
  }

  /** Stops the server if it was started. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close(error => (error ? reject(error) : resolve())),
    );
  }

  private async handle(req: express.Request, res: express.Response) {
    if (this.latencyMs > 0) {
      await new Promise(resolve => setTimeout(resolve, this.latencyMs));
    }
    const path = req.path.replace(/\/+$/, '') || '/';
    let status = 500;
    try {
      const reply = await this.dispatch(req, res, path);
      status = this.send(req, res, reply);
    } catch (error) {
      const e =
        error instanceof FakeError
          ? error
          : new FakeError(500, `Fake error: ${(error as Error).message}`);
      status = e.status;
      res.status(e.status).set(e.headers);
      res.json({
        message: e.message,
        ...(e.errors ? { errors: e.errors } : {}),
        documentation_url: DOCS,
      });
    }
    this.calls.push({ method: req.method, path, status });
  }

  private async dispatch(
    req: express.Request,
    res: express.Response,
    path: string,
  ): Promise<Reply> {
    let match: RegExpExecArray | null = null;
    const route = this.routes.find(
      r => r.method === req.method && (match = r.regex.exec(path)) !== null,
    );
    if (!route || !match) throw notFound();
    const params = (match as RegExpExecArray)
      .slice(1)
      .map(p => decodeURIComponent(p));
    const query = req.query as Record<string, string | undefined>;
    const body = (req.body ?? {}) as Json;
    const authorization = req.header('authorization') ?? '';
    const [, scheme, credential] =
      /^(token|bearer)\s+(\S+)$/i.exec(authorization.trim()) ?? [];

    if (route.auth === 'signed') {
      return route.handler({
        req,
        params,
        query,
        body,
        repo: undefined as unknown as FakeRepo,
      });
    }

    if (route.auth === 'jwt') {
      const app = this.verifyJwt(scheme, credential);
      return route.handler({
        req,
        params,
        query,
        body: { ...body, app },
        repo: undefined as unknown as FakeRepo,
      });
    }

    if (!credential) throw new FakeError(401, 'Requires authentication');
    const token = this.state.tokens.get(credential);
    if (!token) throw new FakeError(401, 'Bad credentials');

    this.countRequest(res, credential, token, path === '/rate_limit');

    let repo = undefined as unknown as FakeRepo;
    if (route.auth === 'repo') {
      const found = this.state.repo(params[0], params[1]);
      if (!found || !this.canSee(token, found)) throw notFound();
      repo = found;
      await this.importNamedCommits(repo, params, body);
    }
    return route.handler({
      req,
      params,
      query,
      body,
      token,
      credential,
      repo,
    });
  }

  private verifyJwt(scheme?: string, jwt?: string): GitHubFakeApp {
    const fail = () =>
      new FakeError(401, 'A JSON web token could not be decoded');
    if (!jwt || scheme?.toLowerCase() !== 'bearer') throw fail();
    const parts = jwt.split('.');
    if (parts.length !== 3 || !parts[2]) throw fail();
    const header = base64url(parts[0]);
    const payload = base64url(parts[1]);
    if (header?.alg !== 'RS256' || !payload) throw fail();
    const app = this.state.apps.find(
      a => String(a.appId) === String(payload.iss),
    );
    if (!app) {
      throw new FakeError(
        401,
        `'Issuer' claim ('iss') must be an Integer or the app's client ID`,
      );
    }
    const nowSeconds = this.state.now() / 1000;
    if (typeof payload.exp !== 'number' || payload.exp < nowSeconds) {
      throw new FakeError(
        401,
        "'Expiration time' claim ('exp') is too far in the future or in the past",
      );
    }
    if (app.publicKey) {
      const verifier = createVerify('RSA-SHA256');
      verifier.update(`${parts[0]}.${parts[1]}`);
      if (!verifier.verify(app.publicKey, Buffer.from(parts[2], 'base64url'))) {
        throw new FakeError(401, 'A JSON web token could not be decoded');
      }
    }
    return app;
  }

  private countRequest(
    res: express.Response,
    credential: string,
    token: GitHubFakeToken,
    free: boolean,
  ) {
    const limit = token.rateLimit ?? 5000;
    const nowSeconds = Math.floor(this.state.now() / 1000);
    let window = this.state.rateLimits.get(credential);
    if (!window || window.reset <= nowSeconds) {
      window = { used: 0, reset: nowSeconds + 3600 };
      this.state.rateLimits.set(credential, window);
    }
    const setHeaders = () =>
      res.set({
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(Math.max(limit - window!.used, 0)),
        'x-ratelimit-reset': String(window!.reset),
        'x-ratelimit-used': String(window!.used),
        'x-ratelimit-resource': 'core',
      });
    if (!free && window.used >= limit) {
      setHeaders();
      throw new FakeError(
        403,
        `API rate limit exceeded for user ID ${
          this.state.user(token.login ?? 'octocat').id
        }.`,
      );
    }
    const secondary = this.secondaryLimits[0];
    if (!free && secondary) {
      secondary.times -= 1;
      if (secondary.times <= 0) this.secondaryLimits.shift();
      setHeaders();
      throw new FakeError(
        secondary.status,
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        { 'retry-after': String(secondary.retryAfter) },
      );
    }
    // Counted now; given back by send() when the answer is a 304
    if (!free) window.used += 1;
    res.locals.rateWindow = { window, limit, free };
    setHeaders();
  }

  private send(req: express.Request, res: express.Response, reply: Reply) {
    const status = reply.status ?? 200;
    res.set(reply.headers ?? {});
    const text =
      reply.text ??
      (reply.body === undefined ? '' : JSON.stringify(reply.body));
    if (req.method === 'GET' && status === 200) {
      const etag = `W/"${createHash('sha1').update(text).digest('hex')}"`;
      res.set('etag', etag);
      const ifNoneMatch = req.header('if-none-match');
      if (ifNoneMatch?.split(',').some(t => t.trim() === etag)) {
        // "Making a conditional request and receiving a 304 response does not count against
        // your primary rate limit"
        const rate = res.locals.rateWindow;
        if (rate && !rate.free) {
          rate.window.used -= 1;
          res.set({
            'x-ratelimit-remaining': String(rate.limit - rate.window.used),
            'x-ratelimit-used': String(rate.window.used),
          });
        }
        res.status(304).end();
        return 304;
      }
    }
    res.status(status);
    if (reply.text !== undefined) {
      res.type('text/plain; charset=utf-8').send(text);
    } else if (reply.body === undefined) res.end();
    else res.type('application/json').send(text);
    return status;
  }

  private canSee(token: GitHubFakeToken, repo: FakeRepo) {
    if (!token.repositories) return true;
    return token.repositories.some(name => {
      const [owner, repoName] = name.toLowerCase().split('/');
      return (
        owner === repo.owner.toLowerCase() &&
        (repoName === '*' || repoName === repo.name.toLowerCase())
      );
    });
  }

  /** 403 unless the token has one of the alternatives (each `permission=access`). */
  private need(
    ctx: Context,
    ...alternatives: Array<[GitHubFakePermission, GitHubFakeAccess]>
  ) {
    const permissions = ctx.token?.permissions;
    if (!permissions) return;
    const ok = alternatives.some(([permission, access]) => {
      const granted = permissions[permission];
      return granted === 'write' || (access === 'read' && granted === 'read');
    });
    if (!ok) {
      throw new FakeError(
        403,
        `Resource not accessible by ${
          ctx.token?.installationId ? 'integration' : 'personal access token'
        }`,
        {
          'x-accepted-github-permissions': alternatives
            .map(([p, a]) => `${p}=${a}`)
            .join('; '),
        },
      );
    }
  }

  private page<T>(
    ctx: Context,
    items: T[],
  ): { items: T[]; headers: Record<string, string> } {
    const perPage = Math.min(
      Math.max(Number(ctx.query.per_page) || 30, 1),
      100,
    );
    const page = Math.max(Number(ctx.query.page) || 1, 1);
    const last = Math.max(Math.ceil(items.length / perPage), 1);
    const self = new URL(
      ctx.req.originalUrl,
      `${ctx.req.protocol}://${ctx.req.get('host')}`,
    );
    const link = (n: number, rel: string) => {
      const url = new URL(self);
      url.searchParams.set('per_page', String(perPage));
      url.searchParams.set('page', String(n));
      return `<${url}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'));
    return {
      items: items.slice((page - 1) * perPage, page * perPage),
      headers: links.length ? { link: links.join(', ') } : {},
    };
  }

  private route(
    method: string,
    path: string,
    auth: Route['auth'],
    handler: Route['handler'],
  ) {
    const pattern = path
      .replace(/\{[a-z_]+\*\}/g, '(.+)')
      .replace(/\{[a-z_]+\}/g, '([^/]+)');
    this.routes.push({
      method,
      regex: new RegExp(`^${pattern}$`),
      auth,
      handler,
    });
  }

  private run(ctx: Context): Json {
    const run = ctx.repo.runs.find(r => String(r.id) === ctx.params[2]);
    if (!run) throw notFound();
    return run;
  }

  /** The signature of a log URL: which repository's job, until when. */
  private logUrlSignature(repoId: number, jobId: number, expires: string) {
    return createHmac('sha256', this.urlSigningKey)
      .update(`${repoId}/${jobId}/${expires}`)
      .digest('base64url');
  }

  /** A job's log as GitHub serves it: its seeded text, or a short one from its steps. */
  private jobLogText(repo: FakeRepo, job: Json): string {
    const seeded = repo.jobLogs.get(job.id)?.text;
    if (seeded !== undefined) return seeded;
    const lines: string[] = [];
    for (const step of (job.steps ?? []) as Json[]) {
      lines.push(`##[group]Run ${step.name}`, '##[endgroup]');
      if (step.conclusion === 'failure') {
        lines.push('##[error]Process completed with exit code 1.');
      }
    }
    return githubLogOf(
      lines.length ? lines : [`Job ${job.name} ran`],
      Date.parse(job.started_at ?? '2026-01-01T00:00:00Z'),
    );
  }

  private pull(ctx: Context, number = ctx.params[2]): Json {
    const pull = ctx.repo.pulls.find(p => String(p.number) === number);
    if (!pull) throw notFound();
    return pull;
  }

  /** Takes the unknown commits a request names from `commitSource`, if there is one. */
  private async importNamedCommits(
    repo: FakeRepo,
    params: string[],
    body: Json,
  ) {
    if (!this.commitSource) return;
    const named = [...params.slice(2), body.sha, body.head_sha].filter(
      (value): value is string =>
        typeof value === 'string' &&
        /^[0-9a-f]{40}$/.test(value) &&
        !repo.commits.has(value),
    );
    for (const sha of new Set(named)) {
      const commit = await this.commitSource(repo.owner, repo.name, sha);
      if (commit) this.state.importCommit(repo, sha, commit);
    }
  }

  private resolveSha(repo: FakeRepo, ref: string): string {
    const sha =
      repo.refs.get(`heads/${ref}`) ??
      (repo.commits.has(ref) ? ref : undefined);
    if (!sha) throw new FakeError(422, `No commit found for SHA: ${ref}`);
    return sha;
  }

  private repoJson(repo: FakeRepo) {
    return {
      id: repo.id,
      name: repo.name,
      full_name: repo.fullName,
      owner: this.state.user(repo.owner),
      private: repo.private,
      default_branch: repo.defaultBranch,
      html_url: `https://github.com/${repo.fullName}`,
    };
  }

  private commitJson(repo: FakeRepo, sha: string) {
    const commit = repo.commits.get(sha)!;
    return {
      sha,
      commit: {
        message: commit.message,
        author: commit.author,
        committer: commit.author,
        tree: { sha: commit.tree },
      },
      author: commit.login ? this.state.user(commit.login) : null,
      parents: commit.parents.map(p => ({ sha: p })),
      html_url: `https://github.com/${repo.fullName}/commit/${sha}`,
    };
  }

  private flatten(repo: FakeRepo, treeSha: string, prefix = '') {
    const files = new Map<string, FakeTreeEntry>();
    for (const entry of repo.trees.get(treeSha) ?? []) {
      if (entry.type === 'tree') {
        for (const [p, e] of this.flatten(
          repo,
          entry.sha,
          `${prefix}${entry.path}/`,
        )) {
          files.set(p, e);
        }
      } else {
        files.set(`${prefix}${entry.path}`, {
          ...entry,
          path: `${prefix}${entry.path}`,
        });
      }
    }
    return files;
  }

  private buildTree(repo: FakeRepo, files: FakeTreeEntry[]): string {
    const here: FakeTreeEntry[] = [];
    const dirs = new Map<string, FakeTreeEntry[]>();
    for (const file of files) {
      const [first, ...rest] = file.path.split('/');
      if (rest.length === 0) here.push(file);
      else {
        const list = dirs.get(first) ?? [];
        list.push({ ...file, path: rest.join('/') });
        dirs.set(first, list);
      }
    }
    for (const [dir, list] of dirs) {
      here.push({
        path: dir,
        mode: '040000',
        type: 'tree',
        sha: this.buildTree(repo, list),
      });
    }
    return this.state.addTree(repo, here);
  }

  /** An entry of the contents API: a file (add `content`) or a directory's item. */
  private contentEntry(
    ctx: Context,
    ref: string,
    path: string,
    type: 'file' | 'dir',
    sha: string,
    size: number,
  ): Json {
    const apiBase = `${ctx.req.protocol}://${ctx.req.get('host')}${
      ctx.req.baseUrl
    }/repos/${ctx.repo.fullName}`;
    const html = `https://github.com/${ctx.repo.fullName}/${
      type === 'file' ? 'blob' : 'tree'
    }/${ref}/${path}`;
    const self = `${apiBase}/contents/${path}?ref=${encodeURIComponent(ref)}`;
    const git = `${apiBase}/git/${type === 'file' ? 'blobs' : 'trees'}/${sha}`;
    return {
      type,
      size,
      name: path.slice(path.lastIndexOf('/') + 1),
      path,
      sha,
      url: self,
      git_url: git,
      html_url: html,
      download_url:
        type === 'file'
          ? `https://raw.githubusercontent.com/${ctx.repo.fullName}/${ref}/${path}`
          : null,
      _links: { self, git, html },
    };
  }

  private defineRoutes() {
    const state = this.state;
    const R = '/repos/{owner}/{repo}';

    this.route('GET', '/rate_limit', 'token', ctx => {
      const window = state.rateLimits.get(ctx.credential!)!;
      const limit = ctx.token!.rateLimit ?? 5000;
      const core = {
        limit,
        used: window.used,
        remaining: limit - window.used,
        reset: window.reset,
      };
      return { body: { resources: { core }, rate: core } };
    });

    // GitHub Apps
    this.route('GET', '/app/installations', 'jwt', ctx => {
      const app = ctx.body.app as GitHubFakeApp;
      const all = app.installations.map(i => ({
        id: i.id,
        account: state.user(i.account),
        app_id: app.appId,
        repository_selection: i.repositories ? 'selected' : 'all',
        permissions: i.permissions ?? {},
        suspended_by: null,
      }));
      const { items, headers } = this.page(ctx, all);
      return { body: items, headers };
    });
    this.route('GET', `${R}/installation`, 'jwt', ctx => {
      const app = ctx.body.app as GitHubFakeApp;
      const repo = state.repo(ctx.params[0], ctx.params[1]);
      const installation = app.installations.find(
        i =>
          repo &&
          i.account.toLowerCase() === repo.owner.toLowerCase() &&
          (!i.repositories ||
            i.repositories.some(
              r => r.toLowerCase() === repo.name.toLowerCase(),
            )),
      );
      if (!installation) throw notFound();
      return {
        body: {
          id: installation.id,
          account: state.user(installation.account),
          app_id: app.appId,
          repository_selection: installation.repositories ? 'selected' : 'all',
        },
      };
    });
    this.route('POST', '/app/installations/{id}/access_tokens', 'jwt', ctx => {
      const app = ctx.body.app as GitHubFakeApp;
      const installation = app.installations.find(
        i => String(i.id) === ctx.params[0],
      );
      if (!installation) throw notFound();
      const token = `ghs_${randomBytes(18).toString('hex')}`;
      state.addToken({
        token,
        login: `app-${app.appId}[bot]`,
        installationId: installation.id,
        permissions: installation.permissions,
        repositories: installation.repositories
          ? installation.repositories.map(r => `${installation.account}/${r}`)
          : [`${installation.account}/*`],
      });
      return {
        status: 201,
        body: {
          token,
          expires_at: new Date(state.now() + 3_600_000).toISOString(),
          permissions: installation.permissions ?? {},
          repository_selection: installation.repositories ? 'selected' : 'all',
        },
      };
    });
    this.route('GET', '/installation/repositories', 'token', ctx => {
      if (!ctx.token?.installationId) {
        throw new FakeError(
          403,
          'You must authenticate with an installation access token',
        );
      }
      const visible = [...state.repos.values()].filter(r =>
        this.canSee(ctx.token!, r),
      );
      const { items, headers } = this.page(ctx, visible);
      return {
        body: {
          total_count: visible.length,
          repositories: items.map(r => this.repoJson(r)),
        },
        headers,
      };
    });

    this.route('GET', R, 'repo', ctx => ({ body: this.repoJson(ctx.repo) }));

    // Actions
    this.route('GET', `${R}/actions/runs`, 'repo', ctx => {
      this.need(ctx, ['actions', 'read']);
      const { branch, status } = ctx.query;
      const runs = ctx.repo.runs
        .filter(r => !branch || r.head_branch === branch)
        .filter(r => !status || r.status === status || r.conclusion === status)
        .sort((a, b) => b.id - a.id);
      const { items, headers } = this.page(ctx, runs);
      return {
        body: { total_count: runs.length, workflow_runs: items },
        headers,
      };
    });
    this.route('GET', `${R}/actions/runs/{id}`, 'repo', ctx => {
      this.need(ctx, ['actions', 'read']);
      return { body: this.run(ctx) };
    });
    this.route('GET', `${R}/actions/runs/{id}/jobs`, 'repo', ctx => {
      this.need(ctx, ['actions', 'read']);
      const run = this.run(ctx);
      const jobs = ctx.repo.jobs.filter(j => j.run_id === run.id);
      const { items, headers } = this.page(ctx, jobs);
      return { body: { total_count: jobs.length, jobs: items }, headers };
    });
    // "Download job logs for a workflow run": a 302 to a URL that works for a minute, without
    // credentials, and serves the plain-text log
    this.route('GET', `${R}/actions/jobs/{id}/logs`, 'repo', ctx => {
      this.need(ctx, ['actions', 'read']);
      const job = ctx.repo.jobs.find(j => String(j.id) === ctx.params[2]);
      if (!job) throw notFound();
      if (ctx.repo.jobLogs.get(job.id)?.expired) {
        throw new FakeError(410, 'Gone');
      }
      const expires = new Date(state.now() + LOG_URL_TTL_MS).toISOString();
      const location = new URL(
        `${ctx.req.baseUrl}${LOG_BLOB_PATH}/${ctx.repo.id}/${job.id}`,
        `${ctx.req.protocol}://${ctx.req.get('host')}`,
      );
      location.searchParams.set('urlExpires', expires);
      location.searchParams.set('urlSigningMethod', 'HMACV1');
      location.searchParams.set(
        'urlSignature',
        this.logUrlSignature(ctx.repo.id, job.id, expires),
      );
      return { status: 302, headers: { location: location.toString() } };
    });
    this.route('GET', `${LOG_BLOB_PATH}/{repo}/{job}`, 'signed', ctx => {
      const [repoId, jobId] = ctx.params.map(Number);
      const expires = ctx.query.urlExpires ?? '';
      const given = Buffer.from(ctx.query.urlSignature ?? '');
      const wanted = Buffer.from(this.logUrlSignature(repoId, jobId, expires));
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
        throw new FakeError(
          403,
          'Server failed to authenticate the request: the signature does not match',
        );
      }
      if (!(Date.parse(expires) > state.now())) {
        throw new FakeError(403, `The signed URL expired at ${expires}`);
      }
      const repo = [...state.repos.values()].find(r => r.id === repoId);
      const job = repo?.jobs.find(j => j.id === jobId);
      if (!repo || !job) throw notFound();
      return { text: this.jobLogText(repo, job) };
    });
    this.route('POST', `${R}/actions/runs/{id}/rerun`, 'repo', ctx => {
      this.need(ctx, ['actions', 'write']);
      const run = this.run(ctx);
      if (run.status !== 'completed') {
        throw new FakeError(403, 'This workflow is already running');
      }
      Object.assign(run, {
        status: 'queued',
        conclusion: null,
        run_attempt: run.run_attempt + 1,
        updated_at: state.timestamp(),
      });
      return { status: 201, body: {} };
    });
    this.route('POST', `${R}/actions/runs/{id}/cancel`, 'repo', ctx => {
      this.need(ctx, ['actions', 'write']);
      const run = this.run(ctx);
      if (run.status === 'completed') {
        throw new FakeError(
          409,
          'Cannot cancel a workflow run that is completed.',
        );
      }
      Object.assign(run, {
        status: 'completed',
        conclusion: 'cancelled',
        updated_at: state.timestamp(),
      });
      return { status: 202, body: {} };
    });

    // Pull requests
    this.route('GET', `${R}/pulls`, 'repo', ctx => {
      this.need(ctx, ['pull_requests', 'read']);
      const wanted = ctx.query.state ?? 'open';
      const pulls = ctx.repo.pulls
        .filter(p => wanted === 'all' || p.state === wanted)
        .sort((a, b) => b.number - a.number);
      const sort = ctx.query.sort;
      if (sort === 'created' || sort === 'updated') {
        // GitHub's default direction: desc for `created`, asc otherwise
        const sign =
          (ctx.query.direction ?? (sort === 'created' ? 'desc' : 'asc')) ===
          'asc'
            ? 1
            : -1;
        const field = `${sort}_at`;
        pulls.sort(
          (a, b) => sign * (Date.parse(a[field]) - Date.parse(b[field])),
        );
      }
      const { items, headers } = this.page(ctx, pulls);
      return { body: items, headers };
    });
    this.route('GET', `${R}/pulls/{number}`, 'repo', ctx => {
      this.need(ctx, ['pull_requests', 'read']);
      return { body: this.pull(ctx) };
    });
    this.route('GET', `${R}/pulls/{number}/reviews`, 'repo', ctx => {
      this.need(ctx, ['pull_requests', 'read']);
      const pull = this.pull(ctx);
      const reviews = ctx.repo.reviews.filter(
        r => r.pull_number === pull.number,
      );
      const { items, headers } = this.page(ctx, reviews);
      return { body: items, headers };
    });
    this.route('POST', `${R}/pulls`, 'repo', ctx => {
      this.need(ctx, ['pull_requests', 'write']);
      const { title, head, base, body, draft } = ctx.body;
      if (!title || !head || !base) {
        throw invalid('Validation Failed', [
          {
            resource: 'PullRequest',
            code: 'missing_field',
            field: ['title', 'head', 'base'].find(f => !ctx.body[f]),
          },
        ]);
      }
      const headBranch = String(head).replace(/^[^:]+:/, '');
      if (!ctx.repo.refs.has(`heads/${headBranch}`)) {
        throw invalid('Validation Failed', [
          { resource: 'PullRequest', code: 'invalid', field: 'head' },
        ]);
      }
      if (!ctx.repo.refs.has(`heads/${base}`)) {
        throw invalid('Validation Failed', [
          { resource: 'PullRequest', code: 'invalid', field: 'base' },
        ]);
      }
      if (
        ctx.repo.pulls.some(
          p =>
            p.state === 'open' &&
            p.head.ref === headBranch &&
            p.base.ref === base,
        )
      ) {
        throw invalid('Validation Failed', [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${ctx.repo.owner}:${headBranch}.`,
          },
        ]);
      }
      const number = Math.max(0, ...ctx.repo.pulls.map(p => p.number)) + 1;
      const pull = state.addPull(ctx.repo, {
        number,
        title,
        head: headBranch,
        base,
        body: body ?? null,
        draft: Boolean(draft),
        user: state.user(ctx.token!.login ?? 'octocat'),
      });
      return { status: 201, body: pull };
    });

    // Commits, statuses, checks
    this.route('GET', `${R}/commits`, 'repo', ctx => {
      this.need(ctx, ['contents', 'read']);
      let sha: string | undefined = this.resolveSha(
        ctx.repo,
        ctx.query.sha ?? ctx.repo.defaultBranch,
      );
      const since = ctx.query.since ? Date.parse(ctx.query.since) : undefined;
      const chain: string[] = [];
      while (sha) {
        const commit: { parents: string[]; author: { date: string } } =
          ctx.repo.commits.get(sha)!;
        if (since === undefined || Date.parse(commit.author.date) >= since) {
          chain.push(sha);
        }
        sha = commit.parents[0];
      }
      const { items, headers } = this.page(ctx, chain);
      return { body: items.map(s => this.commitJson(ctx.repo, s)), headers };
    });
    this.route('GET', `${R}/commits/{ref}/status`, 'repo', ctx => {
      this.need(ctx, ['statuses', 'read']);
      const sha = this.resolveSha(ctx.repo, ctx.params[2]);
      const latest = new Map<string, Json>();
      for (const s of ctx.repo.statuses.filter(st => st.sha === sha)) {
        latest.set(s.context, s);
      }
      const statuses = [...latest.values()];
      let combined = 'success';
      if (statuses.some(s => s.state === 'failure' || s.state === 'error')) {
        combined = 'failure';
      } else if (
        statuses.length === 0 ||
        statuses.some(s => s.state === 'pending')
      ) {
        combined = 'pending';
      }
      return {
        body: { state: combined, sha, total_count: statuses.length, statuses },
      };
    });
    this.route('GET', `${R}/commits/{ref}/check-runs`, 'repo', ctx => {
      this.need(ctx, ['checks', 'read']);
      const sha = this.resolveSha(ctx.repo, ctx.params[2]);
      const runs = ctx.repo.checkRuns.filter(c => c.head_sha === sha);
      const { items, headers } = this.page(ctx, runs);
      return { body: { total_count: runs.length, check_runs: items }, headers };
    });
    this.route('POST', `${R}/statuses/{sha}`, 'repo', ctx => {
      this.need(ctx, ['statuses', 'write']);
      const { state: statusState, context, description, target_url } = ctx.body;
      if (!['error', 'failure', 'pending', 'success'].includes(statusState)) {
        throw invalid('Validation Failed', [
          {
            resource: 'Status',
            code: 'custom',
            field: 'state',
            message: 'state is not included in the list',
          },
        ]);
      }
      if (!ctx.repo.commits.has(ctx.params[2])) {
        throw invalid(`No commit found for SHA: ${ctx.params[2]}`);
      }
      const status = state.addStatus(ctx.repo, ctx.params[2], {
        state: statusState,
        context,
        description,
        target_url,
        creator: ctx.token!.login,
      });
      return { status: 201, body: status };
    });
    const requireApp = (ctx: Context) => {
      if (!ctx.token?.installationId) {
        throw new FakeError(403, 'You must authenticate via a GitHub App.');
      }
    };
    this.route('POST', `${R}/check-runs`, 'repo', ctx => {
      this.need(ctx, ['checks', 'write']);
      requireApp(ctx);
      const { name, head_sha, ...rest } = ctx.body;
      if (!name || !head_sha || !ctx.repo.commits.has(head_sha)) {
        throw invalid('Validation Failed', [
          {
            resource: 'CheckRun',
            code: 'invalid',
            field: !name ? 'name' : 'head_sha',
          },
        ]);
      }
      return {
        status: 201,
        body: state.addCheckRun(ctx.repo, { name, head_sha, ...rest }),
      };
    });
    this.route('PATCH', `${R}/check-runs/{id}`, 'repo', ctx => {
      this.need(ctx, ['checks', 'write']);
      requireApp(ctx);
      const checkRun = ctx.repo.checkRuns.find(
        c => String(c.id) === ctx.params[2],
      );
      if (!checkRun) throw notFound();
      Object.assign(checkRun, ctx.body);
      if (ctx.body.conclusion) {
        Object.assign(checkRun, {
          status: 'completed',
          completed_at: checkRun.completed_at ?? state.timestamp(),
        });
      }
      return { body: checkRun };
    });

    // Issue comments (pull requests are issues)
    const commentPermissions = (access: GitHubFakeAccess) =>
      [
        ['issues', access],
        ['pull_requests', access],
      ] as Array<[GitHubFakePermission, GitHubFakeAccess]>;
    this.route('GET', `${R}/issues/{number}/comments`, 'repo', ctx => {
      this.need(ctx, ...commentPermissions('read'));
      const pull = this.pull(ctx);
      const comments = ctx.repo.issueComments.filter(
        c => c.issue_number === pull.number,
      );
      const { items, headers } = this.page(ctx, comments);
      return { body: items, headers };
    });
    this.route('POST', `${R}/issues/{number}/comments`, 'repo', ctx => {
      this.need(ctx, ...commentPermissions('write'));
      const pull = this.pull(ctx);
      if (!ctx.body.body) {
        throw invalid('Validation Failed', [
          { resource: 'IssueComment', code: 'missing_field', field: 'body' },
        ]);
      }
      return {
        status: 201,
        body: state.addIssueComment(
          ctx.repo,
          pull.number,
          ctx.body.body,
          ctx.token!.login,
        ),
      };
    });
    this.route('PATCH', `${R}/issues/comments/{id}`, 'repo', ctx => {
      this.need(ctx, ...commentPermissions('write'));
      const comment = ctx.repo.issueComments.find(
        c => String(c.id) === ctx.params[2],
      );
      if (!comment) throw notFound();
      Object.assign(comment, {
        body: ctx.body.body,
        updated_at: state.timestamp(),
      });
      return { body: comment };
    });

    // Repository contents
    this.route('GET', `${R}/contents/{path*}`, 'repo', ctx => {
      this.need(ctx, ['contents', 'read']);
      const ref = (ctx.query.ref || ctx.repo.defaultBranch).replace(
        /^refs\/heads\//,
        '',
      );
      const sha =
        ctx.repo.refs.get(`heads/${ref}`) ??
        (ctx.repo.commits.has(ref) ? ref : undefined);
      if (!sha) throw new FakeError(404, `No commit found for the ref ${ref}`);
      const path = ctx.params[2].replace(/^\/+|\/+$/g, '');
      const files = this.flatten(ctx.repo, ctx.repo.commits.get(sha)!.tree);
      const file = files.get(path);
      if (file) {
        const text = ctx.repo.blobs.get(file.sha)!.content;
        const size = Buffer.byteLength(text);
        // "Between 1-100 MB: … the content field will be an empty string and the encoding
        // field will be "none""
        const tooLarge = size > CONTENTS_MAX_BYTES;
        return {
          body: {
            ...this.contentEntry(ctx, ref, file.path, 'file', file.sha, size),
            encoding: tooLarge ? 'none' : 'base64',
            content: tooLarge ? '' : wrappedBase64(text),
          },
        };
      }
      // A directory: its files and subdirectories, without content
      const prefix = `${path}/`;
      const entries = new Map<string, Json>();
      for (const [filePath, entry] of files) {
        if (!filePath.startsWith(prefix)) continue;
        const [name, ...deeper] = filePath.slice(prefix.length).split('/');
        const entryPath = `${prefix}${name}`;
        if (deeper.length > 0) {
          // The fake keeps flat trees: a subdirectory's SHA only names it
          const treeSha = gitSha('tree', `${sha}:${entryPath}`);
          entries.set(
            entryPath,
            this.contentEntry(ctx, ref, entryPath, 'dir', treeSha, 0),
          );
        } else {
          const size = Buffer.byteLength(
            ctx.repo.blobs.get(entry.sha)!.content,
          );
          entries.set(
            entryPath,
            this.contentEntry(ctx, ref, entryPath, 'file', entry.sha, size),
          );
        }
      }
      if (entries.size === 0) throw notFound();
      return {
        body: [...entries.values()].sort((a, b) =>
          a.name.localeCompare(b.name),
        ),
      };
    });

    // Git database
    const refJson = (repo: FakeRepo, ref: string) => ({
      ref: `refs/${ref}`,
      object: { sha: repo.refs.get(ref), type: 'commit' },
    });
    this.route('GET', `${R}/git/ref/{ref*}`, 'repo', ctx => {
      this.need(ctx, ['contents', 'read']);
      if (!ctx.repo.refs.has(ctx.params[2])) throw notFound();
      return { body: refJson(ctx.repo, ctx.params[2]) };
    });
    this.route('POST', `${R}/git/refs`, 'repo', ctx => {
      this.need(ctx, ['contents', 'write']);
      const ref = String(ctx.body.ref ?? '');
      if (!/^refs\/heads\/.+/.test(ref)) {
        throw invalid(
          "Reference name must start with 'refs/' and have at least two slashes.",
        );
      }
      const name = ref.replace(/^refs\//, '');
      if (ctx.repo.refs.has(name)) throw invalid('Reference already exists');
      if (!ctx.repo.commits.has(ctx.body.sha))
        throw invalid('Object does not exist');
      ctx.repo.refs.set(name, ctx.body.sha);
      return { status: 201, body: refJson(ctx.repo, name) };
    });
    this.route('PATCH', `${R}/git/refs/{ref*}`, 'repo', ctx => {
      this.need(ctx, ['contents', 'write']);
      if (!ctx.repo.refs.has(ctx.params[2])) {
        throw invalid('Reference does not exist');
      }
      if (!ctx.repo.commits.has(ctx.body.sha))
        throw invalid('Object does not exist');
      ctx.repo.refs.set(ctx.params[2], ctx.body.sha);
      return { body: refJson(ctx.repo, ctx.params[2]) };
    });
    this.route('POST', `${R}/git/blobs`, 'repo', ctx => {
      this.need(ctx, ['contents', 'write']);
      const encoding = ctx.body.encoding === 'base64' ? 'base64' : 'utf-8';
      if (typeof ctx.body.content !== 'string') {
        throw invalid('Invalid request.\n\n"content" wasn\'t supplied.');
      }
      const sha = state.addBlob(ctx.repo, ctx.body.content, encoding);
      return { status: 201, body: { sha } };
    });
    this.route('POST', `${R}/git/trees`, 'repo', ctx => {
      this.need(ctx, ['contents', 'write']);
      const files = ctx.body.base_tree
        ? this.flatten(ctx.repo, ctx.body.base_tree)
        : new Map<string, FakeTreeEntry>();
      if (ctx.body.base_tree && !ctx.repo.trees.has(ctx.body.base_tree)) {
        throw invalid('base_tree is not a valid tree oid');
      }
      for (const entry of (ctx.body.tree ?? []) as Json[]) {
        if (entry.sha === null) {
          files.delete(entry.path);
          continue;
        }
        const sha =
          typeof entry.content === 'string'
            ? state.addBlob(ctx.repo, entry.content, 'utf-8')
            : entry.sha;
        if (!ctx.repo.blobs.has(sha)) {
          throw invalid('tree.sha is not a valid blob');
        }
        files.set(entry.path, {
          path: entry.path,
          mode: entry.mode ?? '100644',
          type: 'blob',
          sha,
        });
      }
      const sha = this.buildTree(ctx.repo, [...files.values()]);
      return { status: 201, body: { sha, tree: ctx.repo.trees.get(sha) } };
    });
    this.route('GET', `${R}/git/commits/{sha}`, 'repo', ctx => {
      this.need(ctx, ['contents', 'read']);
      const commit = ctx.repo.commits.get(ctx.params[2]);
      if (!commit) throw notFound();
      return {
        body: {
          sha: commit.sha,
          tree: { sha: commit.tree },
          parents: commit.parents.map(sha => ({ sha })),
          message: commit.message,
          author: commit.author,
        },
      };
    });
    this.route('POST', `${R}/git/commits`, 'repo', ctx => {
      this.need(ctx, ['contents', 'write']);
      const { message, tree, parents } = ctx.body;
      if (!message || !ctx.repo.trees.has(tree)) {
        throw invalid('Invalid request.\n\n"tree" is not a valid tree oid');
      }
      for (const parent of (parents ?? []) as string[]) {
        if (!ctx.repo.commits.has(parent))
          throw invalid(`Parent ${parent} does not exist`);
      }
      const login = ctx.token!.login ?? 'octocat';
      const commit = state.addCommit(ctx.repo, {
        tree,
        parents: parents ?? [],
        message,
        author: ctx.body.author ?? {
          name: login,
          email: `${login}@users.noreply.github.com`,
          date: state.timestamp(),
        },
        login,
      });
      return {
        status: 201,
        body: {
          sha: commit.sha,
          tree: { sha: commit.tree },
          parents: commit.parents.map(sha => ({ sha })),
          message: commit.message,
        },
      };
    });
  }
}
