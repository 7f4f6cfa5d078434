import type {
  AiAssistantConfigStatus,
  AiConversation,
  AiMessage,
  AiPendingConfirmation,
  AiStreamEvent,
  AiToolActivity,
  AiToolCall,
  AiUsageReport,
} from '@internal/plugin-ai-assistant-common';
import { AiAssistantClient } from '../api';

/** A request the UI sent, as the backend received it. */
export type RecordedRequest = {
  method: string;
  /** Under `/api/ai-assistant`, e.g. `conversations/<id>/messages` */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  json?: any;
  signal?: AbortSignal;
};

const BASE = 'http://localhost:7007/api/ai-assistant';
const encoder = new TextEncoder();

/** An answer being streamed: the test sends its events one by one, then ends it. */
export class LiveStream {
  private controller?: ReadableStreamDefaultController<Uint8Array>;
  private readonly queued: Uint8Array[] = [];
  private closed = false;
  /** The page aborted the request (Stop, or it left the conversation). */
  aborted = false;
  readonly body: ReadableStream<Uint8Array>;

  constructor(private readonly backend: FakeAiAssistantBackend) {
    this.body = new ReadableStream<Uint8Array>({
      start: controller => {
        this.controller = controller;
        for (const chunk of this.queued.splice(0)) controller.enqueue(chunk);
      },
    });
  }

  /** Sends raw bytes (e.g. half an event). */
  raw(text: string) {
    const chunk = encoder.encode(text);
    if (this.controller) this.controller.enqueue(chunk);
    else this.queued.push(chunk);
  }

