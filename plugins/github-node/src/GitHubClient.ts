import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type {
  GitHubCommitSummary,
  GitHubJob,
  GitHubJobLog,
  GitHubPullRequestSummary,
  GitHubRepositoryRef,
  GitHubWorkflowRunPage,
} from '@internal/plugin-github-common';
import type { Octokit } from '@octokit/rest';
import type {
  CachedResponse,
  GitHubResponseCache,
} from './GitHubResponseCache';
import {
  checksSummaryOf,
  GitHubJson,
  mapCommit,
  mapJob,
  mapPullRequest,
  mapWorkflowRun,
  reviewStateOf,
} from './mapGitHubJson';

/** The core rate limit of one credential, as GitHub last reported it. */
/** What `getRepository` tells of a repository. */
export type GitHubRepositorySummary = {
  /** `owner/name` as GitHub spells it. */
  fullName: string;
  htmlUrl: string;
  private: boolean;
  defaultBranch: string;
  topics: string[];
};

export type GitHubRateLimit = {
  limit: number;
  remaining: number;
  resetAt: string;
};

/** The credential a request is sent with: the header, and a hash that names it in keys. */
export type GitHubRequestCredential = {
  /** `token …`, or undefined for anonymous requests. */
  authorization?: string;
  /** A hash of the token (never the token): the cache and rate-limit key. */
  key: string;
  /** The secret itself, only to scrub it from error messages. */
  secret?: string;
  /** A signed-in user's own GitHub token (for one request), not the integration's. */
  user?: boolean;
};

/** What a GitHubClient shares with every other client of its factory. */
export type GitHubClientContext = {
  octokit: Octokit;
  cache: GitHubResponseCache;
  rateLimits: Map<string, GitHubRateLimit>;
  credential: () => Promise<GitHubRequestCredential>;
  /** Longest wait for a rate limit, in seconds; beyond it requests fail. */
  maxRateLimitWaitSeconds: number;
  sleep: (ms: number) => Promise<void>;
  /** Told of each wait a 429's `retry-after` asks for (the rate-limit metrics). */
  onRateLimitWait?: (waitMs: number) => void;
  /** The longest a job log's download (the whole stream) may take. Default 60000 ms. */
  logDownloadTimeoutMs?: number;
};

/** How much of a job's log {@link GitHubClient.getJobLog} reads and keeps. */
export type GitHubJobLogOptions = {
  /** Bytes of the log's end that are kept. Default 1,000,000. */
  maxBytes?: number;
  /** Bytes read at most; a longer log's rest is not downloaded. Default 64 MiB. */
  maxReadBytes?: number;
};

export const DEFAULT_JOB_LOG_MAX_BYTES = 1_000_000;
export const DEFAULT_JOB_LOG_MAX_READ_BYTES = 64 * 1024 * 1024;

export type GitHubCheckRunInput = {
  status?: 'queued' | 'in_progress' | 'completed';
  conclusion?:
    | 'success'
    | 'failure'
    | 'neutral'
    | 'cancelled'
    | 'skipped'
    | 'timed_out'
    | 'action_required';
  detailsUrl?: string;
  externalId?: string;
  output?: { title: string; summary: string; text?: string };
};

/** The dates of a pull request, without reviews or checks: what statistics need. */
export type GitHubPullRequestTimes = {
  number: number;
  createdAt: string;
  updatedAt: string;
  closedAt?: string;
  mergedAt?: string;
};

export type GitHubIssueComment = {
  id: number;
  body: string;
  htmlUrl: string;
};

type Response<T> = {
  data: T;
  headers: Record<string, string | number | undefined>;
};

/** How one request's failures are told. */
type SendOptions = {
  /** The error a 404 becomes, instead of the general one. */
  notFound?: () => Error;
};

/** A file as the contents API gives it, decoded. */
export type GitHubFileContent = {
  /** The path in the repository, as GitHub gives it. */
  path: string;
  /** The blob's SHA. */
  sha: string;
  /** The file's text, decoded as UTF-8. */
  content: string;
};

/** What a 404 of the contents API becomes inside the client: no such file. */
class NoSuchFile extends Error {}

function header(
  headers: Record<string, unknown> | undefined,
  name: string,
): string | undefined {
  const value = headers?.[name];
  return value === undefined || value === null ? undefined : String(value);
}

function nextLink(headers: Record<string, unknown>): string | undefined {
  return /<([^>]+)>;\s*rel="next"/.exec(header(headers, 'link') ?? '')?.[1];
}

