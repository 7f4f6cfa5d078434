import type {
  AuditorService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { ANNOTATION_LOCATION, type Entity } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  audited,
  EntityAccess,
  EntityPermission,
  ResourceScopes,
  ScopeFamily,
} from '@internal/backend-common';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  GitHubCommitSummary,
  GitHubJob,
  GitHubJobLog,
  GitHubPullRequestSummary,
  githubPullRequestCreatePermission,
  GitHubRepositoryRef,
  githubWorkflowRunCancelPermission,
  GitHubWorkflowRunPage,
  githubWorkflowRunRerunPermission,
  gitHubRepositoryOf,
} from '@internal/plugin-github-common';
import type {
  GitHubClient,
  GitHubClientFactory,
} from '@internal/plugin-github-node';
import {
  ANNOTATION_PIPELINES,
  pipelinePathsOf,
} from '@internal/plugin-pipelines-common';
import { randomBytes } from 'node:crypto';
import {
  CATALOG_CHANGE_ANNOTATIONS,
  CatalogAnnotationChanges,
  catalogFileOf,
  changeCatalogAnnotations,
} from './catalogInfo';
import { cycleTimeOf, GitHubCycleTime } from './cycleTime';

export const GITHUB_NOT_CONFIGURED_MESSAGE =
  'GitHub is not configured: set integrations.github (host, apiBaseUrl, and a token or apps) in app-config.yaml to turn it on';

/** Closed pull requests read per request for cycle time (GitHub's maximum). */
const CYCLE_TIME_PAGE_SIZE = 100;
/** At most this many pages (10,000 pull requests updated in the window) for one answer. */
const CYCLE_TIME_MAX_PAGES = 100;

/** What an audited write passes on to the auditor (the HTTP request, when there is one). */
export type GitHubAuditContext = { request?: any };

export type GitHubRepositoryInfo = {
  host: string;
  owner: string;
  repo: string;
  htmlUrl: string;
};

export type GitHubWorkflowRunsResponse = GitHubWorkflowRunPage & {
  page: number;
  perPage: number;
  repository: GitHubRepositoryInfo;
};

export type GitHubProposal = {
  entityRef: string;
  title: string;
  body?: string;
  /** Path → new UTF-8 content; only the entity's pipeline files. */
  files: Record<string, string>;
  /** The commit message; the title when absent. */
  message?: string;
  /**
   * The signed-in user's own GitHub token, for this request only (never stored or logged):
   * the branch, commit and pull request are then made as that user, who is their author.
   */
  userToken?: string;
};

/** A change of an entity's wiring annotations in its catalog file, to propose. */
export type GitHubCatalogChange = {
  entityRef: string;
  /** Annotation → its new value, or null to remove it; only CATALOG_CHANGE_ANNOTATIONS. */
  annotations: CatalogAnnotationChanges;
  title: string;
  body?: string;
};

/** The longest annotation value a proposed catalog change may set. */
const MAX_ANNOTATION_VALUE_LENGTH = 4096;

export type GitHubServiceOptions = {
  factory: GitHubClientFactory;
  catalog: CatalogService;
  permissions: PermissionsService;
  auditor: AuditorService;
  /** How long an entity and the caller's decisions on it are reused (default 5 s). */
  accessCacheTtlMs?: number;
  /** The clock of cycle-time windows. */
  now?: () => number;
  /** Six hex digits that make proposal branches unique. */
  randomSuffix?: () => string;
  /**
   * Which repositories each owner group's entities may name (`comet.resourceScopes.<group>.github`);
   * none, or scopes not configured: any.
   */
  scopes?: ResourceScopes;
};

/** The host of repositories whose entity names none (no GitHub source location). */
const DEFAULT_GITHUB_HOST = 'github.com';

/**
 * GitHub as `comet.resourceScopes` sees it: `[host:]owner/repo`, e.g. `comet-examples/payments-*`
 * (github.com) or `ghe.example.com:platform/*`. The host is the repository's, as its
 * `backstage.io/source-location` gives it (github.com without one).
 */
