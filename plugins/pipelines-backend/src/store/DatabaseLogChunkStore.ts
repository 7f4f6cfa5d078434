import { NotFoundError } from '@backstage/errors';
import type { PipelineLogLine } from '@internal/plugin-pipelines-common';
import { Knex } from 'knex';
import type { AppendedLogLines, NewLogLine } from './PipelineStore';

const RUNS = 'pipeline_runs';
const LOGS = 'pipeline_log_chunks';
/** Lines and characters per stored log chunk. */
const CHUNK_LINES = 5_000;
const CHUNK_CHARS = 1_000_000;

type LogChunkRow = {
  run_id: string;
  first_seq: number | string;
  last_seq: number | string;
  job_run_id: string;
  /** JSON: Array<[stepIndex | null, stream, timestamp, text]> */
  lines: string;
};

type StoredLine = [number | null, PipelineLogLine['stream'], string, string];

/**
 * The JSON text of a chunk's lines, `[stepIndex|null, stream, timestamp, text]` each: the same
 * text `JSON.stringify` gives for those arrays, built directly (three to six times faster for
 * a chunk of 5,000 lines, without an array per line).
 */
export function storedLinesJson(lines: PipelineLogLine[]): string {
  let json = '[';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    json += `${i ? ',[' : '['}${
      line.stepIndex === undefined || line.stepIndex === null
        ? 'null'
        : JSON.stringify(line.stepIndex)
    },${JSON.stringify(line.stream)},${JSON.stringify(
      line.timestamp,
    )},${JSON.stringify(line.text)}]`;
  }
  return `${json}]`;
}

/**
 * Run logs in `pipeline_log_chunks`: consecutive lines of one job stored as one row, numbered
 * per run by `seq` reserved on the run row (`log_line_count`, `log_size`, `log_truncated`).
 * Part of {@link DatabasePipelineStore}, which also appends system lines inside its own
 * transactions through {@link DatabaseLogChunkStore.appendIn}.
 */
export class DatabaseLogChunkStore {
  constructor(
    private readonly db: Knex,
    private readonly isPostgres: boolean,
  ) {}

  async append(
    runId: string,
    lines: NewLogLine[],
    options?: { limitBytes?: number },
  ): Promise<AppendedLogLines> {
    if (lines.length === 0) {
      const row = (await this.db(RUNS)
        .where({ run_id: runId })
        .first('log_size', 'log_truncated')) as
        | { log_size: number | string; log_truncated: boolean | number }
        | undefined;
      if (!row) throw new NotFoundError(`Run ${runId} not found`);
      return {
        lines: [],
        truncated: Boolean(Number(row.log_truncated)),
        logSize: Number(row.log_size),
      };
    }
    return this.db.transaction(trx =>
      this.appendIn(trx, runId, lines, options?.limitBytes),
    );
  }

  /**
   * Reserves `seq` numbers on the run row (which locks it until commit, so lines of one run
   * become visible in `seq` order with no gaps) and inserts the lines.
   *
   * With `limitBytes` the run's log is capped under that same lock: while the run's stored
   * UTF-8 bytes plus the batch's stay within the limit (the common case) this costs nothing
   * more than an uncapped append, one conditional update and one read. Otherwise the run row
   * is read again: only the lines that fit are stored, followed by one truncation marker, and
   * the run is flagged `log_truncated`, so no later append (from any job or replica) stores
   * anything.
   */
  async appendIn(
    trx: Knex.Transaction,
    runId: string,
    input: NewLogLine[],
    limitBytes?: number,
  ): Promise<AppendedLogLines> {
    type LogRunRow = {
      log_line_count: number | string;
      log_size: number | string;
      log_truncated: boolean | number;
    };
    let lines = input;
    let size = 0;
    for (const line of lines) size += Buffer.byteLength(line.text, 'utf8');
    const capped = limitBytes !== undefined;
    const fast = trx(RUNS).where({ run_id: runId });
    if (capped) {
      // Negative when the batch alone is over the limit: then nothing matches.
      fast
        .where('log_truncated', false)
        .where('log_size', '<=', limitBytes - size);
    }
    const updated = await fast.update({
      log_line_count: trx.raw('?? + ?', ['log_line_count', lines.length]),
      log_size: trx.raw('?? + ?', ['log_size', size]),
    });
    let truncated = false;
    let row: LogRunRow | undefined;
    if (updated === 0) {
      if (!capped) throw new NotFoundError(`Run ${runId} not found`);
      // Past the limit, or the run is unknown: decide under the run row's lock.
      const query = trx(RUNS)
        .where({ run_id: runId })
        .first('log_line_count', 'log_size', 'log_truncated');
      if (this.isPostgres) query.forUpdate();
      const current = (await query) as LogRunRow | undefined;
      if (!current) throw new NotFoundError(`Run ${runId} not found`);
      const count = Number(current.log_line_count);
      const stored = Number(current.log_size);
      if (Number(current.log_truncated)) {
        return { lines: [], truncated: true, logSize: stored };
      }
      let fits = 0;
      size = 0;
      for (; fits < lines.length; fits++) {
        const bytes = Buffer.byteLength(lines[fits].text, 'utf8');
        if (stored + size + bytes > limitBytes) break;
        size += bytes;
      }
      // The first line that does not fit; always there unless the run's size went down
      const overflow = lines[fits] as NewLogLine | undefined;
      truncated = overflow !== undefined;
      lines = lines.slice(0, fits);
      if (overflow) {
        lines.push({
          jobRunId: overflow.jobRunId,
          stepIndex: overflow.stepIndex,
          stream: 'system',
          timestamp: overflow.timestamp,
          text: `[log truncated: this run reached its log limit of ${limitBytes} bytes; further output is not stored]`,
        });
      }
      await trx(RUNS)
        .where({ run_id: runId })
        .update({
          log_line_count: count + lines.length,
          log_size: stored + size,
          log_truncated: truncated,
        });
      row = {
        log_line_count: count + lines.length,
        log_size: stored + size,
        log_truncated: truncated,
      };
    } else {
      row = (await trx(RUNS)
        .where({ run_id: runId })
        .first('log_line_count', 'log_size')) as LogRunRow | undefined;
      if (!row) throw new NotFoundError(`Run ${runId} not found`);
    }
    const logSize = Number(row.log_size);
    const first = Number(row.log_line_count) - lines.length;
    const stored: PipelineLogLine[] = lines.map((line, index) => ({
      seq: first + index,
      jobRunId: line.jobRunId,
      stepIndex: line.stepIndex,
      stream: line.stream,
      timestamp: line.timestamp,
      text: line.text,
    }));
    // Consecutive lines of the same job, bounded in lines and size, make one chunk.
    const chunkRows: LogChunkRow[] = [];
    let current: PipelineLogLine[] = [];
    let chars = 0;
    const close = () => {
      if (!current.length) return;
      chunkRows.push({
        run_id: runId,
        first_seq: current[0].seq,
        last_seq: current[current.length - 1].seq,
        job_run_id: current[0].jobRunId,
        lines: storedLinesJson(current),
      });
      current = [];
      chars = 0;
    };
    for (const line of stored) {
      if (
        current.length &&
        (current[0].jobRunId !== line.jobRunId ||
          current.length >= CHUNK_LINES ||
          chars + line.text.length > CHUNK_CHARS)
      ) {
        close();
      }
      current.push(line);
      chars += line.text.length;
    }
    close();
    // 50 rows per statement keeps SQLite under its bound-variable limit
    for (let i = 0; i < chunkRows.length; i += 50) {
      await trx(LOGS).insert(chunkRows.slice(i, i + 50));
    }
    return { lines: stored, truncated, logSize };
  }

