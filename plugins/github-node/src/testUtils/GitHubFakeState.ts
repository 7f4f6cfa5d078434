import { createHash } from 'node:crypto';

/** Fine-grained permission names, as `X-Accepted-GitHub-Permissions` says them. */
export type GitHubFakePermission =
  | 'actions'
  | 'administration'
  | 'checks'
  | 'contents'
  | 'issues'
  | 'metadata'
  | 'pull_requests'
  | 'statuses';

export type GitHubFakeAccess = 'read' | 'write';

/** A token the fake accepts (a personal access token, or one it issued to an installation). */
export type GitHubFakeToken = {
  token: string;
  /** The user (or `<app>[bot]`) the token acts as. Default `octocat`. */
  login?: string;
  /** `owner/repo` names it can see; every repository when absent. */
  repositories?: string[];
  /**
   * Fine-grained permissions. Absent: a classic token with the `repo` scope (everything).
   * `metadata: read` is implied.
   */
  permissions?: Partial<Record<GitHubFakePermission, GitHubFakeAccess>>;
  /** Set for installation access tokens (`ghs_…`): only those may create check runs. */
  installationId?: number;
  /** Core rate limit per hour. Default 5000. */
  rateLimit?: number;
};

/** A GitHub App the fake knows, with its installations. */
export type GitHubFakeApp = {
  appId: number;
  /** When set, JWTs must be signed by its private key; else any well-formed RS256 JWT passes. */
  publicKey?: string;
  installations: Array<{
    id: number;
    /** The user or organization it is installed on. */
    account: string;
    /** Repository names (without owner) when installed on selected repositories only. */
    repositories?: string[];
    permissions?: Partial<Record<GitHubFakePermission, GitHubFakeAccess>>;
  }>;
};

type Json = Record<string, any>;

export type GitHubFakeRepoSeed = {
  owner: string;
  name: string;
  defaultBranch?: string;
  private?: boolean;
  /**
   * Commits on the default branch, oldest first; one initial commit when absent. `[]` makes an
   * empty repository (no commits, no branches), as `POST /orgs/{org}/repos` creates.
   */
  commits?: Array<{
    message: string;
    author?: string;
    date?: string;
    files?: Record<string, string>;
  }>;
  workflows?: Array<{ id: number; name: string; path?: string }>;
  runs?: Array<Partial<Json> & { id: number }>;
  /**
   * Jobs of the runs. `log` is the job's plain-text log as `GET …/actions/jobs/{id}/logs`
   * serves it (see {@link githubLogOf} for GitHub's timestamped lines; absent: a short log
   * from the job's steps); `logExpired` makes that endpoint answer 410, as it does once the
   * repository's log retention has passed.
   */
  jobs?: Array<FakeJobSeed>;
  pulls?: Array<
    Partial<Json> & {
      number: number;
      title: string;
      head: string;
      base?: string;
    }
  >;
  reviews?: Array<{
    pull: number;
    user: string;
    state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  }>;
};

/** A job to seed, with its log. */
export type FakeJobSeed = Partial<Json> & {
  id: number;
  run_id: number;
  log?: string;
  logExpired?: boolean;
};

/** A job's log, kept apart from the job's JSON. */
export type FakeJobLog = { text?: string; expired: boolean };

export type FakeCommit = {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; date: string };
  login?: string;
};

export type FakeTreeEntry = {
  path: string;
  mode: string;
  type: 'blob' | 'tree';
  sha: string;
};

