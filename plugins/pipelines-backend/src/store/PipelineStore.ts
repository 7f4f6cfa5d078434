import type {
  PipelineDefinition,
  PipelineLogLine,
  PipelineRun,
  PipelineRunPage,
  PipelineRunReport,
  PipelineRunStatus,
  PipelineRunTrigger,
  PipelineStepReport,
} from '@internal/plugin-pipelines-common';

/**
 * Job states inside the engine. `pending` waits for its `needs`; `queued` may be claimed by a
 * worker; `waiting` is an approval gate. The public model maps `pending` to `queued`.
 */
export type JobState =
  | 'pending'
  | 'queued'
  | 'running'
  | 'waiting'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'skipped';

export type NewJobRun = {
  /** Unique within the run: `build`, or `test (shard=1, mode=strict)` for a matrix instance. */
  jobRunId: string;
  jobId: string;
  name: string;
  matrix?: Record<string, string | number | boolean>;
  /** jobRunIds this job waits for. */
  needs: string[];
  steps: Array<{ name: string }>;
  approval?: {
    description?: string;
    environment?: string;
    approvers?: string[];
  };
  /** Attempts allowed in total (1 + retry). */
  maxAttempts: number;
  /** For re-runs of failed jobs only: jobs that already succeeded start as `succeeded`. */
  /** `failed` records a run that failed before it could start, with `initialError`. */
  initialState?: 'pending' | 'succeeded' | 'failed';
  initialError?: string;
  timeoutMs?: number;
};

export type NewRun = {
  entityRef: string;
  pipeline: string;
  pipelinePath?: string;
  trigger: PipelineRunTrigger;
  branch?: string;
  commitSha?: string;
  /** Messages of the commits the run builds; cut at 8 KiB. */
  commitMessage?: string;
  repositoryUrl?: string;
  params: Record<string, string | number | boolean>;
  definition: PipelineDefinition;
  jobs: NewJobRun[];
};

/** A job a worker has claimed: everything it needs to run it. */
export type ClaimedJob = {
  runId: string;
  jobRunId: string;
  jobId: string;
  entityRef: string;
  attempt: number;
  maxAttempts: number;
  timeoutMs?: number;
  matrix?: Record<string, string | number | boolean>;
  branch?: string;
  commitSha?: string;
  repositoryUrl?: string;
  params: Record<string, string | number | boolean>;
  definition: PipelineDefinition;
  leaseExpiresAt: Date;
  /**
   * Since when the job could be claimed: its creation, the end of its previous attempt, or
   * the end of the last job it needs, whichever came last (for `comet.pipelines.queue.wait`).
   */
  queuedAt: Date;
};

/** The queue as the metrics report it (`comet.pipelines.queue.*`), from indexed counts. */
export type QueueStats = {
  /** Jobs that may be claimed now. */
  queued: number;
  /** When the oldest of them was created; undefined when none is queued. */
  oldestQueuedAt?: Date;
  /** Running jobs whose lease expired longer ago than the grace given (not yet recovered). */
  expiredLeases: number;
};

export type ExpiredJob = {
  runId: string;
  jobRunId: string;
  workerId: string;
  attempt: number;
  maxAttempts: number;
};

export type ListRunsQuery = {
  entityRefs?: string[];
  pipeline?: string;
  branch?: string;
  status?: PipelineRunStatus;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
};

export type NewLogLine = Omit<PipelineLogLine, 'seq'>;

/** A step report to keep: already checked (`parsePipelineStepReport`) and masked. */
export type NewStepReport = {
  runId: string;
  jobRunId: string;
  stepIndex: number;
  /** The job's attempt that ran the step: a report of an attempt that is over is refused. */
  attempt: number;
  report: PipelineStepReport;
};

/**
 * Persistence of runs, jobs, steps and log lines, shared by every backend replica. All state
 * changes that two replicas could race on are conditional updates (compare-and-set), so a job
 * is claimed by exactly one worker and a step never runs twice at once.
 */
export interface PipelineStore {
  createRun(run: NewRun): Promise<PipelineRun>;
  /** One run, with its step reports (`reports`). */
  getRun(runId: string): Promise<PipelineRun | undefined>;
  /** The definition and repository a run was created with, for re-runs. */
  getRunDefinition(
    runId: string,
  ): Promise<
    { definition: PipelineDefinition; repositoryUrl?: string } | undefined
  >;
  listRuns(query: ListRunsQuery): Promise<PipelineRunPage>;
  /** Every entity that has at least one run. */
  listEntityRefsWithRuns(): Promise<string[]>;

  /** Moves `pending` jobs whose needs all succeeded to `queued`; skips jobs whose needs failed. */
  /** Returns the run's status before and after, so callers act on a change only once. */
  promoteJobs(runId: string): Promise<RunStatusChange>;
  /** Atomically claims the oldest `queued` job; undefined when there is none. */
  claimJob(options: {
    workerId: string;
    leaseMs: number;
  }): Promise<ClaimedJob | undefined>;
  /** Extends the lease; false when the worker no longer holds the job (taken over or cancelled). */
  heartbeat(options: {
    runId: string;
    jobRunId: string;
    workerId: string;
    leaseMs: number;
  }): Promise<boolean>;
  /** Running jobs whose lease ran out before `now`. */
  findExpiredJobs(now: Date): Promise<ExpiredJob[]>;
  /**
   * Puts an expired job back to `queued` (another attempt) or fails it, only if it is still
   * held by `workerId`; false when someone else got there first.
   */
  recoverExpiredJob(job: ExpiredJob, reason: string): Promise<boolean>;