export const GITHUB_SCOPE_FAMILY: ScopeFamily = {
  id: 'github',
  annotation: GITHUB_PROJECT_SLUG_ANNOTATION,
  instanceSeparator: ':',
  defaultInstance: () => DEFAULT_GITHUB_HOST,
};

/**
 * Why `entity` may not name `repository`, or undefined when it may. A pattern is split at its
 * first `:` (host, then owner/repo), so `host:owner/repo` is split the same way: a host with a
 * port (`ghe.internal:8443`) is written in full in a pattern (`ghe.internal:8443:platform/*`)
 * and still matches. GitHub's names are case-insensitive: a slug written in capitals also
 * matches a lower-case pattern.
 */
export function gitHubScopeRefusal(
  scopes: ResourceScopes,
  entity: Entity,
  repository: GitHubRepositoryRef,
): string | undefined {
  const written = `${repository.host}:${repository.owner}/${repository.repo}`;
  const at = written.indexOf(':');
  const source =
    entity.metadata.annotations?.[GITHUB_PROJECT_SLUG_ANNOTATION]?.trim() ??
    `${repository.owner}/${repository.repo}`;
  const resource = {
    instance: written.slice(0, at),
    name: written.slice(at + 1),
    source,
  };
  const refusal = scopes.refusal(entity, GITHUB_SCOPE_FAMILY, resource);
  if (!refusal) return undefined;
  const lower = resource.name.toLocaleLowerCase('en-US');
  if (
    lower !== resource.name &&
    !scopes.refusal(entity, GITHUB_SCOPE_FAMILY, { ...resource, name: lower })
  ) {
    return undefined;
  }
  return refusal;
}

function infoOf(repository: GitHubRepositoryRef): GitHubRepositoryInfo {
  const { host, owner, repo } = repository;
  return { host, owner, repo, htmlUrl: `https://${host}/${owner}/${repo}` };
}

/**
 * `Fix the build!` → `fix-the-build`: ASCII letters and digits, at most 40 characters cut at a
 * word, `change` when nothing is left.
 */
export function branchSlugOf(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length <= 40) return slug || 'change';
  const cut = slug.slice(0, 41);
  const lastDash = cut.lastIndexOf('-');
  return lastDash > 0 ? cut.slice(0, lastDash) : slug.slice(0, 40);
}

/** A repository path as annotations and requests may write it: without a leading `./`. */
function normalizedPath(path: string): string {
  return path.trim().replace(/^(\.\/)+/, '');
}

/**
 * What the REST API and the actions share: every call resolves the entity with the caller's
 * credentials (nobody sees more than the catalog shows them), decides the permissions it
 * needs in one request, finds the entity's repository (`github.com/project-slug`) and calls
 * GitHub with the credentials of `integrations.github` for its host. Re-runs, cancels and
 * proposed pull requests are audited.
 */
export class GitHubService {
  static create(options: GitHubServiceOptions): GitHubService {
    return new GitHubService(options);
  }

  private readonly access: EntityAccess;
  private readonly now: () => number;
  private readonly randomSuffix: () => string;

  private constructor(private readonly options: GitHubServiceOptions) {
    this.access = EntityAccess.create({
      catalog: options.catalog,
      permissions: options.permissions,
      cacheTtlMs: options.accessCacheTtlMs,
    });
    this.now = options.now ?? Date.now;
    this.randomSuffix =
      options.randomSuffix ?? (() => randomBytes(3).toString('hex'));
  }

  get configured(): boolean {
    return this.options.factory.isConfigured();
  }

  /** `GET /config`: whether credentials are set, and for which hosts. */
  config(): { configured: boolean; hosts: string[] } {
    return this.configured
      ? { configured: true, hosts: this.options.factory.hosts() }
      : { configured: false, hosts: [] };
  }

