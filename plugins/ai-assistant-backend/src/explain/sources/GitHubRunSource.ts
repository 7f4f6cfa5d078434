import { NotFoundError } from '@backstage/errors';
import type { ActionReader } from '../ActionReader';
import {
  assertExplainable,
  jiraEvidence,
  jiraKeysOf,
  qualityGateEvidence,
  recentCommitsEvidence,
  runReadError,
} from './evidence';
import type {
  EarlierRun,
  FailedRun,
  FailureSource,
  ModelEvidence,
} from './FailureSource';

/** A workflow run as `github:list-workflow-runs` gives it (the parts read here). */
type WorkflowRun = {
  id: number;
  name: string;
  workflowId?: number;
  headBranch?: string;
  headSha: string;
  status: string;
  conclusion?: string;
  runNumber: number;
  htmlUrl: string;
  createdAt: string;
  updatedAt: string;
  runStartedAt?: string;
};

type WorkflowRunPage = {
  runs: WorkflowRun[];
  totalCount: number;
  repository: { htmlUrl: string };
};

/** Pages of 100 runs searched for the run to explain. */
const MAX_PAGES = 3;

/** Why the log of a GitHub Actions run is never read, said in every explanation of one. */
export const GITHUB_LOG_UNAVAILABLE =
  "Comet has no action that reads GitHub Actions job logs (the github plugin's actions list workflow runs, not their jobs or logs), so the failure analysis cannot see why the jobs failed; open the run in GitHub to read them";

function statusOf(run: WorkflowRun): string {
  if (run.status !== 'completed') return run.status;
  switch (run.conclusion) {
    case 'success':
    case 'neutral':
      return 'succeeded';
    case 'skipped':
    case 'stale':
      return 'skipped';
    case 'cancelled':
      return 'cancelled';
    default:
      return 'failed';
  }
}

/**
 * GitHub Actions runs, through `github:list-workflow-runs`. Their job logs are out of reach:
 * no action serves them, so the explanation says so and works from the run's own data.
 */
export class GitHubRunSource implements FailureSource {
  readonly kind = 'github' as const;
  private run?: WorkflowRun;
  private pages: WorkflowRun[] = [];
  private repositoryUrl?: string;

  constructor(
    private readonly reader: ActionReader,
    private readonly target: {
      runId: string;
      entityRef: string;
      owner: string;
      repo: string;
      workflowRunId: number;
    },
  ) {}

  async readFailedRun(): Promise<FailedRun> {
    const { entityRef, owner, repo, workflowRunId, runId } = this.target;
    const what = `GitHub Actions run ${workflowRunId} of ${owner}/${repo}`;
    for (let page = 1; page <= MAX_PAGES && !this.run; page++) {
      let output: WorkflowRunPage;
      try {
        output = await this.reader.invoke<WorkflowRunPage>(
          'github:list-workflow-runs',
          { entityRef, page, perPage: 100 },
        );
      } catch (error) {
        throw runReadError(what, error);
      }
      this.repositoryUrl = output.repository?.htmlUrl;
      this.pages.push(...output.runs);
      this.run = output.runs.find(r => r.id === workflowRunId);
      if (output.runs.length < 100) break;
    }
    const run = this.run;
    if (!run) {
      throw new NotFoundError(
        `${what} is not among the newest ${this.pages.length} workflow runs of ${entityRef}'s repository`,
      );
    }
    const title = `GitHub Actions ${run.name} #${run.runNumber}`;
    assertExplainable(title, statusOf(run), {
      failed: ['failed', 'cancelled'],
      active: ['queued', 'in_progress', 'waiting', 'requested', 'pending'],
    });
    this.reader.note(`the job logs of ${title}`, GITHUB_LOG_UNAVAILABLE);
    return {
      run: {
        kind: 'github',
        runId,
        title,
        status: run.conclusion ?? run.status,
        entityRef,
        pipeline: run.name,
        ...(run.headBranch ? { branch: run.headBranch } : {}),
        commit: {
          sha: run.headSha,
          ...(this.repositoryUrl
            ? { url: `${this.repositoryUrl}/commit/${run.headSha}` }
            : {}),
        },
        url: run.htmlUrl,
      },
      pipelineKey: `github:${owner}/${repo}:${run.workflowId ?? run.name}`,
      startedAt: run.runStartedAt ?? run.createdAt,
      finishedAt: run.updatedAt,
      error: `GitHub Actions run ended: ${run.conclusion ?? run.status}`,
      warnings: [],
    };
  }

  async earlierRuns(_failed: FailedRun, limit: number): Promise<EarlierRun[]> {
    const run = this.run!;
    return this.pages
      .filter(
        r =>
          r.id !== run.id &&
          (r.workflowId ?? r.name) === (run.workflowId ?? run.name) &&
          r.status === 'completed' &&
          Date.parse(r.updatedAt) <= Date.parse(run.createdAt),
      )
      .slice(0, limit)
      .map(r => ({
        runId: `github:${this.target.owner}/${this.target.repo}#${r.id}`,
        status: statusOf(r),
        commit: r.headSha,
        ...(this.repositoryUrl
          ? { commitUrl: `${this.repositoryUrl}/commit/${r.headSha}` }
          : {}),
        finishedAt: r.updatedAt,
        url: r.htmlUrl,
      }));
  }

  async readEarlierLog(): Promise<string | undefined> {
    return undefined;
  }

  async modelEvidence(failed: FailedRun): Promise<ModelEvidence[]> {
    const { entityRef } = this.target;
    return [
      ...(await recentCommitsEvidence(this.reader, entityRef)),
      ...(await qualityGateEvidence(this.reader, entityRef, failed.run.branch)),
      ...(await jiraEvidence(
        this.reader,
        entityRef,
        jiraKeysOf({ branch: failed.run.branch }),
      )),
    ];
  }
}