export type FakeRepo = {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  private: boolean;
  workflows: Json[];
  runs: Json[];
  jobs: Json[];
  /** Job id → its log. */
  jobLogs: Map<number, FakeJobLog>;
  pulls: Json[];
  reviews: Json[];
  commits: Map<string, FakeCommit>;
  statuses: Json[];
  checkRuns: Json[];
  issueComments: Json[];
  /** `heads/main` → sha */
  refs: Map<string, string>;
  blobs: Map<string, { content: string; encoding: 'utf-8' | 'base64' }>;
  trees: Map<string, FakeTreeEntry[]>;
  /** `internal` for an organization's internal repository; else as `private` says. */
  visibility?: 'public' | 'private' | 'internal';
  description: string | null;
  homepage: string | null;
  /** As `PUT /repos/{o}/{r}/topics` set them. */
  topics: string[];
  /** The settings it was created with (`has_issues`, `allow_squash_merge`, …). */
  settings: Json;
  /** Branch → its protection, as `PUT …/branches/{branch}/protection` stored it. */
  protections: Map<string, Json>;
  /** Login → permission, as `PUT …/collaborators/{username}` gave it. */
  collaborators: Map<string, string>;
  /** Team slug → permission, as `PUT /orgs/{org}/teams/{team}/repos/{o}/{r}` gave it. */
  teams: Map<string, string>;
};

/** A blob's bytes: its text, or what its base64 says (binary files pushed over git). */
export function blobBytes(blob: {
  content: string;
  encoding: 'utf-8' | 'base64';
}): Buffer {
  return Buffer.from(
    blob.content,
    blob.encoding === 'base64' ? 'base64' : 'utf8',
  );
}

export function gitSha(kind: string, content: string): string {
  return createHash('sha1')
    .update(`${kind} ${Buffer.byteLength(content)}\0${content}`)
    .digest('hex');
}

/** The repositories, tokens, apps and rate-limit windows of a GitHubFake; tests seed it. */
export class GitHubFakeState {
  readonly repos = new Map<string, FakeRepo>();
  readonly tokens = new Map<string, GitHubFakeToken>();
  readonly apps: GitHubFakeApp[] = [];
  /** Per token: requests used in the current window and when it resets (epoch seconds). */
  readonly rateLimits = new Map<string, { used: number; reset: number }>();
  private nextId = 1000;
  private clock = 0;

  constructor(readonly now: () => number = Date.now) {}

  id(): number {
    this.nextId += 1;
    return this.nextId;
  }

  /** A timestamp that increases with every call, so seeded items sort deterministically. */
  timestamp(): string {
    this.clock += 1;
    return new Date(Date.UTC(2026, 0, 1) + this.clock * 60_000).toISOString();
  }

  repo(owner: string, name: string): FakeRepo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  addToken(token: GitHubFakeToken) {
    this.tokens.set(token.token, token);
  }

  /** Makes `token` have no requests left until `reset` (default: in an hour). */
  exhaustRateLimit(token: string, reset?: Date) {
    const limit = this.tokens.get(token)?.rateLimit ?? 5000;
    this.rateLimits.set(token, {
      used: limit,
      reset: Math.ceil((reset?.getTime() ?? this.now() + 3_600_000) / 1000),
    });
  }

  addBlob(repo: FakeRepo, content: string, encoding: 'utf-8' | 'base64') {
    const text =
      encoding === 'base64'
        ? Buffer.from(content, 'base64').toString('utf8')
        : content;
    const sha = gitSha('blob', text);
    repo.blobs.set(sha, { content: text, encoding: 'utf-8' });
    return sha;
  }

  addTree(repo: FakeRepo, entries: FakeTreeEntry[]) {
    const sorted = [...entries].sort((a, b) => a.path.localeCompare(b.path));
    const sha = gitSha(
      'tree',
      sorted.map(e => `${e.mode} ${e.path} ${e.sha}`).join('\n'),
    );
    repo.trees.set(sha, sorted);
    return sha;
  }

  addCommit(repo: FakeRepo, commit: Omit<FakeCommit, 'sha'>): FakeCommit {
    const sha = gitSha(
      'commit',
      JSON.stringify([
        commit.tree,
        commit.parents,
        commit.message,
        commit.author,
      ]),
    );
    const stored = { ...commit, sha };
    repo.commits.set(sha, stored);
    return stored;
  }

  /** Keeps a commit made elsewhere under its own SHA, with an empty tree and no parents. */
  importCommit(
    repo: FakeRepo,
    sha: string,
    commit: { message: string; author: FakeCommit['author'] },
  ): FakeCommit {
    const stored: FakeCommit = {
      sha,
      tree: this.addTree(repo, []),
      parents: [],
      message: commit.message,
      author: commit.author,
    };
    repo.commits.set(sha, stored);
    return stored;
  }

