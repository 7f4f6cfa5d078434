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
  PipelineWorkspace,
} from '@internal/plugin-pipelines-node';
import { randomUUID } from 'node:crypto';
import { redactUrl } from '../git/redactUrl';
import { SecretMasker } from '../logs/SecretMasker';
import type {
  ClaimedJob,
  PipelineStore,
  RunStatusChange,
} from '../store/PipelineStore';
import { Clock, ClockTimer, systemClock } from './Clock';
import {
  evaluateCondition,
  ExpressionScope,
  resolveExpressions,
} from './expressions';
import { JobLease } from './JobLease';
import { JobStopReason, stopMessage } from './JobStopReason';
import type { LiveLogBus } from './LiveLogBus';
import { RunLog } from './RunLog';
import { planJobs, resolveParams } from './RunPlanner';
import { removeStaleWorkspaces } from './staleWorkspaces';
import { StepRunner } from './StepRunner';

export type PipelineEngineOptions = {
  store: PipelineStore;
  executor: PipelineExecutor;
  stepTypes: Map<string, PipelineStepType>;
  logger: LoggerService;
  /** Secrets pipelines may reference as `${{ secrets.NAME }}`. */
  secrets: Record<string, string>;
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
};

export type TriggerRequest = {
  entityRef: string;
  entityName: string;
  repositoryUrl?: string;
  pipelinePath?: string;
  definition: PipelineDefinition;
  commitSha?: string;
  branch?: string;
  trigger: PipelineRunTrigger;
  params?: Record<string, unknown>;
  /** For re-runs of failed jobs: job ids that already succeeded. */
  succeededJobRunIds?: Set<string>;
};

type RunningJob = {
  claimed: ClaimedJob;
  /** When the claim was asked for: the lease runs from (no earlier than) then. */
  claimedAt: number;
  abort: AbortController;
  done: Promise<void>;
  /** Why the job was stopped, once it was. */
  stopReason?: JobStopReason;
};