  /**
   * The entity's repository and a client for it, when the caller may read the entity and has
   * `permission` on it (asked afresh for writes), and the repository is within the scopes of
   * the entity's owner group (`comet.resourceScopes.<group>.github`, when configured).
   */
  private async resolve(
    credentials: BackstageCredentials,
    entityRef: string,
    permission?: EntityPermission,
    /** What an entity without `github.com/project-slug` is: nothing to read, or a bad input. */
    withoutRepository: 'not-found' | 'input' = 'not-found',
  ) {
    if (!this.configured) {
      throw new ServiceUnavailableError(GITHUB_NOT_CONFIGURED_MESSAGE);
    }
    const decided = await this.access.entity(credentials, entityRef, {
      require: permission ? [permission] : [],
      fresh: permission !== undefined,
    });
    const repository = gitHubRepositoryOf(decided.entity);
    if (!repository) {
      const message = `${decided.entityRef} has no GitHub repository: add the annotation ${GITHUB_PROJECT_SLUG_ANNOTATION} (owner/repo) to it`;
      throw withoutRepository === 'input'
        ? new InputError(message)
        : new NotFoundError(message);
    }
    // Before any call to GitHub: the annotation is the entity owner's to write, the
    // credentials are Comet's
    if (this.options.scopes) {
      const refusal = gitHubScopeRefusal(
        this.options.scopes,
        decided.entity,
        repository,
      );
      if (refusal) throw new NotAllowedError(refusal);
    }
    const client: GitHubClient = this.options.factory.forRepository(repository);
    return { ...decided, repository, client };
  }

  async repository(
    credentials: BackstageCredentials,
    request: { entityRef: string },
  ): Promise<{ repository: GitHubRepositoryInfo & { defaultBranch: string } }> {
    const { repository, client } = await this.resolve(
      credentials,
      request.entityRef,
    );
    return {
      repository: {
        ...infoOf(repository),
        defaultBranch: await client.getDefaultBranch(),
      },
    };
  }

  async workflowRuns(
    credentials: BackstageCredentials,
    request: {
      entityRef: string;
      branch?: string;
      status?: string;
      page: number;
      perPage: number;
    },
  ): Promise<GitHubWorkflowRunsResponse> {
    const { repository, client } = await this.resolve(
      credentials,
      request.entityRef,
    );
    const runs = await client.listWorkflowRuns({
      branch: request.branch,
      status: request.status,
      page: request.page,
      perPage: request.perPage,
    });
    return {
      ...runs,
      page: request.page,
      perPage: request.perPage,
      repository: infoOf(repository),
    };
  }

  async jobs(
    credentials: BackstageCredentials,
    request: { entityRef: string; runId: number },
  ): Promise<{ jobs: GitHubJob[] }> {
    const { client } = await this.resolve(credentials, request.entityRef);
    return { jobs: await client.listJobs(request.runId) };
  }

  /**
   * One job's plain-text log, its last `maxBytes` when longer (see `GitHubClient.getJobLog`).
   * The same access as the runs: the caller may read the entity, and its repository is within
   * the owner group's scopes. GitHub itself writes `***` for the secrets it knows.
   */
  async jobLog(
    credentials: BackstageCredentials,
    request: { entityRef: string; jobId: number; maxBytes: number },
  ): Promise<GitHubJobLog> {
    const { client } = await this.resolve(credentials, request.entityRef);
    return client.getJobLog(request.jobId, { maxBytes: request.maxBytes });
  }

  /** Re-runs every job of a completed run; needs `github.workflowRun.rerun` on the entity. */
  async rerun(
    credentials: BackstageCredentials,
    request: { entityRef: string; runId: number },
    audit: GitHubAuditContext = {},
  ): Promise<{ ok: true }> {
    return this.actOnRun('rerun', credentials, request, audit);
  }

