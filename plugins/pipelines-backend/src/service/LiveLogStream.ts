import {
  PipelineLogLine,
  PipelineRun,
  TERMINAL_RUN_STATUSES,
} from '@internal/plugin-pipelines-common';
import type { LiveLogBus } from '../engine/LiveLogBus';

/** Reads one run and its stored lines; the caller checked the viewer's access once before. */
export type RunLogReader = {
  run(): Promise<PipelineRun | undefined>;
  lines(afterSeq: number, limit: number): Promise<PipelineLogLine[]>;
};

/** The part of an HTTP response the stream writes to. */
export type EventStreamResponse = {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string): unknown;
  end(): unknown;
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

  /** Streams until the run finishes, it disappears, or `signal` says the client has gone. */
  async stream(request: {
    runId: string;
    /** The last line the client has; -1 for all. */
    afterSeq: number;
    reader: RunLogReader;
    response: EventStreamResponse;
    signal: AbortSignal;
  }): Promise<void> {
    const { runId, reader, response: res, signal } = request;
    const pollMs = this.options.pollMs ?? 1000;
    const batchSize = this.options.batchSize ?? 2000;
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
    let wake: (() => void) | undefined;
    const live: PipelineLogLine[] = [];
    const unsubscribe = this.options.liveLogs.subscribe(runId, lines => {
      live.push(...lines);
      wake?.();
    });
    const onClose = () => {
      closed = true;
      wake?.();
    };
    signal.addEventListener('abort', onClose);
    const send = (line: PipelineLogLine) => {
      res.write(
        `id: ${line.seq}\nevent: line\ndata: ${JSON.stringify(line)}\n\n`,
      );
      after = line.seq;
    };
    const catchUp = async () => {
      // Stops as soon as the client has gone, not after reading the rest of a long log.
      while (!closed) {
        const lines = await reader.lines(after, batchSize);
        lines.forEach(send);
        if (lines.length < batchSize) return;
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
      while (!closed) {
        // Live lines, as long as they follow on; a gap means lines we have not seen yet.
        while (live.length && !closed) {
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
            res.write(`event: run\ndata: ${JSON.stringify(run)}\n\n`);
            lastStatus = status;
          }
          if (TERMINAL_RUN_STATUSES.includes(run.status)) {
            await catchUp();
            res.write(
              `event: end\ndata: ${JSON.stringify({ status: run.status })}\n\n`,
            );
            break;
          }
          await catchUp();
        }
        if (!live.length && !closed) {
          await nextWake();
        }
      }
    } finally {
      signal.removeEventListener('abort', onClose);
      unsubscribe();
      res.end();
    }
  }
}