/**
 * Comet's pipeline engine: turns triggers into queued runs, and on every backend replica
 * claims queued jobs from the database (with a lease kept alive by heartbeats), runs their
 * steps through the executor, streams their logs into the store and recovers the jobs of
 * replicas that died.
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

  constructor(private readonly options: PipelineEngineOptions) {
    this.clock = options.clock ?? systemClock;
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
    const jobs = planJobs(request.definition, request.succeededJobRunIds).map(
      job =>
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
      const key = `${claimed.runId}/${claimed.jobRunId}`;
      const abort = new AbortController();
      const entry: RunningJob = {
        claimed,
        claimedAt,
        abort,
        done: Promise.resolve(),
      };
      this.running.set(key, entry);
      entry.done = this.runJob(entry)
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

  private async runJob(entry: RunningJob) {
    const { claimed, abort } = entry;
    const { store, executor, logger } = this.options;
    const job = claimed.definition.jobs.find(j => j.id === claimed.jobId);
    const masker = new SecretMasker(Object.values(this.options.secrets));
    const log = new RunLog(
      store,
      claimed.runId,
      this.options.logLimitBytes,
      masker,
      this.options.liveLogs,
      logger,
    );
    await log.init();
    const system = (text: string, stepIndex?: number) =>
      log.write({
        jobRunId: claimed.jobRunId,
        stepIndex,
        stream: 'system',
        text,
      });
    const stop = (reason: JobStopReason, replace = true) => {
      if (replace || !entry.stopReason) entry.stopReason = reason;
      abort.abort();
    };

    // Losing the lease (cancelled, taken over, or heartbeats that stop reaching the database)
    // stops the job here.
    const lease = JobLease.start({
      store,
      runId: claimed.runId,
      jobRunId: claimed.jobRunId,
      workerId: this.workerId,
      leaseMs: this.options.leaseMs,
      heartbeatMs: this.options.heartbeatMs,
      killGraceMs: this.options.killGraceMs ?? 10_000,
      claimedAt: entry.claimedAt,
      clock: this.clock,
      logger,
      signal: abort.signal,
      stop,
    });
    const steps = new StepRunner({
      executor,
      stepTypes: this.options.stepTypes,
      log,
      masker,
      runId: claimed.runId,
      jobRunId: claimed.jobRunId,
      entityRef: claimed.entityRef,
      branch: claimed.branch,
      signal: abort.signal,
      stopReason: () => entry.stopReason,
    });

    let workspace: PipelineWorkspace | undefined;
    let failure: string | undefined;
    let jobTimer: ClockTimer | undefined;
    try {
      if (!job) {
        throw new Error(
          `Job ${claimed.jobId} is not in the run's pipeline definition`,
        );
      }
      const scope: ExpressionScope = {
        params: claimed.params,
        matrix: claimed.matrix ?? {},
        secrets: this.options.secrets,
        env: {},
        run: {
          id: claimed.runId,
          branch: claimed.branch,
          commit: claimed.commitSha,
        },
        entity: {
          ref: claimed.entityRef,
          name: claimed.entityRef.split('/').pop() ?? claimed.entityRef,
        },
      };
      if (job.if && !evaluateCondition(job.if, scope)) {
        system(
          `Job ${claimed.jobRunId} skipped: condition "${job.if}" is false`,
        );
        for (let i = 0; i < job.steps.length; i++) {
          await store.setStepState({
            runId: claimed.runId,
            jobRunId: claimed.jobRunId,
            stepIndex: i,
            state: 'skipped',
          });
        }
        await log.flush();
        await store.setJobState({
          runId: claimed.runId,
          jobRunId: claimed.jobRunId,
          state: 'skipped',
          from: ['running'],
          workerId: this.workerId,
        });
        return;
      }
      system(
        `Job ${claimed.jobRunId} started on worker ${this.workerId} (attempt ${claimed.attempt} of ${claimed.maxAttempts})`,
      );
      if (claimed.timeoutMs) {
        jobTimer = this.clock.setTimeout(
          () =>
            stop({
              kind: 'timeout',
              message: `Job timed out after ${claimed.timeoutMs} ms`,
            }),
          claimed.timeoutMs,
        );
      }
      if (!claimed.repositoryUrl) {
        throw new Error(
          `${claimed.entityRef} has no backstage.io/source-location, so there is nothing to check out`,
        );
      }
      system(
        `Checking out ${redactUrl(claimed.repositoryUrl)} at ${
          claimed.commitSha ?? claimed.branch ?? 'HEAD'
        }`,
      );
      workspace = await executor.prepareWorkspace({
        runId: claimed.runId,
        jobRunId: claimed.jobRunId,
        repositoryUrl: claimed.repositoryUrl,
        ref: claimed.commitSha ?? claimed.branch,
        signal: abort.signal,
      });
      system(`Checked out ${workspace.commit}`);

      const baseEnv: Record<string, string> = {
        CI: 'true',
        COMET: 'true',
        COMET_RUN_ID: claimed.runId,
        COMET_JOB: claimed.jobRunId,
        COMET_ENTITY_REF: claimed.entityRef,
        COMET_COMMIT: workspace.commit,
        ...(claimed.branch ? { COMET_BRANCH: claimed.branch } : {}),
      };
      const resolveEnv = (env: Record<string, string>) =>
        Object.fromEntries(
          Object.entries(env).map(([k, v]) => [
            k,
            resolveExpressions(v, scope),
          ]),
        );
      const jobEnv = {
        ...baseEnv,
        ...resolveEnv(claimed.definition.env),
        ...resolveEnv(job.env),
      };

      for (let index = 0; index < job.steps.length; index++) {
        const step = job.steps[index];
        const stepRef = {
          runId: claimed.runId,
          jobRunId: claimed.jobRunId,
          stepIndex: index,
        };
        if (failure || abort.signal.aborted) {
          await store.setStepState({
            ...stepRef,
            state: abort.signal.aborted ? 'cancelled' : 'skipped',
          });
          continue;
        }
        const env = { ...jobEnv, ...resolveEnv(step.env) };
        const stepScope = { ...scope, env };
        if (step.if && !evaluateCondition(step.if, stepScope)) {
          system(
            `Step "${step.name}" skipped: condition "${step.if}" is false`,
            index,
          );
          await store.setStepState({ ...stepRef, state: 'skipped' });
          continue;
        }
        await store.setStepState({ ...stepRef, state: 'running' });
        system(`Step ${index + 1}/${job.steps.length}: ${step.name}`, index);
        const outcome = await steps.run({
          step,
          stepIndex: index,
          workspace,
          env,
          scope: stepScope,
        });
        const stepError =
          outcome.kind === 'succeeded' ? undefined : outcome.error;
        const cancelled = abort.signal.aborted;
        let stepState: 'cancelled' | 'failed' | 'succeeded' = 'succeeded';
        if (cancelled) stepState = 'cancelled';
        else if (stepError) stepState = 'failed';
        await store.setStepState({
          ...stepRef,
          state: stepState,
          exitCode: outcome.exitCode,
          error: stepError,
        });
        if (stepError) {
          system(`Step "${step.name}" failed: ${stepError}`, index);
          if (!step.continueOnError || cancelled) {
            failure = `Step "${step.name}" failed: ${stepError}`;
          }
        }
      }

      if (!failure && !abort.signal.aborted && job.artifacts.length > 0) {
        const staged = await this.options.artifacts.stage(
          claimed.runId,
          claimed.jobRunId,
        );
        const copied = await executor.collectArtifacts(
          workspace,
          job.artifacts,
          staged.dir,
        );
        await staged.commit();
        const missing = job.artifacts.filter(p => !copied.includes(p));
        if (copied.length) system(`Kept artifacts: ${copied.join(', ')}`);
        if (missing.length)
          system(`Artifacts not found: ${missing.join(', ')}`);
      }
    } catch (error) {
      failure = masker.mask(String((error as Error)?.message ?? error));
      system(`Job failed: ${failure}`);
    } finally {
      lease.release();
      this.clock.clear(jobTimer);
      if (workspace) {
        await executor
          .cleanupWorkspace(workspace)
          .catch(error =>
            logger.warn(
              `Cannot clean up workspace ${workspace?.dir}: ${error}`,
            ),
          );
      }
    }

    if (abort.signal.aborted) {
      failure = stopMessage(entry.stopReason);
      system(`Job stopped: ${failure}`);
    }
    await log.flush();
    if (lease.isLost) {
      // Someone else (a cancel, a worker that took over, or the recovery of the lease this
      // worker could not renew) owns the job's state now.
      return;
    }
    const retry =
      failure && !abort.signal.aborted && claimed.attempt < claimed.maxAttempts;
    if (retry) {
      system(
        `Retrying job ${claimed.jobRunId} (attempt ${claimed.attempt + 1} of ${
          claimed.maxAttempts
        })`,
      );
      await log.flush();
    }
    let finalState: 'queued' | 'failed' | 'cancelled' | 'succeeded' =
      'succeeded';
    if (retry) finalState = 'queued';
    else if (abort.signal.aborted) {
      // A job that ran out of time failed; any other stop cancelled it.
      finalState =
        entry.stopReason?.kind === 'timeout' ? 'failed' : 'cancelled';
    } else if (failure) finalState = 'failed';
    await store.setJobState({
      runId: claimed.runId,
      jobRunId: claimed.jobRunId,
      state: finalState,
      from: ['running'],
      workerId: this.workerId,
      error: retry ? undefined : failure,
    });
    await this.notify(claimed.runId, await store.promoteJobs(claimed.runId));
  }
}
