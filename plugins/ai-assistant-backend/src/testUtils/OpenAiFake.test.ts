import express from 'express';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { OPENAI_FAKE_DEMO_API_KEY, OpenAiFake } from './OpenAiFake';

describe('OpenAiFake', () => {
  let fake: OpenAiFake;

  beforeAll(async () => {
    fake = await OpenAiFake.start();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const post = (body: unknown, key: string = fake.apiKey) =>
    fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify(body),
    });
  const chat = (over: object = {}) => ({
    model: fake.model,
    messages: [{ role: 'user', content: 'hi' }],
    ...over,
  });

  it('needs its API key, as OpenAI answers without one', async () => {
    const none = await post(chat(), '');
    expect(none.status).toBe(401);
    expect((await none.json()).error.message).toContain(
      "You didn't provide an API key",
    );
    const wrong = await post(chat(), 'sk-other');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: {
        message:
          'Incorrect API key provided. You can find your API key in your account settings.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    expect(fake.apiKey).toBe(OPENAI_FAKE_DEMO_API_KEY);
  });

  it('lists its model and answers 404 elsewhere', async () => {
    const models = await fetch(`${fake.url}/models`, {
      headers: { authorization: `Bearer ${fake.apiKey}` },
    });
    expect((await models.json()).data.map((m: { id: string }) => m.id)).toEqual(
      [fake.model],
    );
    const other = await fetch(`${fake.url}/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}` },
    });
    expect(other.status).toBe(404);
  });

  it('refuses requests OpenAI refuses: no model, no messages, bad tool names, unanswered tool calls', async () => {
    const cases: Array<[object, number, string]> = [
      [
        { messages: [{ role: 'user', content: 'x' }] },
        400,
        'you must provide a model parameter',
      ],
      [chat({ messages: [] }), 400, "Invalid 'messages': empty array."],
      [
        chat({
          tools: [
            { type: 'function', function: { name: 'jira:create-issue' } },
          ],
        }),
        400,
        "Invalid 'tools[0].function.name'",
      ],
      [
        chat({
          messages: [
            { role: 'user', content: 'x' },
            {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: 'call_1',
                  type: 'function',
                  function: { name: 'a', arguments: '{}' },
                },
              ],
            },
            { role: 'user', content: 'y' },
          ],
        }),
        400,
        'The following tool_call_ids did not have response messages: call_1',
      ],
      [
        chat({
          messages: [
            { role: 'user', content: 'x' },
            { role: 'tool', tool_call_id: 'call_9', content: '{}' },
          ],
        }),
        400,
        "messages with role 'tool' must be a response to a preceeding message with 'tool_calls'",
      ],
      [chat(), 500, 'OpenAiFake: no scripted reply left for this request'],
    ];
    for (const [body, status, message] of cases) {
      const res = await post(body);
      expect(res.status).toBe(status);
      expect((await res.json()).error.message).toContain(message);
    }
  });

  it('answers whole when the request does not stream', async () => {
    fake.reply({
      text: 'whole',
      toolCalls: [{ id: 'c1', name: 'x', arguments: { a: 1 } }],
      usage: { prompt_tokens: 3, completion_tokens: 4 },
    });
    const res = await post(chat());
    expect(await res.json()).toMatchObject({
      object: 'chat.completion',
      model: fake.model,
      choices: [
        {
          message: {
            role: 'assistant',
            content: 'whole',
            tool_calls: [
              {
                id: 'c1',
                type: 'function',
                function: { name: 'x', arguments: '{"a":1}' },
              },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
    fake.reply({ usage: false });
    const empty = await (await post(chat())).json();
    expect(empty.choices[0]).toMatchObject({
      message: { content: null },
      finish_reason: 'stop',
    });
    expect(empty.usage).toBeUndefined();
  });

  it('streams server-sent events ending in [DONE], with usage only when asked', async () => {
    fake.reply({ text: 'ab', chunkSize: 1 }, { text: 'ab', chunkSize: 1 });
    const plain = await (await post(chat({ stream: true }))).text();
    const data = plain.split('\n\n').filter(Boolean);
    expect(data[data.length - 1]).toBe('data: [DONE]');
    expect(data).toHaveLength(5);
    expect(plain).not.toContain('"usage"');
    const withUsage = await (
      await post(
        chat({ stream: true, stream_options: { include_usage: true } }),
      )
    ).text();
    expect(withUsage).toContain('"usage":{"prompt_tokens"');
  });

  it('mounts in a running server without listening', async () => {
    const app = express();
    const inner = new OpenAiFake({ apiKey: 'k', model: 'm', latencyMs: 1 });
    app.use('/api/fakes/openai', inner.router);
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(
        `http://127.0.0.1:${port}/api/fakes/openai/v1/models`,
        {
          headers: { authorization: 'Bearer k' },
        },
      );
      expect((await res.json()).data[0].id).toBe('m');
      expect(() => inner.url).toThrow('This OpenAiFake is not listening');
      expect(inner.pendingReplies).toBe(0);
    } finally {
      server.close();
    }
  });

  describe('demo mode', () => {
    let demo: OpenAiFake;
    beforeAll(async () => {
      demo = await OpenAiFake.start({ mode: 'demo' });
    });
    afterAll(() => demo.close());

    const ask = async (body: object) => {
      const res = await fetch(`${demo.url}/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${demo.apiKey}`,
        },
        body: JSON.stringify({ model: demo.model, ...body }),
      });
      return res.json();
    };

    it('says no tools are available when none are offered', async () => {
      const answer = await ask({ messages: [{ role: 'user', content: 'hi' }] });
      expect(answer.choices[0].message.content).toContain(
        'No tools are available to you.',
      );
    });

    it('calls a named tool with the JSON of the message, or with nothing when it is not JSON', async () => {
      const tools = [
        {
          type: 'function',
          function: { name: 'catalog__get-entity', description: 'x' },
        },
      ];
      const withArgs = await ask({
        messages: [
          {
            role: 'user',
            content: 'catalog:get-entity {"name": "payments-api"}',
          },
        ],
        tools,
      });
      expect(withArgs.choices[0].message.tool_calls[0].function).toEqual({
        name: 'catalog__get-entity',
        arguments: '{"name":"payments-api"}',
      });
      const broken = await ask({
        messages: [{ role: 'user', content: 'catalog__get-entity {broken' }],
        tools,
      });
      expect(broken.choices[0].message.tool_calls[0].function.arguments).toBe(
        '{}',
      );
      const notJson = await ask({
        messages: [{ role: 'user', content: 'catalog__get-entity {"a": }' }],
        tools,
      });
      expect(notJson.choices[0].message.tool_calls[0].function.arguments).toBe(
        '{}',
      );
    });

    it('shows a tool result, JSON or not, cut when long', async () => {
      const call = {
        id: 'c1',
        type: 'function',
        function: { name: 'a', arguments: '{}' },
      };
      const messages = (content: string) => [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: 'c1', content },
      ];
      const json = await ask({
        messages: messages(JSON.stringify({ output: { key: 'PAY-1' } })),
      });
      expect(json.choices[0].message.content).toContain('"key": "PAY-1"');
      const text = await ask({
        messages: messages(`plain ${'x'.repeat(2000)}`),
      });
      expect(text.choices[0].message.content).toContain('plain xxx');
      expect(text.choices[0].message.content).toContain('\n…');
    });
  });
});
