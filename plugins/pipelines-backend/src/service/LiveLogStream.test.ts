import type {
  PipelineLogLine,
  PipelineRun,
  PipelineRunStatus,
} from '@internal/plugin-pipelines-common';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { LiveLogBus } from '../engine/LiveLogBus';
import { makePipelineRun } from '../testing/pipelineRun';
import { LiveLogStream, RunLogReader } from './LiveLogStream';

const RUN_ID = 'run-1';

function line(seq: number): PipelineLogLine {
  return {
    seq,
    jobRunId: 'build',
    stepIndex: 0,
    stream: 'stdout',
    text: `line ${seq}`,
    timestamp: '2026-12-04T10:00:00.000Z',
  };
}

function run(status: PipelineRunStatus): PipelineRun {
  return makePipelineRun({
    runId: RUN_ID,
    pipeline: 'build',
    status,
    jobs: [
      {
        jobRunId: 'build',
        jobId: 'build',
        name: 'build',
        needs: [],
        status,
        attempt: 1,
        steps: [],
      },
    ],
  });
}

/** A run whose stored lines and status the test changes as it goes. */
function fakeRun(stored: PipelineLogLine[], status: PipelineRunStatus) {
  const state = { stored, status: status as PipelineRunStatus | 'deleted' };
  const reads: Array<{ afterSeq: number; limit: number }> = [];
  const reader: RunLogReader = {
    run: async () =>
      state.status === 'deleted' ? undefined : run(state.status),
    lines: async (afterSeq, limit) => {
      reads.push({ afterSeq, limit });
      return state.stored.filter(l => l.seq > afterSeq).slice(0, limit);
    },
  };
  return { state, reads, reader };
}

/** Records what the stream writes; `until` resolves once the text written passes a check. */
function fakeResponse() {
  const chunks: string[] = [];
  const head: unknown[] = [];
  let ended = false;
  const waiters: Array<() => void> = [];
  const notify = () => waiters.splice(0).forEach(w => w());
  return {
    response: {
      writeHead: (status: number, headers: Record<string, string>) => {
        head.push(status, headers);
      },
      write: (chunk: string) => {
        chunks.push(chunk);
        notify();
      },
      end: () => {
        ended = true;
        notify();
      },
    },
    head,
    text: () => chunks.join(''),
    ended: () => ended,
    async until(check: (text: string) => boolean) {
      while (!check(chunks.join(''))) {
        await new Promise<void>(resolve => waiters.push(resolve));
      }
    },
  };
}

const idsOf = (text: string) =>
  [...text.matchAll(/^id: (\d+)$/gm)].map(m => Number(m[1]));

