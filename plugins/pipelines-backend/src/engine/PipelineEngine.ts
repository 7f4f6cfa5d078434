import { LoggerService } from '@backstage/backend-plugin-api';
import { redactUrl } from '../executor/LocalExecutor';
import { InputError } from '@backstage/errors';
import {
  expandMatrix,
  PipelineDefinition,
  PipelineJob,
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
import { SecretMasker } from '../logs/SecretMasker';
import type { LiveLogBus } from './LiveLogBus';
import type {
  ClaimedJob,
  NewJobRun,
  NewLogLine,
  PipelineStore,
  RunStatusChange,
} from '../store/PipelineStore';
import {
  evaluateCondition,
  ExpressionScope,
  prepareScript,
  resolveDeep,
  resolveExpressions,
} from './expressions';

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
  /** How often an idle worker looks for queued jobs. */
  pollMs?: number;
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

const LOG_FLUSH_MS = 100;
const LOG_FLUSH_LINES = 5000;
/** The most lines one write stores when the database has fallen behind. */
const LOG_WRITE_MAX_LINES = 20_000;

/** Formats a matrix combination into a job run id: `test (shard=1, mode=strict)`. */
export function jobRunIdOf(
  job: PipelineJob,
  matrix?: Record<string, string | number | boolean>,
) {
  if (!matrix) return job.id;
  const values = Object.entries(matrix)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  return `${job.id} (${values})`;
}

/** Checks and completes trigger parameters against the pipeline's typed `params`. */
export function resolveParams(
  definition: PipelineDefinition,
  given: Record<string, unknown> = {},
): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const name of Object.keys(given)) {
    if (!definition.params[name]) {
      const known = Object.keys(definition.params);
      throw new InputError(
        `Unknown parameter "${name}"; ${definition.name} takes ${
          known.length ? known.join(', ') : 'no parameters'
        }`,
      );
    }
  }
  for (const [name, param] of Object.entries(definition.params)) {
    let value = given[name] ?? param.default;
    if (value === undefined || value === '') {
      if (param.required) {
        throw new InputError(`Parameter "${name}" is required`);
      }
      if (value === undefined) continue;
    }
    switch (param.type) {
      case 'number': {
        const number = typeof value === 'number' ? value : Number(value);
        if (!Number.isFinite(number)) {
          throw new InputError(
            `Parameter "${name}" must be a number, got ${JSON.stringify(
              value,
            )}`,
          );
        }
        value = number;
        break;
      }
      case 'boolean':
        if (value === 'true' || value === 'false') value = value === 'true';
        if (typeof value !== 'boolean') {
          throw new InputError(
            `Parameter "${name}" must be true or false, got ${JSON.stringify(
              value,
            )}`,
          );
        }
        break;
      case 'choice':
        if (!param.options?.includes(String(value))) {
          throw new InputError(
            `Parameter "${name}" must be one of ${param.options?.join(
              ', ',
            )}, got ${JSON.stringify(value)}`,
          );
        }
        value = String(value);
        break;
      default:
        if (typeof value === 'object') {
          throw new InputError(`Parameter "${name}" must be a string`);
        }
        value = String(value);
    }
    result[name] = value as string | number | boolean;
  }
  return result;
}

/** Expands jobs and their matrices into the job runs of a new run. */
export function planJobs(
  definition: PipelineDefinition,
  succeeded?: Set<string>,
): NewJobRun[] {
  const instances = new Map<string, string[]>();
  const jobRuns: NewJobRun[] = [];
  for (const job of definition.jobs) {
    const combinations = job.matrix ? expandMatrix(job.matrix) : [undefined];
    const ids: string[] = [];
    for (const matrix of combinations) {
      const jobRunId = jobRunIdOf(job, matrix);
      ids.push(jobRunId);
      jobRuns.push({
        jobRunId,
        jobId: job.id,
        name: matrix
          ? `${job.name} (${Object.values(matrix).join(', ')})`
          : job.name,
        matrix,
        needs: [],
        steps: job.steps.map(step => ({ name: step.name })),
        approval: job.approval,
        maxAttempts: 1 + job.retry,
        timeoutMs: job.timeoutMs,
        initialState: succeeded?.has(jobRunId) ? 'succeeded' : 'pending',
      });
    }
    instances.set(job.id, ids);
  }
  // `needs: [test]` waits for every matrix instance of `test`
  for (const jobRun of jobRuns) {
    const job = definition.jobs.find(j => j.id === jobRun.jobId)!;
    jobRun.needs = job.needs.flatMap(need => instances.get(need) ?? []);
  }
  return jobRuns;
}

