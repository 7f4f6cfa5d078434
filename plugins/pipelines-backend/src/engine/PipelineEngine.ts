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
import { ContinuedLineMasker } from '../logs/ContinuedLineMasker';
import { SecretMasker } from '../logs/SecretMasker';
import type { LiveLogBus } from './LiveLogBus';
import { removeStaleWorkspaces } from './staleWorkspaces';
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
/** Slack for clocks and timers between aborting a job that lost its lease and the lease's end. */
const LEASE_MARGIN_MS = 2_000;
/** Pauses before each retry of a failed log write; then its lines are dropped. */
const LOG_WRITE_RETRY_MS = [100, 400, 1_500];

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
 * Buffers a job's log lines and writes them in batches; masks secrets first. The run's size
 * cap is enforced by the store under the run row's lock (so it holds across the run's jobs and
 * replicas, with one truncation marker); this class only stops buffering once the run's log
 * is known to be full.
 *
 * A failed write is retried a few times with a short backoff (the same lines, in the same
 * order); if it keeps failing those lines are dropped, the error is logged once, and later
 * lines are still written: the chain of writes never stays rejected, so a database hiccup
 * neither loses the rest of the log nor fails the job.
 *
 * @internal Exported for its tests.
 */
export class RunLog {
  private buffer: NewLogLine[] = [];
  /** UTF-8 bytes of the run's log as the store last reported them (any job's lines). */
  private storedBytes = 0;
  /** A lower bound of the bytes buffered since: string length never exceeds UTF-8 bytes. */
  private pendingChars = 0;
  /** The run's log is full: nothing more is buffered. */
  private full = false;
  private failureReported = false;
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: PipelineStore,
    private readonly runId: string,
    private readonly limitBytes: number,
    private readonly masker: SecretMasker,
    private readonly liveLogs?: LiveLogBus,
    private readonly logger?: LoggerService,
    private readonly retryDelaysMs: readonly number[] = LOG_WRITE_RETRY_MS,
  ) {}

  /** Reads the run's stored size, so a run already over its limit buffers nothing. */
  async init() {
    try {
      this.storedBytes = await this.store.logSize(this.runId);
    } catch {
      // Only an estimate: the store enforces the limit on every write anyway.
      this.storedBytes = 0;
    }
  }

  /** Buffers a line; `masked` when its secrets are masked already (a continued line's). */
  write(line: Omit<NewLogLine, 'timestamp'>, masked = false) {
    if (this.full) return;
    const text = masked ? line.text : this.masker.mask(line.text);
    this.pendingChars += text.length;
    if (this.storedBytes + this.pendingChars > this.limitBytes) {
      // This line cannot fit (its bytes are at least its length): it is sent so the store
      // writes the run's truncation marker at the right place, and nothing after it is kept.
      this.full = true;
    }
    this.buffer.push({
      jobRunId: line.jobRunId,
      stepIndex: line.stepIndex,
      stream: line.stream,
      text,
      timestamp: this.now(),
    });
    this.schedule(this.full || this.buffer.length >= LOG_FLUSH_LINES);
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
   * left). Resolves (never rejects) when the buffer has been emptied, so every line buffered
   * before the call has been stored, or dropped after its write failed every retry.
   */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing
      .then(() => this.drain())
      // Only a live viewer's publish can throw here; the stored lines are not affected
      .catch(error =>
        this.logger?.warn(
          `Publishing log lines of run ${this.runId} failed: ${this.masker.mask(
            String(error),
          )}`,
        ),
      );
    return this.writing;
  }

  private async drain() {
    while (this.buffer.length) {
      const lines = this.buffer.splice(0, LOG_WRITE_MAX_LINES);
      let chars = 0;
      for (const line of lines) chars += line.text.length;
      const result = await this.append(lines);
      this.pendingChars -= chars;
      if (!result) continue;
      // The run's size now includes these lines (and any other job's stored meanwhile)
      this.storedBytes = result.logSize;
      if (result.truncated) {
        // The run's log is full (this job's lines or another's): later lines would be refused.
        this.full = true;
        this.buffer = [];
      }
      if (result.lines.length) this.liveLogs?.publish(this.runId, result.lines);
    }
  }

  /** One write, retried; undefined when every attempt failed (the lines are dropped). */
  private async append(lines: NewLogLine[]) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.store.appendLogLines(this.runId, lines, {
          limitBytes: this.limitBytes,
        });
      } catch (error) {
        if (attempt >= this.retryDelaysMs.length) {
          this.reportFailure(lines.length, error);
          return undefined;
        }
        await new Promise(resolve =>
          setTimeout(resolve, this.retryDelaysMs[attempt]),
        );
      }
    }
  }

  /** Logs the first lost write of this log; the message is masked and cut short. */
  private reportFailure(lineCount: number, error: unknown) {
    if (this.failureReported) return;
    this.failureReported = true;
    const message = this.masker
      .mask(String((error as Error)?.message ?? error))
      .slice(0, 500);
    this.logger?.error(
      `Cannot store ${lineCount} log line(s) of run ${this.runId} after ${
        this.retryDelaysMs.length + 1
      } attempts; they are dropped and later lines are still written (further failures of this job's log are not reported): ${message}`,
    );
  }
}

