import express from 'express';
import {
  createHash,
  createHmac,
  createVerify,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  initBareRepository,
  readGitRepository,
  runGitHttpBackend,
  setBareHead,
} from './GitHubFakeGit';
import {
  blobBytes,
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
   * Organizations (`GET /users/{login}` answers `type: 'Organization'`, `POST /orgs/{org}/repos`
   * creates in them), besides the owners of `repos` that are not a token's user.
   */
  organizations?: string[];
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
  /** Sent as they are instead of `body` (a binary file's raw content). */
  bytes?: Buffer;
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
   * `signed`: none, the URL's own signature (the log blobs GitHub redirects to); `public`: a
   * token if one is sent (checked and counted), else none.
   */
  auth: 'jwt' | 'token' | 'repo' | 'signed' | 'public';
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

/** `/<owner>/<repo>.git/<service>`: git's smart HTTP protocol, under the fake's `/_git`. */
const GIT_PATH =
  /^\/([^/]+)\/([^/]+)\.git\/(info\/refs|git-upload-pack|git-receive-pack|HEAD)$/;

/** The characters a repository name may have; GitHub allows at most 100 of them. */
const REPO_NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** The media types that ask the contents API for a file's raw bytes. */
const RAW_MEDIA_TYPE = /application\/vnd\.github(\.v3)?\.raw/;

/** The largest file whose content the contents API returns: 1 MB. */
const CONTENTS_MAX_BYTES = 1024 * 1024;

/** Base64 as GitHub's contents API writes it: lines of 60 characters, each ending in "\n". */
function wrappedBase64(content: string | Buffer): string {
  const encoded = Buffer.from(content).toString('base64');
  return encoded.replace(/.{1,60}/g, line => `${line}\n`);
}

function notFound(): FakeError {
  return new FakeError(404, 'Not Found');
}

/** What GitHub answers for the commits of a repository that has none. */
function emptyRepository(): FakeError {
  return new FakeError(409, 'Git Repository is empty.');
}

/** A plain-text answer of git's HTTP endpoints, as GitHub's. */
function gitText(
  res: express.Response,
  status: number,
  text: string,
  headers: Record<string, string> = {},
) {
  res.status(status).set(headers).type('text/plain; charset=utf-8').send(text);
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
 * It also does what the scaffolder's `publish:github` needs: `GET /users/{login}` (`type:
 * 'Organization'` for the owners of its repositories), `POST /orgs/{org}/repos` and
 * `POST /user/repos` create an empty repository whose `clone_url` is the fake's own git endpoint
 * (`<base>/_git/{owner}/{repo}.git`, a bare repository in a temporary folder served by
 * `git http-backend`, removed by `close()`), topics, collaborators, teams and branch protection.
 * What is pushed there is served by the REST API under git's own SHAs: contents (also raw, as
 * GithubUrlReader reads them), trees, blobs, commits and branches.
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
  /** Lowercased logins of organizations. */
  private readonly organizations = new Set<string>();
  /** The temporary folder of the bare repositories, made when the first one is. */
  private gitRoot?: Promise<string>;
  /** Lowercased `owner/repo` → its bare repository, for repositories created through the API. */
  private readonly gitDirs = new Map<string, string>();
  /** The `git http-backend` processes running, killed by `close()`. */
  private readonly gitProcesses = new Set<ChildProcess>();
  /** Per bare repository, the import of its last push: imports of one run one after another. */
  private readonly imports = new Map<string, Promise<void>>();

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
    const users = new Set(
      [...this.state.tokens.values()].map(t =>
        (t.login ?? 'octocat').toLowerCase(),
      ),
    );
    for (const login of [
      ...(options.repos ?? EXAMPLE_GITHUB_REPOS).map(r => r.owner),
      ...(options.organizations ?? []),
    ]) {
      if (!users.has(login.toLowerCase())) {
        this.organizations.add(login.toLowerCase());
      }
    }
    this.latencyMs = options.latencyMs ?? 0;
    this.commitSource = options.commitSource;
    this.defineRoutes();
    this.router = express.Router();
    // Before the JSON parser: git's requests are streams for `git http-backend`
    this.router.use('/_git', (req, res) => {
      void this.handleGit(req, res);
    });
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

  /**
   * The bare git repository of a repository created through the API (where pushes to its
   * `clone_url` go), or undefined for the others.
   */
  gitRepositoryPath(owner: string, repo: string): string | undefined {
    return this.gitDirs.get(`${owner}/${repo}`.toLowerCase());
  }

  /**
   * Stops the server if it was started, stops the git processes still running and removes the
   * bare repositories of the repositories created through the API.
   */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close(error => (error ? reject(error) : resolve())),
      );
    }
    for (const child of this.gitProcesses) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }
    await Promise.all(this.imports.values());
    const root = this.gitRoot;
    this.gitRoot = undefined;
    this.gitDirs.clear();
    if (root) await rm(await root, { recursive: true, force: true });
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

  /**
   * Git's smart HTTP protocol (`/_git/{owner}/{repo}.git/…`) for the repositories created through
   * the API, served by `git http-backend`. As GitHub: a push needs HTTP Basic credentials whose
   * password (or username) is a token that may write the repository's contents (401 with
   * `WWW-Authenticate` without, 403 with a token that may only read); a clone of a private
   * repository needs one that may read it; a token that cannot see the repository gets 404.
   * What a push brings is then imported, so that the REST API serves it.
   */
  private async handleGit(req: express.Request, res: express.Response) {
    try {
      await this.serveGit(req, res);
    } catch (error) {
      if (!res.headersSent) {
        gitText(res, 500, `Fake error: ${(error as Error).message}\n`);
      } else {
        res.destroy();
      }
    }
    this.calls.push({
      method: req.method,
      path: `/_git${req.path}`,
      status: res.statusCode,
    });
  }

  private async serveGit(req: express.Request, res: express.Response) {
    const match = GIT_PATH.exec(req.path);
    const repo = match ? this.state.repo(match[1], match[2]) : undefined;
    const gitDir = repo && this.gitDirs.get(repo.fullName.toLowerCase());
    const endpoint = match?.[3];
    const post =
      endpoint === 'git-upload-pack' || endpoint === 'git-receive-pack';
    if (!repo || !gitDir || req.method !== (post ? 'POST' : 'GET')) {
      gitText(res, 404, 'Repository not found.\n');
      return;
    }
    const push =
      endpoint === 'git-receive-pack' ||
      (endpoint === 'info/refs' && req.query.service === 'git-receive-pack');

    const { given, token } = this.gitCredentials(req);
    const challenge = { 'www-authenticate': 'Basic realm="GitHub"' };
    if (given && !token) {
      gitText(
        res,
        401,
        'Invalid username or token. Password authentication is not supported for Git operations.\n',
        challenge,
      );
      return;
    }
    if (!token && (push || repo.private)) {
      gitText(res, 401, 'Authentication required.\n', challenge);
      return;
    }
    if (token && !this.canSee(token, repo)) {
      gitText(res, 404, 'Repository not found.\n');
      return;
    }
    if (token && !this.grants(token, [['contents', push ? 'write' : 'read']])) {
      gitText(
        res,
        403,
        `Permission to ${repo.fullName}.git denied to ${
          token.login ?? 'octocat'
        }.\n`,
      );
      return;
    }

    const holdBody = push && req.method === 'POST';
    const result = await runGitHttpBackend(req, res, {
      projectRoot: await this.gitRoot!,
      pathInfo: `/${repo.owner}/${repo.name}.git/${endpoint}`,
      remoteUser: token ? token.login ?? 'octocat' : undefined,
      holdBody,
      onSpawn: child => {
        this.gitProcesses.add(child);
        child.once('close', () => this.gitProcesses.delete(child));
      },
    });
    if (!holdBody) return;
    // The push is answered once the REST API has what it brought (imported even when the
    // client has left: the bare repository has it)
    if (result.exitCode === 0) await this.importPush(repo, gitDir);
    if (!res.writableEnded && !res.destroyed)
      res.end(Buffer.concat(result.held));
  }

  /**
   * The token of git's credentials: HTTP Basic with the token as password (`x-access-token:…`)
   * or as username, or `token …`/`Bearer …`.
   */
  private gitCredentials(req: express.Request): {
    given: boolean;
    token?: GitHubFakeToken;
  } {
    const authorization = (req.header('authorization') ?? '').trim();
    if (!authorization) return { given: false };
    const [, scheme = '', value = ''] =
      /^(\S+)\s+(\S+)$/.exec(authorization) ?? [];
    let candidates = [value];
    if (scheme.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      candidates =
        colon < 0
          ? [decoded]
          : [decoded.slice(colon + 1), decoded.slice(0, colon)];
    } else if (!['token', 'bearer'].includes(scheme.toLowerCase())) {
      return { given: true };
    }
    const known = candidates.find(c => c && this.state.tokens.has(c));
    return {
      given: true,
      token: known ? this.state.tokens.get(known) : undefined,
    };
  }

  /** Imports a push, after the imports of earlier pushes to the same repository. */
  private importPush(repo: FakeRepo, gitDir: string): Promise<void> {
    const key = repo.fullName.toLowerCase();
    const next = (this.imports.get(key) ?? Promise.resolve()).then(() =>
      this.importGitObjects(repo, gitDir),
    );
    this.imports.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }

  /**
   * Takes a bare repository's commits, trees and blobs into the repository under git's own SHAs
   * (binary files base64), and its branches as `heads/*` refs: git is where the branches of a
   * repository created through the API live. A first push to a repository without its default
   * branch makes the pushed branch the default, as GitHub does.
   */
  private async importGitObjects(repo: FakeRepo, gitDir: string) {
    const objects = await readGitRepository(gitDir);
    for (const [sha, bytes] of objects.blobs) {
      if (repo.blobs.has(sha)) continue;
      const text = bytes.toString('utf8');
      repo.blobs.set(
        sha,
        Buffer.from(text, 'utf8').equals(bytes)
          ? { content: text, encoding: 'utf-8' }
          : { content: bytes.toString('base64'), encoding: 'base64' },
      );
    }
    for (const [sha, entries] of objects.trees) {
      // Submodules (`commit` entries) are left out
      repo.trees.set(
        sha,
        entries.filter((e): e is FakeTreeEntry => e.type !== 'commit'),
      );
    }
    for (const [sha, commit] of objects.commits) {
      if (repo.commits.has(sha)) continue;
      const login = /^(?:\d+\+)?([^@]+)@users\.noreply\.github\.com$/.exec(
        commit.author.email,
      )?.[1];
      repo.commits.set(sha, { sha, ...commit, login });
    }
    const wasEmpty = this.isEmpty(repo);
    for (const ref of [...repo.refs.keys()]) {
      if (
        ref.startsWith('heads/') &&
        !objects.heads.has(ref.slice('heads/'.length))
      ) {
        repo.refs.delete(ref);
      }
    }
    for (const [branch, sha] of objects.heads) {
      repo.refs.set(`heads/${branch}`, sha);
    }
    const [first] = objects.heads.keys();
    if (wasEmpty && first && !objects.heads.has(repo.defaultBranch)) {
      repo.defaultBranch = first;
      await setBareHead(gitDir, first);
    }
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

    if (!credential && route.auth === 'public') {
      return route.handler({
        req,
        params,
        query,
        body,
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
      reply.bytes ??
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
    if (reply.bytes !== undefined) {
      res.send(reply.bytes);
    } else if (reply.text !== undefined) {
      res.type('text/plain; charset=utf-8').send(text);
    } else if (reply.body === undefined) res.end();
    else res.type('application/json').send(text);
    return status;
  }

  private canSee(
    token: GitHubFakeToken,
    repo: Pick<FakeRepo, 'owner' | 'name'>,
  ) {
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
    if (!this.grants(ctx.token, alternatives)) {
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

  /** Whether a token has one of the alternatives; a classic token has every permission. */
  private grants(
    token: GitHubFakeToken | undefined,
    alternatives: Array<[GitHubFakePermission, GitHubFakeAccess]>,
  ): boolean {
    const permissions = token?.permissions;
    if (!permissions) return true;
    return alternatives.some(([permission, access]) => {
      const granted = permissions[permission];
      return granted === 'write' || (access === 'read' && granted === 'read');
    });
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

  /** Whether a repository has no branches: created empty and not pushed to yet. */
  private isEmpty(repo: FakeRepo): boolean {
    return ![...repo.refs.keys()].some(ref => ref.startsWith('heads/'));
  }

  private resolveSha(repo: FakeRepo, ref: string): string {
    if (this.isEmpty(repo) && !repo.commits.has(ref)) throw emptyRepository();
    const sha =
      repo.refs.get(`heads/${ref}`) ??
      (repo.commits.has(ref) ? ref : undefined);
    if (!sha) throw new FakeError(422, `No commit found for SHA: ${ref}`);
    return sha;
  }

  /** The fake's own base URL, as the request reached it (behind the portal, its mount path). */
  private selfUrl(req: express.Request): string {
    return `${req.protocol}://${req.get('host')}${req.baseUrl}`;
  }

  /**
   * A repository as GitHub's API writes it. `clone_url` is the fake's own git endpoint for a
   * repository created through the API (so that a push reaches the fake), else GitHub's.
   */
  private repoJson(repo: FakeRepo, req: express.Request) {
    const api = `${this.selfUrl(req)}/repos/${repo.fullName}`;
    const git = this.gitDirs.has(repo.fullName.toLowerCase());
    let bytes = 0;
    for (const blob of repo.blobs.values()) bytes += blobBytes(blob).length;
    return {
      id: repo.id,
      node_id: Buffer.from(`010:Repository${repo.id}`).toString('base64'),
      name: repo.name,
      full_name: repo.fullName,
      owner: this.account(repo.owner),
      private: repo.private,
      visibility: repo.visibility ?? (repo.private ? 'private' : 'public'),
      description: repo.description,
      homepage: repo.homepage,
      fork: false,
      archived: false,
      disabled: false,
      topics: repo.topics,
      // In kilobytes; 0 for an empty repository
      size: Math.ceil(bytes / 1024),
      default_branch: repo.defaultBranch,
      html_url: `https://github.com/${repo.fullName}`,
      url: api,
      clone_url: git
        ? `${this.selfUrl(req)}/_git/${repo.fullName}.git`
        : `https://github.com/${repo.fullName}.git`,
      git_url: `git://github.com/${repo.fullName}.git`,
      ssh_url: `git@github.com:${repo.fullName}.git`,
      contents_url: `${api}/contents/{+path}`,
      trees_url: `${api}/git/trees{/sha}`,
      blobs_url: `${api}/git/blobs{/sha}`,
      branches_url: `${api}/branches{/branch}`,
      ...repo.settings,
    };
  }

  /** Whether the fake knows a user or organization of that login. */
  private knows(login: string): boolean {
    const lower = login.toLowerCase();
    return (
      lower === 'octocat' ||
      this.organizations.has(lower) ||
      [...this.state.tokens.values()].some(
        t => (t.login ?? 'octocat').toLowerCase() === lower,
      ) ||
      [...this.state.repos.values()].some(r => r.owner.toLowerCase() === lower)
    );
  }

  /** A user, or an organization (`type: 'Organization'`), as `GET /users/{login}` gives it. */
  private account(login: string) {
    const user = this.state.user(login);
    return this.organizations.has(login.toLowerCase())
      ? { ...user, type: 'Organization' }
      : user;
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

  /** `Content-Type` of a raw file: text as GitHub sends it, else bytes. */
  private rawHeaders(blob: { encoding: 'utf-8' | 'base64' }) {
    return {
      'content-type':
        blob.encoding === 'base64'
          ? 'application/octet-stream'
          : 'text/plain; charset=utf-8',
    };
  }

  /** The SHA of the folder `path` in a tree whose folders are trees (pushed, or built). */
  private subtreeSha(
    repo: FakeRepo,
    treeSha: string,
    path: string,
  ): string | undefined {
    let sha: string | undefined = treeSha;
    for (const name of path.split('/')) {
      sha = repo.trees
        .get(sha)
        ?.find(e => e.type === 'tree' && e.path === name)?.sha;
      if (!sha) return undefined;
    }
    return sha;
  }

  /**
   * A tree's entries as `GET …/git/trees/{sha}` lists them: its files and folders, or with
   * `recursive` everything under it (folders too) by full path.
   */
  private treeListing(
    ctx: Context,
    treeSha: string,
    recursive: boolean,
  ): Json[] {
    const api = `${this.selfUrl(ctx.req)}/repos/${ctx.repo.fullName}/git`;
    const listed = new Map<string, Json>();
    const folder = (path: string, sha: string) => {
      if (!listed.has(path)) {
        listed.set(path, {
          path,
          mode: '040000',
          type: 'tree',
          sha,
          url: `${api}/trees/${sha}`,
        });
      }
    };
    const walk = (sha: string, prefix: string) => {
      for (const entry of ctx.repo.trees.get(sha) ?? []) {
        const path = `${prefix}${entry.path}`;
        if (entry.type === 'tree') {
          folder(path, entry.sha);
          if (recursive) walk(entry.sha, `${path}/`);
          continue;
        }
        // Seeded trees are flat ("src/refund.ts"): their folders are named, not kept
        const segments = entry.path.split('/');
        for (let i = 1; i < segments.length; i += 1) {
          const dir = `${prefix}${segments.slice(0, i).join('/')}`;
          folder(dir, gitSha('tree', `${treeSha}:${dir}`));
          if (!recursive) break;
        }
        if (!recursive && segments.length > 1) continue;
        listed.set(path, {
          path,
          mode: entry.mode,
          type: 'blob',
          sha: entry.sha,
          size: blobBytes(ctx.repo.blobs.get(entry.sha)!).length,
          url: `${api}/blobs/${entry.sha}`,
        });
      }
    };
    walk(treeSha, '');
    return [...listed.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  /** The files a commit changed from its first parent, as `GET …/commits/{ref}` lists them. */
  private changedFiles(repo: FakeRepo, sha: string): Json[] {
    const commit = repo.commits.get(sha)!;
    const parent = commit.parents[0] && repo.commits.get(commit.parents[0]);
    const before = parent ? this.flatten(repo, parent.tree) : new Map();
    const after = this.flatten(repo, commit.tree);
    const files: Json[] = [];
    for (const [path, entry] of after) {
      const old = before.get(path);
      if (!old) files.push({ filename: path, status: 'added', sha: entry.sha });
      else if (old.sha !== entry.sha) {
        files.push({ filename: path, status: 'modified', sha: entry.sha });
      }
    }
    for (const [path, entry] of before) {
      if (!after.has(path)) {
        files.push({ filename: path, status: 'removed', sha: entry.sha });
      }
    }
    return files.sort((a, b) => (a.filename < b.filename ? -1 : 1));
  }

  /** Branch protection as GitHub's API gives it back, from what `PUT` was sent. */
  private protectionJson(ctx: Context, branch: string, sent: Json): Json {
    const url = `${this.selfUrl(ctx.req)}/repos/${
      ctx.repo.fullName
    }/branches/${encodeURIComponent(branch)}/protection`;
    const enabled = (value: unknown) => ({ enabled: Boolean(value) });
    const checks = sent.required_status_checks;
    const reviews = sent.required_pull_request_reviews;
    return {
      url,
      ...(checks
        ? {
            required_status_checks: {
              url: `${url}/required_status_checks`,
              strict: Boolean(checks.strict),
              contexts: checks.contexts ?? [],
              checks: (checks.contexts ?? []).map((context: string) => ({
                context,
                app_id: null,
              })),
            },
          }
        : {}),
      ...(reviews
        ? {
            required_pull_request_reviews: {
              url: `${url}/required_pull_request_reviews`,
              dismiss_stale_reviews: Boolean(reviews.dismiss_stale_reviews),
              require_code_owner_reviews: Boolean(
                reviews.require_code_owner_reviews,
              ),
              require_last_push_approval: Boolean(
                reviews.require_last_push_approval,
              ),
              required_approving_review_count:
                reviews.required_approving_review_count ?? 1,
            },
          }
        : {}),
      ...(sent.restrictions ? { restrictions: sent.restrictions } : {}),
      enforce_admins: {
        url: `${url}/enforce_admins`,
        enabled: Boolean(sent.enforce_admins),
      },
      required_linear_history: enabled(sent.required_linear_history),
      allow_force_pushes: enabled(sent.allow_force_pushes),
      allow_deletions: enabled(sent.allow_deletions),
      block_creations: enabled(sent.block_creations),
      required_conversation_resolution: enabled(
        sent.required_conversation_resolution,
      ),
      lock_branch: enabled(sent.lock_branch),
      allow_fork_syncing: enabled(sent.allow_fork_syncing),
    };
  }

  /**
   * `POST /orgs/{org}/repos` and `POST /user/repos`: an empty repository (no commits, no
   * branches) with a bare git repository behind its `clone_url`, for a push to fill.
   */
  private async createRepo(ctx: Context, owner: string): Promise<Reply> {
    const token = ctx.token!;
    const { name } = ctx.body;
    this.need(ctx, ['administration', 'write']);
    if (!this.canSee(token, { owner, name: String(name ?? '') })) {
      throw new FakeError(
        403,
        `Resource not accessible by ${
          token.installationId ? 'integration' : 'personal access token'
        }`,
      );
    }
    const failed = (error: Json) =>
      invalid('Repository creation failed.', [
        { resource: 'Repository', field: 'name', ...error },
      ]);
    if (typeof name !== 'string' || name === '') {
      throw failed({ code: 'missing_field' });
    }
    if (!REPO_NAME.test(name) || name === '.' || name === '..') {
      throw failed({ code: 'custom', message: 'name is invalid' });
    }
    if (this.state.repo(owner, name)) {
      throw failed({
        code: 'custom',
        message: 'name already exists on this account',
      });
    }
    const visibility =
      typeof ctx.body.visibility === 'string' ? ctx.body.visibility : undefined;
    if (
      visibility !== undefined &&
      !['public', 'private', 'internal'].includes(visibility)
    ) {
      throw invalid('Validation Failed', [
        { resource: 'Repository', code: 'invalid', field: 'visibility' },
      ]);
    }
    const repo = this.state.addRepo({
      owner,
      name,
      defaultBranch: 'main',
      private: visibility ? visibility !== 'public' : Boolean(ctx.body.private),
      commits: [],
    });
    repo.visibility = visibility as FakeRepo['visibility'];
    repo.description = ctx.body.description ?? null;
    repo.homepage = ctx.body.homepage ?? null;
    for (const setting of [
      'has_issues',
      'has_projects',
      'has_wiki',
      'allow_merge_commit',
      'allow_squash_merge',
      'allow_rebase_merge',
      'allow_auto_merge',
      'allow_update_branch',
      'delete_branch_on_merge',
      'squash_merge_commit_title',
      'squash_merge_commit_message',
      'merge_commit_title',
      'merge_commit_message',
    ]) {
      if (ctx.body[setting] !== undefined) {
        repo.settings[setting] = ctx.body[setting];
      }
    }
    try {
      await this.createGitRepository(repo);
    } catch (error) {
      this.state.repos.delete(repo.fullName.toLowerCase());
      throw error;
    }
    return { status: 201, body: this.repoJson(repo, ctx.req) };
  }

  /** Makes the bare git repository of a repository, under the fake's temporary folder. */
  private async createGitRepository(repo: FakeRepo) {
    this.gitRoot ??= mkdtemp(join(tmpdir(), 'github-fake-'));
    const root = await this.gitRoot;
    await mkdir(join(root, repo.owner), { recursive: true });
    const dir = join(root, repo.owner, `${repo.name}.git`);
    await initBareRepository(dir, repo.defaultBranch);
    this.gitDirs.set(repo.fullName.toLowerCase(), dir);
  }

  /** A repository named in a path that is not under `/repos/{owner}/{repo}`: 404 if hidden. */
  private visibleRepo(ctx: Context, owner: string, name: string): FakeRepo {
    const repo = this.state.repo(owner, name);
    if (!repo || !this.canSee(ctx.token!, repo)) throw notFound();
    return repo;
  }

  /**
   * Users and organizations, creating repositories (what `publish:github` does before it
   * pushes), their topics, collaborators, teams, branches and branch protection, single
   * commits, and reading trees and blobs.
   */
  private defineAccountRoutes() {
    const state = this.state;
    const R = '/repos/{owner}/{repo}';
    const administration = (ctx: Context) =>
      this.need(ctx, ['administration', 'write']);

    this.route('GET', '/user', 'token', ctx => ({
      body: this.account(ctx.token!.login ?? 'octocat'),
    }));
    this.route('GET', '/users/{username}', 'public', ctx => {
      if (!this.knows(ctx.params[0])) throw notFound();
      return { body: this.account(ctx.params[0]) };
    });
    this.route('GET', '/orgs/{org}', 'public', ctx => {
      if (!this.organizations.has(ctx.params[0].toLowerCase())) {
        throw notFound();
      }
      return { body: this.account(ctx.params[0]) };
    });
    this.route('POST', '/orgs/{org}/repos', 'token', ctx => {
      if (!this.organizations.has(ctx.params[0].toLowerCase())) {
        throw notFound();
      }
      return this.createRepo(ctx, ctx.params[0]);
    });
    this.route('POST', '/user/repos', 'token', ctx => {
      if (ctx.token!.installationId) {
        throw new FakeError(403, 'Resource not accessible by integration');
      }
      return this.createRepo(ctx, ctx.token!.login ?? 'octocat');
    });

    // Teams: every slug names a team of a known organization
    const teamJson = (org: string, slug: string) => ({
      id: Number.parseInt(gitSha('team', `${org}/${slug}`).slice(0, 6), 16),
      slug,
      name: slug,
      privacy: 'closed',
      permission: 'pull',
      organization: this.account(org),
      html_url: `https://github.com/orgs/${org}/teams/${slug}`,
    });
    this.route('GET', '/orgs/{org}/teams/{team}', 'token', ctx => {
      if (!this.organizations.has(ctx.params[0].toLowerCase())) {
        throw notFound();
      }
      return { body: teamJson(ctx.params[0], ctx.params[1]) };
    });
    const PERMISSIONS = ['pull', 'triage', 'push', 'maintain', 'admin'];
    this.route(
      'PUT',
      '/orgs/{org}/teams/{team}/repos/{owner}/{repo}',
      'token',
      ctx => {
        const [org, team, owner, name] = ctx.params;
        if (!this.organizations.has(org.toLowerCase())) throw notFound();
        const repo = this.visibleRepo(ctx, owner, name);
        administration(ctx);
        const permission = ctx.body.permission ?? 'push';
        if (!PERMISSIONS.includes(permission)) {
          throw invalid('Validation Failed', [
            { resource: 'Team', code: 'invalid', field: 'permission' },
          ]);
        }
        repo.teams.set(team, permission);
        return { status: 204 };
      },
    );

    this.route('GET', `${R}/topics`, 'repo', ctx => ({
      body: { names: ctx.repo.topics },
    }));
    this.route('PUT', `${R}/topics`, 'repo', ctx => {
      administration(ctx);
      const names = ctx.body.names;
      if (!Array.isArray(names)) {
        throw invalid('Invalid request.\n\n"names" wasn\'t supplied.');
      }
      const bad = names.filter(
        n => typeof n !== 'string' || !/^[a-z0-9][a-z0-9-]{0,49}$/.test(n),
      );
      if (bad.length > 0) {
        throw invalid('Validation Failed', [
          {
            resource: 'Repository',
            code: 'invalid',
            field: 'topics',
            message: `${bad.join(
              ', ',
            )} is not a valid topic. Topics must start with a lowercase letter or number, consist of 50 characters or less, and can include hyphens.`,
          },
        ]);
      }
      ctx.repo.topics = [...new Set(names as string[])];
      return { body: { names: ctx.repo.topics } };
    });
    this.route('PUT', `${R}/collaborators/{username}`, 'repo', ctx => {
      administration(ctx);
      const login = ctx.params[2];
      if (!this.knows(login)) throw notFound();
      const permission = ctx.body.permission ?? 'push';
      if (!PERMISSIONS.includes(permission)) {
        throw invalid('Validation Failed', [
          { resource: 'Repository', code: 'invalid', field: 'permission' },
        ]);
      }
      const known = ctx.repo.collaborators.has(login.toLowerCase());
      ctx.repo.collaborators.set(login.toLowerCase(), permission);
      // An invitation the first time; 204 when the user already collaborates
      if (known) return { status: 204 };
      const id = state.id();
      return {
        status: 201,
        body: {
          id,
          repository: this.repoJson(ctx.repo, ctx.req),
          invitee: this.account(login),
          inviter: this.account(ctx.token!.login ?? 'octocat'),
          permissions: permission === 'push' ? 'write' : permission,
          created_at: state.timestamp(),
          html_url: `https://github.com/${ctx.repo.fullName}/invitations`,
        },
      };
    });

    // Branches and their protection
    const branchSha = (ctx: Context, branch: string) => {
      const sha = ctx.repo.refs.get(`heads/${branch}`);
      if (!sha) throw new FakeError(404, 'Branch not found');
      return sha;
    };
    this.route('GET', `${R}/branches`, 'repo', ctx => {
      this.need(ctx, ['contents', 'read']);
      const branches = [...ctx.repo.refs]
        .filter(([ref]) => ref.startsWith('heads/'))
        .map(([ref, sha]) => ({
          name: ref.slice('heads/'.length),
          commit: {
            sha,
            url: `${this.selfUrl(ctx.req)}/repos/${
              ctx.repo.fullName
            }/commits/${sha}`,
          },
          protected: ctx.repo.protections.has(ref.slice('heads/'.length)),
        }))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      const { items, headers } = this.page(ctx, branches);
      return { body: items, headers };
    });
    this.route('GET', `${R}/branches/{branch}`, 'repo', ctx => {
      this.need(ctx, ['contents', 'read']);
      const branch = ctx.params[2];
      const sha = branchSha(ctx, branch);
      const protection = ctx.repo.protections.get(branch);
      return {
        body: {
          name: branch,
          commit: this.commitJson(ctx.repo, sha),
          protected: Boolean(protection),
          protection: {
            enabled: Boolean(protection),
            required_status_checks: {
              enforcement_level: protection?.required_status_checks
                ? 'non_admins'
                : 'off',
              contexts: protection?.required_status_checks?.contexts ?? [],
            },
          },
          protection_url: `${this.selfUrl(ctx.req)}/repos/${
            ctx.repo.fullName
          }/branches/${encodeURIComponent(branch)}/protection`,
          _links: {
            self: `${this.selfUrl(ctx.req)}/repos/${
              ctx.repo.fullName
            }/branches/${encodeURIComponent(branch)}`,
            html: `https://github.com/${ctx.repo.fullName}/tree/${branch}`,
          },
        },
      };
    });
    this.route('GET', `${R}/branches/{branch}/protection`, 'repo', ctx => {
      administration(ctx);
      branchSha(ctx, ctx.params[2]);
      const protection = ctx.repo.protections.get(ctx.params[2]);
      if (!protection) throw new FakeError(404, 'Branch not protected');
      return { body: protection };
    });
    this.route('PUT', `${R}/branches/{branch}/protection`, 'repo', ctx => {
      administration(ctx);
      const branch = ctx.params[2];
      branchSha(ctx, branch);
      for (const field of [
        'required_status_checks',
        'enforce_admins',
        'required_pull_request_reviews',
        'restrictions',
      ]) {
        if (!(field in ctx.body)) {
          throw invalid(`Invalid request.\n\n"${field}" wasn't supplied.`);
        }
      }
      const protection = this.protectionJson(ctx, branch, ctx.body);
      ctx.repo.protections.set(branch, protection);
      return { body: protection };
    });

    // A single commit, with the files it changed
    this.route('GET', `${R}/commits/{ref}`, 'repo', ctx => {
      this.need(ctx, ['contents', 'read']);
      const sha = this.resolveSha(ctx.repo, ctx.params[2]);
      if (
        /application\/vnd\.github(\.v3)?\.sha/.test(
          ctx.req.header('accept') ?? '',
        )
      ) {
        return { text: sha };
      }
      return {
        body: {
          ...this.commitJson(ctx.repo, sha),
          files: this.changedFiles(ctx.repo, sha),
        },
      };
    });

    // Reading the git database
    this.route('GET', `${R}/git/trees/{sha}`, 'repo', ctx => {
      this.need(ctx, ['contents', 'read']);
      if (this.isEmpty(ctx.repo)) throw emptyRepository();
      const ref = ctx.params[2];
      const commitSha =
        ctx.repo.refs.get(`heads/${ref}`) ??
        (ctx.repo.commits.has(ref) ? ref : undefined);
      const treeSha = ctx.repo.trees.has(ref)
        ? ref
        : commitSha && ctx.repo.commits.get(commitSha)!.tree;
      if (!treeSha) throw notFound();
      return {
        body: {
          sha: treeSha,
          url: `${this.selfUrl(ctx.req)}/repos/${
            ctx.repo.fullName
          }/git/trees/${treeSha}`,
          // "Setting this parameter to any value returns the objects or subtrees referenced"
          tree: this.treeListing(
            ctx,
            treeSha,
            ctx.query.recursive !== undefined,
          ),
          truncated: false,
        },
      };
    });
    this.route('GET', `${R}/git/blobs/{sha}`, 'repo', ctx => {
      this.need(ctx, ['contents', 'read']);
      const blob = ctx.repo.blobs.get(ctx.params[2]);
      if (!blob) throw notFound();
      const bytes = blobBytes(blob);
      if (RAW_MEDIA_TYPE.test(ctx.req.header('accept') ?? '')) {
        return { bytes, headers: this.rawHeaders(blob) };
      }
      return {
        body: {
          sha: ctx.params[2],
          size: bytes.length,
          url: `${this.selfUrl(ctx.req)}/repos/${ctx.repo.fullName}/git/blobs/${
            ctx.params[2]
          }`,
          content: wrappedBase64(bytes),
          encoding: 'base64',
        },
      };
    });
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
          repositories: items.map(r => this.repoJson(r, ctx.req)),
        },
        headers,
      };
    });

    this.route('GET', R, 'repo', ctx => ({
      body: this.repoJson(ctx.repo, ctx.req),
    }));
    this.defineAccountRoutes();

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
    const contents = (ctx: Context): Reply => {
      this.need(ctx, ['contents', 'read']);
      if (this.isEmpty(ctx.repo)) {
        throw new FakeError(404, 'This repository is empty.');
      }
      const ref = (ctx.query.ref || ctx.repo.defaultBranch).replace(
        /^refs\/heads\//,
        '',
      );
      const sha =
        ctx.repo.refs.get(`heads/${ref}`) ??
        (ctx.repo.commits.has(ref) ? ref : undefined);
      if (!sha) throw new FakeError(404, `No commit found for the ref ${ref}`);
      const path = (ctx.params[2] ?? '').replace(/^\/+|\/+$/g, '');
      const rootTree = ctx.repo.commits.get(sha)!.tree;
      const files = this.flatten(ctx.repo, rootTree);
      const file = files.get(path);
      if (file) {
        const blob = ctx.repo.blobs.get(file.sha)!;
        const bytes = blobBytes(blob);
        const size = bytes.length;
        // `application/vnd.github.raw`: the file itself (up to 100 MB), as GithubUrlReader
        // reads it
        if (RAW_MEDIA_TYPE.test(ctx.req.header('accept') ?? '')) {
          return { bytes, headers: this.rawHeaders(blob) };
        }
        // "Between 1-100 MB: … the content field will be an empty string and the encoding
        // field will be "none""
        const tooLarge = size > CONTENTS_MAX_BYTES;
        return {
          body: {
            ...this.contentEntry(ctx, ref, file.path, 'file', file.sha, size),
            encoding: tooLarge ? 'none' : 'base64',
            content: tooLarge ? '' : wrappedBase64(bytes),
          },
        };
      }
      // A directory: its files and subdirectories, without content
      const prefix = path ? `${path}/` : '';
      const entries = new Map<string, Json>();
      for (const [filePath, entry] of files) {
        if (!filePath.startsWith(prefix)) continue;
        const [name, ...deeper] = filePath.slice(prefix.length).split('/');
        const entryPath = `${prefix}${name}`;
        if (deeper.length > 0) {
          // Seeded trees are flat: a subdirectory's SHA then only names it
          const treeSha =
            this.subtreeSha(ctx.repo, rootTree, entryPath) ??
            gitSha('tree', `${sha}:${entryPath}`);
          entries.set(
            entryPath,
            this.contentEntry(ctx, ref, entryPath, 'dir', treeSha, 0),
          );
        } else {
          const size = blobBytes(ctx.repo.blobs.get(entry.sha)!).length;
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
    };
    this.route('GET', `${R}/contents`, 'repo', contents);
    this.route('GET', `${R}/contents/{path*}`, 'repo', contents);

    // Git database
    const refJson = (repo: FakeRepo, ref: string) => ({
      ref: `refs/${ref}`,
      object: { sha: repo.refs.get(ref), type: 'commit' },
    });
    this.route('GET', `${R}/git/ref/{ref*}`, 'repo', ctx => {
      this.need(ctx, ['contents', 'read']);
      if (this.isEmpty(ctx.repo)) throw emptyRepository();
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
