import { LoggerService } from '@backstage/backend-plugin-api';
import type {
  PipelineDefinition,
  PipelineRun,
  PipelineRunTrigger,
} from '@internal/plugin-pipelines-common';
import type {
  PipelineArtifactStore,
  PipelineExecutor,
  PipelineStepType,
} from '@internal/plugin-pipelines-node';
import { randomUUID } from 'node:crypto';
import type { PipelineStore, RunStatusChange } from '../store/PipelineStore';
import { Clock, systemClock } from './Clock';
import { resolveExpressions } from './expressions';
import { JobRunner, RunningJob } from './JobRunner';
import type { LiveLogBus } from './LiveLogBus';
import { planJobs, resolveParams } from './RunPlanner';
import { removeStaleWorkspaces } from './staleWorkspaces';
import type { JobTimeoutLimits } from '../limits/limitsConfig';
import type { SecretScopes } from '../secrets/SecretScopes';
import type { PipelineMetrics } from '../metrics/PipelineMetrics';

export type PipelineEngineOptions = {
  store: PipelineStore;
  executor: PipelineExecutor;
  stepTypes: Map<string, PipelineStepType>;
  logger: LoggerService;
  /**
   * Secrets pipelines may reference as `${{ secrets.NAME }}`, with their scopes; a plain
   * record is a set of unscoped secrets.
   */
  secrets: SecretScopes | Record<string, string>;
  /**
   * The owner group refs of an entity, for secrets scoped by `owners`; without it such a
   * secret is refused to every job.
   */
  ownersOf?: (entityRef: string) => Promise<string[]>;
  artifacts: PipelineArtifactStore;
  /** Jobs this replica runs at once. */
  concurrency: number;
  leaseMs: number;
  heartbeatMs: number;
  /**
   * How long the executor gives a cancelled step's processes after SIGTERM before SIGKILL
   * (`killGracePeriodSeconds`); default 10 s. A job whose heartbeats stop reaching the
   * database is aborted this long (plus a margin) before its lease expires.
   */
  killGraceMs?: number;
  /** How often an idle worker looks for queued jobs. */
  pollMs?: number;
  /**
   * The local executor's workspace folder (`<dataDir>/workspaces`): on start, the folders of
   * finished or unknown runs that a killed replica left there are removed.
   */
  workspaceRoot?: string;
  /** Stored log bytes per run; past this a truncation marker is written and output dropped. */
  logLimitBytes: number;
  /** Receives every stored line, for live viewers on this replica. */
  liveLogs?: LiveLogBus;
  /** Called when a run reaches a state worth telling its owners about. */
  onRunEvent?: (event: {
    type: 'failed' | 'waiting' | 'finished';
    run: PipelineRun;
    /** For `waiting`: the gate that waits. */
    jobRunId?: string;
  }) => Promise<void>;
  /** Time and timers of job leases and job timeouts; the system clock unless a test moves it. */
  clock?: Clock;
  /**
   * `pipelines.jobTimeout`: the timeout of jobs that set none, and the most any job gets.
   * Unset: a job runs as long as its own `timeout` says, or without one.
   */
  jobTimeout?: JobTimeoutLimits;
  /** Queue waits and step durations (`comet.pipelines.*`); none in most tests. */
  metrics?: Pick<PipelineMetrics, 'jobClaimed' | 'stepFinished'>;
};

export type TriggerRequest = {
  entityRef: string;
  entityName: string;
  repositoryUrl?: string;
  pipelinePath?: string;
  definition: PipelineDefinition;
  commitSha?: string;
  /** The messages of the commits the run builds (a push's commits, else the commit's own). */
  commitMessage?: string;
  branch?: string;
  trigger: PipelineRunTrigger;
  params?: Record<string, unknown>;
  /** For re-runs of failed jobs: job ids that already succeeded. */
  succeededJobRunIds?: Set<string>;
};

/**
 * Comet's pipeline engine: turns triggers into queued runs (RunPlanner), and on every backend
 * replica claims queued jobs from the database, runs each with a JobRunner (its lease, steps
 * and log), recovers the jobs of replicas that died and tells runs' owners what changed.
 */
export class PipelineEngine {
  private readonly workerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly running = new Map<string, RunningJob>();
  private stopped = true;
  private pollTimer?: NodeJS.Timeout;
  private recoveryTimer?: NodeJS.Timeout;
  private claiming = false;
  /** The start-up removal of workspaces left by killed replicas, for tests to wait on. */
  workspaceSweep: Promise<void> = Promise.resolve();