/**
 * One repository on one GitHub host, through `@octokit/rest` with the throttling and retry
 * plugins (see GitHubClientFactory). Every GET goes through a cache shared per credential:
 * fresh answers are reused, older ones revalidated with `If-None-Match` (a 304 costs no rate
 * limit), and identical concurrent GETs share one request. A 429 with `retry-after` is waited
 * out once (up to the cap; 403 limits are waited by the throttling plugin). Errors are
 * Backstage errors naming the host, the method and the path, never the token.
 */
export class GitHubClient {
  constructor(
    readonly repository: GitHubRepositoryRef,
    private readonly context: GitHubClientContext,
  ) {}

  private get repoPath() {
    return `/repos/${this.repository.owner}/${this.repository.repo}`;
  }

  private get params() {
    return { owner: this.repository.owner, repo: this.repository.repo };
  }

  // Requests

  /**
   * `pageOf`: the answer is a page (`page`, `per_page`) of the list in that field; when it is
   * not cached fresh, a fresh cached larger page of the same list that holds it serves it.
   */
  private async request<T>(
    route: string,
    params: Record<string, unknown> = {},
    options: { pageOf?: string } & SendOptions = {},
  ): Promise<Response<T>> {
    const { octokit, cache } = this.context;
    const credential = await this.context.credential();
    const endpoint = octokit.request.endpoint(route, params);
    const authHeaders: Record<string, string> = credential.authorization
      ? { authorization: credential.authorization }
      : {};
    if (endpoint.method !== 'GET') {
      const response = await this.send<T>(
        credential,
        route,
        { ...params, headers: authHeaders },
        options,
      );
      // A write makes what was read of this repository stale
      cache.invalidate(this.cacheKey(credential, this.repoUrl(endpoint.url)));
      return response;
    }
    const entry = await cache.get(
      this.cacheKey(credential, endpoint.url),
      async (stale: CachedResponse | undefined): Promise<CachedResponse> => {
        const held =
          options.pageOf &&
          this.sliceOfCachedPage(
            credential,
            endpoint.url,
            params,
            options.pageOf,
          );
        // Not kept under its own key (no ETag): the larger page it came from is
        if (held) return { data: held, headers: {}, storedAt: 0 };
        try {
          const response = await this.send<T>(
            credential,
            route,
            {
              ...params,
              headers: {
                ...authHeaders,
                ...(stale?.etag ? { 'if-none-match': stale.etag } : {}),
              },
            },
            options,
          );
          return {
            data: response.data,
            headers: response.headers,
            etag: header(response.headers, 'etag'),
            storedAt: 0,
          };
        } catch (error) {
          if (stale && (error as { status?: number }).status === 304) {
            return stale;
          }
          throw error;
        }
      },
    );
    return { data: entry.data as T, headers: entry.headers };
  }

  /**
   * The page `params` asks for (`page`, `per_page`), cut from a fresh cached answer for a
   * larger page of the same list (the same path and other parameters) that holds all of it;
   * undefined when none does. `field` names the list in the answer; the rest of the answer
   * (`total_count`) is kept.
   */
  private sliceOfCachedPage(
    credential: GitHubRequestCredential,
    url: string,
    params: Record<string, unknown>,
    field: string,
  ): GitHubJson | undefined {
    // The request has a query (`page` and `per_page` at least); so have its larger pages
    const at = url.indexOf('?');
    const prefix = `${this.cacheKey(credential, url.slice(0, at))}?`;
    const others = (query: URLSearchParams) =>
      [...query.entries()]
        .filter(([name]) => name !== 'page' && name !== 'per_page')
        .sort()
        .join('&');
    const wanted = others(new URLSearchParams(url.slice(at + 1)));
    const perPage = Number(params.per_page);
    const start = (Number(params.page) - 1) * perPage;
    for (const [key, entry] of this.context.cache.freshEntries(prefix)) {
      const query = new URLSearchParams(key.slice(prefix.length));
      const size = Number(query.get('per_page'));
      const first = (Number(query.get('page')) - 1) * size;
      if (
        others(query) === wanted &&
        first <= start &&
        start + perPage <= first + size
      ) {
        const data = entry.data as GitHubJson;
        return {
          ...data,
          [field]: data[field].slice(start - first, start - first + perPage),
        };
      }
    }
    return undefined;
  }

  /**
   * The cache key of a URL: GitHub matches owner and repository names in any case, so they are
   * lowercased; the rest (branch names, queries) is case-sensitive and kept as it is.
   */
  private cacheKey(credential: GitHubRequestCredential, url: string) {
    const at = url.toLowerCase().indexOf(this.repoPath.toLowerCase());
    const normalized =
      at < 0
        ? url
        : `${url.slice(0, at)}${this.repoPath.toLowerCase()}${url.slice(
            at + this.repoPath.length,
          )}`;
    return `${credential.key} ${normalized}`;
  }

