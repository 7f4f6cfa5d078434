import { ConflictError, InputError } from '@backstage/errors';
import type {
  PipelineRunReport,
  PipelineStepReportStatus,
  PipelineStepReportValue,
} from '@internal/plugin-pipelines-common';
import { PIPELINE_STEP_REPORT_LIMITS } from '@internal/plugin-pipelines-node';
import { Knex } from 'knex';
import type { NewStepReport } from './PipelineStore';

const REPORTS = 'pipeline_step_reports';
const JOBS = 'pipeline_jobs';
const STEPS = 'pipeline_steps';
const RUNS = 'pipeline_runs';

type DbDate = Date | string | number;

type ReportRow = {
  run_id: string;
  job_run_id: string;
  step_index: number | string;
  position: number | string;
  attempt: number | string;
  kind: string;
  title: string;
  status: PipelineStepReportStatus;
  summary: string;
  url: string | null;
  data: string | null;
  reported_at: DbDate;
  job_name?: string;
  step_name?: string;
};

function toIso(value: DbDate): string {
  if (value instanceof Date) return value.toISOString();
  // SQLite hands timestamps back as milliseconds, sometimes as text
  if (typeof value === 'number' || /^\d+$/.test(value)) {
    return new Date(Number(value)).toISOString();
  }
  return new Date(value).toISOString();
}

/**
 * The reports of pipeline steps (`pipeline_step_reports`): written by the job's current
 * attempt only, at most {@link PIPELINE_STEP_REPORT_LIMITS}.perStep per step and `perRun` per
 * run (counted under the run row's lock, so they hold across jobs and replicas), read with
 * the names of their jobs and steps. Reports of steps that go back to the queue (a retried
 * job) are deleted with the steps' reset ({@link DatabaseStepReports.deleteForJob}).
 */
export class DatabaseStepReports {
  constructor(
    private readonly db: Knex,
    private readonly isPostgres: boolean,
    private readonly now: () => number,
  ) {}

  /**
   * Keeps a report; one with the `kind` and `title` of a report the step has replaces it.
   * Throws ConflictError when the job is not running that attempt any more (the worker lost
   * it), InputError past a limit.
   */
  async add(options: NewStepReport): Promise<void> {
    const { runId, jobRunId, stepIndex, attempt, report } = options;
    await this.db.transaction(async trx => {
      // Locks in the store's order, jobs then run: a requeue of the job (which deletes its
      // reports) and other jobs' reports of the run wait for this one.
      const jobQuery = trx(JOBS)
        .where({ run_id: runId, job_run_id: jobRunId })
        .first('state', 'attempt');
      if (this.isPostgres) jobQuery.forUpdate();
      const job = (await jobQuery) as
        | { state: string; attempt: number | string }
        | undefined;
      if (!job || job.state !== 'running' || Number(job.attempt) !== attempt) {
        throw new ConflictError(
          `Job ${jobRunId} of run ${runId} is not running attempt ${attempt} any more; its report "${report.title}" is not kept`,
        );
      }
      if (this.isPostgres) {
        await trx(RUNS).where({ run_id: runId }).forUpdate().first('run_id');
      }
      const step = (await trx(STEPS)
        .where({ run_id: runId, job_run_id: jobRunId, step_index: stepIndex })
        .first('step_index')) as { step_index: number } | undefined;
      if (!step) {
        throw new InputError(
          `Job ${jobRunId} of run ${runId} has no step ${stepIndex}`,
        );
      }
      const stepReports = (await trx(REPORTS)
        .where({ run_id: runId, job_run_id: jobRunId, step_index: stepIndex })
        .select('position', 'kind', 'title')) as ReportRow[];
      const values = {
        attempt,
        status: report.status,
        summary: report.summary,
        url: report.url ?? null,
        data: report.data ? JSON.stringify(report.data) : null,
        reported_at: new Date(this.now()),
      };
      const same = stepReports.find(
        row => row.kind === report.kind && row.title === report.title,
      );
      if (same) {
        await trx(REPORTS)
          .where({
            run_id: runId,
            job_run_id: jobRunId,
            step_index: stepIndex,
            position: same.position,
          })
          .update(values);
        return;
      }
      const { perStep, perRun } = PIPELINE_STEP_REPORT_LIMITS;
      if (stepReports.length >= perStep) {
        throw new InputError(
          `A step keeps at most ${perStep} reports (one with the kind and title of an earlier one replaces it); "${report.title}" is one too many`,
        );
      }
      const [{ count }] = (await trx(REPORTS)
        .where({ run_id: runId })
        .count({ count: '*' })) as Array<{ count: number | string }>;
      if (Number(count) >= perRun) {
        throw new InputError(
          `A run keeps at most ${perRun} step reports; "${report.title}" is one too many`,
        );
      }
      await trx(REPORTS).insert({
        run_id: runId,
        job_run_id: jobRunId,
        step_index: stepIndex,
        position:
          Math.max(-1, ...stepReports.map(row => Number(row.position))) + 1,
        kind: report.kind,
        title: report.title,
        ...values,
      });
    });
  }

  /** Deletes a job's reports, in the transaction that sends the job back to the queue. */
  async deleteForJob(trx: Knex.Transaction, runId: string, jobRunId?: string) {
    const query = trx(REPORTS).where({ run_id: runId });
    if (jobRunId !== undefined) query.where('job_run_id', jobRunId);
    await query.delete();
  }

  /** The run's reports in job, step and report order, with the job's and step's names. */
  async list(runId: string): Promise<PipelineRunReport[]> {
    const rows = (await this.db({ r: REPORTS })
      .join({ j: JOBS }, join =>
        join.on('j.run_id', 'r.run_id').andOn('j.job_run_id', 'r.job_run_id'),
      )
      .join({ s: STEPS }, join =>
        join
          .on('s.run_id', 'r.run_id')
          .andOn('s.job_run_id', 'r.job_run_id')
          .andOn('s.step_index', 'r.step_index'),
      )
      .where('r.run_id', runId)
      .orderBy([
        { column: 'j.position' },
        { column: 'r.step_index' },
        { column: 'r.position' },
      ])
      .select(
        'r.job_run_id',
        'r.step_index',
        'r.kind',
        'r.title',
        'r.status',
        'r.summary',
        'r.url',
        'r.data',
        'r.reported_at',
        'j.name as job_name',
        's.name as step_name',
      )) as ReportRow[];
    return rows.map(row => ({
      jobRunId: row.job_run_id,
      jobName: row.job_name ?? row.job_run_id,
      stepIndex: Number(row.step_index),
      stepName: row.step_name ?? '',
      kind: row.kind,
      title: row.title,
      status: row.status,
      summary: row.summary,
      ...(row.url ? { url: row.url } : {}),
      ...(row.data
        ? {
            data: JSON.parse(row.data) as Record<
              string,
              PipelineStepReportValue
            >,
          }
        : {}),
      reportedAt: toIso(row.reported_at),
    }));
  }
}
