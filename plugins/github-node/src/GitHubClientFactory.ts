import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  GithubCredentialsProvider,
  ScmIntegrationRegistry,
  ScmIntegrations,
} from '@backstage/integration';
import type { GitHubRepositoryRef } from '@internal/plugin-github-common';
import { ExternalApiMetrics } from '@internal/backend-common';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import { createHash } from 'node:crypto';
import {
  GitHubClient,
  GitHubRateLimit,
  GitHubRequestCredential,
} from './GitHubClient';
import { GitHubResponseCache } from './GitHubResponseCache';

/** An Octokit plugin as @octokit/rest's own @octokit/core types it. */
type RestOctokitPlugin = Parameters<typeof Octokit.plugin>[0];

/**
 * The two plugins type their Octokit from the hoisted @octokit/core (5, which the scaffolder's
 * GitHub module brings), while @octokit/rest 19 is built on core 4; at run time they only call
 * the instance's hooks and bottleneck, which both versions share, so only the types differ.
 */
const ThrottledOctokit = Octokit.plugin(
  throttling as unknown as RestOctokitPlugin,
  retry as unknown as RestOctokitPlugin,
);

export type GitHubClientFactoryOptions = {
  logger: LoggerService;
  /** `github.cache.ttlSeconds`: how long a GET answer is reused before revalidating. Default 60. */
  cacheTtlSeconds?: number;
  /** About how much the GET cache may hold, in MiB. Default 64. */
  cacheMaxMegabytes?: number;
  /** `github.requestTimeoutMs`. Default 10000. */
  requestTimeoutMs?: number;
  /** The longest a job log's download may take. Default 60000. */
  logDownloadTimeoutMs?: number;
  /** The longest rate-limit wait before a request fails instead. Default 60 seconds. */
  maxRateLimitWaitSeconds?: number;
  /**
   * Spacing of writes per host, in milliseconds: GitHub asks for at least 1 s between writes
   * and 3 s between those that notify (pull requests, comments) to avoid secondary limits.
   * Default those; tests set 0.
   */
  writeIntervalMs?: number;
  /** Retries of 5xx answers and network errors (after 1 s, 4 s, …). Default 2. */
  retries?: number;
  /** The unit of the retry backoff in milliseconds. Default 1000. */
  retryBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** `comet.external.*` metrics of every call (system `github`, per host). */
  metrics?: ExternalApiMetrics;
};

function hashOf(secret: string) {
  return createHash('sha256').update(secret).digest('hex').slice(0, 32);
}

/**
 * Builds a {@link GitHubClient} per repository from Backstage's `integrations.github`: a
 * token or GitHub App credentials per host (github.com, or GitHub Enterprise Server through
 * `apiBaseUrl`), resolved by `DefaultGithubCredentialsProvider` for each request. Clients of
 * one factory share the GET cache, the rate-limit readings (per credential) and one Octokit
 * per host (with the throttling and retry plugins).
 */
export class GitHubClientFactory {
  static fromConfig(
    config: Config,
    options: GitHubClientFactoryOptions,
  ): GitHubClientFactory {
    const integrations = ScmIntegrations.fromConfig(config);
    return new GitHubClientFactory(
      integrations,
      DefaultGithubCredentialsProvider.fromIntegrations(integrations),
      {
        cacheTtlSeconds: config.getOptionalNumber('github.cache.ttlSeconds'),
        cacheMaxMegabytes: config.getOptionalNumber(
          'github.cache.maxMegabytes',
        ),
        requestTimeoutMs: config.getOptionalNumber('github.requestTimeoutMs'),
        metrics: ExternalApiMetrics.forRootService('github'),
        ...options,
      },
    );
  }

