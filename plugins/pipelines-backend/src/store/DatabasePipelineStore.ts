import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import type {
  PipelineDefinition,
  PipelineJobRun,
  PipelineLogLine,
  PipelineRun,
  PipelineRunPage,
  PipelineRunReport,
  PipelineRunStatus,
  PipelineRunTrigger,
  PipelineStepRun,
} from '@internal/plugin-pipelines-common';
import type { PipelineRunEventType } from '@internal/plugin-pipelines-node';
import { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import {
  DatabaseRunEventOutbox,
  NewRunEvent,
} from '../events/DatabaseRunEventOutbox';
import { isUniqueViolation } from './databaseErrors';
import { DatabaseLogChunkStore } from './DatabaseLogChunkStore';
import { DatabaseWebhookDeliveries } from './DatabaseWebhookDeliveries';
import { DatabaseStepReports } from './DatabaseStepReports';
import { DatabaseRunRetention } from '../retention/DatabaseRunRetention';
import { RunListCache } from './RunListCache';
import { MAX_COMMIT_MESSAGE_LENGTH } from '../engine/GitPipelineSource';
import {
  commitUrlOf,
  extraLinksOf,
  mergeExtraLinks,
  pullRequestOf,
  runLinksOf,
} from './runLinks';
import type {
  AppendedLogLines,
  ClaimedJob,
  ExpiredJob,
  JobState,
  ListRunsQuery,
  NewLogLine,
  NewRun,
  QueueStats,
  NewStepReport,
  PipelineStore,
  RunStatusChange,
} from './PipelineStore';

const migrationsDir = resolvePackagePath(
  '@internal/plugin-pipelines-backend',
  'migrations',
);

const RUNS = 'pipeline_runs';
const JOBS = 'pipeline_jobs';
const STEPS = 'pipeline_steps';
/** Rows per insert statement; keeps SQLite well under its bound-variable limit. */
/** listRuns counts at most this many runs. */
export const TOTAL_COUNT_CAP = 1_000;
const ROW_CHUNK = 100;
/** Retries of createRun when a concurrent creator took the same run number. */
const CREATE_ATTEMPTS = 25;
/** Candidates fetched per claim round, and rounds before giving up. */
const CLAIM_CANDIDATES = 10;
const CLAIM_ROUNDS = 3;

const TERMINAL_JOB_STATES: JobState[] = [
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
];
const ACTIVE_JOB_STATES: JobState[] = [
  'pending',
  'queued',
  'running',
  'waiting',
];
const TERMINAL_RUN_STATUSES: PipelineRunStatus[] = [
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
];

/** The event a run's new status is announced with. */
const RUN_EVENT_TYPES: Record<
  PipelineRunStatus,
  PipelineRunEventType | undefined
> = {
  queued: 'run.queued',
  running: 'run.started',
  waiting: 'run.waiting',
  succeeded: 'run.succeeded',
  failed: 'run.failed',
  cancelled: 'run.cancelled',
  skipped: undefined,
};

/** The event a job's new state is announced with; none for going back to the queue. */
const JOB_EVENT_TYPES: Record<JobState, PipelineRunEventType | undefined> = {
  pending: undefined,
  queued: undefined,
  running: 'job.started',
  waiting: 'job.waiting',
  succeeded: 'job.finished',
  failed: 'job.finished',
  cancelled: 'job.finished',
  skipped: 'job.finished',
};

/** A change {@link DatabasePipelineStore} records as an event (none when `type` is unset). */
type RecordedChange = {
  type: PipelineRunEventType | undefined;
  previousStatus?: PipelineRunStatus;
  jobRunId?: string;
};

type DbDate = Date | string | number | null | undefined;
type Scalar = string | number | boolean;

type RunRow = {
  run_id: string;
  entity_ref: string;
  pipeline: string;
  pipeline_path: string | null;
  number: number | string;
  status: PipelineRunStatus;
  trigger: string;
  branch: string | null;
  commit_sha: string | null;
  commit_message?: string | null;
  extra_links?: string | null;
  repository_url: string | null;
  params: string;
  definition?: string;
  error: string | null;
  created_at: DbDate;
  started_at: DbDate;
  finished_at: DbDate;
  log_line_count?: number | string;
  log_size?: number | string;
};

type JobRow = {
  run_id: string;
  job_run_id: string;
  job_id: string;
  name: string;
  matrix: string | null;
  needs: string;
  state: JobState;
  attempt: number | string;
  max_attempts: number | string;
  timeout_ms: number | string | null;
  worker_id: string | null;
  lease_expires_at: DbDate;
  approval: string | null;
  error: string | null;
  position: number | string;
  created_at: DbDate;
  started_at: DbDate;
  finished_at: DbDate;
};

type StepRow = {
  run_id: string;
  job_run_id: string;
  step_index: number | string;
  name: string;
  status: PipelineRunStatus;
  exit_code: number | string | null;
  error: string | null;
  started_at: DbDate;
  finished_at: DbDate;
};

type StoredApproval = NonNullable<PipelineJobRun['approval']>;

/** Columns of a run row needed for the public model (not the possibly large definition). */
const RUN_COLUMNS = [
  'run_id',
  'entity_ref',
  'pipeline',
  'pipeline_path',
  'number',
  'status',
  'trigger',
  'branch',
  'commit_sha',
  'commit_message',
  'extra_links',
  'repository_url',
  'params',
  'error',
  'created_at',
  'started_at',
  'finished_at',
];

function toDate(value: DbDate): Date | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  // SQLite hands back numbers as strings in some drivers; PostgreSQL may hand back text.
  if (/^\d+$/.test(value)) return new Date(Number(value));
  return new Date(value);
}

function toIso(value: DbDate): string | undefined {
  return toDate(value)?.toISOString();
}

function durationOf(start: DbDate, end: DbDate): number | undefined {
  const s = toDate(start);
  const e = toDate(end);
  return s && e ? Math.max(0, e.getTime() - s.getTime()) : undefined;
}

function parseJson<T>(value: string | null | undefined, fallback: T): T {
  if (value === null || value === undefined || value === '') return fallback;
  return JSON.parse(value) as T;
}

function optional<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

function optionalNumber(value: number | string | null | undefined) {
  return value === null || value === undefined ? undefined : Number(value);
}

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    result.push(items.slice(i, i + size));
  }
  return result;
}

function publicJobStatus(state: JobState): PipelineRunStatus {
  return state === 'pending' ? 'queued' : state;
}