  async read(
    runId: string,
    options: { afterSeq?: number; limit: number; jobRunId?: string },
  ): Promise<PipelineLogLine[]> {
    const limit = Math.max(0, Math.floor(options.limit));
    const result: PipelineLogLine[] = [];
    let after = options.afterSeq ?? -1;
    while (result.length < limit) {
      const query = this.db<LogChunkRow>(LOGS)
        .where('run_id', runId)
        .where('last_seq', '>', after);
      if (options.jobRunId !== undefined) {
        query.where('job_run_id', options.jobRunId);
      }
      const rows = (await query
        .orderBy('last_seq')
        .limit(20)
        .select(
          'first_seq',
          'last_seq',
          'job_run_id',
          'lines',
        )) as LogChunkRow[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const firstSeq = Number(row.first_seq);
        const lines = JSON.parse(row.lines) as StoredLine[];
        for (let i = 0; i < lines.length && result.length < limit; i++) {
          const seq = firstSeq + i;
          if (seq <= after) continue;
          const [stepIndex, stream, timestamp, text] = lines[i];
          result.push({
            seq,
            jobRunId: row.job_run_id,
            stepIndex: stepIndex ?? undefined,
            stream,
            timestamp,
            text,
          });
        }
        after = Number(row.last_seq);
        if (result.length >= limit) break;
      }
    }
    return result;
  }

  /** The last `limit` lines of the run's log (of one job when `jobRunId` is set), in order. */
  async tail(
    runId: string,
    options: { limit: number; jobRunId?: string },
  ): Promise<PipelineLogLine[]> {
    const limit = Math.max(0, Math.floor(options.limit));
    const newestFirst: PipelineLogLine[] = [];
    let before: number | undefined;
    while (newestFirst.length < limit) {
      const query = this.db<LogChunkRow>(LOGS).where('run_id', runId);
      if (before !== undefined) query.where('last_seq', '<', before);
      if (options.jobRunId !== undefined) {
        query.where('job_run_id', options.jobRunId);
      }
      const rows = (await query
        .orderBy('last_seq', 'desc')
        .limit(5)
        .select(
          'first_seq',
          'last_seq',
          'job_run_id',
          'lines',
        )) as LogChunkRow[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const firstSeq = Number(row.first_seq);
        const lines = JSON.parse(row.lines) as StoredLine[];
        for (let i = lines.length - 1; i >= 0; i--) {
          if (newestFirst.length >= limit) break;
          const [stepIndex, stream, timestamp, text] = lines[i];
          newestFirst.push({
            seq: firstSeq + i,
            jobRunId: row.job_run_id,
            stepIndex: stepIndex ?? undefined,
            stream,
            timestamp,
            text,
          });
        }
        before = firstSeq;
        if (newestFirst.length >= limit) break;
      }
    }
    return newestFirst.reverse();
  }

  async size(runId: string): Promise<number> {
    const row = (await this.db(RUNS)
      .where({ run_id: runId })
      .first('log_size')) as { log_size?: number | string } | undefined;
    return Number(row?.log_size ?? 0);
  }
}