describe('LiveLogStream', () => {
  it('sends the stored lines after the cursor, the run, then the end of a finished run', async () => {
    const liveLogs = new LiveLogBus();
    const { reader } = fakeRun([0, 1, 2, 3, 4].map(line), 'succeeded');
    const out = fakeResponse();
    await LiveLogStream.create({ liveLogs }).stream({
      runId: RUN_ID,
      afterSeq: 1,
      reader,
      response: out.response,
      signal: new AbortController().signal,
    });
    expect(out.head).toEqual([
      200,
      expect.objectContaining({
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache, no-transform',
      }),
    ]);
    const text = out.text();
    expect(idsOf(text)).toEqual([2, 3, 4]);
    expect(text).toContain(
      `id: 2\nevent: line\ndata: ${JSON.stringify(line(2))}\n\n`,
    );
    expect(text).toContain(
      `event: run\ndata: ${JSON.stringify(run('succeeded'))}`,
    );
    expect(text.endsWith('event: end\ndata: {"status":"succeeded"}\n\n')).toBe(
      true,
    );
    expect(out.ended()).toBe(true);
  });

  it('catches up in batches', async () => {
    const { reader, reads } = fakeRun([0, 1, 2, 3, 4].map(line), 'failed');
    const out = fakeResponse();
    await LiveLogStream.create({
      liveLogs: new LiveLogBus(),
      batchSize: 2,
    }).stream({
      runId: RUN_ID,
      afterSeq: -1,
      reader,
      response: out.response,
      signal: new AbortController().signal,
    });
    expect(idsOf(out.text())).toEqual([0, 1, 2, 3, 4]);
    expect(reads.slice(0, 3)).toEqual([
      { afterSeq: -1, limit: 2 },
      { afterSeq: 1, limit: 2 },
      { afterSeq: 3, limit: 2 },
    ]);
  });

  it('sends live lines as they come, reads a gap from the database, and stops when the client goes', async () => {
    const liveLogs = new LiveLogBus();
    const fake = fakeRun([line(0)], 'running');
    const out = fakeResponse();
    const clientGone = new AbortController();
    const streaming = LiveLogStream.create({
      liveLogs,
      // Long enough that only live lines and the gap's catch-up can bring lines in time
      pollMs: 60_000,
    }).stream({
      runId: RUN_ID,
      afterSeq: -1,
      reader: fake.reader,
      response: out.response,
      signal: clientGone.signal,
    });
    await out.until(text => text.includes('event: run'));
    expect(idsOf(out.text())).toEqual([0]);

    liveLogs.publish(RUN_ID, [line(1), line(2)]);
    await out.until(text => idsOf(text).length === 3);
    // Lines of another run, and lines already sent, are not sent
    liveLogs.publish('another-run', [line(3)]);
    liveLogs.publish(RUN_ID, [line(2)]);

    // Line 4 follows a line (3) that only the database has
    fake.state.stored = [0, 1, 2, 3, 4].map(line);
    liveLogs.publish(RUN_ID, [line(4)]);
    await out.until(text => idsOf(text).length === 5);
    expect(idsOf(out.text())).toEqual([0, 1, 2, 3, 4]);

    clientGone.abort();
    await streaming;
    expect(out.ended()).toBe(true);
    expect(out.text()).not.toContain('event: end');
    // Unsubscribed: later lines go nowhere
    liveLogs.publish(RUN_ID, [line(5)]);
    expect(idsOf(out.text())).toEqual([0, 1, 2, 3, 4]);
  });

  it('sends the run when its jobs change and ends when it finishes', async () => {
    const fake = fakeRun([line(0)], 'running');
    const out = fakeResponse();
    const streaming = LiveLogStream.create({
      liveLogs: new LiveLogBus(),
      pollMs: 5,
    }).stream({
      runId: RUN_ID,
      afterSeq: -1,
      reader: fake.reader,
      response: out.response,
      signal: new AbortController().signal,
    });
    await out.until(text => text.includes('event: run'));
    fake.state.stored = [line(0), line(1)];
    fake.state.status = 'succeeded';
    await streaming;
    const text = out.text();
    expect(idsOf(text)).toEqual([0, 1]);
    expect(text.match(/event: run\n/g)).toHaveLength(2);
    expect(text.endsWith('event: end\ndata: {"status":"succeeded"}\n\n')).toBe(
      true,
    );
  });

  it('ends without an end event when the run disappears', async () => {
    const fake = fakeRun([], 'running');
    fake.state.status = 'deleted';
    const out = fakeResponse();
    await LiveLogStream.create({ liveLogs: new LiveLogBus() }).stream({
      runId: RUN_ID,
      afterSeq: -1,
      reader: fake.reader,
      response: out.response,
      signal: new AbortController().signal,
    });
    expect(out.text()).toBe('');
    expect(out.ended()).toBe(true);
  });
});

