import type {
  PipelineLogLine,
  PipelineRun,
  PipelineRunStatus,
} from '@internal/plugin-pipelines-common';
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
