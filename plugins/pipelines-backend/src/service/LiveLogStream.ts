import {
  PipelineLogLine,
  PipelineRun,
  TERMINAL_RUN_STATUSES,
} from '@internal/plugin-pipelines-common';
import type { LiveLogBus } from '../engine/LiveLogBus';
import { LimitExceededError } from '../limits/LimitExceededError';
import type { PipelineLimits } from '../limits/limitsConfig';

/** Reads one run and its stored lines; the caller checked the viewer's access once before. */
export type RunLogReader = {
  run(): Promise<PipelineRun | undefined>;
  lines(afterSeq: number, limit: number): Promise<PipelineLogLine[]>;
};

/**
 * The part of an HTTP response the stream writes to. `write` returning `false` means the
 * response's buffer is full (the client reads slower than the log grows): the stream stops
 * writing until `drain`, and closes the connection (`destroy`) when no drain comes in time.
 */
export type EventStreamResponse = {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string): unknown;
  end(): unknown;
  once?(event: 'drain', listener: () => void): unknown;
  off?(event: 'drain', listener: () => void): unknown;
  destroy?(): unknown;
};

export type LiveLogStreamOptions = {
  liveLogs: LiveLogBus;
  /**
   * How often the run's status is read (and the database read for lines other replicas
   * stored), and how long the stream waits for live lines in between.
   */
  pollMs?: number;
  /** Lines read from the database at once while catching up. */
  batchSize?: number;
  /**
   * `pipelines.limits`: open streams on this replica, in all and per viewer, and how long a
   * reader that stopped reading keeps its connection. Unset: no caps, and a full buffer
   * waits for its drain as long as the client stays connected.
   */
  limits?: Pick<
    PipelineLimits,
    'maxLiveStreams' | 'maxLiveStreamsPerUser' | 'slowReaderTimeoutMs'
  >;
};

/**
 * A run's live log as Server-Sent Events. Each line's `id` is its seq, so a reconnecting client
 * (Last-Event-ID, or ?after=) resumes exactly after the last line it saw. Lines stored on this
 * replica arrive through the live bus at once; the database fills any gap and brings lines
 * written by other replicas. A `run` event carries the run whenever a job or step changes, and
 * `end` its final status once it finishes.
 */
export class LiveLogStream {
  static create(options: LiveLogStreamOptions): LiveLogStream {
    return new LiveLogStream(options);
  }

  private constructor(private readonly options: LiveLogStreamOptions) {}

  /** Streams open on this replica, in all and per viewer. */
  private open = 0;
  private readonly openPerViewer = new Map<string, number>();

  /** Streams open now on this replica. */
  get openStreams(): number {
    return this.open;
  }

  /**
   * Takes a stream slot for `viewer`, or refuses with a 429 naming the cap that is full.
   * Returns the release.
   */
  private acquire(viewer: string | undefined): () => void {
    const { limits } = this.options;
    const key = viewer ?? '';
    const mine = this.openPerViewer.get(key) ?? 0;
    if (limits && this.open >= limits.maxLiveStreams) {
      throw new LimitExceededError(
        `This backend already serves ${this.open} live logs, the most pipelines.limits.maxLiveStreams allows; try again shortly or read the stored log`,
        'pipelines.limits.maxLiveStreams',
      );
    }
    if (limits && viewer && mine >= limits.maxLiveStreamsPerUser) {
      throw new LimitExceededError(
        `${viewer} already has ${mine} live logs open, the most pipelines.limits.maxLiveStreamsPerUser allows; close one first`,
        'pipelines.limits.maxLiveStreamsPerUser',
      );
    }
    this.open++;
    this.openPerViewer.set(key, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
      const left = (this.openPerViewer.get(key) ?? 1) - 1;
      if (left > 0) this.openPerViewer.set(key, left);
      else this.openPerViewer.delete(key);
    };
  }

  /**
   * Streams until the run finishes, it disappears, `signal` says the client has gone, or the
   * client stops reading for longer than `limits.slowReaderTimeoutMs`. Throws a
   * {@link LimitExceededError} (429), before anything is written, when a stream cap is full.
   */
  async stream(request: {
    runId: string;
    /** The last line the client has; -1 for all. */
    afterSeq: number;
    reader: RunLogReader;
    response: EventStreamResponse;
    signal: AbortSignal;
    /** Who reads (user entity ref or service subject), for the per-user cap. */
    viewer?: string;
  }): Promise<void> {
    const release = this.acquire(request.viewer);
    try {
      await this.streamWithSlot(request);
    } finally {
      release();
    }
  }