function isTerminalJob(state: JobState) {
  return TERMINAL_JOB_STATES.includes(state);
}

function encodeCursor(createdAt: Date, runId: string): string {
  return Buffer.from(`${createdAt.getTime()}|${runId}`, 'utf8').toString(
    'base64url',
  );
}

function decodeCursor(cursor: string): { createdAt: Date; runId: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const separator = text.indexOf('|');
  const millis = Number(text.slice(0, separator));
  const runId = text.slice(separator + 1);
  if (separator <= 0 || !Number.isFinite(millis) || !runId) {
    throw new InputError('Invalid cursor');
  }
  return { createdAt: new Date(millis), runId };
}

/** A failed run's error: its (first) failed job and why. */
function failedRunError(job: { name: string; error?: string | null }) {
  return `Job ${job.name} failed${job.error ? `: ${job.error}` : ''}`;
}

/** The trigger as stored: a pull request only with a valid number and http(s) URL. */
function storedTrigger(trigger: PipelineRunTrigger): PipelineRunTrigger {
  const { pullRequest, ...rest } = trigger;
  const pr = pullRequestOf(pullRequest);
  return pr ? { ...rest, pullRequest: pr } : rest;
}

/** The state a job enters once all its needs succeeded. */
function readyState(hasApproval: boolean): JobState {
  return hasApproval ? 'waiting' : 'queued';
}

/**
 * {@link PipelineStore} on the plugin's database (PostgreSQL in production, SQLite in
 * development and tests). Every state change two replicas could race on is a conditional
 * `UPDATE … WHERE state = …`; locks are always taken in the order jobs, steps, run so
 * concurrent transactions cannot deadlock each other. Each run and job status change also
 * writes its run event to the outbox ({@link DatabaseRunEventOutbox}) in the same
 * transaction. Logs and webhook deliveries live in their own classes.
 */
export class DatabasePipelineStore implements PipelineStore {
  static async create(options: {
    database: Pick<DatabaseService, 'getClient'> &
      Partial<Pick<DatabaseService, 'migrations'>>;
    skipMigrations?: boolean;
    /**
     * How long a page of a run list may be served again (see {@link RunListCache}); 0, the
     * default here, reads every time. The plugin sets `pipelines.runListCacheSeconds`.
     */
    runListCacheMs?: number;
    /** Milliseconds since the epoch, for every timestamp the store writes; tests inject it. */
    now?: () => number;
  }): Promise<DatabasePipelineStore> {
    const client = await options.database.getClient();
    if (!options.skipMigrations && !options.database.migrations?.skip) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    return new DatabasePipelineStore(
      client,
      options.runListCacheMs ?? 0,
      options.now ?? Date.now,
    );
  }

  /** Run and job status changes, written with each change, for other plugins' listeners. */
  readonly runEvents: DatabaseRunEventOutbox;
  private readonly isPostgres: boolean;
  private readonly listCache: RunListCache<PipelineRunPage>;
  private readonly logs: DatabaseLogChunkStore;
  private readonly webhookDeliveries: DatabaseWebhookDeliveries;
  private readonly retention: DatabaseRunRetention;
  private readonly stepReports: DatabaseStepReports;

  private constructor(
    private readonly db: Knex,
    runListCacheMs: number,
    private readonly now: () => number,
  ) {
    const client = db.client.config.client;
    this.isPostgres =
      typeof client === 'string' &&
      ['pg', 'postgres', 'postgresql'].includes(client);
    this.listCache = new RunListCache({ ttlMs: runListCacheMs, now });
    this.logs = new DatabaseLogChunkStore(db, this.isPostgres);
    this.webhookDeliveries = new DatabaseWebhookDeliveries(db, now);
    this.runEvents = new DatabaseRunEventOutbox(db);
    this.retention = new DatabaseRunRetention(db, this.isPostgres, now);
    this.stepReports = new DatabaseStepReports(db, this.isPostgres, now);
  }

  /**
   * Runs a write that changes what run lists show. Cached pages are dropped before it (a read
   * that starts meanwhile is not kept) and after it (a read that overlapped it is not served
   * again), as {@link RunListCache} requires.
   */
  private async write<T>(change: () => Promise<T>): Promise<T> {
    this.listCache.invalidate();
    try {
      return await change();
    } finally {
      this.listCache.invalidate();
    }
  }

  // ---------------------------------------------------------------------------------------
  // Runs