  /** Sends one event the way the backend's router writes it, and keeps what it stores. */
  send(event: AiStreamEvent) {
    this.backend.apply(event);
    this.raw(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  }

  end() {
    if (this.closed) return;
    this.closed = true;
    this.controller?.close();
  }

  /** The connection drops. */
  drop() {
    this.closed = true;
    this.controller?.error(new TypeError('network error'));
  }

  /** The page aborted the fetch: as a browser does, the body fails with an AbortError. */
  abort() {
    this.aborted = true;
    if (this.closed) return;
    this.closed = true;
    this.controller?.error(
      new DOMException('The operation was aborted.', 'AbortError'),
    );
  }
}

type StreamScript = AiStreamEvent[] | ((stream: LiveStream) => void);

type Failure = {
  method: string;
  path: RegExp;
  status: number;
  error: { name: string; message: string };
  headers?: Record<string, string>;
};

let counter = 0;
const nextId = () => {
  counter += 1;
  return `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
};

/**
 * `/api/ai-assistant` in memory, answering the routes of `ai-assistant-backend`'s router the
 * way it does (status codes, `{ error: { name, message } }` bodies, `text/event-stream`
 * answers in its event format). The UI talks to it through the real `AiAssistantClient`.
 * Streamed answers are scripted per test: a list of events, or a live stream the test feeds.
 */
export class FakeAiAssistantBackend {
  config: AiAssistantConfigStatus = {
    configured: true,
    model: 'comet-demo-model',
    maxToolCallsPerTurn: 8,
  };
  readonly conversations = new Map<string, AiConversation>();
  readonly requests: RecordedRequest[] = [];
  usage?: AiUsageReport;
  readonly api: AiAssistantClient;
  private readonly scripts: StreamScript[] = [];
  private readonly failures: Failure[] = [];
  /** The conversation the current stream writes to. */
  private streaming?: string;
  private clock = Date.parse('2026-12-01T09:00:00.000Z');

  constructor() {
    this.api = new AiAssistantClient({
      discoveryApi: { getBaseUrl: async () => BASE },
      fetchApi: { fetch: this.fetch as typeof fetch },
    });
  }

  now() {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  /** Adds a stored conversation. */
  add(partial: Partial<AiConversation> = {}): AiConversation {
    const conversationId = partial.conversationId ?? nextId();
    const conversation: AiConversation = {
      conversationId,
      title: 'New conversation',
      createdAt: this.now(),
      updatedAt: this.now(),
      messageCount: partial.messages?.length ?? 0,
      messages: [],
      pendingConfirmations: [],
      ...partial,
    };
    this.conversations.set(conversationId, conversation);
    return conversation;
  }

  /** The next streamed answer (a message or a decision) sends these events, or is live. */
  answerNext(script: StreamScript) {
    this.scripts.push(script);
  }

  /** Resolves with the next stream the UI opens; its events are sent by the test. */
  nextLiveStream(): Promise<LiveStream> {
    return new Promise(resolve => {
      this.scripts.push(stream => resolve(stream));
    });
  }

  /** The next `method` request to a path matching `path` answers this error. */
  failNext(
    method: string,
    path: RegExp,
    status: number,
    error: { name: string; message: string },
    headers?: Record<string, string>,
  ) {
    this.failures.push({ method, path, status, error, headers });
  }

  writes(): RecordedRequest[] {
    return this.requests.filter(r => r.method !== 'GET');
  }

  /** Keeps what a streamed event stores, as the backend does. */
  apply(event: AiStreamEvent) {
    const conversation = this.streaming
      ? this.conversations.get(this.streaming)
      : undefined;
    if (!conversation) return;
    if (event.type === 'message') {
      conversation.messages.push(event.message);
      conversation.messageCount = conversation.messages.length;
      conversation.updatedAt = event.message.createdAt;
      if (
        event.message.role === 'user' &&
        conversation.title === 'New conversation'
      ) {
        conversation.title = event.message.content.slice(0, 80);
      }
    } else if (event.type === 'confirmation') {
      conversation.pendingConfirmations.push(event.confirmation);
    } else if (
      event.type === 'tool' &&
      event.activity.status !== 'awaiting-confirmation'
    ) {
      conversation.pendingConfirmations =
        conversation.pendingConfirmations.filter(
          c => c.toolCallId !== event.activity.toolCallId,
        );
    }
  }

  private readonly fetch = async (
    url: string,
    init: RequestInit = {},
  ): Promise<Response> => {
    const parsed = new URL(url);
    const method = init.method ?? 'GET';
    const path = parsed.pathname.replace(/^\/api\/ai-assistant\//, '');
    const request: RecordedRequest = {
      method,
      path,
      query: parsed.searchParams,
      headers: (init.headers ?? {}) as Record<string, string>,
      json: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      ...(init.signal ? { signal: init.signal } : {}),
    };
    this.requests.push(request);
    const failure = this.failures.findIndex(
      f => f.method === method && f.path.test(path),
    );
    if (failure >= 0) {
      const [f] = this.failures.splice(failure, 1);
      return json({ error: f.error }, f.status, f.headers);
    }
    return this.answer(request);
  };

  private notFound(text: string) {
    return json({ error: { name: 'NotFoundError', message: text } }, 404);
  }

  private stream(conversationId: string, signal?: AbortSignal): Response {
    const script = this.scripts.shift();
    if (!script) {
      throw new Error('The test did not script this streamed answer');
    }
    this.streaming = conversationId;
    const live = new LiveStream(this);
    signal?.addEventListener('abort', () => live.abort());
    if (typeof script === 'function') {
      script(live);
    } else {
      for (const event of script) live.send(event);
      live.end();
    }
    return new Response(live.body, {
      status: 200,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
      },
    });
  }

  private answer(request: RecordedRequest): Response {
    const { method, path, query } = request;
    if (method === 'GET' && path === 'config') return json(this.config);
    if (method === 'GET' && path === 'usage') {
      if (!this.usage) {
        return json(
          {
            error: {
              name: 'NotAllowedError',
              message:
                "You may not read the assistant's usage (ai-assistant.usage.read)",
            },
          },
          403,
        );
      }
      return json(this.usage);
    }
    if (method === 'GET' && path === 'conversations') {
      const q = query.get('q')?.toLowerCase();
      const limit = Number(query.get('limit') ?? 25);
      const all = [...this.conversations.values()]
        .filter(
          c =>
            !q ||
            c.title.toLowerCase().includes(q) ||
            c.messages.some(m => m.content.toLowerCase().includes(q)),
        )
        .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
      return json({
        items: all
          .slice(0, limit)
          .map(({ messages, pendingConfirmations, ...summary }) => summary),
        totalCount: all.length,
      });
    }
    if (method === 'POST' && path === 'conversations') {
      const created = this.add({
        title: request.json?.title ?? 'New conversation',
        ...(request.json?.entityRef
          ? { entityRef: request.json.entityRef }
          : {}),
      });
      const { messages, pendingConfirmations, ...summary } = created;
      return json(summary, 201);
    }
    const conversationMatch = /^conversations\/([^/]+)(\/messages)?$/.exec(
      path,
    );
    if (conversationMatch) {
      const id = decodeURIComponent(conversationMatch[1]);
      const conversation = this.conversations.get(id);
      if (!conversation) return this.notFound(`You have no conversation ${id}`);
      if (conversationMatch[2] && method === 'POST') {
        return this.stream(id, request.signal);
      }
      if (method === 'GET') return json(conversation);
      if (method === 'PATCH') {
        conversation.title = request.json.title;
        const { messages, pendingConfirmations, ...summary } = conversation;
        return json(summary);
      }
      if (method === 'DELETE') {
        this.conversations.delete(id);
        return new Response(null, { status: 204 });
      }
    }
    const confirmationMatch = /^confirmations\/([^/]+)$/.exec(path);
    if (confirmationMatch && method === 'POST') {
      const conversation = this.conversations.get(request.json.conversationId);
      const pending = conversation?.pendingConfirmations.find(
        c => c.confirmationId === confirmationMatch[1],
      );
      if (!conversation || !pending) {
        return this.notFound(
          `No confirmation ${confirmationMatch[1]} is waiting for you`,
        );
      }
      return this.stream(conversation.conversationId, request.signal);
    }
    return this.notFound(`No route ${method} ${path}`);
  }
}

function json(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

// Builders for the events and messages the backend sends

let messageCounter = 0;

export function message(
  conversationId: string,
  partial: Partial<AiMessage> & Pick<AiMessage, 'role' | 'content'>,
): AiMessage {
  messageCounter += 1;
  return {
    messageId: `m-${messageCounter}`,
    conversationId,
    createdAt: new Date(
      Date.parse('2026-12-01T10:00:00.000Z') + messageCounter * 1000,
    ).toISOString(),
    ...partial,
  };
}

export const createIssueCall: AiToolCall = {
  toolCallId: 'call-1',
  actionId: 'jira:create-issue',
  input: { project: 'PAY', summary: 'Refunds are applied twice' },
};

export function activity(
  status: AiToolActivity['status'],
  partial: Partial<AiToolActivity> = {},
): AiToolActivity {
  return {
    toolCallId: createIssueCall.toolCallId,
    actionId: createIssueCall.actionId,
    title: 'Create Jira issue',
    readOnly: false,
    input: createIssueCall.input,
    status,
    ...partial,
  };
}

export function pendingConfirmation(
  conversationId: string,
  partial: Partial<AiPendingConfirmation> = {},
): AiPendingConfirmation {
  return {
    confirmationId: '11111111-2222-4333-8444-555555555555',
    conversationId,
    toolCallId: createIssueCall.toolCallId,
    actionId: createIssueCall.actionId,
    actionTitle: 'Create Jira issue',
    actionDescription: 'Creates an issue in a Jira project',
    destructive: false,
    input: createIssueCall.input,
    callHash: 'a'.repeat(64),
    expiresAt: '2026-12-01T10:05:00.000Z',
    ...partial,
  };
}
