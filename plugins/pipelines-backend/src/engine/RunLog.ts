import type { LoggerService } from '@backstage/backend-plugin-api';
import type { SecretMasker } from '../logs/SecretMasker';
import type { NewLogLine, PipelineStore } from '../store/PipelineStore';
import type { LiveLogBus } from './LiveLogBus';

const LOG_FLUSH_MS = 100;
const LOG_FLUSH_LINES = 5000;
/** The most lines one write stores when the database has fallen behind. */
const LOG_WRITE_MAX_LINES = 20_000;
/** Pauses before each retry of a failed log write; then its lines are dropped. */
const LOG_WRITE_RETRY_MS = [100, 400, 1_500];

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