describe('LiveLogStream limits', () => {
  const limits = {
    maxLiveStreams: 3,
    maxLiveStreamsPerUser: 2,
    slowReaderTimeoutMs: 60_000,
  };

  /** Opens a stream of a running run for `viewer`; `close` ends it like a client leaving. */
  function open(stream: LiveLogStream, viewer?: string) {
    const out = fakeResponse();
    const clientGone = new AbortController();
    const done = stream.stream({
      runId: RUN_ID,
      afterSeq: -1,
      reader: fakeRun([], 'running').reader,
      response: out.response,
      signal: clientGone.signal,
      viewer,
    });
    return {
      out,
      done,
      close: async () => {
        clientGone.abort();
        await done;
      },
    };
  }

  it('refuses a viewer over maxLiveStreamsPerUser and everyone over maxLiveStreams with 429, before writing', async () => {
    const stream = LiveLogStream.create({
      liveLogs: new LiveLogBus(),
      pollMs: 60_000,
      limits,
    });
    const a1 = open(stream, 'user:default/alice');
    const a2 = open(stream, 'user:default/alice');
    const refusedAlice = open(stream, 'user:default/alice');
    await expect(refusedAlice.done).rejects.toMatchObject({
      name: 'LimitExceededError',
      statusCode: 429,
      limitKey: 'pipelines.limits.maxLiveStreamsPerUser',
      message:
        'user:default/alice already has 2 live logs open, the most pipelines.limits.maxLiveStreamsPerUser allows; close one first',
    });
    expect(refusedAlice.out.head).toEqual([]);
    expect(refusedAlice.out.ended()).toBe(false);

    const bob = open(stream, 'user:default/bob');
    expect(stream.openStreams).toBe(3);
    const refusedCarol = open(stream, 'user:default/carol');
    await expect(refusedCarol.done).rejects.toMatchObject({
      statusCode: 429,
      limitKey: 'pipelines.limits.maxLiveStreams',
    });
    expect((await refusedCarol.done.catch(e => e)).message).toContain(
      'This backend already serves 3 live logs, the most pipelines.limits.maxLiveStreams allows',
    );

    // A closed stream gives its slot back
    await a1.close();
    expect(stream.openStreams).toBe(2);
    const a3 = open(stream, 'user:default/alice');
    await a3.out.until(text => text.includes('event: run'));
    await Promise.all([a2.close(), bob.close(), a3.close()]);
    expect(stream.openStreams).toBe(0);
  });

  it('gives the slot back when the stream fails', async () => {
    const stream = LiveLogStream.create({
      liveLogs: new LiveLogBus(),
      limits: { ...limits, maxLiveStreams: 1 },
    });
    const out = fakeResponse();
    await expect(
      stream.stream({
        runId: RUN_ID,
        afterSeq: -1,
        reader: {
          run: async () => undefined,
          lines: async () => {
            throw new Error('database down');
          },
        },
        response: out.response,
        signal: new AbortController().signal,
        viewer: 'user:default/alice',
      }),
    ).rejects.toThrow('database down');
    expect(stream.openStreams).toBe(0);
  });
});

