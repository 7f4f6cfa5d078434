/**
 * @jest-environment node
 */
import type { PipelineLogLine } from '@internal/plugin-pipelines-common';
import { PipelinesClient } from './PipelinesClient';
import { reconnectDelayMs } from './reconnect';
import type { StreamState } from './PipelinesApi';

function line(seq: number): PipelineLogLine {
  return {
    seq,
    jobRunId: 'build',
    stepIndex: 0,
    stream: 'stdout',
    timestamp: '2026-11-26T10:00:00.000Z',
    text: `line ${seq}`,
  };
}

/** A response whose body sends `chunks` and then ends (or fails, like a dropped connection). */
function sseResponse(chunks: string[], fail = false) {
  const encoder = new TextEncoder();
  const queue = chunks.map(chunk => encoder.encode(chunk));
  return new Response(
    new ReadableStream({
      // one chunk per read, so every chunk is read before the failure
      pull(controller) {
        const next = queue.shift();
        if (next) controller.enqueue(next);
        else if (fail) controller.error(new TypeError('network error'));
        else controller.close();
      },
    }),
    { status: 200, headers: { 'content-type': 'text/event-stream' } },
  );
}

const event = (name: string, data: unknown, id?: number) =>
  `${
    id !== undefined ? `id: ${id}\n` : ''
  }event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

describe('PipelinesClient.streamLogs', () => {
  it('resumes after the last line it saw when the connection drops, without repeats', async () => {
    const urls: string[] = [];
    const responses = [
      // lines 0-1, the second split across chunks, then the network drops
      () =>
        sseResponse(
          [
            event('line', line(0), 0),
            event('line', line(1), 1).slice(0, 10),
            event('line', line(1), 1).slice(10),
          ],
          true,
        ),
      // the backend is down for a moment
      () =>
        new Response('{"error":{"name":"Error","message":"down"}}', {
          status: 503,
        }),
      // the resumed stream: line 2 and the end
      () =>
        sseResponse([
          event('line', line(2), 2),
          event('run', { runId: 'r1', status: 'succeeded' }),
          event('end', { status: 'succeeded' }),
        ]),
    ];
    const client = PipelinesClient.create({
      discoveryApi: { getBaseUrl: async () => 'http://comet/api/pipelines' },
      fetchApi: {
        fetch: async (url: RequestInfo | URL) => {
          urls.push(String(url));
          return responses.shift()!();
        },
      } as any,
    });
    const received: number[] = [];
    const states: StreamState['state'][] = [];
    const ended = new Promise<string>(resolve => {
      client.streamLogs('r1', -1, {
        onLines: lines => received.push(...lines.map(l => l.seq)),
        onEnd: resolve,
        onState: state => states.push(state.state),
      });
    });
    expect(await ended).toBe('succeeded');
    expect(received).toEqual([0, 1, 2]);
    expect(urls).toEqual([
      'http://comet/api/pipelines/runs/r1/logs/stream?after=-1',
      'http://comet/api/pipelines/runs/r1/logs/stream?after=1',
      'http://comet/api/pipelines/runs/r1/logs/stream?after=1',
    ]);
    expect(states).toEqual([
      'connecting',
      'live',
      'reconnecting',
      'reconnecting',
      'live',
      'ended',
    ]);
  }, 20_000);

  it('backs off 1 s, 2 s, 4 s … up to 15 s', () => {
    expect([1, 2, 3, 4, 5, 6].map(reconnectDelayMs)).toEqual([
      1000, 2000, 4000, 8000, 15000, 15000,
    ]);
  });
});

describe('PipelinesClient GETs', () => {
  it('sends one request for the same GET asked twice at once, and a new one afterwards', async () => {
    const urls: string[] = [];
    const client = PipelinesClient.create({
      discoveryApi: { getBaseUrl: async () => 'http://comet/api/pipelines' },
      fetchApi: {
        fetch: async (url: RequestInfo | URL) => {
          urls.push(String(url));
          return new Response(JSON.stringify({ runId: 'r1', n: urls.length }), {
            status: 200,
            headers: { 'content-type': 'application/json' },
          });
        },
      } as any,
    });
    const [a, b, logs] = await Promise.all([
      client.getRun('r1'),
      client.getRun('r1'),
      client.getLogs('r1', { after: -1, limit: 1000 }),
    ]);
    expect(a).toEqual({ runId: 'r1', n: 1 });
    expect(b).toBe(a);
    expect(logs).toEqual({ runId: 'r1', n: 2 });
    expect(await client.getRun('r1')).toEqual({ runId: 'r1', n: 3 });
    expect(urls).toEqual([
      'http://comet/api/pipelines/runs/r1',
      'http://comet/api/pipelines/runs/r1/logs?after=-1&limit=1000',
      'http://comet/api/pipelines/runs/r1',
    ]);
  });

  it('lets every caller see a failure, and tries again on the next call', async () => {
    let calls = 0;
    const client = PipelinesClient.create({
      discoveryApi: { getBaseUrl: async () => 'http://comet/api/pipelines' },
      fetchApi: {
        fetch: async () => {
          calls++;
          return calls === 1
            ? new Response('{"error":{"name":"Error","message":"down"}}', {
                status: 503,
              })
            : new Response('{"runId":"r1"}', { status: 200 });
        },
      } as any,
    });
    const results = await Promise.allSettled([
      client.getRun('r1'),
      client.getRun('r1'),
    ]);
    expect(results.map(r => r.status)).toEqual(['rejected', 'rejected']);
    expect(await client.getRun('r1')).toEqual({ runId: 'r1' });
    expect(calls).toBe(2);
  });

  it('asks for the latest run of each pipeline of an entity', async () => {
    const urls: string[] = [];
    const client = PipelinesClient.create({
      discoveryApi: { getBaseUrl: async () => 'http://comet/api/pipelines' },
      fetchApi: {
        fetch: async (url: RequestInfo | URL) => {
          urls.push(String(url));
          return new Response('{"runs":[{"runId":"r9"}]}', { status: 200 });
        },
      } as any,
    });
    expect(await client.getLatestRuns('component:default/a b')).toEqual({
      runs: [{ runId: 'r9' }],
    });
    expect(urls).toEqual([
      'http://comet/api/pipelines/latest-runs?entityRef=component%3Adefault%2Fa+b',
    ]);
  });
});
