import { Knex } from 'knex';

const RUNS = 'pipeline_runs';
const JOBS = 'pipeline_jobs';
const STEPS = 'pipeline_steps';
const STEP_REPORTS = 'pipeline_step_reports';
const LOGS = 'pipeline_log_chunks';
const EVENTS = 'pipeline_run_events';
const EVENT_DELIVERIES = 'pipeline_run_event_deliveries';

const FINISHED_RUN_STATUSES = ['succeeded', 'failed', 'cancelled', 'skipped'];
const ACTIVE_JOB_STATES = ['pending', 'queued', 'running', 'waiting'];

/** Run ids per statement; keeps SQLite well under its bound-variable limit. */
const ID_CHUNK = 200;

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    result.push(items.slice(i, i + size));
  }
  return result;
}

/**
 * The database side of `pipelines.retention`: which finished runs, logs and artifacts are old
 * enough to go, and their deletion. Only finished runs (a terminal status and no job still
 * active) are ever touched, and the newest run of each pipeline is always kept, because run
 * numbers count on from the highest one left (`max(number) + 1`) and must not repeat.
 */
export class DatabaseRunRetention {
  constructor(
    private readonly db: Knex,
    private readonly isPostgres: boolean,
    private readonly now: () => number,
  ) {}

  /**
   * Finished runs to delete: those that finished before `finishedBefore`, and those beyond the
   * newest `keepPerPipeline` runs of their entity's pipeline, oldest first, at most `limit`.
   */
  async runsToDelete(options: {
    finishedBefore?: Date;
    keepPerPipeline?: number;
    limit: number;
  }): Promise<string[]> {
    const { finishedBefore, keepPerPipeline, limit } = options;
    if (!finishedBefore && !keepPerPipeline) return [];
    const ranked = this.db(RUNS)
      .select(
        'run_id',
        'status',
        'finished_at',
        'number',
        this.db.raw(
          'row_number() over (partition by ??, ?? order by ?? desc) as newer_rank',
          ['entity_ref', 'pipeline', 'number'],
        ),
      )
      .as('ranked');
    const query = this.db
      .from(ranked)
      .whereIn('ranked.status', FINISHED_RUN_STATUSES)
      // The newest run of a pipeline stays, whatever its age
      .where('ranked.newer_rank', '>', 1)
      .whereNotExists(
        this.db(JOBS)
          .select(this.db.raw('1'))
          .whereRaw('?? = ??', [`${JOBS}.run_id`, 'ranked.run_id'])
          .whereIn(`${JOBS}.state`, ACTIVE_JOB_STATES),
      )
      .where(builder => {
        if (finishedBefore) {
          builder.orWhere('ranked.finished_at', '<', finishedBefore);
        }
        if (keepPerPipeline) {
          builder.orWhere('ranked.newer_rank', '>', keepPerPipeline);
        }
      })
      .orderBy([
        { column: 'ranked.finished_at', order: 'asc' },
        { column: 'ranked.run_id', order: 'asc' },
      ])
      .select('ranked.run_id')
      .limit(limit);
    const rows = (await query) as Array<{ run_id: string }>;
    return rows.map(row => row.run_id);
  }

  /**
   * Deletes finished runs with their jobs, steps, step reports, log chunks and run events
   * (deliveries included), in one transaction per batch; a run that is not finished is left
   * alone. Returns the ids of the runs deleted.
   */
  async deleteRuns(runIds: string[]): Promise<string[]> {
    const deleted: string[] = [];
    for (const batch of chunks(runIds, ID_CHUNK)) {
      await this.db.transaction(async trx => {
        const finishedQuery = trx(RUNS)
          .whereIn('run_id', batch)
          .whereIn('status', FINISHED_RUN_STATUSES)
          .whereNotExists(
            trx(JOBS)
              .select(trx.raw('1'))
              .whereRaw('?? = ??', [`${JOBS}.run_id`, `${RUNS}.run_id`])
              .whereIn(`${JOBS}.state`, ACTIVE_JOB_STATES),
          )
          .select('run_id');
        if (this.isPostgres) finishedQuery.forUpdate();
        const ids = ((await finishedQuery) as Array<{ run_id: string }>).map(
          row => row.run_id,
        );
        if (ids.length === 0) return;
        const eventIds = trx(EVENTS).whereIn('run_id', ids).select('event_id');
        await trx(EVENT_DELIVERIES).whereIn('event_id', eventIds).delete();
        await trx(EVENTS).whereIn('run_id', ids).delete();
        await trx(LOGS).whereIn('run_id', ids).delete();
        await trx(STEP_REPORTS).whereIn('run_id', ids).delete();
        await trx(STEPS).whereIn('run_id', ids).delete();
        await trx(JOBS).whereIn('run_id', ids).delete();
        await trx(RUNS).whereIn('run_id', ids).delete();
        deleted.push(...ids);
      });
    }
    return deleted;
  }

  /**
   * Deletes the stored log of up to `limit` runs that finished before `finishedBefore` and
   * still have one, and marks them (`log_expired_at`) so that later sweeps skip them. The run
   * keeps its line count, so its numbering never restarts. Returns how many runs lost their log.
   */
  async expireLogs(options: {
    finishedBefore: Date;
    limit: number;
  }): Promise<number> {
    return this.db.transaction(async trx => {
      const candidates = trx(RUNS)
        .whereIn('status', FINISHED_RUN_STATUSES)
        .where('finished_at', '<', options.finishedBefore)
        .whereNull('log_expired_at')
        .orderBy('finished_at')
        .select('run_id')
        .limit(options.limit);
      if (this.isPostgres) candidates.forUpdate().skipLocked();
      const ids = ((await candidates) as Array<{ run_id: string }>).map(
        row => row.run_id,
      );
      if (ids.length === 0) return 0;
      await trx(LOGS).whereIn('run_id', ids).delete();
      await trx(RUNS)
        .whereIn('run_id', ids)
        .update({ log_expired_at: new Date(this.now()) });
      return ids.length;
    });
  }

  /** Up to `limit` runs finished before `finishedBefore` whose artifacts are still kept. */
  async runsWithArtifactsToExpire(options: {
    finishedBefore: Date;
    limit: number;
  }): Promise<string[]> {
    const rows = (await this.db(RUNS)
      .whereIn('status', FINISHED_RUN_STATUSES)
      .where('finished_at', '<', options.finishedBefore)
      .whereNull('artifacts_expired_at')
      .orderBy([
        { column: 'finished_at', order: 'asc' },
        { column: 'run_id', order: 'asc' },
      ])
      .select('run_id')
      .limit(options.limit)) as Array<{ run_id: string }>;
    return rows.map(row => row.run_id);
  }

  /** Records that a run's artifacts were deleted, so later sweeps skip it. */
  async markArtifactsExpired(runIds: string[]): Promise<void> {
    for (const batch of chunks(runIds, ID_CHUNK)) {
      await this.db(RUNS)
        .whereIn('run_id', batch)
        .update({ artifacts_expired_at: new Date(this.now()) });
    }
  }
}