  private async streamWithSlot(request: {
    runId: string;
    afterSeq: number;
    reader: RunLogReader;
    response: EventStreamResponse;
    signal: AbortSignal;
  }): Promise<void> {
    const { runId, reader, response: res, signal } = request;
    const pollMs = this.options.pollMs ?? 1000;
    const batchSize = this.options.batchSize ?? 2000;
    const slowReaderTimeoutMs = this.options.limits?.slowReaderTimeoutMs;
    let after = request.afterSeq;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      // no-transform: the backend's compression middleware would otherwise gzip the stream
      // and hold every event back until the response ends.
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let closed = signal.aborted;
    /** The response's buffer is full: nothing more is written until it drains. */
    let full = false;
    /** The client stopped reading for too long: the connection is dropped, not ended. */
    let droppedSlowReader = false;
    /** Live lines were dropped (buffer full, or too many waiting): read them from the database. */
    let behind = false;
    let wake: (() => void) | undefined;
    const live: PipelineLogLine[] = [];
    const unsubscribe = this.options.liveLogs.subscribe(runId, lines => {
      // Never more than one batch held in memory per stream; the database has every line.
      if (full || live.length + lines.length > batchSize) {
        live.length = 0;
        behind = true;
      } else {
        live.push(...lines);
      }
      wake?.();
    });
    const onClose = () => {
      closed = true;
      wake?.();
    };
    signal.addEventListener('abort', onClose);
    // Set while the buffer is full: resolves at its drain. Listened for at once, so a drain
    // that comes while the stream awaits something else is not missed.
    let drain: Promise<void> | undefined;
    let onDrain: (() => void) | undefined;
    const write = (chunk: string) => {
      if (res.write(chunk) !== false || full) return;
      full = true;
      if (!res.once) return;
      drain = new Promise<void>(resolve => {
        onDrain = () => {
          onDrain = undefined;
          full = false;
          resolve();
        };
        res.once!('drain', onDrain);
      });
    };
    const send = (line: PipelineLogLine) => {
      write(`id: ${line.seq}\nevent: line\ndata: ${JSON.stringify(line)}\n\n`);
      after = line.seq;
    };
    // Resolves true once the buffer drained; false when the client went or read nothing for
    // `slowReaderTimeoutMs`, and then the stream ends.
    const drained = () =>
      new Promise<boolean>(resolve => {
        if (!drain) {
          droppedSlowReader = !signal.aborted;
          resolve(false);
          return;
        }
        const timer =
          slowReaderTimeoutMs !== undefined
            ? setTimeout(() => done(false), slowReaderTimeoutMs)
            : undefined;
        const onAbort = () => done(false);
        function done(ok: boolean) {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          if (!ok && !signal.aborted) droppedSlowReader = true;
          resolve(ok);
        }
        drain.then(() => done(true));
        signal.addEventListener('abort', onAbort);
      });
    // Waits while the buffer is full; false when the stream must stop.
    const writable = async () => {
      if (closed) return false;
      if (full && !(await drained())) closed = true;
      return !closed;
    };
    const catchUp = async () => {
      // Stops as soon as the client has gone, not after reading the rest of a long log, and
      // reads no more than the client takes: the buffer holds at most one batch's overflow.
      while (await writable()) {
        const lines = await reader.lines(after, batchSize);
        for (const line of lines) {
          if (closed) return;
          send(line);
          if (full) break;
        }
        if (!full && lines.length < batchSize) return;
      }
    };
    // Resolves on new live lines, on disconnect, or after `pollMs`.
    const nextWake = () =>
      new Promise<void>(resolve => {
        const timer = setTimeout(done, pollMs);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });
    let lastStatus = '';
    let lastCheck = 0;
    try {
      await catchUp();
      while (await writable()) {
        if (behind) {
          behind = false;
          live.length = 0;
          await catchUp();
          continue;
        }
        // Live lines, as long as they follow on; a gap means lines we have not seen yet.
        while (live.length && !closed && !full) {
          const line = live.shift()!;
          if (line.seq <= after) continue;
          if (line.seq !== after + 1) {
            live.length = 0;
            await catchUp();
            break;
          }
          send(line);
        }
        if (Date.now() - lastCheck >= pollMs) {
          lastCheck = Date.now();
          const run = await reader.run();
          if (!run) break;
          const status = JSON.stringify(
            run.jobs.map(j => [
              j.jobRunId,
              j.status,
              j.steps.map(st => st.status),
            ]),
          );
          if (status !== lastStatus) {
            write(`event: run\ndata: ${JSON.stringify(run)}\n\n`);
            lastStatus = status;
          }
          if (TERMINAL_RUN_STATUSES.includes(run.status)) {
            await catchUp();
            if (await writable()) {
              write(
                `event: end\ndata: ${JSON.stringify({
                  status: run.status,
                })}\n\n`,
              );
            }
            break;
          }
          await catchUp();
        }
        if (!live.length && !closed && !full && !behind) {
          await nextWake();
        }
      }
    } finally {
      signal.removeEventListener('abort', onClose);
      unsubscribe();
      if (onDrain) res.off?.('drain', onDrain);
      if (droppedSlowReader && res.destroy) {
        // What it has not read is dropped; it resumes after its last line when it reconnects.
        res.destroy();
      } else {
        res.end();
      }
    }
  }
}
