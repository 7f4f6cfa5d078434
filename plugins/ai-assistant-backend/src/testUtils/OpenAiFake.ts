import express from 'express';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAILURE_ANALYST_MARKER } from '../explain/analystMarker';
import { PIPELINE_WRITER_MARKER } from '../generate/pipelinePrompt';

/** The key the fake accepts unless told otherwise (the demo config uses it). */
export const OPENAI_FAKE_DEMO_API_KEY = 'comet-demo-openai-key';
/** The model the fake names itself unless told otherwise. */
export const OPENAI_FAKE_DEMO_MODEL = 'comet-demo-model';

/** A tool call to stream; its arguments are split into several chunks. */
export type OpenAiFakeToolCall = {
  id?: string;
  name: string;
  /** JSON text (may be invalid on purpose) or an object to serialise. */
  arguments: string | Record<string, unknown>;
};

/** A streamed (or, if the request says `stream: false`, whole) answer. */
export type OpenAiFakeAnswer = {
  /** The answer's text, streamed in pieces of `chunkSize` characters. */
  text?: string;
  toolCalls?: OpenAiFakeToolCall[];
  /** Characters per text delta. Default 4. */
  chunkSize?: number;
  /** Characters per tool-call arguments delta. Default 5. */
  argumentsChunkSize?: number;
  /**
   * Token usage sent in a last chunk when the request asks for it
   * (`stream_options.include_usage`); `false` never sends it. Default: estimated from sizes.
   */
  usage?: { prompt_tokens: number; completion_tokens: number } | false;
  /** Default `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: 'stop' | 'tool_calls' | 'length' | 'content_filter';
  /**
   * Stop after this many chunks without a finish reason or `[DONE]`: `end` closes the
   * response cleanly, `reset` destroys the connection.
   */
  cutShort?: { afterChunks: number; how?: 'end' | 'reset' };
  /** Send `data: {not json` after this many chunks. */
  malformedAfterChunks?: number;
  /** Wait before the first byte, in milliseconds. */
  delayMs?: number;
  /** Resolves when the test lets the stream finish (after the first half of the chunks). */
  holdUntil?: Promise<void>;
};

/** An error answer, as OpenAI sends it: `{ error: { message, type, code } }`. */
export type OpenAiFakeError = {
  error: {
    status: number;
    message?: string;
    type?: string;
    code?: string;
    /** Sent as `retry-after` (seconds). */
    retryAfterSeconds?: number;
  };
};

export type OpenAiFakeReply = OpenAiFakeAnswer | OpenAiFakeError;

/** One request the fake received, as it arrived (for asserting prompts). */
export type OpenAiFakeRequest = {
  method: string;
  path: string;
  authorization?: string;
  body: any;
  /** Streamed answers: the client closed the connection before the answer was finished. */
  closedByClient?: boolean;
  /** Streamed answers: `performance.now()` when the first content delta was written. */
  firstContentAt?: number;
};

export type OpenAiFakeOptions = {
  /** The only key accepted (`Authorization: Bearer …`). Default {@link OPENAI_FAKE_DEMO_API_KEY}. */
  apiKey?: string;
  /** The model `/models` lists and answers name. Default {@link OPENAI_FAKE_DEMO_MODEL}. */
  model?: string;
  /**
   * `scripted` (default): each request takes the next reply queued with `reply()`; with none
   * left it answers 500 saying so. `demo`: without queued replies it answers deterministically
   * (see {@link OpenAiFake}), for the portal's demo mode.
   */
  mode?: 'scripted' | 'demo';
  /** Milliseconds before each answer, to simulate a network. Default 0. */
  latencyMs?: number;
};

type Json = Record<string, any>;

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

class FakeHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/**
 * A local OpenAI-compatible API (Chat Completions, `/models`) that speaks the real wire
 * protocol: `data:` server-sent events of `chat.completion.chunk` objects, text deltas, tool
 * calls whose arguments are split across chunks, a final chunk with `finish_reason`, a usage
 * chunk only when `stream_options.include_usage` asks for it, and `data: [DONE]`. It checks
 * `Authorization: Bearer` (401 otherwise), the request's shape as OpenAI does (400 for a tool
 * name outside `^[a-zA-Z0-9_-]{1,64}$`, or an assistant message's tool calls left without
 * tool messages), and records every request in `requests`.
 *
 * Tests script each answer with `reply()`: text, tool calls, usage or its absence, a stream
 * cut short, a malformed chunk, or an error such as 401 or 429 with `retry-after`.
 *
 * In `demo` mode, without a queued reply: after a tool result it summarises the result; when
 * the user's message names an offered tool (by its tool name or its action id, e.g.
 * `catalog:get-catalog-entity`) it calls it with the first JSON object in the message as
 * arguments; otherwise it answers with the tools it could call.
 *
 * `await OpenAiFake.start()` listens on 127.0.0.1 on a free port; `url` is the base URL
 * (`…/v1`) for `aiAssistant.provider.baseUrl`. `new OpenAiFake().router` does not listen, for
 * mounting in a server that already runs (it serves `/v1/…` and `/…`).
 */
export class OpenAiFake {
  readonly requests: OpenAiFakeRequest[] = [];
  readonly router: express.Router;
  readonly apiKey: string;
  readonly model: string;
  private readonly mode: 'scripted' | 'demo';
  private readonly latencyMs: number;
  private readonly queue: OpenAiFakeReply[] = [];
  private server?: Server;
  private baseUrl?: string;
  private counter = 0;

