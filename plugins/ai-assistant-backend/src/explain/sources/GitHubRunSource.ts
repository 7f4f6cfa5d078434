import { NotFoundError } from '@backstage/errors';
import type { ActionReader } from '../ActionReader';
import {
  assertExplainable,
  countLines,
  formatNumber,
  jiraEvidence,
  jiraKeysOf,
  qualityGateEvidence,
  recentCommitsEvidence,
  runReadError,
  tailLines,
} from './evidence';
import type {
  EarlierRun,
  FailedRun,
  FailedRunLog,
  FailureSource,
  FailureSourceLimits,
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

/** A job as `github:list-workflow-jobs` gives it (the parts read here). */
type WorkflowJob = {
  id: number;
  name: string;
  status: string;
  conclusion?: string;
  htmlUrl?: string;
  steps?: Array<{ number: number; name: string; conclusion?: string }>;
};

/** A job's log as `github:get-job-log` gives it. */
type JobLog = {
  text: string;
  bytesRead: number;
  droppedBytes: number;
  unreadAfter: boolean;
};

/** Pages of 100 runs searched for the run to explain. */
const MAX_PAGES = 3;

/** The end of a log read for the failed job, and for the same job of earlier runs. */
const FAILED_LOG_BYTES = 1_000_000;
const EARLIER_LOG_BYTES = 300_000;

/** Job conclusions that failed the run, the likeliest cause first. */
const FAILED_JOB_CONCLUSIONS = [
  'failure',
  'timed_out',
  'startup_failure',
  'cancelled',
];

/** The timestamp GitHub Actions starts every log line with, and the BOM of the file. */
const LINE_TIMESTAMP =
  /^(?:\uFEFF)?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/gm;

/** A job log as the analysis reads it: without the timestamps that make every line unique. */
export function withoutTimestamps(text: string): string {
  return text.replace(LINE_TIMESTAMP, '');
}

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
 * GitHub Actions runs, through the github actions: `list-workflow-runs` (the run, and earlier
 * runs of its workflow), `list-workflow-jobs` (which job and step failed) and `get-job-log`
 * (the end of the failed job's log, and of the same job in earlier runs). When the job actions
 * are absent or fail, the explanation says why and works from the run's own data.
 */
export class GitHubRunSource implements FailureSource {
  readonly kind = 'github' as const;
  private run?: WorkflowRun;
  private pages: WorkflowRun[] = [];
  private repositoryUrl?: string;
  private failedJob?: WorkflowJob;

  constructor(
    private readonly reader: ActionReader,
    private readonly target: {
      runId: string;
      entityRef: string;
      owner: string;
      repo: string;
      workflowRunId: number;
    },
    private readonly options: { limits: FailureSourceLimits },
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
    const { log, failedStep, warnings } = await this.readFailedJob(title);
    return {
      run: {
        kind: 'github',
        runId,
        title,
        status: run.conclusion ?? run.status,
        entityRef,
        pipeline: run.name,
        ...(run.headBranch ? { branch: run.headBranch } : {}),
        ...(failedStep ? { failedStep } : {}),
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
      log,
      error: `GitHub Actions run ended: ${run.conclusion ?? run.status}`,
      warnings,
    };
  }

  /**
   * The failed job of the run and the end of its log; what cannot be read is noted with the
   * reason (an older github plugin without the job actions, a log past its retention).
   */
  private async readFailedJob(title: string): Promise<{
    log?: FailedRunLog;
    failedStep?: string;
    warnings: string[];
  }> {
    const { entityRef } = this.target;
    const run = this.run!;
    const what = `the job logs of ${title}`;
    let jobs: WorkflowJob[];
    try {
      ({ jobs } = await this.reader.invoke<{ jobs: WorkflowJob[] }>(
        'github:list-workflow-jobs',
        { entityRef, runId: run.id },
      ));
    } catch (error) {
      this.reader.note(what, error);
      return { warnings: [] };
    }
    const failedJobs = FAILED_JOB_CONCLUSIONS.flatMap(conclusion =>
      jobs.filter(j => j.conclusion === conclusion),
    );
    const job = failedJobs[0];
    if (!job) {
      this.reader.note(
        what,
        `GitHub lists no failed job for the run (${formatNumber(
          jobs.length,
        )} jobs): it may have failed before any job started`,
      );
      return { warnings: [] };
    }
    this.failedJob = job;
    const step = job.steps?.find(s =>
      FAILED_JOB_CONCLUSIONS.includes(s.conclusion ?? ''),
    );
    const failedStep = step ? `${job.name} › ${step.name}` : job.name;
    const warnings: string[] = [];
    if (failedJobs.length > 1) {
      warnings.push(
        `${failedJobs.length} jobs failed; the log of the first, ${
          job.name
        }, was analysed (also failed: ${failedJobs
          .slice(1)
          .map(j => j.name)
          .join(', ')}).`,
      );
    }
    let read: JobLog;
    try {
      read = await this.reader.invoke<JobLog>('github:get-job-log', {
        entityRef,
        jobId: job.id,
        maxBytes: FAILED_LOG_BYTES,
      });
    } catch (error) {
      this.reader.note(`the log of job ${job.name}`, error);
      return { failedStep, warnings };
    }
    const tail = tailLines(
      withoutTimestamps(read.text),
      this.options.limits.maxLogLines,
    );
    const logWarnings: string[] = [];
    if (read.droppedBytes > 0) {
      logWarnings.push(
        `The log of job ${job.name} is longer than ${formatNumber(
          FAILED_LOG_BYTES,
        )} bytes; only its end was analysed.`,
      );
    }
    if (read.unreadAfter) {
      logWarnings.push(
        `The log of job ${job.name} is longer than the ${formatNumber(
          read.bytesRead,
        )} bytes GitHub's log is read to; the lines after them were not read, and the failure may be there.`,
      );
    }
    if (tail.dropped > 0) {
      logWarnings.push(
        `Only the last ${formatNumber(
          this.options.limits.maxLogLines,
        )} lines of the log of job ${job.name} were analysed.`,
      );
    }
    return {
      failedStep,
      warnings,
      log: {
        text: tail.text,
        source: `the log of job ${job.name} (${
          read.droppedBytes > 0 || tail.dropped > 0 ? 'its last ' : ''
        }${formatNumber(countLines(tail.text))} lines)`,
        warnings: logWarnings,
      },
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

  /** The end of the same job's log in an earlier run (by name: ids differ per run). */
  async readEarlierLog(run: EarlierRun): Promise<string | undefined> {
    const job = this.failedJob;
    if (!job) return undefined;
    const { entityRef } = this.target;
    const runId = Number(run.runId.slice(run.runId.lastIndexOf('#') + 1));
    const listed = await this.reader.optional<{ jobs: WorkflowJob[] }>(
      `the jobs of the earlier run ${runId}`,
      'github:list-workflow-jobs',
      { entityRef, runId },
    );
    const same = listed?.jobs.find(j => j.name === job.name);
    if (!same) return undefined;
    const read = await this.reader.optional<JobLog>(
      `the log of job ${job.name} of the earlier run ${runId}`,
      'github:get-job-log',
      { entityRef, jobId: same.id, maxBytes: EARLIER_LOG_BYTES },
    );
    return read
      ? tailLines(
          withoutTimestamps(read.text),
          this.options.limits.maxEarlierLogLines,
        ).text
      : undefined;
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