  createRun(run: NewRun): Promise<PipelineRun> {
    return this.write(async () => {
      const ids = new Set<string>();
      for (const job of run.jobs) {
        if (ids.has(job.jobRunId)) {
          throw new InputError(`Duplicate job run id "${job.jobRunId}"`);
        }
        ids.add(job.jobRunId);
      }
      for (const job of run.jobs) {
        for (const need of job.needs) {
          if (!ids.has(need)) {
            throw new InputError(
              `Job "${job.jobRunId}" needs "${need}", which is not part of the run`,
            );
          }
        }
      }

      const initial = new Map<string, JobState>();
      for (const job of run.jobs) {
        if (job.initialState === 'succeeded')
          initial.set(job.jobRunId, 'succeeded');
        // A run that failed before it could start (an invalid pipeline file on a push)
        else if (job.initialState === 'failed')
          initial.set(job.jobRunId, 'failed');
      }
      for (const job of run.jobs) {
        if (initial.has(job.jobRunId)) continue;
        const ready = job.needs.every(
          need => initial.get(need) === 'succeeded',
        );
        initial.set(
          job.jobRunId,
          ready ? readyState(!!job.approval) : 'pending',
        );
      }
      const states = [...initial.values()];
      let status: PipelineRunStatus = 'queued';
      if (run.jobs.length > 0 && states.every(isTerminalJob)) {
        status = states.includes('failed') ? 'failed' : 'succeeded';
      } else if (!states.includes('queued') && states.includes('waiting')) {
        status = 'waiting';
      }

      // A run created failed (a pipeline file that cannot start) says why from the start, as
      // promoteJobs would
      const firstFailed = run.jobs.find(
        job => initial.get(job.jobRunId) === 'failed',
      );
      const createdError =
        status === 'failed' && firstFailed
          ? failedRunError({
              name: firstFailed.name,
              error: firstFailed.initialError,
            })
          : null;

      const runId = randomUUID();
      for (let attempt = 1; ; attempt++) {
        const now = new Date(this.now());
        try {
          await this.db.transaction(async trx => {
            const [{ max }] = await trx(RUNS)
              .where({ entity_ref: run.entityRef, pipeline: run.pipeline })
              .max({ max: 'number' });
            await trx(RUNS).insert({
              run_id: runId,
              entity_ref: run.entityRef,
              pipeline: run.pipeline,
              pipeline_path: run.pipelinePath ?? null,
              number: Number(max ?? 0) + 1,
              status,
              trigger: JSON.stringify(storedTrigger(run.trigger)),
              // Indexed, for the active-run cap per user
              triggered_by: run.trigger.actor?.slice(0, 255) ?? null,
              branch: run.branch ?? null,
              commit_sha: run.commitSha ?? null,
              commit_message:
                run.commitSha && run.commitMessage
                  ? run.commitMessage.slice(0, MAX_COMMIT_MESSAGE_LENGTH)
                  : null,
              repository_url: run.repositoryUrl ?? null,
              params: JSON.stringify(run.params ?? {}),
              definition: JSON.stringify(run.definition),
              error: createdError,
              created_at: now,
              started_at: status === 'queued' ? null : now,
              finished_at: isTerminalJob(status as JobState) ? now : null,
            });
            const jobRows = run.jobs.map((job, position) => {
              const state = initial.get(job.jobRunId)!;
              return {
                run_id: runId,
                job_run_id: job.jobRunId,
                job_id: job.jobId,
                name: job.name,
                matrix: job.matrix ? JSON.stringify(job.matrix) : null,
                needs: JSON.stringify(job.needs),
                state,
                attempt: 0,
                max_attempts: Math.max(1, job.maxAttempts),
                timeout_ms: job.timeoutMs ?? null,
                worker_id: null,
                lease_expires_at: null,
                approval: job.approval ? JSON.stringify(job.approval) : null,
                error: job.initialError ?? null,
                position,
                created_at: now,
                started_at: state === 'waiting' ? now : null,
                finished_at: null,
              };
            });
            for (const chunk of chunks(jobRows, ROW_CHUNK)) {
              await trx(JOBS).insert(chunk);
            }
            const stepRows = run.jobs.flatMap(job =>
              job.steps.map((step, stepIndex) => ({
                run_id: runId,
                job_run_id: job.jobRunId,
                step_index: stepIndex,
                name: step.name,
                status:
                  initial.get(job.jobRunId) === 'succeeded'
                    ? 'succeeded'
                    : 'queued',
                exit_code: null,
                error: null,
                started_at: null,
                finished_at: null,
              })),
            );
            for (const chunk of chunks(stepRows, ROW_CHUNK)) {
              await trx(STEPS).insert(chunk);
            }
            await this.recordEvents(trx, runId, [
              { type: RUN_EVENT_TYPES[status] },
              ...run.jobs.flatMap((job): RecordedChange[] => {
                const state = initial.get(job.jobRunId);
                if (state === 'waiting') {
                  return [
                    { type: 'job.waiting' as const, jobRunId: job.jobRunId },
                  ];
                }
                if (state === 'failed') {
                  return [
                    { type: 'job.finished' as const, jobRunId: job.jobRunId },
                  ];
                }
                return [];
              }),
            ]);
          });
          break;
        } catch (error) {
          // Another creator took the same number; try again with the next one.
          if (!isUniqueViolation(error) || attempt >= CREATE_ATTEMPTS)
            throw error;
          await new Promise(resolve =>
            setTimeout(resolve, Math.random() * 5 * attempt),
          );
        }
      }
      const created = await this.getRun(runId);
      if (!created)
        throw new Error(`Run ${runId} vanished after it was created`);
      return created;
    });
  }

  async getRun(runId: string): Promise<PipelineRun | undefined> {
    const row = await this.db<RunRow>(RUNS)
      .where({ run_id: runId })
      .first(RUN_COLUMNS);
    if (!row) return undefined;
    const [[run], reports] = await Promise.all([
      this.assembleRuns([row as unknown as RunRow]),
      this.stepReports.list(runId),
    ]);
    return reports.length > 0 ? { ...run, reports } : run;
  }

  async getRunDefinition(
    runId: string,
  ): Promise<
    { definition: PipelineDefinition; repositoryUrl?: string } | undefined
  > {
    const row = (await this.db<RunRow>(RUNS)
      .where({ run_id: runId })
      .first('definition', 'repository_url')) as RunRow | undefined;
    if (!row) return undefined;
    return {
      definition: JSON.parse(row.definition!) as PipelineDefinition,
      repositoryUrl: optional(row.repository_url),
    };
  }

  listRuns(query: ListRunsQuery): Promise<PipelineRunPage> {
    if (query.entityRefs && query.entityRefs.length === 0) {
      return Promise.resolve({ runs: [], totalCount: 0 });
    }
    const key = JSON.stringify([
      query.entityRefs,
      query.pipeline,
      query.branch,
      query.status,
      query.limit,
      query.cursor,
    ]);
    return this.listCache.get(key, () => this.readRunList(query));
  }