  /** Cancels a queued or running run; needs `github.workflowRun.cancel` on the entity. */
  async cancel(
    credentials: BackstageCredentials,
    request: { entityRef: string; runId: number },
    audit: GitHubAuditContext = {},
  ): Promise<{ ok: true }> {
    return this.actOnRun('cancel', credentials, request, audit);
  }

  /** A re-run or cancel: audited, with its permission asked afresh. */
  private async actOnRun(
    verb: 'rerun' | 'cancel',
    credentials: BackstageCredentials,
    request: { entityRef: string; runId: number },
    audit: GitHubAuditContext,
  ): Promise<{ ok: true }> {
    return audited(
      this.options.auditor,
      {
        eventId: `workflow-run-${verb}`,
        meta: { entityRef: request.entityRef, runId: request.runId },
        request: audit.request,
      },
      async () => {
        const { client } = await this.resolve(
          credentials,
          request.entityRef,
          verb === 'rerun'
            ? githubWorkflowRunRerunPermission
            : githubWorkflowRunCancelPermission,
        );
        if (verb === 'rerun') await client.rerunWorkflowRun(request.runId);
        else await client.cancelWorkflowRun(request.runId);
        return { ok: true as const };
      },
    );
  }

  /**
   * The newest 30 pull requests in `state`, each with review state and checks; with `limit`,
   * only the first `limit` (1 + 3 × limit GitHub requests instead of 1 + 3 × 30), `count`
   * saying how many the 30 held and `hasMore` whether there are more than 30.
   */
  async pullRequests(
    credentials: BackstageCredentials,
    request: {
      entityRef: string;
      state: 'open' | 'closed' | 'all';
      limit?: number;
    },
  ): Promise<{
    pullRequests: GitHubPullRequestSummary[];
    count: number;
    hasMore: boolean;
  }> {
    const { client } = await this.resolve(credentials, request.entityRef);
    return client.listNewestPullRequests({
      state: request.state,
      detailed: request.limit,
    });
  }

  async pullRequest(
    credentials: BackstageCredentials,
    request: { entityRef: string; number: number },
  ): Promise<{ pullRequest: GitHubPullRequestSummary }> {
    const { client } = await this.resolve(credentials, request.entityRef);
    return { pullRequest: await client.getPullRequest(request.number) };
  }

  /** The newest commits of the default branch. */
  async commits(
    credentials: BackstageCredentials,
    request: { entityRef: string; perPage: number },
  ): Promise<{ branch: string; commits: GitHubCommitSummary[] }> {
    const { client } = await this.resolve(credentials, request.entityRef);
    const branch = await client.getDefaultBranch();
    return {
      branch,
      commits: await client.listCommits({
        sha: branch,
        perPage: request.perPage,
      }),
    };
  }

  /**
   * Hours from opened to merged of the pull requests merged in the last `days`, per ISO week.
   * Closed pull requests are read newest update first, 100 a request, until one was last
   * updated before the window (a merge is never later than the last update).
   */
  async cycleTime(
    credentials: BackstageCredentials,
    request: { entityRef: string; days: number },
  ): Promise<GitHubCycleTime> {
    const { client } = await this.resolve(credentials, request.entityRef);
    const now = this.now();
    const since = now - request.days * 86_400_000;
    const pulls: Array<{ createdAt: string; mergedAt?: string }> = [];
    for (let page = 1; page <= CYCLE_TIME_MAX_PAGES; page++) {
      const { pullRequests, hasMore } = await client.listPullRequestTimes({
        state: 'closed',
        sort: 'updated',
        direction: 'desc',
        perPage: CYCLE_TIME_PAGE_SIZE,
        page,
      });
      pulls.push(...pullRequests);
      const oldest = pullRequests[pullRequests.length - 1];
      if (!hasMore || !oldest || Date.parse(oldest.updatedAt) < since) break;
    }
    return cycleTimeOf(pulls, { now, days: request.days });
  }