  setJobState(options: {
    runId: string;
    jobRunId: string;
    state: JobState;
    /** Only when the job is in one of these states (compare-and-set). */
    from?: JobState[];
    /** Only when held by this worker. */
    workerId?: string;
    error?: string;
  }): Promise<boolean>;
  setStepState(options: {
    runId: string;
    jobRunId: string;
    stepIndex: number;
    state: PipelineRunStatus;
    exitCode?: number;
    error?: string;
  }): Promise<void>;
  decideApproval(options: {
    runId: string;
    jobRunId: string;
    decision: 'approved' | 'rejected';
    decidedBy: string;
    comment?: string;
  }): Promise<boolean>;
  /** Recomputes the run's status from its jobs; returns the new status. */
  refreshRunStatus(runId: string): Promise<PipelineRunStatus>;
  /** Marks every non-terminal job cancelled; false when the run had already finished. */
  cancelRun(runId: string, reason: string): Promise<boolean>;

  /**
   * Records a webhook delivery id and what it builds (`triggerKey`); false when either was
   * recorded before (by any replica).
   */
  recordWebhookDelivery(
    deliveryId: string,
    triggerKey?: string,
  ): Promise<boolean>;
  /** Forgets a recorded delivery whose work failed, so its redelivery is not a duplicate. */
  forgetWebhookDelivery(deliveryId: string): Promise<void>;

  /**
   * Stores lines in order and returns them with their `seq`. With `limitBytes` (UTF-8 bytes
   * per run, across all its jobs and replicas) only the lines that fit are stored; the first
   * append past the limit also stores one truncation marker for the run.
   */
  appendLogLines(
    runId: string,
    lines: NewLogLine[],
    options?: { limitBytes?: number },
  ): Promise<AppendedLogLines>;
  readLogLines(
    runId: string,
    options: { afterSeq?: number; limit: number; jobRunId?: string },
  ): Promise<PipelineLogLine[]>;
  /** The last `limit` lines of the run's log (or of one job's), oldest first. */
  readLogTail(
    runId: string,
    options: { limit: number; jobRunId?: string },
  ): Promise<PipelineLogLine[]>;
  /**
   * Adds links to a run (shown with its own links); a URL already there is skipped. Returns how
   * many were added. Throws InputError on an invalid link, NotFoundError for an unknown run.
   */
  addRunLinks(
    runId: string,
    source: string,
    links: Array<{ title: string; url: string }>,
  ): Promise<number>;
  /**
   * Keeps a step's report (checked and masked already); one with the `kind` and `title` of a
   * report the step has replaces it. ConflictError when the job no longer runs that attempt,
   * InputError past the per-step or per-run limit. A job sent back to the queue loses its
   * reports, so a retried job keeps its last attempt's.
   */
  addStepReport(report: NewStepReport): Promise<void>;
  /** The run's step reports, in job and step order, with job and step names. */
  listStepReports(runId: string): Promise<PipelineRunReport[]>;
  /** Bytes of log stored for the run, for the size cap. */
  logSize(runId: string): Promise<number>;

  /** The newest run of each pipeline of an entity (however old), newest first. */
  latestRunPerPipeline(entityRef: string): Promise<PipelineRun[]>;

  /**
   * Runs not finished yet (queued, running or waiting), of one entity and/or triggered by one
   * actor (`trigger.actor`), for `pipelines.limits`.
   */
  /** The queue's size and age, and jobs whose lease expired before `expiredBefore`. */
  queueStats(expiredBefore: Date): Promise<QueueStats>;
  countActiveRuns(filter: {
    entityRef?: string;
    triggeredBy?: string;
  }): Promise<number>;

  /**
   * Finished runs `pipelines.retention` may delete: finished before `finishedBefore`, or
   * beyond the newest `keepPerPipeline` of their pipeline; never the newest run of a pipeline.
   */
  runsToDelete(options: {
    finishedBefore?: Date;
    keepPerPipeline?: number;
    limit: number;
  }): Promise<string[]>;
  /** Deletes finished runs with everything stored for them; returns the ids deleted. */
  deleteRuns(runIds: string[]): Promise<string[]>;
  /** Deletes the logs of up to `limit` runs finished before the date; returns how many. */
  expireLogs(options: { finishedBefore: Date; limit: number }): Promise<number>;
  /** Runs finished before the date whose artifacts were not deleted yet. */
  runsWithArtifactsToExpire(options: {
    finishedBefore: Date;
    limit: number;
  }): Promise<string[]>;
  /** Records that these runs' artifacts were deleted. */
  markArtifactsExpired(runIds: string[]): Promise<void>;
}

/** What {@link PipelineStore.appendLogLines} stored. */
export type AppendedLogLines = {
  /** The lines stored, with their `seq` (and the truncation marker if this append wrote it). */
  lines: PipelineLogLine[];
  /** The run's log has reached its limit (in this append or before): nothing more is stored. */
  truncated: boolean;
  /** UTF-8 bytes of log stored for the run after this append. */
  logSize: number;
};

/** A run's status before and after an update. */
export type RunStatusChange = {
  previous: PipelineRunStatus;
  status: PipelineRunStatus;
  /** Approval gates that started waiting for a decision in this update. */
  newlyWaiting: string[];
};