  private readonly cache: GitHubResponseCache;
  private readonly rateLimits = new Map<string, GitHubRateLimit>();
  private readonly octokits = new Map<string, Octokit>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly integrations: ScmIntegrationRegistry,
    private readonly credentials: GithubCredentialsProvider,
    private readonly options: GitHubClientFactoryOptions,
  ) {
    this.cache = new GitHubResponseCache({
      ttlMs: (options.cacheTtlSeconds ?? 60) * 1000,
      maxBytes: (options.cacheMaxMegabytes ?? 64) * 1024 * 1024,
    });
    this.sleep =
      options.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)));
  }

  /**
   * The last rate-limit reading of every credential used so far, keyed `host:hash` (never the
   * token), e.g. for a backend to report as a gauge.
   */
  rateLimitReadings(): Array<GitHubRateLimit & { credential: string }> {
    return [...this.rateLimits.entries()].map(([credential, reading]) => ({
      credential,
      ...reading,
    }));
  }

  /** Whether any `integrations.github` entry has a token or a GitHub App. */
  isConfigured(): boolean {
    return this.integrations.github
      .list()
      .some(i => Boolean(i.config.token || i.config.apps?.length));
  }

  /** The hosts of `integrations.github` (github.com is always there, anonymous when unset). */
  hosts(): string[] {
    return this.integrations.github.list().map(i => i.config.host);
  }

  /**
   * A client for one repository. Throws an InputError naming the host and the config key
   * when no `integrations.github` entry has that host. With `userToken` (a signed-in user's
   * own GitHub token, for one request: never stored), it calls GitHub as that user instead of
   * with the integration's credentials.
   */
  forRepository(
    repository: GitHubRepositoryRef,
    options: { userToken?: string } = {},
  ): GitHubClient {
    const integration = this.integrations.github.byHost(repository.host);
    if (!integration?.config.apiBaseUrl) {
      throw new InputError(
        `No GitHub integration for the host ${repository.host} of ${repository.owner}/${repository.repo}: add one with that host to integrations.github[].host (with its apiBaseUrl and a token or apps)`,
      );
    }
    const maxWait = this.options.maxRateLimitWaitSeconds ?? 60;
    const url = `https://${repository.host}/${repository.owner}/${repository.repo}`;
    return new GitHubClient(repository, {
      octokit: this.octokit(repository.host, integration.config.apiBaseUrl),
      cache: this.cache,
      rateLimits: this.rateLimits,
      maxRateLimitWaitSeconds: maxWait,
      sleep: this.sleep,
      onRateLimitWait: waitMs =>
        this.options.metrics?.rateLimitWait(repository.host, waitMs),
      logDownloadTimeoutMs: this.options.logDownloadTimeoutMs,
      credential: async (): Promise<GitHubRequestCredential> => {
        if (options.userToken) {
          return {
            authorization: `token ${options.userToken}`,
            key: `${repository.host}:user:${hashOf(options.userToken)}`,
            secret: options.userToken,
            user: true,
          };
        }
        let token: string | undefined;
        try {
          token = (await this.credentials.getCredentials({ url })).token;
        } catch (error) {
          throw new NotAllowedError(
            `The credentials configured for ${
              repository.host
            } (integrations.github) cannot be used for ${repository.owner}/${
              repository.repo
            }: ${(error as Error).message}`,
          );
        }
        if (!token && integration.config.apps?.length) {
          // Backstage falls back to anonymous when no installation covers the owner
          throw new NotAllowedError(
            `No installation of the GitHub App configured for ${repository.host} (integrations.github[].apps) covers ${repository.owner}/${repository.repo}: install the app on ${repository.owner} or give the integration a token`,
          );
        }
        if (!token) return { key: `${repository.host}:anonymous` };
        return {
          authorization: `token ${token}`,
          key: `${repository.host}:${hashOf(token)}`,
          secret: token,
        };
      },
    });
  }

  private octokit(host: string, baseUrl: string): Octokit {
    const existing = this.octokits.get(host);
    if (existing) return existing;
    const { logger } = this.options;
    const timeoutMs = this.options.requestTimeoutMs ?? 10_000;
    const maxWait = this.options.maxRateLimitWaitSeconds ?? 60;
    const writeMs = this.options.writeIntervalMs;
    const limitHandler =
      (kind: string) =>
      (
        retryAfter: number,
        options: object,
        _octokit: unknown,
        retryCount: number,
      ) => {
        const { method, url } = options as { method: string; url: string };
        if (retryCount === 0 && retryAfter <= maxWait) {
          this.options.metrics?.rateLimitWait(host, retryAfter * 1000);
          logger.warn(
            `GitHub ${kind} rate limit on ${host} for ${method} ${url}: waiting ${retryAfter} s`,
          );
          return true;
        }
        logger.warn(
          `GitHub ${kind} rate limit on ${host} for ${method} ${url}: not waiting ${retryAfter} s (at most ${maxWait} s, once)`,
        );
        return false;
      };
    const octokit = new ThrottledOctokit({
      baseUrl,
      userAgent: 'Comet (Backstage)',
      log: {
        debug: () => {},
        info: () => {},
        warn: (message: string) => logger.warn(message),
        error: (message: string) => logger.error(message),
      },
      request: {
        // Every call gets its own timeout
        fetch: (input: any, init?: RequestInit) => {
          const call = () =>
            fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
          const metrics = this.options.metrics;
          return metrics ? metrics.time(host, call) : call();
        },
      },
      throttle: {
        id: host,
        // Per factory, not the plugin's process-wide groups
        global: new Bottleneck.Group({ maxConcurrent: 10 }),
        write: new Bottleneck.Group({
          maxConcurrent: 1,
          minTime: writeMs ?? 1000,
        }),
        search: new Bottleneck.Group({ maxConcurrent: 1, minTime: 2000 }),
        notifications: new Bottleneck.Group({
          maxConcurrent: 1,
          minTime: writeMs ?? 3000,
        }),
        onRateLimit: limitHandler('primary'),
        onSecondaryRateLimit: limitHandler('secondary'),
      } as any,
      retry: {
        // 429 is waited out by GitHubClient with its retry-after; the others are final
        doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429],
        retries: this.options.retries ?? 2,
        retryAfterBaseValue: this.options.retryBaseMs ?? 1000,
      },
    });
    this.octokits.set(host, octokit);
    return octokit;
  }
}