  private repoUrl(url: string) {
    const at = url.toLowerCase().indexOf(this.repoPath.toLowerCase());
    return url.slice(0, at + this.repoPath.length);
  }

  private async send<T>(
    credential: GitHubRequestCredential,
    route: string,
    params: Record<string, unknown>,
    options: SendOptions = {},
    attempt = 0,
  ): Promise<Response<T>> {
    try {
      const response = await this.context.octokit.request(route, params);
      this.trackRateLimit(credential, response.headers);
      return response as Response<T>;
    } catch (error) {
      const e = error as {
        status?: number;
        response?: { headers?: Record<string, unknown> };
      };
      this.trackRateLimit(credential, e.response?.headers);
      if (e.status === 304) throw error;
      const retryAfter = Number(header(e.response?.headers, 'retry-after'));
      if (
        e.status === 429 &&
        attempt === 0 &&
        retryAfter >= 0 &&
        retryAfter <= this.context.maxRateLimitWaitSeconds
      ) {
        this.context.onRateLimitWait?.(retryAfter * 1000);
        await this.context.sleep(retryAfter * 1000);
        return this.send(credential, route, params, options, attempt + 1);
      }
      if (e.status === 404 && options.notFound) throw options.notFound();
      const endpoint = this.context.octokit.request.endpoint(route, params);
      throw this.describe(
        error,
        endpoint.method,
        new URL(endpoint.url).pathname,
        credential,
      );
    }
  }

  private trackRateLimit(
    credential: GitHubRequestCredential,
    headers: Record<string, unknown> | undefined,
  ) {
    const limit = header(headers, 'x-ratelimit-limit');
    const remaining = header(headers, 'x-ratelimit-remaining');
    const reset = header(headers, 'x-ratelimit-reset');
    // A user's own token is theirs: its quota is not the portal's to report
    if (
      credential.user ||
      limit === undefined ||
      remaining === undefined ||
      reset === undefined
    ) {
      return;
    }
    this.context.rateLimits.set(credential.key, {
      limit: Number(limit),
      remaining: Number(remaining),
      resetAt: new Date(Number(reset) * 1000).toISOString(),
    });
  }

  /** A Backstage error that says what failed and why, without the token. */
  private describe(
    error: unknown,
    method: string,
    path: string,
    credential: GitHubRequestCredential,
  ): Error {
    const { host, owner, repo } = this.repository;
    const e = error as {
      status?: number;
      message?: string;
      response?: { headers?: Record<string, unknown>; data?: GitHubJson };
    };
    const headers = e.response?.headers;
    const data = e.response?.data;
    const githubMessage = String(
      (typeof data === 'object' && data?.message) || e.message || 'no message',
    );
    const what = `${method} ${path} on ${host}`;
    const scrub = (message: string) =>
      credential.secret
        ? message.split(credential.secret).join('***')
        : message;
    const status = e.status ?? 0;
    const cap = this.context.maxRateLimitWaitSeconds;

    const whose = credential.user
      ? `your own GitHub token for ${host}`
      : `the credentials configured for ${host}`;
    if (status === 401 && credential.user) {
      return new NotAllowedError(
        scrub(
          `GitHub rejected your own GitHub token for ${host} on ${what}: ${githubMessage}. Sign in with GitHub again, or propose without your token`,
        ),
      );
    }
    if (status === 401) {
      return new ServiceUnavailableError(
        scrub(
          `GitHub rejected the credentials configured for ${host} (integrations.github, host ${host}) on ${what}: ${githubMessage}. Check its token or GitHub App`,
        ),
      );
    }
    if (
      (status === 403 || status === 429) &&
      header(headers, 'x-ratelimit-remaining') === '0'
    ) {
      const reset = new Date(
        Number(header(headers, 'x-ratelimit-reset')) * 1000,
      );
      return new ServiceUnavailableError(
        `GitHub's rate limit for ${whose} is used up until ${reset.toISOString()}; Comet waits at most ${cap} s, so ${what} failed`,
      );
    }
    if (
      (status === 403 || status === 429) &&
      (header(headers, 'retry-after') !== undefined ||
        /secondary rate/i.test(githubMessage))
    ) {
      return new ServiceUnavailableError(
        `GitHub's secondary rate limit refused ${what} (retry after ${
          header(headers, 'retry-after') ?? 'an unknown number of'
        } s; Comet waits at most ${cap} s and once): ${githubMessage}`,
      );
    }
    if (status === 403) {
      const accepted = header(headers, 'x-accepted-github-permissions');
      if (accepted) {
        return new NotAllowedError(
          scrub(
            `${whose.charAt(0).toUpperCase()}${whose.slice(
              1,
            )} lack the GitHub permission ${accepted
              .split(';')
              .map(p => p.trim())
              .join(
                ' or ',
              )} needed for ${what} ("${githubMessage}"); grant it to ${
              credential.user ? 'your token' : 'the token or GitHub App'
            }`,
          ),
        );
      }
      return new NotAllowedError(
        scrub(`GitHub refused ${what}: ${githubMessage}`),
      );
    }
    if (status === 410) {
      return new NotFoundError(
        scrub(
          `GitHub answered 410 Gone for ${what}: ${githubMessage} (what it names existed but is gone, e.g. a log past the repository's retention)`,
        ),
      );
    }
    if (status === 404) {
      const isRepository = path
        .toLowerCase()
        .endsWith(this.repoPath.toLowerCase());
      return new NotFoundError(
        `GitHub answered 404 for ${what}: the repository ${owner}/${repo} does not exist or ${whose} cannot see it${
          isRepository ? '' : ', or what the request names does not exist'
        }`,
      );
    }
    if (
      status === 409 ||
      (status === 422 && /already exists/i.test(JSON.stringify(data ?? {})))
    ) {
      return new ConflictError(
        scrub(`GitHub refused ${what}: ${this.details(githubMessage, data)}`),
      );
    }
    if (status === 400 || status === 422) {
      return new InputError(
        scrub(`GitHub refused ${what}: ${this.details(githubMessage, data)}`),
      );
    }
    return new ServiceUnavailableError(
      scrub(
        status >= 500 || status === 0
          ? `GitHub did not answer ${what}: ${githubMessage}`
          : `GitHub answered ${status} for ${what}: ${githubMessage}`,
      ),
    );
  }

