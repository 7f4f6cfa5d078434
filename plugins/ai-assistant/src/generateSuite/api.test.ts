import type {
  AiGeneratedTestSuite,
  AiTestSuiteStreamEvent,
} from '@internal/plugin-ai-assistant-common';
import { GenerateTestSuiteApiError, GenerateTestSuiteClient } from './api';

const BASE = 'http://localhost:7007/api/ai-assistant';
const REQUEST = {
  description: 'Pay for the cart',
  entityRef: 'component:default/storefront-web',
  baseUrl: 'http://127.0.0.1:4173',
  suiteName: 'storefront-pay',
};
const RESULT: AiGeneratedTestSuite = {
  suiteName: 'storefront-pay',
  entityRef: 'component:default/storefront-web',
  version: 2,
  valid: true,
  attempts: 2,
  problems: [],
  model: 'comet-demo-model',
  lastRun: { runId: 'run-2', status: 'passed', failures: [] },
};

function clientAnswering(answer: () => Response) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const client = new GenerateTestSuiteClient({
    discoveryApi: { getBaseUrl: async () => BASE },
    fetchApi: {
      fetch: (async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        return answer();
      }) as typeof fetch,
    },
  });
  return { client, calls };
}

/** A streamed answer whose body arrives in exactly these chunks. */
function eventStream(chunks: string[]): Response {
  const encoder = new TextEncoder();
  const queue = [...chunks];
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = queue.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(encoder.encode(next));
      },
    }),
    { status: 200, headers: { 'content-type': 'text/event-stream' } },
  );
}

const sse = (event: AiTestSuiteStreamEvent) =>
  `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

describe('GenerateTestSuiteClient', () => {
  it('posts the request, hands on progress in order and resolves with the result', async () => {
    const whole = [
      sse({ type: 'attempt', attempt: 1, maxAttempts: 4 }),
      sse({ type: 'saved', attempt: 1, version: 1 }),
      sse({ type: 'result', result: RESULT }),
    ].join('');
    const { client, calls } = clientAnswering(() =>
      // split mid-event, as the network may
      eventStream([whole.slice(0, 30), whole.slice(30, 95), whole.slice(95)]),
    );
    const progress: string[] = [];
    const result = await client.generateTestSuite(REQUEST, event =>
      progress.push(event.type),
    );
    expect(result).toEqual(RESULT);
    expect(progress).toEqual(['attempt', 'saved']);
    expect(calls[0].url).toBe(`${BASE}/generate/test-suite`);
    expect(calls[0].init.method).toBe('POST');
    expect(calls[0].init.headers).toEqual({
      'content-type': 'application/json',
      accept: 'text/event-stream',
    });
    expect(JSON.parse(calls[0].init.body as string)).toEqual(REQUEST);
  });

  it("rejects with the backend's message for a refusal and an error event", async () => {
    const refused = clientAnswering(
      () =>
        new Response(
          JSON.stringify({
            error: {
              name: 'ConflictError',
              message:
                'The suite name "x" is taken by a suite of another entity',
            },
          }),
          { status: 409, headers: { 'content-type': 'application/json' } },
        ),
    );
    await expect(
      refused.client.generateTestSuite(REQUEST, () => {}),
    ).rejects.toEqual(
      new GenerateTestSuiteApiError(
        'The suite name "x" is taken by a suite of another entity',
        409,
      ),
    );

    const failed = clientAnswering(() =>
      eventStream([
        sse({
          type: 'error',
          error: { name: 'ServiceUnavailableError', message: 'provider down' },
        }),
      ]),
    );
    await expect(
      failed.client.generateTestSuite(REQUEST, () => {}),
    ).rejects.toThrow('provider down');
  });

  it('says what went wrong with a broken answer', async () => {
    const gateway = clientAnswering(
      () => new Response('<html>Bad gateway</html>', { status: 502 }),
    );
    await expect(
      gateway.client.generateTestSuite(REQUEST, () => {}),
    ).rejects.toThrow('The AI assistant answered 502');
    const notJson = clientAnswering(() =>
      eventStream(['event: attempt\ndata: {oops\n\n']),
    );
    await expect(
      notJson.client.generateTestSuite(REQUEST, () => {}),
    ).rejects.toThrow(
      'The AI assistant sent an event "attempt" that is not JSON',
    );
    const cut = clientAnswering(() =>
      eventStream([sse({ type: 'attempt', attempt: 1, maxAttempts: 4 })]),
    );
    await expect(
      cut.client.generateTestSuite(REQUEST, () => {}),
    ).rejects.toThrow('The generation stopped before it gave a result');
  });
});