  private readonly clock: Clock;
  private readonly jobRunner: JobRunner;

  constructor(private readonly options: PipelineEngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.jobRunner = new JobRunner({
      ...options,
      workerId: this.workerId,
      clock: this.clock,
      notify: (runId, change) => this.notify(runId, change),
    });
  }

  get id() {
    return this.workerId;
  }

  get runningJobs() {
    return this.running.size;
  }

  async trigger(request: TriggerRequest): Promise<PipelineRun> {
    const params = resolveParams(request.definition, request.params);
    // Approval descriptions may use parameters ("Release ${{ params.version }}?"); secrets are
    // deliberately not available there, since the description is shown to people.
    const describe = (text: string) =>
      resolveExpressions(text, {
        params,
        matrix: {},
        secrets: {},
        env: {},
        run: { id: '', branch: request.branch, commit: request.commitSha },
        entity: { ref: request.entityRef, name: request.entityName },
      });
    const jobs = planJobs(
      request.definition,
      request.succeededJobRunIds,
      this.options.jobTimeout,
    ).map(job =>
      job.approval?.description
        ? {
            ...job,
            approval: {
              ...job.approval,
              description: describe(job.approval.description),
            },
          }
        : job,
    );
    const run = await this.options.store.createRun({
      entityRef: request.entityRef,
      pipeline: request.definition.name,
      pipelinePath: request.pipelinePath,
      trigger: request.trigger,
      branch: request.branch,
      commitSha: request.commitSha,
      commitMessage: request.commitMessage,
      repositoryUrl: request.repositoryUrl,
      params,
      definition: request.definition,
      jobs,
    });
    // Gates with nothing to wait for wait for their decision from the start.
    const waitingAtStart = run.jobs
      .filter(job => job.status === 'waiting')
      .map(job => job.jobRunId);
    const change = await this.options.store.promoteJobs(run.runId);
    await this.notify(run.runId, {
      ...change,
      newlyWaiting: [...waitingAtStart, ...change.newlyWaiting],
    });
    this.wake();
    return (await this.options.store.getRun(run.runId)) ?? run;
  }

  /**
   * Records a run that failed before any of its jobs could be planned: on a push or a schedule
   * the pipeline file could not be read or is invalid. The run has one failed job, "Pipeline
   * file", whose error (and so the run's) is `reason`, so the failure shows in the run list and
   * the API instead of only in the backend log; the owners are told like for any failed run.
   */
  async recordFailedTrigger(request: {
    entityRef: string;
    repositoryUrl?: string;
    pipelinePath: string;
    commitSha?: string;
    branch?: string;
    trigger: PipelineRunTrigger;
    reason: string;
  }): Promise<PipelineRun> {
    const jobRunId = 'pipeline-file';
    const definition: PipelineDefinition = {
      name: request.pipelinePath,
      on: {},
      params: {},
      env: {},
      jobs: [
        {
          id: jobRunId,
          name: 'Pipeline file',
          needs: [],
          retry: 0,
          env: {},
          steps: [],
          artifacts: [],
        },
      ],
    };
    const run = await this.options.store.createRun({
      entityRef: request.entityRef,
      pipeline: request.pipelinePath,
      pipelinePath: request.pipelinePath,
      trigger: request.trigger,
      branch: request.branch,
      commitSha: request.commitSha,
      repositoryUrl: request.repositoryUrl,
      params: {},
      definition,
      // Created failed, so no worker ever claims it.
      jobs: planJobs(definition).map(job => ({
        ...job,
        initialState: 'failed',
        initialError: request.reason,
      })),
    });
    // Sets the run's error from its job's; the run was failed from the start, so tell the
    // owners about that change.
    await this.options.store.promoteJobs(run.runId);
    await this.notify(run.runId, {
      previous: 'queued',
      status: 'failed',
      newlyWaiting: [],
    });
    return (await this.options.store.getRun(run.runId)) ?? run;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    const pollMs = this.options.pollMs ?? 500;
    this.pollTimer = setInterval(() => this.wake(), pollMs);
    const workspaceRoot = this.options.workspaceRoot;
    if (workspaceRoot) {
      this.workspaceSweep = removeStaleWorkspaces({
        workspaceRoot,
        store: this.options.store,
        logger: this.options.logger,
      })
        .then(() => undefined)
        .catch(error =>
          this.options.logger.warn(
            `Cannot remove stale workspaces under ${workspaceRoot}: ${error}`,
          ),
        );
    }
    this.recoveryTimer = setInterval(
      () =>
        this.recoverExpired().catch(error =>
          this.options.logger.warn(`Lease recovery failed: ${error}`),
        ),
      Math.min(5_000, this.options.leaseMs),
    );
    this.wake();
  }