  private async readRunList(query: ListRunsQuery): Promise<PipelineRunPage> {
    const limit = Math.max(1, Math.min(Math.floor(query.limit) || 1, 1000));

    const filtered = this.db<RunRow>(RUNS).where(builder => {
      if (query.entityRefs) {
        if (query.entityRefs.length === 1) {
          builder.where('entity_ref', query.entityRefs[0]);
        } else {
          builder.whereIn('entity_ref', query.entityRefs);
        }
      }
      if (query.pipeline !== undefined)
        builder.where('pipeline', query.pipeline);
      if (query.branch !== undefined) builder.where('branch', query.branch);
      if (query.status !== undefined) builder.where('status', query.status);
    });

    // Counting every run of a busy entity on each page view is what makes lists slow, so the
    // count stops at TOTAL_COUNT_CAP (the UI shows "1,000+"), and later pages (with a cursor)
    // do not count at all: the client has the total from the first page. On the first page the
    // capped count rides along in the page query, so a page is one round trip, not two.
    const page = filtered.clone().select(RUN_COLUMNS);
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      // A row-value comparison, so both databases walk the (entity_ref, created_at, run_id)
      // index instead of merging two ranges.
      page.whereRaw('(??, ??) < (?, ?)', [
        'created_at',
        'run_id',
        cursor.createdAt,
        cursor.runId,
      ]);
    } else {
      page.select(
        this.db
          .from(
            filtered
              .clone()
              .select('run_id')
              .limit(TOTAL_COUNT_CAP + 1)
              .as('capped'),
          )
          .count('*')
          .as('total_count'),
      );
    }
    page
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'run_id', order: 'desc' },
      ])
      .limit(limit + 1);

    const rows = (await page) as unknown as (RunRow & {
      total_count?: number | string;
    })[];
    // No rows, no count column: the count is then 0.
    const count = query.cursor ? undefined : Number(rows[0]?.total_count ?? 0);
    const hasMore = rows.length > limit;
    const pageRows = rows.slice(0, limit);
    const runs = await this.assembleRuns(pageRows);
    const last = pageRows[pageRows.length - 1];
    return {
      runs,
      nextCursor:
        hasMore && last
          ? encodeCursor(toDate(last.created_at)!, last.run_id)
          : undefined,
      ...(count === undefined
        ? {}
        : {
            totalCount: Math.min(count, TOTAL_COUNT_CAP),
            ...(count > TOTAL_COUNT_CAP
              ? { totalCountIsLowerBound: true }
              : {}),
          }),
    };
  }

  async listEntityRefsWithRuns(): Promise<string[]> {
    const rows = await this.db<RunRow>(RUNS)
      .distinct('entity_ref')
      .orderBy('entity_ref');
    return rows.map(row => row.entity_ref);
  }

  /** Turns run rows into the public model, loading jobs and steps of all of them at once. */
  private async assembleRuns(rows: RunRow[]): Promise<PipelineRun[]> {
    if (rows.length === 0) return [];
    const runIds = rows.map(r => r.run_id);
    const [jobRows, stepRows] = await Promise.all([
      this.db<JobRow>(JOBS)
        .whereIn('run_id', runIds)
        .orderBy([
          { column: 'run_id' },
          { column: 'position' },
        ]) as unknown as Promise<JobRow[]>,
      this.db<StepRow>(STEPS)
        .whereIn('run_id', runIds)
        .orderBy([
          { column: 'run_id' },
          { column: 'job_run_id' },
          { column: 'step_index' },
        ]) as unknown as Promise<StepRow[]>,
    ]);

    const stepsByJob = new Map<string, PipelineStepRun[]>();
    for (const step of stepRows) {
      const key = `${step.run_id}\u0000${step.job_run_id}`;
      let list = stepsByJob.get(key);
      if (!list) {
        list = [];
        stepsByJob.set(key, list);
      }
      list.push({
        stepIndex: Number(step.step_index),
        name: step.name,
        status: step.status,
        exitCode: optionalNumber(step.exit_code),
        startedAt: toIso(step.started_at),
        finishedAt: toIso(step.finished_at),
        durationMs: durationOf(step.started_at, step.finished_at),
        error: optional(step.error),
      });
    }

    const jobsByRun = new Map<string, PipelineJobRun[]>();
    for (const job of jobRows) {
      let list = jobsByRun.get(job.run_id);
      if (!list) {
        list = [];
        jobsByRun.set(job.run_id, list);
      }
      list.push({
        jobRunId: job.job_run_id,
        jobId: job.job_id,
        name: job.name,
        matrix: parseJson<Record<string, Scalar> | undefined>(
          job.matrix,
          undefined,
        ),
        needs: parseJson<string[]>(job.needs, []),
        status: publicJobStatus(job.state),
        attempt: Number(job.attempt),
        startedAt: toIso(job.started_at),
        finishedAt: toIso(job.finished_at),
        durationMs: durationOf(job.started_at, job.finished_at),
        error: optional(job.error),
        approval: parseJson<StoredApproval | undefined>(
          job.approval,
          undefined,
        ),
        steps: stepsByJob.get(`${job.run_id}\u0000${job.job_run_id}`) ?? [],
      });
    }

    return rows.map(row => {
      const trigger = parseJson<PipelineRunTrigger>(row.trigger, {
        type: 'manual',
      });
      const commitUrl = commitUrlOf(row.repository_url, row.commit_sha);
      return {
        provider: 'comet',
        runId: row.run_id,
        entityRef: row.entity_ref,
        pipeline: row.pipeline,
        pipelinePath: optional(row.pipeline_path),
        number: Number(row.number),
        status: row.status,
        trigger,
        branch: optional(row.branch),
        commit: row.commit_sha
          ? {
              sha: row.commit_sha,
              ...(row.commit_message ? { message: row.commit_message } : {}),
              ...(commitUrl ? { url: commitUrl } : {}),
            }
          : undefined,
        params: parseJson<Record<string, Scalar>>(row.params, {}),
        createdAt: toIso(row.created_at)!,
        startedAt: toIso(row.started_at),
        finishedAt: toIso(row.finished_at),
        durationMs: durationOf(row.started_at, row.finished_at),
        error: optional(row.error),
        links: [...runLinksOf(trigger), ...extraLinksOf(row.extra_links)],
        jobs: jobsByRun.get(row.run_id) ?? [],
      };
    });
  }

  /**
   * Writes the events of changes made in `trx` to the outbox, in that transaction, each with
   * the run (and job) as they are after the change.
   */
  private async recordEvents(
    trx: Knex.Transaction,
    runId: string,
    changes: RecordedChange[],
  ): Promise<void> {
    const wanted = changes.filter(change => change.type !== undefined);
    if (wanted.length === 0) return;
    const run = (await trx<RunRow>(RUNS)
      .where({ run_id: runId })
      .first(RUN_COLUMNS)) as RunRow | undefined;
    if (!run) return;
    const jobRunIds = wanted.flatMap(change =>
      change.jobRunId === undefined ? [] : [change.jobRunId],
    );
    const jobs =
      jobRunIds.length === 0
        ? []
        : ((await trx<JobRow>(JOBS)
            .where({ run_id: runId })
            .whereIn('job_run_id', jobRunIds)
            .select(
              'job_run_id',
              'job_id',
              'name',
              'state',
              'attempt',
              'started_at',
              'finished_at',
            )) as JobRow[]);
    const jobsById = new Map(jobs.map(job => [job.job_run_id, job]));
    const trigger = parseJson<PipelineRunTrigger>(run.trigger, {
      type: 'manual',
    });
    const commitUrl = commitUrlOf(run.repository_url, run.commit_sha);
    const occurredAt = new Date(this.now()).toISOString();
    const events = wanted.map((change): NewRunEvent => {
      const job =
        change.jobRunId === undefined
          ? undefined
          : jobsById.get(change.jobRunId);
      return {
        type: change.type!,
        occurredAt,
        runId,
        entityRef: run.entity_ref,
        pipeline: run.pipeline,
        runNumber: Number(run.number),
        status: run.status,
        ...(change.previousStatus
          ? { previousStatus: change.previousStatus }
          : {}),
        trigger,
        ...(run.branch ? { branch: run.branch } : {}),
        ...(run.commit_sha
          ? {
              commit: {
                sha: run.commit_sha,
                ...(run.commit_message ? { message: run.commit_message } : {}),
                ...(commitUrl ? { url: commitUrl } : {}),
              },
            }
          : {}),
        createdAt: toIso(run.created_at)!,
        ...(run.started_at ? { startedAt: toIso(run.started_at) } : {}),
        ...(run.finished_at ? { finishedAt: toIso(run.finished_at) } : {}),
        links: [...runLinksOf(trigger), ...extraLinksOf(run.extra_links)],
        ...(job
          ? {
              job: {
                jobRunId: job.job_run_id,
                jobId: job.job_id,
                name: job.name,
                status: publicJobStatus(job.state),
                attempt: Number(job.attempt),
                ...(job.started_at ? { startedAt: toIso(job.started_at) } : {}),
                ...(job.finished_at
                  ? { finishedAt: toIso(job.finished_at) }
                  : {}),
              },
            }
          : {}),
      };
    });
    await this.runEvents.append(trx, events);
  }

  // ---------------------------------------------------------------------------------------
  // Job scheduling

  promoteJobs(runId: string): Promise<RunStatusChange> {
    return this.write(async () => {
      const newlyWaiting: string[] = [];
      // Skips cascade (a skipped job skips its dependents), so repeat until nothing changes.
      for (let round = 0; round < 1000; round++) {
        const jobs = (await this.db<JobRow>(JOBS)
          .where({ run_id: runId })
          .orderBy('position')
          .select('job_run_id', 'state', 'needs', 'approval')) as JobRow[];
        const states = new Map(jobs.map(j => [j.job_run_id, j.state]));
        let changed = false;
        for (const job of jobs) {
          if (job.state !== 'pending') continue;
          const needStates = parseJson<string[]>(job.needs, []).map(need =>
            states.get(need),
          );
          let next: JobState;
          if (
            needStates.some(
              s => s === 'failed' || s === 'cancelled' || s === 'skipped',
            )
          ) {
            next = 'skipped';
          } else if (needStates.every(s => s === 'succeeded')) {
            next = readyState(!!job.approval);
          } else {
            continue;
          }
          // One small transaction per job so that at most one job row is locked at a time.
          const moved = await this.db.transaction(trx =>
            this.changeJobState(trx, {
              runId,
              jobRunId: job.job_run_id,
              state: next,
              from: ['pending'],
              error:
                next === 'skipped'
                  ? 'Skipped because a job it needs did not succeed'
                  : undefined,
            }),
          );
          if (moved) {
            changed = true;
            states.set(job.job_run_id, next);
            if (next === 'waiting') newlyWaiting.push(job.job_run_id);
          }
        }
        if (!changed) break;
      }
      const change = await this.db.transaction(trx =>
        this.refreshRunStatusIn(trx, runId),
      );
      return { ...change, newlyWaiting };
    });
  }

  claimJob(options: {
    workerId: string;
    leaseMs: number;
  }): Promise<ClaimedJob | undefined> {
    return this.write(async () => {
      for (let round = 0; round < CLAIM_ROUNDS; round++) {
        const candidates = (await this.db<JobRow>(JOBS)
          .where('state', 'queued')
          .orderBy([
            { column: 'created_at' },
            { column: 'run_id' },
            { column: 'position' },
          ])
          .limit(CLAIM_CANDIDATES)
          .select(
            'run_id',
            'job_run_id',
            'created_at',
            'finished_at',
            'needs',
          )) as JobRow[];
        if (candidates.length === 0) return undefined;

        for (const candidate of candidates) {
          const now = new Date(this.now());
          const leaseExpiresAt = new Date(now.getTime() + options.leaseMs);
          const claimed = await this.db.transaction(async trx => {
            const updated = await trx(JOBS)
              .where({
                run_id: candidate.run_id,
                job_run_id: candidate.job_run_id,
                state: 'queued',
              })
              .update({
                state: 'running',
                worker_id: options.workerId,
                attempt: trx.raw('?? + 1', ['attempt']),
                lease_expires_at: leaseExpiresAt,
                started_at: trx.raw('COALESCE(??, ?)', ['started_at', now]),
                finished_at: null,
                error: null,
              });
            if (updated === 0) return false;
            const before = (await trx<RunRow>(RUNS)
              .where({ run_id: candidate.run_id })
              .first('status')) as RunRow | undefined;
            const started = await trx(RUNS)
              .where({ run_id: candidate.run_id })
              .whereIn('status', ['queued', 'waiting'])
              .update({
                status: 'running',
                started_at: trx.raw('COALESCE(??, ?)', ['started_at', now]),
              });
            await this.recordEvents(trx, candidate.run_id, [
              ...(started > 0
                ? [
                    {
                      type: 'run.started' as const,
                      previousStatus: before?.status,
                    },
                  ]
                : []),
              { type: 'job.started', jobRunId: candidate.job_run_id },
            ]);
            return true;
          });
          if (claimed) {
            return this.loadClaimedJob(
              candidate.run_id,
              candidate.job_run_id,
              leaseExpiresAt,
              await this.queuedSince(candidate),
            );
          }
        }
      }
      return undefined;
    });
  }

  /**
   * When a claimed job became claimable: the latest of its creation, the end of its previous
   * attempt and the end of the jobs it needs (read before the claim reset its `finished_at`).
   */
  private async queuedSince(
    job: Pick<JobRow, 'run_id' | 'created_at' | 'finished_at' | 'needs'>,
  ): Promise<Date> {
    const times = [toDate(job.created_at), toDate(job.finished_at)];
    const needs = parseJson<string[]>(job.needs, []);
    if (needs.length > 0) {
      const row = (await this.db<JobRow>(JOBS)
        .where('run_id', job.run_id)
        .whereIn('job_run_id', needs)
        .max({ last: 'finished_at' })
        .first()) as { last: DbDate } | undefined;
      times.push(toDate(row?.last ?? null));
    }
    let since = 0;
    for (const time of times) {
      if (time && time.getTime() > since) since = time.getTime();
    }
    return new Date(since);
  }

  private async loadClaimedJob(
    runId: string,
    jobRunId: string,
    leaseExpiresAt: Date,
    queuedAt: Date,
  ): Promise<ClaimedJob> {
    const [job, run] = await Promise.all([
      this.db<JobRow>(JOBS)
        .where({ run_id: runId, job_run_id: jobRunId })
        .first(),
      this.db<RunRow>(RUNS)
        .where({ run_id: runId })
        .first(
          'entity_ref',
          'branch',
          'commit_sha',
          'repository_url',
          'params',
          'definition',
        ),
    ]);
    if (!job || !run) {
      throw new NotFoundError(`Job ${jobRunId} of run ${runId} not found`);
    }
    return {
      runId,
      jobRunId,
      jobId: job.job_id,
      entityRef: run.entity_ref,
      attempt: Number(job.attempt),
      maxAttempts: Number(job.max_attempts),
      timeoutMs: optionalNumber(job.timeout_ms),
      matrix: parseJson<Record<string, Scalar> | undefined>(
        job.matrix,
        undefined,
      ),
      branch: optional(run.branch),
      commitSha: optional(run.commit_sha),
      repositoryUrl: optional(run.repository_url),
      params: parseJson<Record<string, Scalar>>(run.params, {}),
      definition: JSON.parse(run.definition ?? 'null') as PipelineDefinition,
      leaseExpiresAt,
      queuedAt,
    };
  }

  async heartbeat(options: {
    runId: string;
    jobRunId: string;
    workerId: string;
    leaseMs: number;
  }): Promise<boolean> {
    const updated = await this.db(JOBS)
      .where({
        run_id: options.runId,
        job_run_id: options.jobRunId,
        state: 'running',
        worker_id: options.workerId,
      })
      .update({ lease_expires_at: new Date(this.now() + options.leaseMs) });
    return updated > 0;
  }

  async findExpiredJobs(now: Date): Promise<ExpiredJob[]> {
    const rows = (await this.db<JobRow>(JOBS)
      .where('state', 'running')
      .where('lease_expires_at', '<', now)
      .orderBy('lease_expires_at')
      .select(
        'run_id',
        'job_run_id',
        'worker_id',
        'attempt',
        'max_attempts',
      )) as JobRow[];
    return rows.map(row => ({
      runId: row.run_id,
      jobRunId: row.job_run_id,
      workerId: row.worker_id ?? '',
      attempt: Number(row.attempt),
      maxAttempts: Number(row.max_attempts),
    }));
  }

  recoverExpiredJob(job: ExpiredJob, reason: string): Promise<boolean> {
    return this.write(async () => {
      const now = new Date(this.now());
      const retry = job.attempt < job.maxAttempts;
      return this.db.transaction(async trx => {
        const updated = await trx(JOBS)
          .where({
            run_id: job.runId,
            job_run_id: job.jobRunId,
            state: 'running',
            worker_id: job.workerId,
            attempt: job.attempt,
          })
          .where('lease_expires_at', '<', now)
          .update(
            retry
              ? {
                  state: 'queued',
                  worker_id: null,
                  lease_expires_at: null,
                  finished_at: null,
                  error: null,
                }
              : {
                  state: 'failed',
                  lease_expires_at: null,
                  finished_at: now,
                  error: reason,
                },
          );
        if (updated === 0) return false;
        await this.finishSteps(
          trx,
          job.runId,
          job.jobRunId,
          retry ? 'queued' : 'failed',
          now,
          reason,
        );
        if (!retry) {
          await this.recordEvents(trx, job.runId, [
            { type: 'job.finished', jobRunId: job.jobRunId },
          ]);
        }
        const text = retry
          ? `${reason}; job ${job.jobRunId} requeued (attempt ${
              job.attempt + 1
            } of ${job.maxAttempts})`
          : `${reason}; job ${job.jobRunId} failed after ${job.attempt} of ${job.maxAttempts} attempt(s)`;
        await this.logs.appendIn(trx, job.runId, [
          {
            jobRunId: job.jobRunId,
            stream: 'system',
            timestamp: now.toISOString(),
            text,
          },
        ]);
        return true;
      });
    });
  }

  setJobState(options: {
    runId: string;
    jobRunId: string;
    state: JobState;
    from?: JobState[];
    workerId?: string;
    error?: string;
  }): Promise<boolean> {
    return this.write(async () => {
      return this.db.transaction(trx => this.changeJobState(trx, options));
    });
  }

  /** Compare-and-set of a job's state, with the timestamps, lease and steps that go with it. */
  private async changeJobState(
    trx: Knex.Transaction,
    options: {
      runId: string;
      jobRunId: string;
      state: JobState;
      from?: JobState[];
      workerId?: string;
      error?: string;
    },
  ): Promise<boolean> {
    const now = new Date(this.now());
    const { state } = options;
    const update: Record<string, unknown> = {
      state,
      error: options.error ?? null,
    };
    if (isTerminalJob(state)) {
      update.lease_expires_at = null;
      update.finished_at = now;
    } else if (state === 'pending' || state === 'queued') {
      update.worker_id = null;
      update.lease_expires_at = null;
      update.finished_at = null;
    } else {
      update.started_at = trx.raw('COALESCE(??, ?)', ['started_at', now]);
      update.finished_at = null;
    }
    const query = trx(JOBS).where({
      run_id: options.runId,
      job_run_id: options.jobRunId,
    });
    if (options.from) query.whereIn('state', options.from);
    if (options.workerId !== undefined)
      query.where('worker_id', options.workerId);
    const updated = await query.update(update);
    if (updated === 0) return false;
    await this.finishSteps(
      trx,
      options.runId,
      options.jobRunId,
      state,
      now,
      options.error,
    );
    const type = JOB_EVENT_TYPES[state];
    if (type) {
      await this.recordEvents(trx, options.runId, [
        { type, jobRunId: options.jobRunId },
      ]);
    }
    return true;
  }

  /**
   * Brings a job's steps in line with its new state: steps of a job that goes back to the
   * queue start over; steps left behind by a finished job are closed.
   */
  private async finishSteps(
    trx: Knex.Transaction,
    runId: string,
    jobRunId: string | undefined,
    state: JobState,
    now: Date,
    error?: string,
  ) {
    const steps = () => {
      const q = trx(STEPS).where({ run_id: runId });
      if (jobRunId !== undefined) q.where('job_run_id', jobRunId);
      return q;
    };
    if (state === 'queued' || state === 'pending') {
      // The steps start over: so do their reports (a retried job keeps its last attempt's)
      await this.stepReports.deleteForJob(trx, runId, jobRunId);
      await steps().update({
        status: 'queued',
        exit_code: null,
        error: null,
        started_at: null,
        finished_at: null,
      });
      return;
    }
    if (!isTerminalJob(state)) return;
    if (state === 'cancelled' || state === 'failed') {
      await steps()
        .where('status', 'running')
        .update({
          status: state,
          error: error ?? null,
          finished_at: now,
        });
    }
    // Steps that never ran: cancelled with a cancelled job, skipped otherwise.
    await steps()
      .where('status', 'queued')
      .update({ status: state === 'cancelled' ? 'cancelled' : 'skipped' });
  }

  setStepState(options: {
    runId: string;
    jobRunId: string;
    stepIndex: number;
    state: PipelineRunStatus;
    exitCode?: number;
    error?: string;
  }): Promise<void> {
    return this.write(async () => {
      const now = new Date(this.now());
      const update: Record<string, unknown> = {
        status: options.state,
        exit_code: options.exitCode ?? null,
        error: options.error ?? null,
      };
      if (options.state === 'queued') {
        update.started_at = null;
        update.finished_at = null;
      } else if (options.state === 'running' || options.state === 'waiting') {
        update.started_at = this.db.raw('COALESCE(??, ?)', ['started_at', now]);
        update.finished_at = null;
      } else if (TERMINAL_RUN_STATUSES.includes(options.state)) {
        update.finished_at = now;
      }
      await this.db(STEPS)
        .where({
          run_id: options.runId,
          job_run_id: options.jobRunId,
          step_index: options.stepIndex,
        })
        .update(update);
    });
  }

  decideApproval(options: {
    runId: string;
    jobRunId: string;
    decision: 'approved' | 'rejected';
    decidedBy: string;
    comment?: string;
  }): Promise<boolean> {
    return this.write(async () => {
      return this.db.transaction(async trx => {
        const job = (await trx<JobRow>(JOBS)
          .where({ run_id: options.runId, job_run_id: options.jobRunId })
          .first('state', 'approval')) as JobRow | undefined;
        if (!job || job.state !== 'waiting') return false;
        const now = new Date(this.now());
        const approval: StoredApproval = {
          ...parseJson<StoredApproval>(job.approval, {}),
          decision: options.decision,
          decidedBy: options.decidedBy,
          decidedAt: now.toISOString(),
          ...(options.comment !== undefined
            ? { comment: options.comment }
            : {}),
        };
        const approved = options.decision === 'approved';
        const updated = await trx(JOBS)
          .where({
            run_id: options.runId,
            job_run_id: options.jobRunId,
            state: 'waiting',
          })
          .update({
            state: approved ? 'succeeded' : 'failed',
            approval: JSON.stringify(approval),
            error: approved
              ? null
              : `Rejected by ${options.decidedBy}${
                  options.comment ? `: ${options.comment}` : ''
                }`,
            started_at: trx.raw('COALESCE(??, ?)', ['started_at', now]),
            finished_at: now,
          });
        if (updated > 0) {
          await this.recordEvents(trx, options.runId, [
            { type: 'job.finished', jobRunId: options.jobRunId },
          ]);
        }
        return updated > 0;
      });
    });
  }

  refreshRunStatus(runId: string): Promise<PipelineRunStatus> {
    return this.write(async () => {
      const { status } = await this.db.transaction(trx =>
        this.refreshRunStatusIn(trx, runId),
      );
      return status;
    });
  }

  private async refreshRunStatusIn(
    trx: Knex.Transaction,
    runId: string,
  ): Promise<RunStatusChange> {
    // Lock the run row so concurrent refreshes apply in order and none writes a stale status.
    const runQuery = trx<RunRow>(RUNS)
      .where({ run_id: runId })
      .first('status', 'started_at', 'finished_at', 'error');
    if (this.isPostgres) runQuery.forUpdate();
    const run = (await runQuery) as RunRow | undefined;
    if (!run) throw new NotFoundError(`Run ${runId} not found`);
    if (run.status === 'cancelled') {
      return { previous: run.status, status: run.status, newlyWaiting: [] };
    }

    const jobs = (await trx<JobRow>(JOBS)
      .where({ run_id: runId })
      .orderBy('position')
      .select('job_run_id', 'name', 'state', 'error')) as JobRow[];
    const has = (state: JobState) => jobs.some(j => j.state === state);

    let status: PipelineRunStatus;
    if (has('running') || has('queued') || has('pending')) {
      status = has('running') || run.started_at ? 'running' : 'queued';
      if (!has('running') && !has('queued') && has('waiting')) {
        // Only gates and the jobs behind them are left.
        status = 'waiting';
      }
    } else if (has('waiting')) {
      status = 'waiting';
    } else if (has('failed')) {
      status = 'failed';
    } else if (has('cancelled')) {
      status = 'cancelled';
    } else {
      status = 'succeeded';
    }

    const now = new Date(this.now());
    const update: Record<string, unknown> = { status };
    if (status !== 'queued' && !run.started_at) update.started_at = now;
    if (TERMINAL_RUN_STATUSES.includes(status)) {
      if (!run.finished_at) update.finished_at = now;
      if (status === 'failed' && !run.error) {
        const failed = jobs.find(j => j.state === 'failed');
        update.error = failed ? failedRunError(failed) : null;
      }
    } else {
      update.finished_at = null;
    }
    await trx(RUNS).where({ run_id: runId }).update(update);
    if (status !== run.status) {
      await this.recordEvents(trx, runId, [
        { type: RUN_EVENT_TYPES[status], previousStatus: run.status },
      ]);
    }
    return { previous: run.status, status, newlyWaiting: [] };
  }

  cancelRun(runId: string, reason: string): Promise<boolean> {
    return this.write(async () => {
      return this.db.transaction(async trx => {
        const run = (await trx<RunRow>(RUNS)
          .where({ run_id: runId })
          .first('status')) as RunRow | undefined;
        if (!run || TERMINAL_RUN_STATUSES.includes(run.status)) return false;
        const now = new Date(this.now());
        // Locked, so the jobs announced as cancelled are the ones cancelled here
        const activeQuery = trx<JobRow>(JOBS)
          .where({ run_id: runId })
          .whereIn('state', ACTIVE_JOB_STATES)
          .orderBy('position')
          .select('job_run_id');
        if (this.isPostgres) activeQuery.forUpdate();
        const active = (await activeQuery) as JobRow[];
        await trx(JOBS)
          .where({ run_id: runId })
          .whereIn('state', ACTIVE_JOB_STATES)
          .update({
            state: 'cancelled',
            error: reason,
            lease_expires_at: null,
            finished_at: now,
          });
        await this.finishSteps(trx, runId, undefined, 'cancelled', now, reason);
        const updated = await trx(RUNS)
          .where({ run_id: runId })
          .whereNotIn('status', TERMINAL_RUN_STATUSES)
          .update({
            status: 'cancelled',
            error: reason,
            started_at: trx.raw('COALESCE(??, ?)', ['started_at', now]),
            finished_at: now,
          });
        if (updated > 0) {
          await this.recordEvents(trx, runId, [
            { type: 'run.cancelled', previousStatus: run.status },
            ...active.map(job => ({
              type: 'job.finished' as const,
              jobRunId: job.job_run_id,
            })),
          ]);
        }
        return updated > 0;
      });
    });
  }

  // ---------------------------------------------------------------------------------------
  // Webhooks and logs, each in its own class

  recordWebhookDelivery(
    deliveryId: string,
    triggerKey?: string,
  ): Promise<boolean> {
    return this.webhookDeliveries.record(deliveryId, triggerKey);
  }

  forgetWebhookDelivery(deliveryId: string): Promise<void> {
    return this.webhookDeliveries.forget(deliveryId);
  }

  appendLogLines(
    runId: string,
    lines: NewLogLine[],
    options?: { limitBytes?: number },
  ): Promise<AppendedLogLines> {
    return this.logs.append(runId, lines, options);
  }

  readLogLines(
    runId: string,
    options: { afterSeq?: number; limit: number; jobRunId?: string },
  ): Promise<PipelineLogLine[]> {
    return this.logs.read(runId, options);
  }

  readLogTail(
    runId: string,
    options: { limit: number; jobRunId?: string },
  ): Promise<PipelineLogLine[]> {
    return this.logs.tail(runId, options);
  }

  async addRunLinks(
    runId: string,
    source: string,
    links: Array<{ title: string; url: string }>,
  ): Promise<number> {
    return this.write(() =>
      this.db.transaction(async trx => {
        const query = trx<RunRow>(RUNS).where({ run_id: runId });
        if (this.isPostgres) query.forUpdate();
        const row = (await query.first('extra_links')) as
          | Pick<RunRow, 'extra_links'>
          | undefined;
        if (!row) throw new NotFoundError(`Run ${runId} not found`);
        const merged = mergeExtraLinks(row.extra_links, source, links);
        if (merged.added > 0) {
          await trx(RUNS)
            .where({ run_id: runId })
            .update({ extra_links: merged.json });
        }
        return merged.added;
      }),
    );
  }

  addStepReport(report: NewStepReport): Promise<void> {
    return this.stepReports.add(report);
  }

  listStepReports(runId: string): Promise<PipelineRunReport[]> {
    return this.stepReports.list(runId);
  }

  logSize(runId: string): Promise<number> {
    return this.logs.size(runId);
  }

  // ---------------------------------------------------------------------------------------
  // Latest run of each pipeline

  /**
   * The newest run of each pipeline of an entity, newest first, in one query: the highest
   * `number` per pipeline (numbers count up per entity and pipeline as runs are created)
   * comes from the unique (entity_ref, pipeline, number) index, and each run is then read by
   * that same index. Not cached like run lists: it is one small query per card.
   */
  async latestRunPerPipeline(entityRef: string): Promise<PipelineRun[]> {
    const latest = this.db<RunRow>(RUNS)
      .where('entity_ref', entityRef)
      .groupBy('pipeline')
      .select('pipeline')
      .max({ latest_number: 'number' })
      .as('latest');
    const rows = (await this.db<RunRow>({ r: RUNS })
      .join(latest, join =>
        join
          .on('r.pipeline', '=', 'latest.pipeline')
          .andOn('r.number', '=', 'latest.latest_number'),
      )
      .where('r.entity_ref', entityRef)
      .select(RUN_COLUMNS.map(column => `r.${column}`))
      .orderBy([
        { column: 'r.created_at', order: 'desc' },
        { column: 'r.run_id', order: 'desc' },
      ])) as unknown as RunRow[];
    return this.assembleRuns(rows);
  }

  // ---------------------------------------------------------------------------------------
  // Limits and retention

  async queueStats(expiredBefore: Date): Promise<QueueStats> {
    // Both use the (state, created_at) and (state, lease_expires_at) indexes: cheap however
    // many finished runs are kept.
    const [queued, expired] = await Promise.all([
      this.db<JobRow>(JOBS)
        .where('state', 'queued')
        .count({ count: '*' })
        .min({ oldest: 'created_at' })
        .first() as Promise<
        { count: number | string; oldest: DbDate } | undefined
      >,
      this.db<JobRow>(JOBS)
        .where('state', 'running')
        .where('lease_expires_at', '<', expiredBefore)
        .count({ count: '*' })
        .first() as Promise<{ count: number | string } | undefined>,
    ]);
    return {
      queued: Number(queued?.count ?? 0),
      oldestQueuedAt: toDate(queued?.oldest ?? null),
      expiredLeases: Number(expired?.count ?? 0),
    };
  }

  async countActiveRuns(filter: {
    entityRef?: string;
    triggeredBy?: string;
  }): Promise<number> {
    const query = this.db(RUNS).whereNotIn('status', TERMINAL_RUN_STATUSES);
    if (filter.entityRef !== undefined) {
      query.where('entity_ref', filter.entityRef);
    }
    if (filter.triggeredBy !== undefined) {
      query.where('triggered_by', filter.triggeredBy);
    }
    const [{ count }] = (await query.count({ count: '*' })) as Array<{
      count: number | string;
    }>;
    return Number(count);
  }

  runsToDelete(options: {
    finishedBefore?: Date;
    keepPerPipeline?: number;
    limit: number;
  }): Promise<string[]> {
    return this.retention.runsToDelete(options);
  }

  deleteRuns(runIds: string[]): Promise<string[]> {
    return this.write(() => this.retention.deleteRuns(runIds));
  }

  expireLogs(options: {
    finishedBefore: Date;
    limit: number;
  }): Promise<number> {
    return this.retention.expireLogs(options);
  }

  runsWithArtifactsToExpire(options: {
    finishedBefore: Date;
    limit: number;
  }): Promise<string[]> {
    return this.retention.runsWithArtifactsToExpire(options);
  }

  markArtifactsExpired(runIds: string[]): Promise<void> {
    return this.retention.markArtifactsExpired(runIds);
  }
}