  /** Adds a repository with its default branch, commits, workflows, runs, jobs and pulls. */
  addRepo(seed: GitHubFakeRepoSeed): FakeRepo {
    const repo: FakeRepo = {
      id: this.id(),
      owner: seed.owner,
      name: seed.name,
      fullName: `${seed.owner}/${seed.name}`,
      defaultBranch: seed.defaultBranch ?? 'main',
      private: seed.private ?? true,
      workflows: [],
      runs: [],
      jobs: [],
      jobLogs: new Map(),
      pulls: [],
      reviews: [],
      commits: new Map(),
      statuses: [],
      checkRuns: [],
      issueComments: [],
      refs: new Map(),
      blobs: new Map(),
      trees: new Map(),
      description: null,
      homepage: null,
      topics: [],
      settings: {},
      protections: new Map(),
      collaborators: new Map(),
      teams: new Map(),
    };
    this.repos.set(repo.fullName.toLowerCase(), repo);

    let parent: string | undefined;
    let files: Record<string, string> = {};
    for (const c of seed.commits ?? [
      { message: 'Initial commit', files: { 'README.md': `# ${seed.name}\n` } },
    ]) {
      files = { ...files, ...c.files };
      const tree = this.addTree(
        repo,
        Object.entries(files).map(([path, content]) => ({
          path,
          mode: '100644',
          type: 'blob' as const,
          sha: this.addBlob(repo, content, 'utf-8'),
        })),
      );
      const login = c.author ?? 'octocat';
      parent = this.addCommit(repo, {
        tree,
        parents: parent ? [parent] : [],
        message: c.message,
        author: {
          name: login,
          email: `${login}@users.noreply.github.com`,
          date: c.date ?? this.timestamp(),
        },
        login,
      }).sha;
    }
    if (parent) repo.refs.set(`heads/${repo.defaultBranch}`, parent);

    for (const w of seed.workflows ?? []) {
      repo.workflows.push({
        id: w.id,
        name: w.name,
        path: w.path ?? `.github/workflows/${w.name.toLowerCase()}.yml`,
        state: 'active',
      });
    }
    for (const run of seed.runs ?? []) this.addRun(repo, run);
    for (const job of seed.jobs ?? []) this.addJob(repo, job);
    for (const pull of seed.pulls ?? []) this.addPull(repo, pull);
    for (const review of seed.reviews ?? []) {
      repo.reviews.push({
        id: this.id(),
        pull_number: review.pull,
        user: this.user(review.user),
        state: review.state,
        submitted_at: this.timestamp(),
      });
    }
    return repo;
  }

  user(login: string) {
    return {
      login,
      id: Number.parseInt(gitSha('user', login).slice(0, 6), 16),
      type: login.endsWith('[bot]') ? 'Bot' : 'User',
      avatar_url: `https://avatars.githubusercontent.com/${login}`,
      html_url: `https://github.com/${login}`,
    };
  }

  addRun(repo: FakeRepo, run: Partial<Json> & { id: number }): Json {
    const workflow = repo.workflows[0];
    const createdAt = run.created_at ?? this.timestamp();
    const stored = {
      name: workflow?.name ?? 'CI',
      workflow_id: workflow?.id ?? 1,
      head_branch: repo.defaultBranch,
      head_sha: repo.refs.get(`heads/${repo.defaultBranch}`),
      event: 'push',
      status: 'completed',
      conclusion: 'success',
      run_number: repo.runs.length + 1,
      run_attempt: 1,
      created_at: createdAt,
      updated_at: createdAt,
      run_started_at: createdAt,
      actor: this.user('octocat'),
      ...run,
      html_url: `https://github.com/${repo.fullName}/actions/runs/${run.id}`,
    };
    repo.runs.push(stored);
    return stored;
  }

  addJob(repo: FakeRepo, seed: FakeJobSeed) {
    const { log, logExpired, ...job } = seed;
    repo.jobLogs.set(job.id, { text: log, expired: Boolean(logExpired) });
    const stored = {
      name: 'build',
      status: 'completed',
      conclusion: 'success',
      started_at: this.timestamp(),
      completed_at: this.timestamp(),
      runner_name: 'GitHub Actions 1',
      steps: [],
      ...job,
      html_url: `https://github.com/${repo.fullName}/actions/runs/${job.run_id}/job/${job.id}`,
    };
    repo.jobs.push(stored);
    return stored;
  }