  private details(message: string, data: GitHubJson | undefined) {
    const errors = (data?.errors ?? []) as GitHubJson[];
    const parts = errors.map(
      item =>
        item.message ??
        [item.resource, item.field, item.code].filter(Boolean).join(' '),
    );
    return parts.length ? `${message} (${parts.join('; ')})` : message;
  }

  private async all<T>(
    route: string,
    params: Record<string, unknown>,
    items: (data: any) => T[],
  ): Promise<T[]> {
    const result: T[] = [];
    let response = await this.request<unknown>(route, {
      ...params,
      per_page: 100,
    });
    result.push(...items(response.data));
    for (
      let next = nextLink(response.headers);
      next;
      next = nextLink(response.headers)
    ) {
      response = await this.request<unknown>(`GET ${next}`);
      result.push(...items(response.data));
    }
    return result;
  }

  // Rate limit

  /**
   * The core rate limit of this client's credential, as the last answer said; asks
   * `GET /rate_limit` (free) when nothing was requested yet.
   */
  async rateLimit(): Promise<GitHubRateLimit> {
    const credential = await this.context.credential();
    const known = this.context.rateLimits.get(credential.key);
    if (known) return known;
    const { data } = await this.send<GitHubJson>(
      credential,
      'GET /rate_limit',
      {
        headers: credential.authorization
          ? { authorization: credential.authorization }
          : {},
      },
    );
    const core = data.resources.core;
    return {
      limit: core.limit,
      remaining: core.remaining,
      resetAt: new Date(core.reset * 1000).toISOString(),
    };
  }

  // Actions

  /**
   * One page of workflow runs, newest first. 1 request, or none when a fresh cached answer for
   * a larger page of the same list holds it (the overview's 50 newest runs hold the CI/CD
   * tab's first 20 and its second 20).
   */
  async listWorkflowRuns(options: {
    branch?: string;
    /** A status or conclusion (`queued`, `in_progress`, `completed`, `failure`, …), as GitHub filters. */
    status?: string;
    page?: number;
    perPage?: number;
  }): Promise<GitHubWorkflowRunPage> {
    const route = 'GET /repos/{owner}/{repo}/actions/runs';
    const params = {
      ...this.params,
      branch: options.branch,
      status: options.status,
      page: options.page ?? 1,
      per_page: options.perPage ?? 30,
    };
    const { data } = await this.request<GitHubJson>(route, params, {
      pageOf: 'workflow_runs',
    });
    return {
      runs: (data.workflow_runs as GitHubJson[]).map(mapWorkflowRun),
      totalCount: data.total_count,
    };
  }

  /** Every job of a run (latest attempt) with its steps. 1 request per 100 jobs. */
  async listJobs(runId: number): Promise<GitHubJob[]> {
    const jobs = await this.all(
      'GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs',
      { ...this.params, run_id: runId },
      data => data.jobs as GitHubJson[],
    );
    return jobs.map(mapJob);
  }