type RunningJob = {
  claimed: ClaimedJob;
  /** When the claim was asked for: the lease runs from (no earlier than) then. */
  claimedAt: number;
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
  /** The start-up removal of workspaces left by killed replicas, for tests to wait on. */
  workspaceSweep: Promise<void> = Promise.resolve();

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
      const claimedAt = Date.now();
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

    // Heartbeats keep the lease; losing it (cancelled, or taken over) aborts the job here.
    let leaseLost = false;
    // When heartbeats stop reaching the database (it is unreachable, or this replica hangs),
    // the job is aborted here early enough that its processes are gone (SIGTERM, SIGKILL after
    // the kill grace period) before the lease expires and another replica runs it again.
    const { leaseMs, heartbeatMs } = this.options;
    const killGraceMs = this.options.killGraceMs ?? 10_000;
    const budgetMs = leaseMs - killGraceMs - LEASE_MARGIN_MS;
    // With a lease too short for that, a failed heartbeat past half the lease aborts at once.
    const watchdogMs = budgetMs > heartbeatMs ? budgetMs : undefined;
    let lastHeld = entry.claimedAt;
    const timers: { heartbeat?: NodeJS.Timeout; watchdog?: NodeJS.Timeout } =
      {};
    const loseLease = () => {
      if (abort.signal.aborted) return;
      const seconds = Math.round((Date.now() - lastHeld) / 1000);
      leaseLost = true;
      entry.reason = `The job lost its lease: no heartbeat reached the database for ${seconds} s, so it was stopped here before another worker could take it over`;
      logger.warn(
        `Pipeline job ${claimed.jobRunId} of run ${claimed.runId}: ${entry.reason}`,
      );
      clearInterval(timers.heartbeat);
      abort.abort();
    };
    const armWatchdog = () => {
      if (watchdogMs === undefined) return;
      clearTimeout(timers.watchdog);
      timers.watchdog = setTimeout(
        loseLease,
        Math.max(0, lastHeld + watchdogMs - Date.now()),
      );
    };
    armWatchdog();
    timers.heartbeat = setInterval(async () => {
      const started = Date.now();
      try {
        const held = await store.heartbeat({
          runId: claimed.runId,
          jobRunId: claimed.jobRunId,
          workerId: this.workerId,
          leaseMs,
        });
        if (!held && !abort.signal.aborted) {
          leaseLost = true;
          entry.reason ??=
            'The job was cancelled or taken over by another worker';
          abort.abort();
        } else if (held && !abort.signal.aborted) {
          // The lease now runs from (no earlier than) when this heartbeat was sent
          lastHeld = Math.max(lastHeld, started);
          armWatchdog();
        }
      } catch (error) {
        logger.warn(`Heartbeat for ${claimed.jobRunId} failed: ${error}`);
        if (watchdogMs === undefined && Date.now() - lastHeld > leaseMs / 2) {
          loseLease();
        }
      }
    }, heartbeatMs);

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
        let stepError: string | undefined;
        let exitCode: number | undefined;
        if (step.run !== undefined) {
          const prepared = prepareScript(step.run, stepScope);
          // Pieces of an over-long line are masked together, so no secret leaks at a cut
          const streams = {
            stdout: new ContinuedLineMasker(masker),
            stderr: new ContinuedLineMasker(masker),
          };
          const output = (
            stream: 'stdout' | 'stderr',
            text: string,
            continues = false,
          ) => {
            const masked = streams[stream].push(text, continues);
            if (masked || !continues) {
              log.write(
                {
                  jobRunId: claimed.jobRunId,
                  stepIndex: index,
                  stream,
                  text: masked,
                },
                true,
              );
            }
          };
          const result = await executor.runScript({
            workspace,
            script: prepared.script,
            env: { ...env, ...prepared.env },
            timeoutMs: step.timeoutMs,
            signal: abort.signal,
            onOutput: line => output(line.stream, line.text, line.continues),
          });
          for (const stream of ['stdout', 'stderr'] as const) {
            // A piece whose line never ended (the step was killed mid-line)
            const text = streams[stream].end();
            if (text) {
              log.write(
                { jobRunId: claimed.jobRunId, stepIndex: index, stream, text },
                true,
              );
            }
          }
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
      clearInterval(timers.heartbeat);
      clearTimeout(timers.watchdog);
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