  addPull(
    repo: FakeRepo,
    pull: Partial<Json> & {
      number: number;
      title: string;
      head: string;
      base?: string;
      headSha?: string;
    },
  ): Json {
    const createdAt = pull.created_at ?? this.timestamp();
    const { head, base, headSha, ...rest } = pull;
    const sha =
      headSha ??
      repo.refs.get(`heads/${head}`) ??
      repo.refs.get(`heads/${repo.defaultBranch}`);
    const stored = {
      id: this.id(),
      state: 'open',
      draft: false,
      user: this.user('octocat'),
      body: null,
      created_at: createdAt,
      updated_at: createdAt,
      closed_at: null,
      merged_at: null,
      ...rest,
      head: { ref: head, sha, label: `${repo.owner}:${head}` },
      base: {
        ref: base ?? repo.defaultBranch,
        label: `${repo.owner}:${base ?? repo.defaultBranch}`,
      },
      html_url: `https://github.com/${repo.fullName}/pull/${pull.number}`,
    };
    repo.pulls.push(stored);
    return stored;
  }

  /** Adds a commit status to `sha`, as `POST /repos/{o}/{r}/statuses/{sha}` does. */
  addStatus(
    repo: FakeRepo,
    sha: string,
    status: {
      state: string;
      context?: string;
      description?: string;
      target_url?: string;
      creator?: string;
    },
  ): Json {
    const now = this.timestamp();
    const stored = {
      id: this.id(),
      sha,
      state: status.state,
      context: status.context ?? 'default',
      description: status.description ?? null,
      target_url: status.target_url ?? null,
      creator: this.user(status.creator ?? 'octocat'),
      created_at: now,
      updated_at: now,
    };
    repo.statuses.push(stored);
    return stored;
  }

  /** Adds a check run, as `POST /repos/{o}/{r}/check-runs` does. */
  addCheckRun(
    repo: FakeRepo,
    checkRun: Partial<Json> & { head_sha: string; name: string },
  ): Json {
    const id = this.id();
    const stored = {
      id,
      status: 'queued',
      conclusion: null,
      started_at: this.timestamp(),
      completed_at: null,
      output: { title: null, summary: null },
      ...checkRun,
      html_url: `https://github.com/${repo.fullName}/runs/${id}`,
    };
    repo.checkRuns.push(stored);
    return stored;
  }

  /** Adds a comment on an issue or pull request. */
  addIssueComment(
    repo: FakeRepo,
    issueNumber: number,
    body: string,
    login = 'octocat',
  ): Json {
    const id = this.id();
    const now = this.timestamp();
    const stored = {
      id,
      issue_number: issueNumber,
      body,
      user: this.user(login),
      created_at: now,
      updated_at: now,
      html_url: `https://github.com/${repo.fullName}/pull/${issueNumber}#issuecomment-${id}`,
    };
    repo.issueComments.push(stored);
    return stored;
  }

  /** The files of a commit's tree (paths and text), for tests to check a proposed change. */
  filesAt(repo: FakeRepo, ref: string): Record<string, string> {
    const sha = repo.refs.get(`heads/${ref}`) ?? ref;
    const commit = repo.commits.get(sha);
    if (!commit) throw new Error(`No commit ${ref} in ${repo.fullName}`);
    const files: Record<string, string> = {};
    const walk = (treeSha: string, prefix: string) => {
      for (const entry of repo.trees.get(treeSha) ?? []) {
        if (entry.type === 'tree') walk(entry.sha, `${prefix}${entry.path}/`);
        else
          files[`${prefix}${entry.path}`] = blobBytes(
            repo.blobs.get(entry.sha)!,
          ).toString('utf8');
      }
    };
    walk(commit.tree, '');
    return files;
  }
}

/**
 * A log as GitHub Actions writes it: every line starts with its UTC timestamp (seven digits of
 * fractions), one second apart from `start`.
 */