  /**
   * The plain-text log of one job (`GET …/actions/jobs/{job_id}/logs`): GitHub answers 302 with
   * a URL that works for a minute without credentials, which is downloaded as a stream. Only the
   * last `maxBytes` are kept (from the first whole line), and at most `maxReadBytes` are read.
   * Never cached. 1 request to GitHub and 1 download. A job GitHub does not know → NotFoundError;
   * a log past its retention (410) → NotFoundError saying it is gone.
   */
  async getJobLog(
    jobId: number,
    options: GitHubJobLogOptions = {},
  ): Promise<GitHubJobLog> {
    const maxBytes = options.maxBytes ?? DEFAULT_JOB_LOG_MAX_BYTES;
    const maxReadBytes = Math.max(
      options.maxReadBytes ?? DEFAULT_JOB_LOG_MAX_READ_BYTES,
      maxBytes,
    );
    const credential = await this.context.credential();
    const route = 'GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs';
    const response = (await this.send<unknown>(credential, route, {
      ...this.params,
      job_id: jobId,
      headers: credential.authorization
        ? { authorization: credential.authorization }
        : {},
      // The signed URL is fetched here, as a stream, and without the token
      request: { redirect: 'manual' },
    })) as Response<unknown> & { status?: number };
    const { host, owner, repo } = this.repository;
    const what = `the log of job ${jobId} of ${owner}/${repo} on ${host}`;
    const location = header(response.headers, 'location');
    if (!location) {
      if (response.status === 200 && typeof response.data === 'string') {
        // Served directly instead of redirected: already read whole
        return this.keepEnd(
          jobId,
          [Buffer.from(response.data, 'utf8')],
          maxBytes,
          false,
        );
      }
      throw new ServiceUnavailableError(
        `GitHub answered ${response.status} without a Location for ${what}: expected a 302 to the log`,
      );
    }
    let download: globalThis.Response;
    const timeoutMs = this.context.logDownloadTimeoutMs ?? 60_000;
    // The URL is signed: a credential in itself, so only its host is ever named
    let downloadHost = 'the URL GitHub gave';
    try {
      downloadHost = new URL(location).host;
      download = await fetch(location, {
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new ServiceUnavailableError(
        `Could not download ${what} from ${downloadHost}: ${
          (error as Error).name === 'TimeoutError'
            ? `no answer within ${timeoutMs} ms`
            : (error as Error).message
        }`,
      );
    }
    if (download.status !== 200 || !download.body) {
      await download.body?.cancel();
      throw new ServiceUnavailableError(
        `Could not download ${what}: ${downloadHost} answered ${download.status} to the URL GitHub redirected to (it works for a minute after the redirect)`,
      );
    }
    const chunks: Buffer[] = [];
    let held = 0;
    let bytesRead = 0;
    let unreadAfter = false;
    const reader = download.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        let chunk = Buffer.from(value.buffer, value.byteOffset, value.length);
        if (bytesRead + chunk.length > maxReadBytes) {
          chunk = chunk.subarray(0, maxReadBytes - bytesRead);
          unreadAfter = true;
        }
        bytesRead += chunk.length;
        chunks.push(chunk);
        held += chunk.length;
        // Only the end is kept: what is held stays under twice the cap
        while (chunks.length > 1 && held - chunks[0].length >= maxBytes) {
          held -= chunks.shift()!.length;
        }
        if (unreadAfter) break;
      }
    } catch (error) {
      throw new ServiceUnavailableError(
        `Could not download ${what} from ${downloadHost}: ${
          (error as Error).name === 'TimeoutError'
            ? `it took longer than ${timeoutMs} ms`
            : (error as Error).message
        }`,
      );
    } finally {
      if (unreadAfter) await reader.cancel().catch(() => {});
    }
    return this.keepEnd(jobId, chunks, maxBytes, unreadAfter, bytesRead);
  }

  /** The last `maxBytes` of what was read, from the first whole line (or character). */
  private keepEnd(
    jobId: number,
    chunks: Buffer[],
    maxBytes: number,
    unreadAfter: boolean,
    bytesRead = chunks.reduce((sum, c) => sum + c.length, 0),
  ): GitHubJobLog {
    let buffer = Buffer.concat(chunks);
    let start = Math.max(buffer.length - maxBytes, 0);
    const atLineStart = start > 0 && buffer[start - 1] === 0x0a;
    if (!atLineStart && (start > 0 || buffer.length < bytesRead)) {
      const newline = buffer.indexOf(0x0a, start);
      if (newline >= 0 && newline < buffer.length - 1) start = newline + 1;
      // A line longer than the cap: at least no half character
      else
        while (start < buffer.length && (buffer[start] & 0xc0) === 0x80)
          start++;
    }
    buffer = buffer.subarray(start);
    return {
      jobId,
      text: buffer.toString('utf8'),
      bytesRead,
      droppedBytes: bytesRead - buffer.length,
      unreadAfter,
    };
  }