  static async start(options: OpenAiFakeOptions = {}): Promise<OpenAiFake> {
    const fake = new OpenAiFake(options);
    const app = express();
    app.use(fake.router);
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    fake.server = server;
    fake.baseUrl = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }/v1`;
    return fake;
  }

  constructor(options: OpenAiFakeOptions = {}) {
    this.apiKey = options.apiKey ?? OPENAI_FAKE_DEMO_API_KEY;
    this.model = options.model ?? OPENAI_FAKE_DEMO_MODEL;
    this.mode = options.mode ?? 'scripted';
    this.latencyMs = options.latencyMs ?? 0;
    this.router = express.Router();
    this.router.use(express.json({ limit: '20mb' }));
    this.router.use((req, res) => {
      void this.handle(req, res);
    });
  }

  /** The base URL (ends in `/v1`), after `start()`. */
  get url(): string {
    if (!this.baseUrl) {
      throw new Error(
        'This OpenAiFake is not listening: create it with OpenAiFake.start()',
      );
    }
    return this.baseUrl;
  }

  /** Queues answers for the next requests, in order. */
  reply(...replies: OpenAiFakeReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Replies queued and not yet used. */
  get pendingReplies(): number {
    return this.queue.length;
  }

  /** The chat requests received (bodies), oldest first. */
  get chatRequests(): Json[] {
    return this.requests
      .filter(r => r.path.endsWith('/chat/completions'))
      .map(r => r.body);
  }

  /** Forgets recorded requests and queued replies. */
  reset() {
    this.requests.length = 0;
    this.queue.length = 0;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close(error => (error ? reject(error) : resolve())),
    );
  }

  private async handle(req: express.Request, res: express.Response) {
    const path = req.path.replace(/^\/v1(?=\/)/, '');
    const record: OpenAiFakeRequest = {
      method: req.method,
      path: req.path,
      authorization: req.header('authorization'),
      body: req.body,
    };
    this.requests.push(record);
    try {
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      const auth = /^Bearer\s+(.+)$/i.exec(req.header('authorization') ?? '');
      if (!auth) {
        throw new FakeHttpError(
          401,
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        );
      }
      if (auth[1].trim() !== this.apiKey) {
        throw new FakeHttpError(
          401,
          'Incorrect API key provided. You can find your API key in your account settings.',
          'invalid_request_error',
          'invalid_api_key',
        );
      }
      if (req.method === 'GET' && path === '/models') {
        res.json({
          object: 'list',
          data: [
            { id: this.model, object: 'model', created: 0, owned_by: 'comet' },
          ],
        });
        return;
      }
      if (req.method === 'POST' && path === '/chat/completions') {
        await this.chat(req.body ?? {}, res, record);
        return;
      }
      throw new FakeHttpError(
        404,
        `Invalid URL (${req.method} ${req.path})`,
        'invalid_request_error',
      );
    } catch (error) {
      const e =
        error instanceof FakeHttpError
          ? error
          : new FakeHttpError(
              500,
              `OpenAiFake: ${(error as Error).message}`,
              'server_error',
            );
      if (res.headersSent) {
        res.end();
        return;
      }
      res.status(e.status).json({
        error: {
          message: e.message,
          type: e.type,
          param: e.param,
          code: e.code,
        },
      });
    }
  }

  private validate(body: Json) {
    if (typeof body.model !== 'string' || !body.model) {
      throw new FakeHttpError(
        400,
        'you must provide a model parameter',
        'invalid_request_error',
        null,
        'model',
      );
    }
    if (body.model !== this.model) {
      throw new FakeHttpError(
        404,
        `The model \`${body.model}\` does not exist or you do not have access to it.`,
        'invalid_request_error',
        'model_not_found',
      );
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      throw new FakeHttpError(
        400,
        "Invalid 'messages': empty array.",
        'invalid_request_error',
        'empty_array',
        'messages',
      );
    }
    for (const [i, tool] of (body.tools ?? []).entries()) {
      const name = tool?.function?.name;
      if (typeof name !== 'string' || !TOOL_NAME.test(name)) {
        throw new FakeHttpError(
          400,
          `Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
          'invalid_request_error',
          'invalid_value',
          `tools[${i}].function.name`,
        );
      }
    }
    const messages: Json[] = body.messages;
    for (const [i, message] of messages.entries()) {
      if (message.role === 'assistant' && Array.isArray(message.tool_calls)) {
        const answered = new Set<string>();
        for (
          let j = i + 1;
          j < messages.length && messages[j].role === 'tool';
          j++
        ) {
          answered.add(messages[j].tool_call_id);
        }
        for (const call of message.tool_calls) {
          if (!answered.has(call.id)) {
            throw new FakeHttpError(
              400,
              `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${call.id}`,
              'invalid_request_error',
              null,
              `messages.[${i}].role`,
            );
          }
        }
      }
      if (message.role === 'tool') {
        const previous = messages
          .slice(0, i)
          .reverse()
          .find(m => m.role !== 'tool');
        const ids = (previous?.tool_calls ?? []).map((c: Json) => c.id);
        if (
          previous?.role !== 'assistant' ||
          !ids.includes(message.tool_call_id)
        ) {
          throw new FakeHttpError(
            400,
            `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`,
            'invalid_request_error',
            null,
            `messages.[${i}].role`,
          );
        }
      }
    }
  }

  private next(body: Json): OpenAiFakeReply {
    const queued = this.queue.shift();
    if (queued) return queued;
    if (this.mode === 'demo') return this.demo(body);
    throw new FakeHttpError(
      500,
      'OpenAiFake: no scripted reply left for this request (queue one with fake.reply())',
      'server_error',
    );
  }

  private async chat(
    body: Json,
    res: express.Response,
    record: OpenAiFakeRequest,
  ) {
    this.validate(body);
    const reply = this.next(body);
    if ('error' in reply) {
      const { status, message, type, code, retryAfterSeconds } = reply.error;
      if (retryAfterSeconds !== undefined) {
        res.set('retry-after', String(retryAfterSeconds));
      }
      throw new FakeHttpError(
        status,
        message ??
          (status === 429
            ? 'Rate limit reached for requests. Please try again later.'
            : `Error ${status}`),
        type ?? (status === 429 ? 'requests' : 'invalid_request_error'),
        code ?? (status === 429 ? 'rate_limit_exceeded' : null),
      );
    }
    if (reply.delayMs) await sleep(reply.delayMs);
    const id = `chatcmpl-fake-${++this.counter}`;
    const created = Math.floor(Date.now() / 1000);
    const text = reply.text ?? '';
    const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
      id: call.id ?? `call_fake_${this.counter}_${index}`,
      name: call.name,
      arguments:
        typeof call.arguments === 'string'
          ? call.arguments
          : JSON.stringify(call.arguments),
    }));
    const finishReason =
      reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop');
    const usage =
      reply.usage === false
        ? undefined
        : reply.usage ?? {
            prompt_tokens: estimateTokens(JSON.stringify(body.messages)),
            completion_tokens: estimateTokens(
              text + toolCalls.map(c => c.name + c.arguments).join(''),
            ),
          };
    const usageJson = usage && {
      ...usage,
      total_tokens: usage.prompt_tokens + usage.completion_tokens,
    };

    if (body.stream !== true) {
      res.json({
        id,
        object: 'chat.completion',
        created,
        model: this.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: text || null,
              ...(toolCalls.length > 0
                ? {
                    tool_calls: toolCalls.map(c => ({
                      id: c.id,
                      type: 'function',
                      function: { name: c.name, arguments: c.arguments },
                    })),
                  }
                : {}),
            },
            finish_reason: finishReason,
          },
        ],
        ...(usageJson ? { usage: usageJson } : {}),
      });
      return;
    }

    const chunk = (choices: Json[], extra: Json = {}) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model: this.model,
      system_fingerprint: 'fp_comet_fake',
      choices,
      ...extra,
    });
    const events: string[] = [
      JSON.stringify(
        chunk([
          {
            index: 0,
            delta: { role: 'assistant', content: '' },
            finish_reason: null,
          },
        ]),
      ),
    ];
    for (const piece of chunks(text, reply.chunkSize ?? 4)) {
      events.push(
        JSON.stringify(
          chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]),
        ),
      );
    }
    for (const [index, call] of toolCalls.entries()) {
      events.push(
        JSON.stringify(
          chunk([
            {
              index: 0,
              delta: {
                tool_calls: [
                  {
                    index,
                    id: call.id,
                    type: 'function',
                    function: { name: call.name, arguments: '' },
                  },
                ],
              },
              finish_reason: null,
            },
          ]),
        ),
      );
      for (const piece of chunks(
        call.arguments,
        reply.argumentsChunkSize ?? 5,
      )) {
        events.push(
          JSON.stringify(
            chunk([
              {
                index: 0,
                delta: {
                  tool_calls: [{ index, function: { arguments: piece } }],
                },
                finish_reason: null,
              },
            ]),
          ),
        );
      }
    }
    events.push(
      JSON.stringify(
        chunk([{ index: 0, delta: {}, finish_reason: finishReason }]),
      ),
    );
    if (usageJson && body.stream_options?.include_usage === true) {
      events.push(JSON.stringify(chunk([], { usage: usageJson })));
    }
    events.push('[DONE]');

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    res.on('close', () => {
      if (!res.writableFinished) record.closedByClient = true;
    });
    const holdAt = reply.holdUntil ? Math.ceil(events.length / 2) : -1;
    for (const [n, data] of events.entries()) {
      if (n === holdAt) await reply.holdUntil;
      // The client went away: stop writing, as a provider does
      if (record.closedByClient) return;
      if (reply.cutShort && n >= reply.cutShort.afterChunks) {
        if (reply.cutShort.how === 'reset') {
          // The connection drops mid-body: no last chunk of the chunked encoding
          res.socket?.end();
        } else {
          res.end();
        }
        return;
      }
      if (
        reply.malformedAfterChunks !== undefined &&
        n === reply.malformedAfterChunks
      ) {
        res.write('data: {"id": "chatcmpl-broken", "choices": [\n\n');
        res.end();
        return;
      }
      if (record.firstContentAt === undefined && n > 0 && text) {
        record.firstContentAt = performance.now();
      }
      res.write(`data: ${data}\n\n`);
    }
    res.end();
  }

  /** Deterministic answers for the portal's demo mode. */
  private demo(body: Json): OpenAiFakeAnswer {
    const messages: Json[] = body.messages;
    if (String(messages[0]?.content ?? '').includes(FAILURE_ANALYST_MARKER)) {
      return this.demoFailureAnalysis(messages);
    }
    if (String(messages[0]?.content ?? '').includes(PIPELINE_WRITER_MARKER)) {
      return this.demoPipeline(messages);
    }
    const last = messages[messages.length - 1];
    const tools: Array<{ name: string; description: string }> = (
      body.tools ?? []
    ).map((t: Json) => ({
      name: t.function.name,
      description: t.function.description ?? '',
    }));
    if (last?.role === 'tool') {
      const data = String(last.content ?? '');
      let shown = data;
      try {
        const parsed = JSON.parse(data);
        shown = JSON.stringify(
          parsed.output ?? parsed.error ?? parsed,
          null,
          2,
        );
      } catch {
        // not JSON: shown as it is
      }
      if (shown.length > 1200) shown = `${shown.slice(0, 1200)}\n…`;
      return {
        text: `The tool answered (demo model: no AI, it only shows the result):\n\n\`\`\`json\n${shown}\n\`\`\``,
      };
    }
    const userText = String(
      [...messages].reverse().find(m => m.role === 'user')?.content ?? '',
    );
    const named = tools.find(
      t =>
        userText.includes(t.name) ||
        userText.includes(t.name.replace('__', ':')),
    );
    if (named) {
      const json = /\{[\s\S]*\}/.exec(userText)?.[0];
      let args: Record<string, unknown> = {};
      if (json) {
        try {
          args = JSON.parse(json);
        } catch {
          args = {};
        }
      }
      return {
        text: `Calling \`${named.name.replace('__', ':')}\`.`,
        toolCalls: [{ name: named.name, arguments: args }],
      };
    }
    const list = tools
      .slice(0, 30)
      .map(t => `- \`${t.name.replace('__', ':')}\``)
      .join('\n');
    return {
      text: `This is Comet's demo model: it answers without AI. Name a tool with JSON arguments to call it, for example \`catalog:get-catalog-entity {"name": "payments-api"}\`.\n\n${
        tools.length > 0
          ? `Tools you can use:\n${list}`
          : 'No tools are available to you.'
      }`,
    };
  }

  /**
   * "Generate with AI" for pipelines in demo mode: the current file under a comment, or a
   * small valid pipeline, saying it is no AI.
   */
  private demoPipeline(messages: Json[]): OpenAiFakeAnswer {
    let request: Json = {};
    try {
      request = JSON.parse(String(messages[1]?.content ?? '{}'));
    } catch {
      request = {};
    }
    const about = String(request.description ?? '')
      .replace(/\s+/g, ' ')
      .slice(0, 200);
    const comment = `# Written by Comet's demo model (no AI) for: ${about}`;
    const current =
      typeof request.currentFile === 'string' && messages.length === 2
        ? request.currentFile
        : undefined;
    const file =
      current ??
      [
        'name: generated',
        'on:',
        '  manual: {}',
        '  push:',
        '    branches: [main]',
        'jobs:',
        '  build:',
        '    steps:',
        '      - name: Build',
        '        run: echo "build"',
        '  test:',
        '    needs: build',
        '    steps:',
        '      - name: Test',
        '        run: echo "test"',
        '',
      ].join('\n');
    const body = file.endsWith('\n') ? file : `${file}\n`;
    return { text: `\`\`\`yaml\n${comment}\n${body}\`\`\`` };
  }

  /**
   * "Explain this failure" in demo mode: the JSON the analyst asks for, from the evidence
   * (the first matched rule's description and fix), saying it is no AI.
   */
  private demoFailureAnalysis(messages: Json[]): OpenAiFakeAnswer {
    let evidence: Json[] = [];
    try {
      evidence =
        JSON.parse(String(messages[1]?.content ?? '{}')).evidence ?? [];
    } catch {
      evidence = [];
    }
    const rules = evidence.find(item => item.kind === 'matched-rules');
    const log = evidence.find(item => item.kind === 'log-excerpt');
    const rule = Array.isArray(rules?.content) ? rules.content[0] : undefined;
    return {
      text: JSON.stringify({
        rootCause: `Demo model (no AI): ${
          rule?.description ??
          'no known failure cause matched; the first error lines of the log are the place to start.'
        }`,
        fix:
          rule?.fix ??
          'Read the first error lines, fix what they report, and run the pipeline again.',
        confidence: 'low',
        evidence: [log?.id, rules?.id].filter(Boolean),
      }),
    };
  }
}