/**
 * Buffers a job's log lines and writes them in batches; masks secrets first and enforces the
 * run's size cap with one truncation marker.
 *
 * @internal Exported for its tests.
 */
export class RunLog {
  private buffer: NewLogLine[] = [];
  private bytes = 0;
  private truncated = false;
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: PipelineStore,
    private readonly runId: string,
    private readonly limitBytes: number,
    private readonly masker: SecretMasker,
    private readonly liveLogs?: LiveLogBus,
  ) {}

  async init() {
    this.bytes = await this.store.logSize(this.runId);
  }

  write(line: Omit<NewLogLine, 'timestamp'>) {
    if (this.truncated) return;
    const text = this.masker.mask(line.text);
    if (this.bytes + text.length > this.limitBytes) {
      this.truncated = true;
      this.buffer.push({
        ...line,
        stream: 'system',
        text: `[log truncated: this run reached its log limit of ${this.limitBytes} bytes; further output is not stored]`,
        timestamp: new Date().toISOString(),
      });
      this.schedule(true);
      return;
    }
    this.bytes += text.length;
    this.buffer.push({
      jobRunId: line.jobRunId,
      stepIndex: line.stepIndex,
      stream: line.stream,
      text,
      timestamp: this.now(),
    });
    this.schedule(this.buffer.length >= LOG_FLUSH_LINES);
  }

  private lastMillis = 0;
  private lastTimestamp = '';

  /** ISO timestamps, formatted once per millisecond: a busy step prints many lines in one. */
  private now() {
    const millis = Date.now();
    if (millis !== this.lastMillis) {
      this.lastMillis = millis;
      this.lastTimestamp = new Date(millis).toISOString();
    }
    return this.lastTimestamp;
  }

  private schedule(now: boolean) {
    if (now) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, LOG_FLUSH_MS);
    }
  }

  /**
   * Stores what is buffered. Writes are chained so lines are stored in the order they were
   * produced, and each takes what has been buffered by the time it starts (up to
   * LOG_WRITE_MAX_LINES): while the database is behind, the waiting lines go in fewer, larger
   * writes instead of a queue of small ones (the writes already queued then find nothing
   * left). Resolves when the buffer has been emptied, so every line buffered before the call
   * is stored.
   */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(async () => {
      while (this.buffer.length) {
        const lines = this.buffer.splice(0, LOG_WRITE_MAX_LINES);
        const stored = await this.store.appendLogLines(this.runId, lines);
        this.liveLogs?.publish(this.runId, stored);
      }
    });
    return this.writing;
  }
}