export function githubLogOf(lines: string[], start = Date.UTC(2026, 0, 1)) {
  return `${lines
    .map(
      (line, index) =>
        `${new Date(start + index * 1000)
          .toISOString()
          .replace(/\.(\d{3})Z$/, '.$10000Z')} ${line}`,
    )
    .join('\n')}\n`;
}

/** The failed job's log in the example repository: a test that failed. */
const EXAMPLE_FAILED_JOB_LOG = githubLogOf(
  [
    '##[group]Run actions/checkout@v4',
    'Syncing repository: comet-examples/payments-api',
    '##[endgroup]',
    '##[group]Run npm test',
    '> payments-api@1.0.0 test',
    '> jest --ci',
    'FAIL src/refund.test.ts (8.921 s)',
    '  ● refund › refunds a captured payment once',
    '',
    '    expect(received).toBe(expected) // Object.is equality',
    '',
    '    Expected: 1',
    '    Received: 2',
    '',
    '      at Object.<anonymous> (src/refund.test.ts:14:27)',
    '',
    'Tests:       1 failed, 11 passed, 12 total',
    'Test Suites: 1 failed, 3 passed, 4 total',
    '##[error]Process completed with exit code 1.',
    '##[endgroup]',
  ],
  Date.UTC(2026, 0, 1, 9, 0, 0),
);

/** The token the demo and most tests use: a classic token that sees everything. */
export const GITHUB_FAKE_DEMO_TOKEN =
  'ghp_cometFakeDemoToken000000000000000000';

/**
 * The example repository's `catalog-info.yaml`: the entities of examples/catalog/payments-api.yaml
 * (the API's definition shortened), so a change proposed to its annotations has a file to change.
 */
const EXAMPLE_PAYMENTS_CATALOG_INFO = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  title: Payments API
  description: Captures card payments and issues refunds
  tags: [nodejs, rest]
  annotations:
    comet.dev/pipelines: .comet/pipeline.yaml
    github.com/project-slug: comet-examples/payments-api
    jenkins.io/job-full-name: payments/payments-api,legacy:payments/payments-api-nightly
    sonarqube.org/project-key: comet-examples_payments-api
    jira/project-key: PAY
    jira/component: payments-api
    # A failed build-and-test run files a Jira bug (one per failure); a green run comments on it
    comet.dev/jira-bug-on-failure: build-and-test
    comet.dev/test-suites: payments-api-smoke
spec:
  type: service
  lifecycle: production
  owner: payments-team
  system: payments
  providesApis: [payments-rest]
  consumesApis: [ledger-events]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-rest
  title: Payments REST API
  description: Create, read and refund payments
spec:
  type: openapi
  lifecycle: production
  owner: payments-team
  system: payments
  definition: |
    openapi: 3.0.3
    info:
      title: Payments API
      version: 1.0.0
    paths: {}
`;

/** The example catalog's repositories. */
export const EXAMPLE_GITHUB_REPOS: GitHubFakeRepoSeed[] = [
  {
    owner: 'comet-examples',
    name: 'payments-api',
    commits: [
      {
        message: 'Initial commit',
        files: {
          'README.md': '# Payments API\n',
          'catalog-info.yaml': EXAMPLE_PAYMENTS_CATALOG_INFO,
        },
      },
      {
        message: 'Add the refund endpoint\n\nWith tests.',
        author: 'alice',
        files: { 'src/refund.ts': 'export {};\n' },
      },
    ],
    workflows: [{ id: 1, name: 'CI' }],
    runs: [
      { id: 101, conclusion: 'success' },
      { id: 102, conclusion: 'failure', head_branch: 'feature/refunds' },
      { id: 103, status: 'in_progress', conclusion: null },
    ],
    jobs: [
      {
        id: 2001,
        run_id: 102,
        name: 'test',
        conclusion: 'failure',
        log: EXAMPLE_FAILED_JOB_LOG,
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
    pulls: [{ number: 7, title: 'Refunds', head: 'main' }],
    reviews: [{ pull: 7, user: 'bob', state: 'APPROVED' }],
  },
];
