import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { InputError, ResponseError } from '@backstage/errors';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  type GitHubWorkflowRun,
  type GitHubWorkflowRunPage,
} from '@internal/plugin-github-common';
import type {
  PipelineRun,
  PipelineRunStatus,
  PipelineTriggerType,
} from '@internal/plugin-pipelines-common';
import type {
  PipelineProvider,
  PipelineProviderEntity,
  PipelineProviderListRunsOptions,
  PipelineProviderRunPage,
} from '@internal/plugin-pipelines-node';

/** What `GET /api/github/entities/:kind/:namespace/:name/workflow-runs` answers. */
type WorkflowRunsResponse = GitHubWorkflowRunPage & {
  page: number;
  perPage: number;
  repository: { host: string; owner: string; repo: string; htmlUrl: string };
};

/** GitHub's `status` filter for a Comet status (a status or a conclusion there). */
const GITHUB_STATUS_FILTER: Record<PipelineRunStatus, string> = {
  queued: 'queued',
  running: 'in_progress',
  waiting: 'waiting',
  succeeded: 'success',
  failed: 'failure',
  cancelled: 'cancelled',
  skipped: 'skipped',
};

function statusOf(run: GitHubWorkflowRun): PipelineRunStatus {
  switch (run.status) {
    case 'in_progress':
      return 'running';
    case 'waiting':
      return 'waiting';
    case 'completed':
      break;
    default:
      return 'queued';
  }
  switch (run.conclusion) {
    case 'success':
    case 'neutral':
      return 'succeeded';
    case 'cancelled':
      return 'cancelled';
    case 'skipped':
    case 'stale':
      return 'skipped';
    default:
      return 'failed';
  }
}

function triggerTypeOf(run: GitHubWorkflowRun): PipelineTriggerType {
  if (run.runAttempt > 1) return 'rerun';
  switch (run.event) {
    case 'push':
      return 'push';
    case 'pull_request':
    case 'pull_request_target':
      return 'pull_request';
    case 'schedule':
      return 'schedule';
    default:
      return 'manual';
  }
}

/** Maps a GitHub Actions workflow run to the provider-neutral run of the unified CI/CD view. */
export function toPipelineRun(
  run: GitHubWorkflowRun,
  entityRef: string,
  repository: WorkflowRunsResponse['repository'],
): PipelineRun {
  const status = statusOf(run);
  const finished = run.status === 'completed';
  const startedAt = run.runStartedAt ?? run.createdAt;
  return {
    provider: 'github',
    runId: `github:${repository.owner}/${repository.repo}#${run.id}`,
    entityRef,
    pipeline: run.name,
    number: run.runNumber,
    status,
    trigger: {
      type: triggerTypeOf(run),
      ...(run.actor ? { actor: `github:${run.actor.login}` } : {}),
    },
    branch: run.headBranch,
    commit: {
      sha: run.headSha,
      url: `${repository.htmlUrl}/commit/${run.headSha}`,
    },
    params: {},
    createdAt: run.createdAt,
    startedAt,
    finishedAt: finished ? run.updatedAt : undefined,
    durationMs: finished
      ? Math.max(0, Date.parse(run.updatedAt) - Date.parse(startedAt))
      : undefined,
    error:
      status === 'failed'
        ? `GitHub Actions run ended: ${run.conclusion ?? 'failure'}`
        : undefined,
    links: [{ title: 'Open in GitHub', url: run.htmlUrl }],
    jobs: [],
  };
}

/**
 * GitHub Actions runs of an entity's repository (`github.com/project-slug`) in the unified
 * CI/CD list. Reaches GitHub through the github backend's REST API on behalf of the caller
 * (`/api/github/entities/…/workflow-runs`), so its permissions, cache and credentials apply;
 * it never calls GitHub itself. Pages are GitHub's pages: the cursor is the next page number.
 */
export class GitHubPipelineProvider implements PipelineProvider {
  readonly id = 'github';
  readonly title = 'GitHub Actions';

  static create(options: { discovery: DiscoveryService; auth: AuthService }) {
    return new GitHubPipelineProvider(options);
  }

  private constructor(
    private readonly options: {
      discovery: DiscoveryService;
      auth: AuthService;
    },
  ) {}

  appliesTo(entity: PipelineProviderEntity): boolean {
    return Boolean(entity.annotations[GITHUB_PROJECT_SLUG_ANNOTATION]?.trim());
  }

  async listRuns(
    options: PipelineProviderListRunsOptions,
  ): Promise<PipelineProviderRunPage> {
    const page = options.cursor ? Number(options.cursor) : 1;
    if (!Number.isInteger(page) || page < 1) {
      throw new InputError(
        `The cursor "${options.cursor}" is not a page of GitHub Actions runs (a positive integer)`,
      );
    }
    const perPage = Math.min(Math.max(options.limit, 1), 100);
    const { discovery, auth } = this.options;
    const { kind, namespace, name } = parseEntityRef(options.entity.entityRef);
    const [baseUrl, { token }] = await Promise.all([
      discovery.getBaseUrl('github'),
      auth.getPluginRequestToken({
        onBehalfOf: options.credentials,
        targetPluginId: 'github',
      }),
    ]);
    const query = new URLSearchParams({
      page: String(page),
      perPage: String(perPage),
    });
    if (options.branch) query.set('branch', options.branch);
    if (options.status) {
      query.set('status', GITHUB_STATUS_FILTER[options.status]);
    }
    const path = [kind, namespace, name].map(encodeURIComponent).join('/');
    const response = await fetch(
      `${baseUrl}/entities/${path}/workflow-runs?${query}`,
      {
        headers: { Authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(30_000),
      },
    );
    if (!response.ok) {
      const error = await ResponseError.fromResponse(response);
      // The github backend's own message says what is wrong (a missing repository, no access)
      error.message = `${error.body.error.message ?? error.message} (${
        response.status
      } from the github backend)`;
      throw error;
    }
    const body = (await response.json()) as WorkflowRunsResponse;
    let runs = body.runs.map(run =>
      toPipelineRun(run, options.entity.entityRef, body.repository),
    );
    // GitHub filters by branch and status, not by workflow: this page's runs of it
    if (options.pipeline) {
      runs = runs.filter(run => run.pipeline === options.pipeline);
    }
    return {
      runs,
      nextCursor:
        page * perPage < body.totalCount && body.runs.length > 0
          ? String(page + 1)
          : undefined,
      ...(options.pipeline ? {} : { totalCount: body.totalCount }),
    };
  }
}
