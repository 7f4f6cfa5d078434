import { mockServices } from '@backstage/backend-test-utils';
import { createServer } from 'node:net';
import { OpenAiFake } from '../testUtils';
import type { AiProviderSettings } from '../service/AiAssistantSettings';
import { ModelProviderError, OpenAiChatClient } from './OpenAiChatClient';

jest.setTimeout(30_000);

const USER = [{ role: 'user' as const, content: 'Why did the release fail?' }];

describe('OpenAiChatClient', () => {
  let fake: OpenAiFake;

  beforeAll(async () => {
    fake = await OpenAiFake.start();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  function client(over: Partial<AiProviderSettings> = {}) {
    return OpenAiChatClient.create({
      settings: {
        baseUrl: fake.url,
        apiKey: fake.apiKey,
        model: fake.model,
        timeoutMs: 10_000,
        maxRetries: 0,
        includeUsage: true,
        ...over,
      },
      logger: mockServices.logger.mock(),
    });
  }

  async function failure(
    promise: Promise<unknown>,
  ): Promise<ModelProviderError> {
    const error = await promise.then(
      () => undefined,
      e => e,
    );
    expect(error).toBeInstanceOf(ModelProviderError);
    return error as ModelProviderError;
  }

  it('streams the answer in deltas and reads the usage of the last chunk', async () => {
    fake.reply({
      text: 'The build ran out of memory.',
      chunkSize: 5,
      usage: { prompt_tokens: 42, completion_tokens: 7 },
    });
    const deltas: string[] = [];
    const result = await client({ temperature: 0.2 }).streamChat({
      messages: USER,
      tools: [],
      onText: text => {
        deltas.push(text);
      },
    });

    expect(deltas).toEqual([
      'The b',
      'uild ',
      'ran o',
      'ut of',
      ' memo',
      'ry.',
    ]);
    expect(result).toEqual({
      content: 'The build ran out of memory.',
      toolCalls: [],
      finishReason: 'stop',
      usage: { promptTokens: 42, completionTokens: 7, totalTokens: 49 },
    });
    const [request] = fake.chatRequests;
    expect(request).toEqual({
      model: fake.model,
      messages: USER,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
    });
    expect(fake.requests[0].authorization).toBe(`Bearer ${fake.apiKey}`);
  });

  it('assembles tool calls whose arguments are split across chunks', async () => {
    fake.reply({
      text: 'Let me look.',
      toolCalls: [
        {
          id: 'call_a',
          name: 'pipelines__get-run',
          arguments: { runId: 'run-123', includeLogs: true },
        },
        {
          id: 'call_b',
          name: 'jira__search-issues',
          arguments: '{"jql":"project = PAY"}',
        },
      ],
      argumentsChunkSize: 3,
    });
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'pipelines__get-run',
          description: 'Get a run',
          parameters: { type: 'object', properties: {} },
        },
      },
    ];
    const result = await client().streamChat({
      messages: USER,
      tools,
      onText: () => {},
    });

    expect(result.finishReason).toBe('tool_calls');
    expect(result.toolCalls).toEqual([
      {
        id: 'call_a',
        name: 'pipelines__get-run',
        arguments: '{"runId":"run-123","includeLogs":true}',
      },
      {
        id: 'call_b',
        name: 'jira__search-issues',
        arguments: '{"jql":"project = PAY"}',
      },
    ]);
    expect(fake.chatRequests[0].tools).toEqual(tools);
  });

  it('gets no usage when the provider sends none, or is not asked', async () => {
    fake.reply({ text: 'ok', usage: false }, { text: 'ok' });
    const first = await client().streamChat({
      messages: USER,
      tools: [],
      onText: () => {},
    });
    expect(first.usage).toBeUndefined();

    const second = await client({ includeUsage: false }).streamChat({
      messages: USER,
      tools: [],
      onText: () => {},
    });
    expect(second.usage).toBeUndefined();
    expect(fake.chatRequests[1].stream_options).toBeUndefined();
  });

  it('says the key was refused on 401, without the key', async () => {
    const error = await failure(
      client({ apiKey: 'sk-wrong-key-1234567890abcdef' }).streamChat({
        messages: USER,
        tools: [],
        onText: () => {},
      }),
    );
    expect(error.failure).toBe('unauthorized');
    expect(error.message).toBe(
      `The model provider at ${fake.url} refused the API key (401): check aiAssistant.provider.apiKey`,
    );
    expect(error.message).not.toContain('sk-wrong');
  });

  it('retries a 429 after its Retry-After, and says so when it persists', async () => {
    fake.reply(
      { error: { status: 429, retryAfterSeconds: 0 } },
      { text: 'second try' },
    );
    const result = await client({ maxRetries: 1 }).streamChat({
      messages: USER,
      tools: [],
      onText: () => {},
    });
    expect(result.content).toBe('second try');
    expect(fake.chatRequests).toHaveLength(2);

    fake.reply({ error: { status: 429, retryAfterSeconds: 20 } });
    const error = await failure(
      client().streamChat({ messages: USER, tools: [], onText: () => {} }),
    );
    expect(error.failure).toBe('rate-limited');
    expect(error.retryAfterSeconds).toBe(20);
    expect(error.message).toBe(
      `The model provider at ${fake.url} is rate limiting requests (429); try again in 20 s: Rate limit reached for requests. Please try again later.`,
    );
  });

  it('keeps what was streamed before a malformed chunk', async () => {
    fake.reply({
      text: 'Partial answer',
      chunkSize: 7,
      malformedAfterChunks: 3,
    });
    const deltas: string[] = [];
    const error = await failure(
      client().streamChat({
        messages: USER,
        tools: [],
        onText: t => void deltas.push(t),
      }),
    );
    expect(error.failure).toBe('malformed-stream');
    expect(error.partialContent).toBe('Partial answer');
    expect(deltas.join('')).toBe('Partial answer');
    expect(error.message).toContain('sent a malformed chunk (not JSON)');
  });

  it.each(['end', 'reset'] as const)(
    'says a stream cut short (%s) broke off, keeping what came',
    async how => {
      fake.reply({
        text: 'abcdefgh',
        chunkSize: 2,
        cutShort: { afterChunks: 3, how },
      });
      const error = await failure(
        client().streamChat({ messages: USER, tools: [], onText: () => {} }),
      );
      expect(error.failure).toBe('cut-short');
      expect(error.partialContent).toBe('abcd');
      expect(error.message).toMatch(
        /closed the stream before the answer was finished|the stream broke off/,
      );
    },
  );

  it('names the model when the provider does not know it', async () => {
    const error = await failure(
      client({ model: 'gpt-missing' }).streamChat({
        messages: USER,
        tools: [],
        onText: () => {},
      }),
    );
    expect(error.failure).toBe('rejected');
    expect(error.message).toContain('answered 404');
    expect(error.message).toContain(
      'check aiAssistant.provider.model ("gpt-missing")',
    );
  });

  it('reports server errors and other refusals with the provider message', async () => {
    fake.reply(
      { error: { status: 503, message: 'overloaded' } },
      { error: { status: 400, message: 'context too long' } },
    );
    const server = await failure(
      client().streamChat({ messages: USER, tools: [], onText: () => {} }),
    );
    expect(server.failure).toBe('server-error');
    expect(server.message).toBe(
      `The model provider at ${fake.url} failed (503): overloaded`,
    );
    const rejected = await failure(
      client().streamChat({ messages: USER, tools: [], onText: () => {} }),
    );
    expect(rejected.failure).toBe('rejected');
    expect(rejected.message).toBe(
      `The model provider at ${fake.url} refused the request (400): context too long`,
    );
  });

  it('says when the provider cannot be reached or does not answer in time', async () => {
    const port = await new Promise<number>(resolve => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const down = await failure(
      client({ baseUrl: `http://127.0.0.1:${port}/v1` }).streamChat({
        messages: USER,
        tools: [],
        onText: () => {},
      }),
    );
    expect(down.failure).toBe('unreachable');
    expect(down.message).toContain(
      `The model provider at http://127.0.0.1:${port}/v1 could not be reached`,
    );
    expect(down.message).toContain('aiAssistant.provider.baseUrl');

    fake.reply({ text: 'late', delayMs: 2000 });
    const slow = await failure(
      client({ timeoutMs: 300 }).streamChat({
        messages: USER,
        tools: [],
        onText: () => {},
      }),
    );
    expect(slow.failure).toBe('timeout');
    expect(slow.message).toContain(
      'did not answer within 0.3 s (aiAssistant.provider.timeoutSeconds)',
    );
  });

  it('says a call the caller aborted was stopped', async () => {
    fake.reply({ text: 'never', delayMs: 1000 });
    const controller = new AbortController();
    const pending = client().streamChat({
      messages: USER,
      tools: [],
      onText: () => {},
      signal: controller.signal,
    });
    controller.abort();
    const error = await failure(pending);
    expect(error.failure).toBe('stopped');
    expect(error.message).toContain(
      'the request was stopped by the user; what the model wrote until then is kept',
    );
  });
});