  /** Re-runs every job of a completed run. 1 request. */
  async rerunWorkflowRun(runId: number): Promise<void> {
    await this.request(
      'POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun',
      {
        ...this.params,
        run_id: runId,
      },
    );
  }

  /** Cancels a queued or running run (409 → ConflictError when it is completed). 1 request. */
  async cancelWorkflowRun(runId: number): Promise<void> {
    await this.request(
      'POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel',
      {
        ...this.params,
        run_id: runId,
      },
    );
  }

  // Pull requests

  /**
   * Review state and checks of one pull request's head commit: 3 requests (reviews, combined
   * status, check runs), each a 304 (free) when nothing changed since the last call.
   */
  private async summarize(pull: GitHubJson): Promise<GitHubPullRequestSummary> {
    const [reviews, status, checkRuns] = await Promise.all([
      this.all(
        'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
        { ...this.params, pull_number: pull.number },
        data => data as GitHubJson[],
      ),
      this.request<GitHubJson>(
        'GET /repos/{owner}/{repo}/commits/{ref}/status',
        {
          ...this.params,
          ref: pull.head.sha,
        },
      ),
      this.request<GitHubJson>(
        'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
        {
          ...this.params,
          ref: pull.head.sha,
          per_page: 100,
        },
      ),
    ]);
    return mapPullRequest(
      pull,
      reviewStateOf(reviews),
      checksSummaryOf(
        status.data.statuses ?? [],
        checkRuns.data.check_runs ?? [],
      ),
    );
  }

  /**
   * Pull requests (newest first, at most `perPage`) with their review state and the checks of
   * their head commit. Costs 1 + 3 × (pull requests) requests: the list, then reviews,
   * combined status and check runs of each, in parallel. REST has no cheaper way; repeated
   * calls are conditional, and a 304 does not count against the rate limit.
   */
  async listPullRequests(
    options: {
      state?: 'open' | 'closed' | 'all';
      perPage?: number;
    } = {},
  ): Promise<GitHubPullRequestSummary[]> {
    return (await this.listNewestPullRequests(options)).pullRequests;
  }

  /**
   * The newest `perPage` pull requests (default 30), of which only the first `detailed`
   * (default all) get their review state and checks: 1 + 3 × `detailed` requests. `count` is
   * how many the page held, `hasMore` whether GitHub links a next page. The page is the same
   * request as `listPullRequests`'s, so a cached one serves both.
   */
  async listNewestPullRequests(options: {
    state?: 'open' | 'closed' | 'all';
    perPage?: number;
    detailed?: number;
  }): Promise<{
    pullRequests: GitHubPullRequestSummary[];
    count: number;
    hasMore: boolean;
  }> {
    const { data, headers } = await this.request<GitHubJson[]>(
      'GET /repos/{owner}/{repo}/pulls',
      {
        ...this.params,
        state: options.state ?? 'open',
        per_page: options.perPage ?? 30,
      },
    );
    const shown = data.slice(0, options.detailed ?? data.length);
    return {
      pullRequests: await Promise.all(shown.map(pull => this.summarize(pull))),
      count: data.length,
      hasMore: nextLink(headers) !== undefined,
    };
  }

  /**
   * One page of pull requests with their dates only (no reviews or checks), for statistics
   * such as cycle time: 1 request. `hasMore` says whether GitHub links a next page.
   */
  async listPullRequestTimes(
    options: {
      state?: 'open' | 'closed' | 'all';
      sort?: 'created' | 'updated';
      direction?: 'asc' | 'desc';
      page?: number;
      perPage?: number;
    } = {},
  ): Promise<{ pullRequests: GitHubPullRequestTimes[]; hasMore: boolean }> {
    const { data, headers } = await this.request<GitHubJson[]>(
      'GET /repos/{owner}/{repo}/pulls',
      {
        ...this.params,
        state: options.state ?? 'open',
        sort: options.sort,
        direction: options.direction,
        page: options.page ?? 1,
        per_page: options.perPage ?? 30,
      },
    );
    return {
      pullRequests: data.map(pull => ({
        number: pull.number,
        createdAt: pull.created_at,
        updatedAt: pull.updated_at,
        closedAt: pull.closed_at ?? undefined,
        mergedAt: pull.merged_at ?? undefined,
      })),
      hasMore: nextLink(headers) !== undefined,
    };
  }

  /** One pull request with review state and checks. 4 requests. */
  async getPullRequest(pullNumber: number): Promise<GitHubPullRequestSummary> {
    const { data } = await this.request<GitHubJson>(
      'GET /repos/{owner}/{repo}/pulls/{pull_number}',
      { ...this.params, pull_number: pullNumber },
    );
    return this.summarize(data);
  }

