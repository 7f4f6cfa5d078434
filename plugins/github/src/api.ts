import { parseEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/frontend-plugin-api';
import {
  GITHUB_USER_TOKEN_HEADER,
  type GitHubCommitSummary,
  type GitHubJob,
  type GitHubPullRequestSummary,
  type GitHubWorkflowRunPage,
} from '@internal/plugin-github-common';

/** What `GET /config` answers: whether `integrations.github` has credentials, and for which hosts. */
export type GitHubConfigInfo = { configured: boolean; hosts: string[] };

/** The entity's repository as the backend resolved it. */
export type GitHubRepositoryInfo = {
  host: string;
  owner: string;
  repo: string;
  htmlUrl: string;
  defaultBranch: string;
};

export type GitHubWorkflowRunsPage = GitHubWorkflowRunPage & {
  page: number;
  perPage: number;
  repository: Omit<GitHubRepositoryInfo, 'defaultBranch'>;
};

export type GitHubCommits = { branch: string; commits: GitHubCommitSummary[] };

/** One ISO week (Monday start) of pull requests merged in the window. */
export type GitHubCycleTimeWeek = {
  weekStart: string;
  merged: number;
  /** Median hours from opened to merged; null in a week without merges. */
  medianHours: number | null;
};

export type GitHubCycleTime = { days: number; weeks: GitHubCycleTimeWeek[] };

export type GitHubCreatePullRequestInput = {
  title: string;
  body?: string;
  /** Path in the repository → its new content. */
  files: Record<string, string>;
  message?: string;
};

export type GitHubCreatedPullRequest = {
  number: number;
  htmlUrl: string;
  branch: string;
  /** Who made it: the user, with their own token, or Comet's credentials for the host. */
  author?: 'user' | 'integration';
};

export type GitHubCreatePullRequestOptions = {
  /**
   * The signed-in user's own GitHub token, so that the user authors the pull request. Sent in
   * the `X-GitHub-User-Token` header of this one request; the backend never keeps it.
   */
  userToken?: string;
};

/** An entity ref (`component:default/payments-api`) or its parts. */
export type GitHubEntityRef =
  | string
  | { kind: string; namespace?: string; name: string };

/** What the GitHub UI reads and writes through `/api/github` (the backend holds every token). */
export interface GitHubApi {
  getConfig(): Promise<GitHubConfigInfo>;
  getRepository(
    entityRef: GitHubEntityRef,
  ): Promise<{ repository: GitHubRepositoryInfo }>;
  listWorkflowRuns(
    entityRef: GitHubEntityRef,
    options?: {
      branch?: string;
      status?: string;
      page?: number;
      perPage?: number;
    },
  ): Promise<GitHubWorkflowRunsPage>;
  listJobs(
    entityRef: GitHubEntityRef,
    runId: number,
  ): Promise<{ jobs: GitHubJob[] }>;
  rerunWorkflowRun(entityRef: GitHubEntityRef, runId: number): Promise<void>;
  cancelWorkflowRun(entityRef: GitHubEntityRef, runId: number): Promise<void>;
  /**
   * The newest 30 pull requests; with `limit`, only the first `limit` (with review state and
   * checks, which cost GitHub requests), `count` saying how many the 30 held.
   */
  listPullRequests(
    entityRef: GitHubEntityRef,
    options?: { state?: 'open' | 'closed' | 'all'; limit?: number },
  ): Promise<{
    pullRequests: GitHubPullRequestSummary[];
    count: number;
    hasMore: boolean;
  }>;
  getPullRequest(
    entityRef: GitHubEntityRef,
    number: number,
  ): Promise<{ pullRequest: GitHubPullRequestSummary }>;
  /** The latest commits of the repository's default branch. */
  listCommits(
    entityRef: GitHubEntityRef,
    options?: { perPage?: number },
  ): Promise<GitHubCommits>;
  getCycleTime(
    entityRef: GitHubEntityRef,
    options?: { days?: number },
  ): Promise<GitHubCycleTime>;
  createPullRequest(
    entityRef: GitHubEntityRef,
    input: GitHubCreatePullRequestInput,
    options?: GitHubCreatePullRequestOptions,
  ): Promise<GitHubCreatedPullRequest>;
}

export const gitHubApiRef = createApiRef<GitHubApi>().with({
  id: 'plugin.github.api',
  pluginId: 'github',
});

/**
 * A refused or failed call. Its message is the backend's own (`GitHub is not configured: set
 * integrations.github …`, the repository that does not exist or cannot be seen, the bad
 * annotation), so the UI shows it as is; `cause` is the full {@link ResponseError}.
 */
export class GitHubApiError extends Error {
  readonly name = 'GitHubApiError';
  /** The HTTP status the backend answered. */
  readonly status: number;
  /** The backend's error name: `NotFoundError`, `InputError`, `NotAllowedError`, … */
  readonly errorName: string;
  readonly cause: ResponseError;

  constructor(options: {
    message: string;
    errorName: string;
    cause: ResponseError;
  }) {
    super(options.message);
    this.status = options.cause.statusCode;
    this.errorName = options.errorName;
    this.cause = options.cause;
  }

  /**
   * Reads an error answer: Backstage's `{ error: { name, message } }` (with or without
   * `response`); anything else is named by its status and the route.
   */
  static async fromResponse(
    response: Response,
    what: string,
  ): Promise<GitHubApiError> {
    const text = await response
      .clone()
      .text()
      .catch(() => '');
    const cause = await ResponseError.fromResponse(response);
    let remote: { name?: unknown; message?: unknown } | undefined;
    try {
      remote = JSON.parse(text)?.error;
    } catch {
      remote = undefined;
    }
    if (typeof remote?.message === 'string' && remote.message.trim()) {
      return new GitHubApiError({
        message: remote.message,
        errorName: typeof remote.name === 'string' ? remote.name : 'Error',
        cause,
      });
    }
    return new GitHubApiError({
      message: `The GitHub backend answered ${[
        response.status,
        response.statusText,
      ]
        .filter(Boolean)
        .join(' ')} to ${what}`,
      errorName: 'Error',
      cause,
    });
  }
}

/** The backend answers 503 while `integrations.github` has no credentials. */
export function isGitHubNotConfigured(error: unknown): boolean {
  return error instanceof GitHubApiError && error.status === 503;
}

function entityPath(entityRef: GitHubEntityRef) {
  const { kind, namespace, name } =
    typeof entityRef === 'string'
      ? parseEntityRef(entityRef)
      : parseEntityRef({
          kind: entityRef.kind,
          namespace: entityRef.namespace,
          name: entityRef.name,
        });
  return `entities/${[kind.toLocaleLowerCase('en-US'), namespace, name]
    .map(encodeURIComponent)
    .join('/')}`;
}

export class GitHubClientApi implements GitHubApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  private async call<T>(
    method: 'GET' | 'POST',
    path: string,
    params: Record<string, string | number | undefined> = {},
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl('github');
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== '') query.set(key, String(value));
    }
    const search = query.toString();
    const url = `${base}/${path}${search ? `?${search}` : ''}`;
    const response = await this.options.fetchApi.fetch(
      url,
      body === undefined
        ? { method }
        : {
            method,
            headers: { 'Content-Type': 'application/json', ...headers },
            body: JSON.stringify(body),
          },
    );
    if (!response.ok) {
      throw await GitHubApiError.fromResponse(response, `${method} /${path}`);
    }
    return (await response.json()) as T;
  }

  getConfig() {
    return this.call<GitHubConfigInfo>('GET', 'config');
  }

  getRepository(entityRef: GitHubEntityRef) {
    return this.call<{ repository: GitHubRepositoryInfo }>(
      'GET',
      `${entityPath(entityRef)}/repository`,
    );
  }

  listWorkflowRuns(
    entityRef: GitHubEntityRef,
    options: {
      branch?: string;
      status?: string;
      page?: number;
      perPage?: number;
    } = {},
  ) {
    return this.call<GitHubWorkflowRunsPage>(
      'GET',
      `${entityPath(entityRef)}/workflow-runs`,
      options,
    );
  }

  listJobs(entityRef: GitHubEntityRef, runId: number) {
    return this.call<{ jobs: GitHubJob[] }>(
      'GET',
      `${entityPath(entityRef)}/workflow-runs/${encodeURIComponent(
        runId,
      )}/jobs`,
    );
  }

  async rerunWorkflowRun(entityRef: GitHubEntityRef, runId: number) {
    await this.call(
      'POST',
      `${entityPath(entityRef)}/workflow-runs/${encodeURIComponent(
        runId,
      )}/rerun`,
      {},
      {},
    );
  }

  async cancelWorkflowRun(entityRef: GitHubEntityRef, runId: number) {
    await this.call(
      'POST',
      `${entityPath(entityRef)}/workflow-runs/${encodeURIComponent(
        runId,
      )}/cancel`,
      {},
      {},
    );
  }

  listPullRequests(
    entityRef: GitHubEntityRef,
    options: { state?: 'open' | 'closed' | 'all'; limit?: number } = {},
  ) {
    return this.call<{
      pullRequests: GitHubPullRequestSummary[];
      count: number;
      hasMore: boolean;
    }>('GET', `${entityPath(entityRef)}/pull-requests`, options);
  }

  getPullRequest(entityRef: GitHubEntityRef, number: number) {
    return this.call<{ pullRequest: GitHubPullRequestSummary }>(
      'GET',
      `${entityPath(entityRef)}/pull-requests/${encodeURIComponent(number)}`,
    );
  }

  listCommits(entityRef: GitHubEntityRef, options: { perPage?: number } = {}) {
    return this.call<GitHubCommits>(
      'GET',
      `${entityPath(entityRef)}/commits`,
      options,
    );
  }

  getCycleTime(entityRef: GitHubEntityRef, options: { days?: number } = {}) {
    return this.call<GitHubCycleTime>(
      'GET',
      `${entityPath(entityRef)}/cycle-time`,
      options,
    );
  }

  createPullRequest(
    entityRef: GitHubEntityRef,
    input: GitHubCreatePullRequestInput,
    options: GitHubCreatePullRequestOptions = {},
  ) {
    return this.call<GitHubCreatedPullRequest>(
      'POST',
      `${entityPath(entityRef)}/pull-requests`,
      {},
      input,
      options.userToken
        ? { [GITHUB_USER_TOKEN_HEADER]: options.userToken }
        : {},
    );
  }
}