  /** Stops claiming; lets running jobs finish for `graceMs`, then cancels them with a reason. */
  async stop(graceMs: number) {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearInterval(this.recoveryTimer);
    if (this.running.size === 0) return;
    this.options.logger.info(
      `Waiting up to ${graceMs} ms for ${this.running.size} running pipeline job(s) to finish`,
    );
    const all = Promise.all([...this.running.values()].map(job => job.done));
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>(resolve =>
        setTimeout(() => resolve(true), graceMs).unref(),
      ),
    ]);
    if (timedOut) {
      for (const job of this.running.values()) {
        job.stopReason = {
          kind: 'shutdown',
          message: `The backend replica ${this.workerId} shut down before the job finished`,
        };
        job.abort.abort();
      }
      await all;
    }
  }

  /** Aborts the local execution of a job, e.g. after its run was cancelled. */
  abortJob(runId: string, reason: string) {
    for (const job of this.running.values()) {
      if (job.claimed.runId === runId) {
        job.stopReason = { kind: 'cancelled', message: reason };
        job.abort.abort();
      }
    }
  }

  /**
   * Moves a run on after a change made outside a job (an approval decision): promotes its jobs,
   * tells the owners what changed (a rejection fails the run; an approval can start the next
   * gate waiting) and wakes the workers.
   */
  async promoteAndNotify(runId: string): Promise<void> {
    await this.notify(runId, await this.options.store.promoteJobs(runId));
    this.wake();
  }

  wake() {
    if (this.stopped || this.claiming) return;
    this.claiming = true;
    this.claimLoop()
      .catch(error =>
        this.options.logger.error(`Claiming pipeline jobs failed: ${error}`),
      )
      .finally(() => {
        this.claiming = false;
      });
  }

  private async claimLoop() {
    while (!this.stopped && this.running.size < this.options.concurrency) {
      const claimedAt = this.clock.now();
      const claimed = await this.options.store.claimJob({
        workerId: this.workerId,
        leaseMs: this.options.leaseMs,
      });
      if (!claimed) return;
      this.options.metrics?.jobClaimed(claimed.queuedAt, this.clock.now());
      const key = `${claimed.runId}/${claimed.jobRunId}`;
      const abort = new AbortController();
      const entry: RunningJob = {
        claimed,
        claimedAt,
        abort,
        done: Promise.resolve(),
      };
      this.running.set(key, entry);
      entry.done = this.jobRunner
        .run(entry)
        .catch(error =>
          this.options.logger.error(
            `Pipeline job ${claimed.jobRunId} of run ${
              claimed.runId
            } crashed: ${error?.stack ?? error}`,
          ),
        )
        .finally(() => {
          this.running.delete(key);
          this.wake();
        });
    }
  }

  private async recoverExpired() {
    for (const job of await this.options.store.findExpiredJobs(new Date())) {
      const recovered = await this.options.store.recoverExpiredJob(
        job,
        `Worker ${job.workerId} stopped heartbeating (its backend replica died or hung)`,
      );
      if (recovered) {
        this.options.logger.warn(
          `Recovered pipeline job ${job.jobRunId} of run ${job.runId} from worker ${job.workerId}`,
        );
        await this.notify(
          job.runId,
          await this.options.store.promoteJobs(job.runId),
        );
      }
    }
  }

  /**
   * Tells the owners once per change: when a run newly fails or finishes, and when each
   * approval gate starts waiting (not again when other jobs of the run move on).
   */
  private async notify(runId: string, change: RunStatusChange) {
    const onRunEvent = this.options.onRunEvent;
    if (!onRunEvent) return;
    const finalTypes: Partial<Record<string, 'failed' | 'finished'>> = {
      failed: 'failed',
      succeeded: 'finished',
      cancelled: 'finished',
    };
    const final =
      change.previous !== change.status ? finalTypes[change.status] : undefined;
    if (!final && change.newlyWaiting.length === 0) return;
    const run = await this.options.store.getRun(runId);
    if (!run) return;
    const send = (event: Parameters<typeof onRunEvent>[0]) =>
      onRunEvent(event).catch(error =>
        this.options.logger.warn(`Run notification failed: ${error}`),
      );
    for (const jobRunId of change.newlyWaiting) {
      await send({ type: 'waiting', run, jobRunId });
    }
    if (final) await send({ type: final, run });
  }
}