  /** Opens a pull request from `head` into `base`. 1 request. */
  async createPullRequest(options: {
    title: string;
    head: string;
    base: string;
    body?: string;
    draft?: boolean;
  }): Promise<GitHubPullRequestSummary> {
    const { data } = await this.request<GitHubJson>(
      'POST /repos/{owner}/{repo}/pulls',
      {
        ...this.params,
        ...options,
      },
    );
    return mapPullRequest(data, 'none', checksSummaryOf([], []));
  }

  // Commits, statuses and checks

  /** One page of commits of a branch or sha (default: the default branch), newest first. 1 request. */
  async listCommits(
    options: {
      sha?: string;
      since?: string;
      perPage?: number;
      page?: number;
    } = {},
  ): Promise<GitHubCommitSummary[]> {
    const { data } = await this.request<GitHubJson[]>(
      'GET /repos/{owner}/{repo}/commits',
      {
        ...this.params,
        sha: options.sha,
        since: options.since,
        per_page: options.perPage ?? 30,
        page: options.page ?? 1,
      },
    );
    return data.map(mapCommit);
  }

  /** Sets a commit status (`context` names it; the latest per context counts). 1 request. */
  async createCommitStatus(
    sha: string,
    status: {
      state: 'error' | 'failure' | 'pending' | 'success';
      context: string;
      description?: string;
      targetUrl?: string;
    },
  ): Promise<{ id: number }> {
    const { data } = await this.request<GitHubJson>(
      'POST /repos/{owner}/{repo}/statuses/{sha}',
      {
        ...this.params,
        sha,
        state: status.state,
        context: status.context,
        // GitHub cuts descriptions at 140 characters
        description: status.description?.slice(0, 140),
        target_url: status.targetUrl,
      },
    );
    return { id: data.id };
  }

  private checkRunBody(input: GitHubCheckRunInput) {
    return {
      status: input.status,
      conclusion: input.conclusion,
      details_url: input.detailsUrl,
      external_id: input.externalId,
      output: input.output,
    };
  }

  /** Creates a check run (GitHub Apps only). 1 request. */
  async createCheckRun(
    input: GitHubCheckRunInput & { name: string; headSha: string },
  ): Promise<{ id: number; htmlUrl: string }> {
    const { data } = await this.request<GitHubJson>(
      'POST /repos/{owner}/{repo}/check-runs',
      {
        ...this.params,
        name: input.name,
        head_sha: input.headSha,
        ...this.checkRunBody(input),
      },
    );
    return { id: data.id, htmlUrl: data.html_url };
  }

  /** Updates a check run (GitHub Apps only). 1 request. */
  async updateCheckRun(
    checkRunId: number,
    input: GitHubCheckRunInput,
  ): Promise<void> {
    await this.request(
      'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
      {
        ...this.params,
        check_run_id: checkRunId,
        ...this.checkRunBody(input),
      },
    );
  }

  // Issue comments

  /**
   * The first comment on an issue or pull request whose body contains `marker` (e.g. a hidden
   * `<!-- comet:… -->`), so a bot edits its comment instead of adding one. 1 request per 100
   * comments.
   */
  async findIssueComment(
    issueNumber: number,
    marker: string,
  ): Promise<GitHubIssueComment | undefined> {
    const comments = await this.all(
      'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
      { ...this.params, issue_number: issueNumber },
      data => data as GitHubJson[],
    );
    const found = comments.find(c => String(c.body ?? '').includes(marker));
    return found && { id: found.id, body: found.body, htmlUrl: found.html_url };
  }

  /** 1 request. */
  async createIssueComment(
    issueNumber: number,
    body: string,
  ): Promise<GitHubIssueComment> {
    const { data } = await this.request<GitHubJson>(
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      { ...this.params, issue_number: issueNumber, body },
    );
    return { id: data.id, body: data.body, htmlUrl: data.html_url };
  }

  /** 1 request. */
  async updateIssueComment(
    commentId: number,
    body: string,
  ): Promise<GitHubIssueComment> {
    const { data } = await this.request<GitHubJson>(
      'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
      { ...this.params, comment_id: commentId, body },
    );
    return { id: data.id, body: data.body, htmlUrl: data.html_url };
  }

