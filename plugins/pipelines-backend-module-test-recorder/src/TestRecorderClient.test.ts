import { mockServices } from '@backstage/backend-test-utils';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sleep, TestRecorderClient } from './TestRecorderClient';

type Answer = {
  status: number;
  body?: string;
  headers?: Record<string, string>;
};

/** A local HTTP server answering each request with the next answer (the last one repeats). */
async function startServer(answers: Answer[], onRequest?: () => void) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(
      `${req.method} ${req.url} ${
        req.headers.authorization ? 'token' : 'none'
      }`,
    );
    onRequest?.();
    const answer = answers[Math.min(seen.length, answers.length) - 1];
    res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/test-recorder`,
    seen,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

function clientFor(url: string, retryDelayMs = 1) {
  return TestRecorderClient.create({
    discovery: {
      getBaseUrl: async () => url,
      getExternalBaseUrl: async () => url,
    },
    auth: mockServices.auth(),
    retryDelayMs,
  });
}

describe('TestRecorderClient', () => {
  it('names the status and the text of an error that is not JSON', async () => {
    const server = await startServer([
      { status: 400, body: 'plain failure\n' },
      { status: 409, body: '' },
    ]);
    try {
      const client = clientFor(server.url);
      await expect(client.cancelRun('r1')).rejects.toThrow(
        'test-recorder backend: POST /runs/r1/cancel answered 400 Bad Request: plain failure',
      );
      await expect(client.cancelRun('r1')).rejects.toThrow(
        'answered 409 Conflict: (no message)',
      );
      expect(server.seen).toEqual([
        'POST /api/test-recorder/runs/r1/cancel token',
        'POST /api/test-recorder/runs/r1/cancel token',
      ]);
    } finally {
      await server.close();
    }
  });

  it('accepts an empty 202 and honours Retry-After while polling', async () => {
    const server = await startServer([
      { status: 202 },
      {
        status: 429,
        headers: { 'retry-after': '0.01', 'content-type': 'application/json' },
        body: '{"error":{"name":"Error","message":"slow down"}}',
      },
      { status: 200, body: '{"runId":"r1","status":"passed"}' },
    ]);
    try {
      const client = clientFor(server.url);
      await expect(client.cancelRun('r1')).resolves.toBeUndefined();
      await expect(client.getRun('r1')).resolves.toMatchObject({
        runId: 'r1',
        status: 'passed',
      });
      expect(server.seen).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it('retries a poll when the backend is unreachable, then names what failed', async () => {
    const server = await startServer([{ status: 200 }]);
    await server.close();
    const client = clientFor(server.url);
    await expect(client.getRun('r1')).rejects.toThrow(
      /^test-recorder backend: GET \/runs\/r1 failed: fetch failed$/,
    );
    await expect(
      client.startPipelineRun({
        entityRef: 'component:default/x',
        suite: 's',
        pipelineRunId: 'p',
      }),
    ).rejects.toThrow(
      'test-recorder backend: POST /pipeline-runs failed: fetch failed',
    );
  });

  it('stops waiting for a retry when aborted', async () => {
    const controller = new AbortController();
    const server = await startServer(
      [{ status: 503, body: '{"error":{"message":"restarting"}}' }],
      () => setImmediate(() => controller.abort()),
    );
    try {
      // A backoff of ten minutes: only the abort can end it
      const client = clientFor(server.url, 600_000);
      await expect(client.getRun('r1', controller.signal)).rejects.toThrow(
        'Cancelled',
      );
      await expect(sleep(1, controller.signal)).rejects.toThrow('Cancelled');
      await expect(sleep(1)).resolves.toBeUndefined();
      const later = new AbortController();
      const waiting = sleep(600_000, later.signal);
      later.abort();
      await expect(waiting).rejects.toThrow('Cancelled');
    } finally {
      await server.close();
    }
  });
});