  /**
   * Proposes a change to the entity's pipeline files as a pull request: a branch
   * `comet/<slug>-<6 hex>` from the default branch with one commit. With the user's own GitHub
   * token the user is the author; otherwise Comet's credentials (token or App) are, and the
   * commit message ends with a `Proposed-by: <user>` trailer. Needs `github.pullRequest.create` on the entity; only the
   * paths of its `comet.dev/pipelines` annotation (`.comet/pipeline.yaml` without one, as the
   * pipelines family reads it) may be changed.
   */
  async proposePullRequest(
    credentials: BackstageCredentials,
    proposal: GitHubProposal,
    audit: GitHubAuditContext = {},
  ): Promise<{
    number: number;
    htmlUrl: string;
    branch: string;
    author: 'user' | 'integration';
  }> {
    const paths = Object.keys(proposal.files);
    const branch = `comet/${branchSlugOf(
      proposal.title,
    )}-${this.randomSuffix()}`;
    return audited(
      this.options.auditor,
      {
        eventId: 'pull-request-create',
        // Paths only: the contents are the user's and may be long
        meta: {
          entityRef: proposal.entityRef,
          branch,
          paths,
          author: proposal.userToken ? 'user' : 'integration',
        },
        request: audit.request,
      },
      async () => {
        const proposer = this.proposerOf(credentials);
        const { entity, entityRef, repository, ...resolved } =
          await this.resolve(
            credentials,
            proposal.entityRef,
            githubPullRequestCreatePermission,
          );
        const client = proposal.userToken
          ? this.options.factory.forRepository(repository, {
              userToken: proposal.userToken,
            })
          : resolved.client;
        const allowed = pipelinePathsOf(entity.metadata.annotations).map(
          normalizedPath,
        );
        const files: Record<string, string> = {};
        for (const [path, content] of Object.entries(proposal.files)) {
          const normalized = normalizedPath(path);
          if (!allowed.includes(normalized)) {
            throw new InputError(
              `The path "${path}" is not one of ${entityRef}'s pipeline files: only the paths its annotation ${ANNOTATION_PIPELINES} names may be changed (${allowed.join(
                ', ',
              )})`,
            );
          }
          files[normalized] = content;
        }
        const pull = await this.openPullRequest(client, {
          base: await client.getDefaultBranch(),
          branch,
          files,
          message: proposal.message ?? proposal.title,
          proposer: proposal.userToken ? undefined : proposer,
          title: proposal.title,
          body: proposal.body,
        });
        return {
          number: pull.number,
          htmlUrl: pull.htmlUrl,
          branch,
          author: proposal.userToken
            ? ('user' as const)
            : ('integration' as const),
        };
      },
      result => ({ number: result.number }),
    );
  }