  /**
   * The repository as GitHub describes it, or undefined when GitHub answers 404 (it does not
   * exist, or the credentials cannot see it). 1 request (revalidated with its ETag).
   */
  async getRepository(): Promise<GitHubRepositorySummary | undefined> {
    try {
      const { data } = await this.request<GitHubJson>(
        'GET /repos/{owner}/{repo}',
        this.params,
      );
      return {
        fullName: data.full_name,
        htmlUrl: data.html_url,
        private: Boolean(data.private),
        defaultBranch: data.default_branch,
        topics: Array.isArray(data.topics) ? data.topics : [],
      };
    } catch (error) {
      if ((error as Error)?.name === 'NotFoundError') return undefined;
      throw error;
    }
  }

  // Git data, for proposing a change as a pull request

  /** 1 request (cached). */
  async getDefaultBranch(): Promise<string> {
    const { data } = await this.request<GitHubJson>(
      'GET /repos/{owner}/{repo}',
      this.params,
    );
    return data.default_branch;
  }

  /** The commit SHA a branch points at. 1 request (cached). A branch that does not exist → NotFoundError. */
  async getBranchSha(branch: string): Promise<string> {
    const { data: ref } = await this.request<GitHubJson>(
      'GET /repos/{owner}/{repo}/git/ref/{ref}',
      { ...this.params, ref: `heads/${branch}` },
    );
    return ref.object.sha as string;
  }

  /**
   * The text of the file at `path` at `ref` (a branch or a commit SHA; the default branch when
   * absent), from the contents API. Read at a commit SHA, a cached answer can never be stale.
   * Undefined when GitHub answers 404: no such file at that ref (or, when nothing else of the
   * repository was asked first, a repository the credentials cannot see). A directory, a
   * symlink or a submodule, and a file over 1 MB (whose content the contents API leaves out)
   * → InputError naming the path. 1 request.
   */
  async getFileContent(
    path: string,
    options: { ref?: string } = {},
  ): Promise<GitHubFileContent | undefined> {
    let data: GitHubJson;
    try {
      ({ data } = await this.request<GitHubJson>(
        'GET /repos/{owner}/{repo}/contents/{path}',
        { ...this.params, path, ref: options.ref },
        { notFound: () => new NoSuchFile() },
      ));
    } catch (error) {
      if (error instanceof NoSuchFile) return undefined;
      throw error;
    }
    const { host, owner, repo } = this.repository;
    const where = `${path} in ${owner}/${repo} on ${host}${
      options.ref ? ` at ${options.ref}` : ''
    }`;
    if (Array.isArray(data) || data.type !== 'file') {
      throw new InputError(
        `${where} is ${
          Array.isArray(data) ? 'a directory' : `a ${data.type}`
        }, not a file`,
      );
    }
    if (data.encoding !== 'base64') {
      throw new InputError(
        `${where} is ${data.size} bytes: larger than the 1 MB whose content GitHub's contents API returns`,
      );
    }
    return {
      path: data.path,
      sha: data.sha,
      content: Buffer.from(data.content, 'base64').toString('utf8'),
    };
  }

  /**
   * A new branch `branch` from `base` (or from the commit `baseSha`, e.g. the one a file was
   * read at) with one commit that writes `files` (path → UTF-8 content) on top of the base
   * tree. Costs 5 + (files) requests: base ref (none with `baseSha`), base commit, a blob per
   * file, tree, commit, new ref. A branch that exists already → ConflictError.
   */
  async createBranchWithCommit(options: {
    base: string;
    baseSha?: string;
    branch: string;
    message: string;
    files: Record<string, string>;
  }): Promise<{ branch: string; commitSha: string }> {
    const baseSha = options.baseSha ?? (await this.getBranchSha(options.base));
    const { data: baseCommit } = await this.request<GitHubJson>(
      'GET /repos/{owner}/{repo}/git/commits/{commit_sha}',
      { ...this.params, commit_sha: baseSha },
    );
    const tree = [];
    for (const [path, content] of Object.entries(options.files)) {
      const { data: blob } = await this.request<GitHubJson>(
        'POST /repos/{owner}/{repo}/git/blobs',
        { ...this.params, content, encoding: 'utf-8' },
      );
      tree.push({ path, mode: '100644', type: 'blob', sha: blob.sha });
    }
    const { data: newTree } = await this.request<GitHubJson>(
      'POST /repos/{owner}/{repo}/git/trees',
      { ...this.params, base_tree: baseCommit.tree.sha, tree },
    );
    const { data: commit } = await this.request<GitHubJson>(
      'POST /repos/{owner}/{repo}/git/commits',
      {
        ...this.params,
        message: options.message,
        tree: newTree.sha,
        parents: [baseSha],
      },
    );
    await this.request('POST /repos/{owner}/{repo}/git/refs', {
      ...this.params,
      ref: `refs/heads/${options.branch}`,
      sha: commit.sha,
    });
    return { branch: options.branch, commitSha: commit.sha };
  }
}
