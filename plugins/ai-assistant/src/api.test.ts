import type { AiStreamEvent } from '@internal/plugin-ai-assistant-common';
import { AiAssistantApiError, AiAssistantClient } from './api';

const BASE = 'http://localhost:7007/api/ai-assistant';

type Call = { url: string; init: RequestInit };

function clientAnswering(answer: (call: Call) => Response) {
  const calls: Call[] = [];
  const client = new AiAssistantClient({
    discoveryApi: { getBaseUrl: async () => BASE },
    fetchApi: {
      fetch: (async (url: string, init: RequestInit) => {
        const call = { url, init };
        calls.push(call);
        return answer(call);
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

const sse = (event: AiStreamEvent) =>
  `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

describe('AiAssistantClient', () => {
  it('reads events split anywhere across chunks, in order, and ignores comments and unknown types', async () => {
    const whole = [
      sse({ type: 'delta', text: 'Hel' }),
      ': keep-alive\n\n',
      'event: future-type\ndata: {"x":1}\n\n',
      sse({ type: 'delta', text: 'lo – ünïcode' }),
      sse({ type: 'done', outcome: 'completed' }),
    ].join('');
    // Cut into 7-byte pieces, so events, lines and multi-byte characters are split
    const bytes = new TextEncoder().encode(whole);
    const decoder = new TextDecoder();
    const chunks: string[] = [];
    for (let i = 0; i < bytes.length; i += 7) {
      chunks.push(decoder.decode(bytes.slice(i, i + 7), { stream: true }));
    }
    const { client, calls } = clientAnswering(() => eventStream(chunks));
    const events: AiStreamEvent[] = [];
    await client.sendMessage('c-1', 'Hello?', e => events.push(e));

    expect(events).toEqual([
      { type: 'delta', text: 'Hel' },
      { type: 'delta', text: 'lo – ünïcode' },
      { type: 'done', outcome: 'completed' },
    ]);
    expect(calls[0].url).toBe(`${BASE}/conversations/c-1/messages`);
    expect(calls[0].init.method).toBe('POST');
    expect(calls[0].init.body).toBe('{"content":"Hello?"}');
    expect(calls[0].init.headers).toEqual({
      'Content-Type': 'application/json',
      Accept: 'text/event-stream',
    });
  });

  it('joins multi-line data and sends decisions to the confirmation', async () => {
    const { client, calls } = clientAnswering(() =>
      eventStream([
        'event: error\ndata: {"type":"error",\ndata: "message":"two lines"}\n\n',
      ]),
    );
    const events: AiStreamEvent[] = [];
    await client.decide(
      'conf/1',
      { decision: 'reject', conversationId: 'c-1', callHash: 'f'.repeat(64) },
      e => events.push(e),
    );
    expect(events).toEqual([{ type: 'error', message: 'two lines' }]);
    expect(calls[0].url).toBe(`${BASE}/confirmations/conf%2F1`);
    expect(JSON.parse(String(calls[0].init.body))).toEqual({
      decision: 'reject',
      conversationId: 'c-1',
      callHash: 'f'.repeat(64),
    });
  });

  it('fails naming the event when its data is not JSON', async () => {
    const { client } = clientAnswering(() =>
      eventStream(['event: delta\ndata: {not json\n\n']),
    );
    await expect(client.sendMessage('c', 'x', () => {})).rejects.toThrow(
      'The assistant sent an event "delta" that is not JSON',
    );
  });

  it("turns refusals into errors with the backend's message, status and Retry-After", async () => {
    const { client } = clientAnswering(
      () =>
        new Response(
          JSON.stringify({
            error: {
              name: 'TooManyRequestsError',
              message: 'try again in 42 s',
            },
          }),
          {
            status: 429,
            headers: {
              'content-type': 'application/json',
              'retry-after': '42',
            },
          },
        ),
    );
    const error = await client
      .sendMessage('c', 'x', () => {})
      .catch(e => e as AiAssistantApiError);
    expect(error).toBeInstanceOf(AiAssistantApiError);
    expect(error).toMatchObject({
      message: 'try again in 42 s',
      status: 429,
      errorName: 'TooManyRequestsError',
      retryAfterSeconds: 42,
    });
  });

  it('says which request failed when the answer has no error body', async () => {
    const { client } = clientAnswering(
      () => new Response('<html>Bad gateway</html>', { status: 502 }),
    );
    await expect(client.getConfig()).rejects.toMatchObject({
      message: 'The AI assistant backend answered 502 to GET /config',
      status: 502,
      errorName: 'Error',
      retryAfterSeconds: undefined,
    });
  });

  it('builds the reads and writes of conversations and usage', async () => {
    const { client, calls } = clientAnswering(({ init }) =>
      init.method === 'DELETE'
        ? new Response(null, { status: 204 })
        : new Response('{"ok":true}', {
            status: 200,
            headers: { 'content-type': 'application/json' },
          }),
    );
    await client.listConversations({ q: 'refunds', limit: 10, offset: 0 });
    await client.listConversations();
    await client.createConversation({
      entityRef: 'component:default/payments-api',
    });
    await client.getConversation('c 1');
    await client.renameConversation('c-1', 'New title');
    await client.deleteConversation('c-1');
    await client.getUsage(7);
    await client.getUsage();
    expect(
      calls.map(c => `${c.init.method} ${c.url} ${c.init.body ?? ''}`),
    ).toEqual([
      `GET ${BASE}/conversations?q=refunds&limit=10&offset=0 `,
      `GET ${BASE}/conversations `,
      `POST ${BASE}/conversations {"entityRef":"component:default/payments-api"}`,
      `GET ${BASE}/conversations/c%201 `,
      `PATCH ${BASE}/conversations/c-1 {"title":"New title"}`,
      `DELETE ${BASE}/conversations/c-1 `,
      `GET ${BASE}/usage?days=7 `,
      `GET ${BASE}/usage `,
    ]);
  });

  it('fails clearly when a stream answer has no body', async () => {
    const { client } = clientAnswering(
      () => new Response(null, { status: 200 }),
    );
    await expect(client.sendMessage('c', 'x', () => {})).rejects.toThrow(
      'The answer to POST /conversations/c/messages came without a body',
    );
  });
});