  /**
   * Proposes a change of the entity's wiring annotations (only {@link CATALOG_CHANGE_ANNOTATIONS};
   * null removes one) in its catalog file as a pull request: the file is its
   * `backstage.io/managed-by-location` when that is a file of the same repository, else
   * `catalog-info.yaml` at the root, read at the head of the default branch; only the
   * annotations of the entity's own document change (comments and order kept). One commit on
   * a new branch `comet/wiring-<name>-<6 hex>` from that very commit, which names the signed-in
   * user in a `Proposed-by` trailer. Needs `github.pullRequest.create` on the entity; audited.
   */
  async proposeCatalogChange(
    credentials: BackstageCredentials,
    change: GitHubCatalogChange,
    audit: GitHubAuditContext = {},
  ): Promise<{
    htmlUrl: string;
    number: number;
    branch: string;
    path: string;
  }> {
    const keys = Object.keys(change.annotations);
    return audited(
      this.options.auditor,
      {
        eventId: 'catalog-change-propose',
        // The keys only: the values are in the pull request
        meta: { entityRef: change.entityRef, annotations: keys },
        request: audit.request,
      },
      async () => {
        const proposer = this.proposerOf(credentials);
        for (const [key, value] of Object.entries(change.annotations)) {
          if (
            !(CATALOG_CHANGE_ANNOTATIONS as readonly string[]).includes(key)
          ) {
            throw new InputError(
              `The annotation "${key}" cannot be changed by a proposed catalog change: only ${CATALOG_CHANGE_ANNOTATIONS.join(
                ', ',
              )} can`,
            );
          }
          if (
            value !== null &&
            (value.trim() === '' ||
              value.length > MAX_ANNOTATION_VALUE_LENGTH ||
              /[\r\n]/.test(value))
          ) {
            throw new InputError(
              `The new value of the annotation "${key}" must be one line of 1 to ${MAX_ANNOTATION_VALUE_LENGTH} characters; null removes the annotation`,
            );
          }
        }
        const { entity, entityRef, repository, client } = await this.resolve(
          credentials,
          change.entityRef,
          githubPullRequestCreatePermission,
          'input',
        );
        const base = await client.getDefaultBranch();
        // Read and branched at one commit: a change made since cannot be undone by this one
        const baseSha = await client.getBranchSha(base);
        const { path, from } = catalogFileOf(entity, repository, base);
        const file = await client.getFileContent(path, { ref: baseSha });
        if (!file) {
          throw new NotFoundError(
            `${path} does not exist on the branch ${base} of ${
              repository.owner
            }/${repository.repo} on ${repository.host}: ${
              from === 'managed-by-location'
                ? `it is where ${ANNOTATION_LOCATION} of ${entityRef} says the entity comes from`
                : `without a ${ANNOTATION_LOCATION} of ${entityRef} in this repository, its catalog file is looked for at the root`
            }`,
          );
        }
        const content = changeCatalogAnnotations({
          text: file.content,
          path,
          entity: {
            kind: entity.kind,
            namespace: entity.metadata.namespace,
            name: entity.metadata.name,
          },
          changes: change.annotations,
        });
        const branch = `comet/wiring-${branchSlugOf(
          entity.metadata.name,
        )}-${this.randomSuffix()}`;
        const summary = Object.entries(change.annotations)
          .map(([key, value]) =>
            value === null ? `Removes ${key}` : `Sets ${key}: ${value}`,
          )
          .join('\n');
        const pull = await this.openPullRequest(client, {
          base,
          baseSha,
          branch,
          files: { [path]: content },
          message: `${change.title}\n\n${summary}`,
          proposer,
          title: change.title,
          body: change.body,
        });
        return { htmlUrl: pull.htmlUrl, number: pull.number, branch, path };
      },
      result => ({
        number: result.number,
        branch: result.branch,
        path: result.path,
      }),
    );
  }

  /** The signed-in user who proposes a change: anyone else is refused. */
  private proposerOf(credentials: BackstageCredentials): string {
    const principal = credentials.principal as {
      type: string;
      userEntityRef?: string;
    };
    if (principal.type !== 'user' || !principal.userEntityRef) {
      throw new NotAllowedError(
        'Only a signed-in user can propose a pull request: the commit names them in its Proposed-by trailer',
      );
    }
    return principal.userEntityRef;
  }

  /**
   * A new branch from `base` (at `baseSha` when given) with one commit that writes `files`,
   * and a pull request of it into `base`. With a `proposer` (Comet's credentials are the
   * author) the commit message ends with a `Proposed-by: <user>` trailer.
   */
  private async openPullRequest(
    client: GitHubClient,
    options: {
      base: string;
      baseSha?: string;
      branch: string;
      files: Record<string, string>;
      message: string;
      proposer?: string;
      title: string;
      body?: string;
    },
  ) {
    const subject = options.message.trimEnd();
    await client.createBranchWithCommit({
      base: options.base,
      baseSha: options.baseSha,
      branch: options.branch,
      message: options.proposer
        ? `${subject}\n\nProposed-by: ${options.proposer}`
        : subject,
      files: options.files,
    });
    return client.createPullRequest({
      title: options.title,
      head: options.branch,
      base: options.base,
      body: options.body,
    });
  }
}