type RunningJob = {
  claimed: ClaimedJob;
  abort: AbortController;
  done: Promise<void>;
  reason?: string;
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

  constructor(private readonly options: PipelineEngineOptions) {}

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

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    const pollMs = this.options.pollMs ?? 500;
    this.pollTimer = setInterval(() => this.wake(), pollMs);
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
        job.reason = `The backend replica ${this.workerId} shut down before the job finished`;
        job.abort.abort();
      }
      await all;
    }
  }

  /** Aborts the local execution of a job, e.g. after its run was cancelled. */
  abortJob(runId: string, reason: string) {
    for (const job of this.running.values()) {
      if (job.claimed.runId === runId) {
        job.reason = reason;
        job.abort.abort();
      }
    }
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
      const claimed = await this.options.store.claimJob({
        workerId: this.workerId,
        leaseMs: this.options.leaseMs,
      });
      if (!claimed) return;
      const key = `${claimed.runId}/${claimed.jobRunId}`;
      const abort = new AbortController();
      const entry: RunningJob = { claimed, abort, done: Promise.resolve() };
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
    );
    await log.init();
    const system = (text: string, stepIndex?: number) =>
      log.write({
        jobRunId: claimed.jobRunId,
        stepIndex,
        stream: 'system',
        text,
      });

    // Heartbeats keep the lease; losing it (cancelled, or taken over) aborts the job here.
    let leaseLost = false;
    const heartbeat = setInterval(async () => {
      try {
        const held = await store.heartbeat({
          runId: claimed.runId,
          jobRunId: claimed.jobRunId,
          workerId: this.workerId,
          leaseMs: this.options.leaseMs,
        });
        if (!held && !abort.signal.aborted) {
          leaseLost = true;
          entry.reason ??=
            'The job was cancelled or taken over by another worker';
          abort.abort();
        }
      } catch (error) {
        logger.warn(`Heartbeat for ${claimed.jobRunId} failed: ${error}`);
      }
    }, this.options.heartbeatMs);

    let workspace: PipelineWorkspace | undefined;
    let failure: string | undefined;
    let jobTimer: NodeJS.Timeout | undefined;
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
        jobTimer = setTimeout(() => {
          entry.reason = `Job timed out after ${claimed.timeoutMs} ms`;
          abort.abort();
        }, claimed.timeoutMs);
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
        let stepError: string | undefined;
        let exitCode: number | undefined;
        if (step.run !== undefined) {
          const prepared = prepareScript(step.run, stepScope);
          const result = await executor.runScript({
            workspace,
            script: prepared.script,
            env: { ...env, ...prepared.env },
            timeoutMs: step.timeoutMs,
            signal: abort.signal,
            onOutput: line =>
              log.write({
                jobRunId: claimed.jobRunId,
                stepIndex: index,
                stream: line.stream,
                text: line.text,
              }),
          });
          exitCode = result.exitCode ?? undefined;
          if (result.terminatedBy === 'timeout') {
            stepError = `Step timed out after ${step.timeoutMs} ms`;
          } else if (result.terminatedBy === 'cancel') {
            stepError = entry.reason ?? 'Cancelled';
          } else if (result.exitCode !== 0) {
            stepError =
              result.exitCode === 127
                ? `Command not found (exit code 127)`
                : `Exited with code ${result.exitCode}`;
          }
        } else if (step.uses) {
          const stepType = this.options.stepTypes.get(step.uses);
          if (!stepType) {
            stepError = `Unknown step type "${step.uses}"`;
          } else {
            try {
              await stepType.run({
                runId: claimed.runId,
                entityRef: claimed.entityRef,
                inputs: resolveDeep(step.with ?? {}, stepScope) as Record<
                  string,
                  unknown
                >,
                workspaceDir: workspace.dir,
                env,
                commit: workspace.commit,
                branch: claimed.branch,
                signal: abort.signal,
                log: {
                  info: text =>
                    log.write({
                      jobRunId: claimed.jobRunId,
                      stepIndex: index,
                      stream: 'stdout',
                      text,
                    }),
                  error: text =>
                    log.write({
                      jobRunId: claimed.jobRunId,
                      stepIndex: index,
                      stream: 'stderr',
                      text,
                    }),
                },
              });
            } catch (error) {
              stepError = abort.signal.aborted
                ? entry.reason ?? 'Cancelled'
                : masker.mask(String((error as Error)?.message ?? error));
            }
          }
        }
        const cancelled = abort.signal.aborted;
        let stepState: 'cancelled' | 'failed' | 'succeeded' = 'succeeded';
        if (cancelled) stepState = 'cancelled';
        else if (stepError) stepState = 'failed';
        await store.setStepState({
          ...stepRef,
          state: stepState,
          exitCode,
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
      clearInterval(heartbeat);
      clearTimeout(jobTimer);
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
      failure = entry.reason ?? 'Cancelled';
      system(`Job stopped: ${failure}`);
    }
    await log.flush();
    if (leaseLost) {
      // Someone else (a cancel, or a worker that took over) owns the job's state now.
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
      finalState = entry.reason?.startsWith('Job timed out')
        ? 'failed'
        : 'cancelled';
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