describe('LiveLogStream backpressure', () => {
  const bigLine = (seq: number): PipelineLogLine => ({
    ...line(seq),
    text: `${seq} ${'x'.repeat(10_000)}`,
  });

  /**
   * A real HTTP server streaming a run's live log, and a client that connects and never
   * reads a byte. Records how much the server's response ever held in memory.
   */
  async function serveToAReaderThatDoesNotRead(options: {
    slowReaderTimeoutMs: number;
    stored: PipelineLogLine[];
    liveLogs: LiveLogBus;
  }) {
    const stream = LiveLogStream.create({
      liveLogs: options.liveLogs,
      pollMs: 60_000,
      batchSize: 100,
      limits: {
        maxLiveStreams: 10,
        maxLiveStreamsPerUser: 10,
        slowReaderTimeoutMs: options.slowReaderTimeoutMs,
      },
    });
    let maxBuffered = 0;
    let streaming: Promise<void> | undefined;
    let response: http.ServerResponse | undefined;
    const server = http.createServer((req, res) => {
      response = res;
      const write = res.write.bind(res) as (chunk: string) => boolean;
      (res as any).write = (chunk: string) => {
        const ok = write(chunk);
        maxBuffered = Math.max(maxBuffered, res.writableLength);
        return ok;
      };
      const clientGone = new AbortController();
      req.on('close', () => clientGone.abort());
      streaming = stream.stream({
        runId: RUN_ID,
        afterSeq: -1,
        reader: fakeRun(options.stored, 'running').reader,
        response: res,
        signal: clientGone.signal,
        viewer: 'user:default/slow',
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    // Never reads: the kernel's buffers fill, then the server's
    socket.pause();
    socket.setNoDelay(true);
    socket.write(
      `GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`,
    );
    const waitUntil = async (condition: () => boolean) => {
      while (!condition()) {
        await new Promise(resolve => setTimeout(resolve, 10));
      }
    };
    await waitUntil(() => streaming !== undefined);
    return {
      stream,
      streaming: streaming!,
      response: () => response!,
      maxBuffered: () => maxBuffered,
      waitUntil,
      close: async () => {
        socket.destroy();
        await new Promise(resolve => server.close(resolve));
      },
    };
  }

  it('stops writing to a reader that does not read and drops it, instead of buffering the log', async () => {
    const liveLogs = new LiveLogBus();
    // 30 MB of log: far more than the socket buffers hold
    const stored = Array.from({ length: 3000 }, (_, seq) => bigLine(seq));
    const served = await serveToAReaderThatDoesNotRead({
      slowReaderTimeoutMs: 300,
      stored,
      liveLogs,
    });
    try {
      // Live lines keep coming while it does not read: none is held for it
      for (let seq = 3000; seq < 3200; seq++) {
        liveLogs.publish(RUN_ID, [bigLine(seq)]);
      }
      await served.streaming;
      // It was dropped (the connection destroyed), not ended as if the log were complete
      expect(served.response().destroyed).toBe(true);
      expect(served.stream.openStreams).toBe(0);
      // What the server held for it stayed around one line over the buffer's high-water
      // mark, never the 30 MB it could not send
      expect(served.maxBuffered()).toBeLessThan(200_000);
    } finally {
      await served.close();
    }
  });

  it('ends the stream at once when the reader leaves while its buffer is full', async () => {
    const served = await serveToAReaderThatDoesNotRead({
      slowReaderTimeoutMs: 600_000,
      stored: Array.from({ length: 3000 }, (_, seq) => bigLine(seq)),
      liveLogs: new LiveLogBus(),
    });
    await served.waitUntil(() => served.maxBuffered() > 0);
    await served.waitUntil(() => served.response().writableNeedDrain);
    await served.close();
    await served.streaming;
    expect(served.stream.openStreams).toBe(0);
  });

  it('resumes from the database after a drain, in order and without gaps', async () => {
    const liveLogs = new LiveLogBus();
    const { reader } = fakeRun([0, 1, 2, 3, 4, 5].map(line), 'running');
    const chunks: string[] = [];
    const listeners: Array<() => void> = [];
    let accepting = 2;
    const clientGone = new AbortController();
    const response = {
      writeHead: () => undefined,
      // A buffer that takes two chunks before it is full
      write: (chunk: string) => {
        chunks.push(chunk);
        accepting--;
        return accepting > 0;
      },
      end: () => undefined,
      once: (_event: 'drain', listener: () => void) => {
        listeners.push(listener);
      },
      off: () => undefined,
    };
    const streaming = LiveLogStream.create({
      liveLogs,
      pollMs: 60_000,
      limits: {
        maxLiveStreams: 1,
        maxLiveStreamsPerUser: 1,
        slowReaderTimeoutMs: 60_000,
      },
    }).stream({
      runId: RUN_ID,
      afterSeq: -1,
      reader,
      response,
      signal: clientGone.signal,
    });
    const waitUntil = async (condition: () => boolean) => {
      while (!condition()) {
        await new Promise(resolve => setTimeout(resolve, 5));
      }
    };
    await waitUntil(() => listeners.length === 1);
    // Full after two lines; live lines meanwhile are dropped (the database has them)
    expect(idsOf(chunks.join(''))).toEqual([0, 1]);
    liveLogs.publish(RUN_ID, [line(6)]);
    accepting = 1_000;
    listeners.shift()!();
    await waitUntil(() => chunks.join('').includes('event: run'));
    expect(idsOf(chunks.join(''))).toEqual([0, 1, 2, 3, 4, 5]);
    clientGone.abort();
    await streaming;
  });
});
