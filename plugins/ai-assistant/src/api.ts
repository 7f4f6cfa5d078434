import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/frontend-plugin-api';
import type {
  AiAssistantConfigStatus,
  AiConfirmationDecision,
  AiConversation,
  AiConversationSummary,
  AiStreamEvent,
  AiUsageReport,
} from '@internal/plugin-ai-assistant-common';
import { parseServerSentEvents } from './serverSentEvents';

/** `GET /conversations`: a page of the user's conversations, most recent first. */
export type ConversationsPage = {
  items: AiConversationSummary[];
  totalCount: number;
};

export type ListConversationsRequest = {
  /** Matches titles and message text, case-insensitively. */
  q?: string;
  limit?: number;
  offset?: number;
};

/** Called with each event of a streamed answer, in order. */
export type StreamEventHandler = (event: AiStreamEvent) => void;

export type StreamOptions = {
  /** Aborts the stream; the server stops the answer and stores what was written, marked stopped. */
  signal?: AbortSignal;
};

/** What the assistant UI reads and writes through `/api/ai-assistant`. */
export interface AiAssistantApi {
  getConfig(): Promise<AiAssistantConfigStatus>;
  listConversations(
    request?: ListConversationsRequest,
  ): Promise<ConversationsPage>;
  createConversation(input: {
    title?: string;
    entityRef?: string;
  }): Promise<AiConversationSummary>;
  getConversation(conversationId: string): Promise<AiConversation>;
  renameConversation(
    conversationId: string,
    title: string,
  ): Promise<AiConversationSummary>;
  deleteConversation(conversationId: string): Promise<void>;
  /**
   * Sends a message and calls `onEvent` for each event of the answer as it arrives; resolves
   * when the stream ends. Refusals before the stream starts (403, 409, 429, 503) reject with
   * an {@link AiAssistantApiError}.
   */
  sendMessage(
    conversationId: string,
    content: string,
    onEvent: StreamEventHandler,
    options?: StreamOptions,
  ): Promise<void>;
  /** Approves or rejects a held call; the continuation streams like an answer. */
  decide(
    confirmationId: string,
    decision: AiConfirmationDecision,
    onEvent: StreamEventHandler,
    options?: StreamOptions,
  ): Promise<void>;
  /** Every user's token usage (`ai-assistant.usage.read`). */
  getUsage(days?: number): Promise<AiUsageReport>;
}

export const aiAssistantApiRef = createApiRef<AiAssistantApi>().with({
  id: 'plugin.ai-assistant.api',
  pluginId: 'ai-assistant',
});

/** A refused or failed call, with the backend's own message. */
export class AiAssistantApiError extends Error {
  readonly name = 'AiAssistantApiError';
  readonly status: number;
  /** The backend's error name: `NotAllowedError`, `ConflictError`, `InputError`, … */
  readonly errorName: string;
  /** From `Retry-After` on a 429. */
  readonly retryAfterSeconds?: number;

  constructor(options: {
    message: string;
    status: number;
    errorName: string;
    retryAfterSeconds?: number;
  }) {
    super(options.message);
    this.status = options.status;
    this.errorName = options.errorName;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

async function errorFromResponse(
  response: Response,
  what: string,
): Promise<AiAssistantApiError> {
  const text = await response.text().catch(() => '');
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const error = body?.error;
  const message =
    typeof error?.message === 'string' && error.message
      ? error.message
      : `The AI assistant backend answered ${response.status}${
          response.statusText ? ` ${response.statusText}` : ''
        } to ${what}`;
  const retryAfter = Number(response.headers.get('retry-after'));
  return new AiAssistantApiError({
    message,
    status: response.status,
    errorName: typeof error?.name === 'string' ? error.name : 'Error',
    retryAfterSeconds:
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  });
}

const STREAM_EVENT_TYPES = new Set<AiStreamEvent['type']>([
  'message',
  'delta',
  'tool',
  'confirmation',
  'usage',
  'error',
  'done',
]);

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

const enc = encodeURIComponent;

export type AiAssistantClientOptions = {
  discoveryApi: Pick<DiscoveryApi, 'getBaseUrl'>;
  fetchApi: Pick<FetchApi, 'fetch'>;
};

export class AiAssistantClient implements AiAssistantApi {
  constructor(private readonly options: AiAssistantClientOptions) {}

  private async request(
    method: Method,
    path: string,
    options: {
      query?: Record<string, string | number | undefined>;
      body?: unknown;
      accept?: string;
      signal?: AbortSignal;
    } = {},
  ): Promise<Response> {
    const base = await this.options.discoveryApi.getBaseUrl('ai-assistant');
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== '') params.set(name, String(value));
    }
    const search = params.toString();
    const headers: Record<string, string> = {};
    if (options.body !== undefined)
      headers['Content-Type'] = 'application/json';
    if (options.accept) headers.Accept = options.accept;
    const response = await this.options.fetchApi.fetch(
      `${base}/${path}${search ? `?${search}` : ''}`,
      {
        method,
        headers,
        ...(options.body !== undefined
          ? { body: JSON.stringify(options.body) }
          : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    if (!response.ok) {
      throw await errorFromResponse(response, `${method} /${path}`);
    }
    return response;
  }

  private async json<T>(
    method: Method,
    path: string,
    options?: {
      query?: Record<string, string | number | undefined>;
      body?: unknown;
    },
  ): Promise<T> {
    const response = await this.request(method, path, options);
    return (await response.json()) as T;
  }

  private async stream(
    path: string,
    body: unknown,
    onEvent: StreamEventHandler,
    options: StreamOptions = {},
  ): Promise<void> {
    const response = await this.request('POST', path, {
      body,
      accept: 'text/event-stream',
      signal: options.signal,
    });
    if (!response.body) {
      throw new Error(`The answer to POST /${path} came without a body`);
    }
    for await (const event of parseServerSentEvents(response.body)) {
      if (!STREAM_EVENT_TYPES.has(event.event as AiStreamEvent['type'])) {
        continue;
      }
      let parsed: AiStreamEvent;
      try {
        parsed = JSON.parse(event.data) as AiStreamEvent;
      } catch {
        throw new Error(
          `The assistant sent an event "${event.event}" that is not JSON`,
        );
      }
      onEvent(parsed);
    }
  }

  getConfig() {
    return this.json<AiAssistantConfigStatus>('GET', 'config');
  }

  listConversations(request: ListConversationsRequest = {}) {
    return this.json<ConversationsPage>('GET', 'conversations', {
      query: request,
    });
  }

  createConversation(input: { title?: string; entityRef?: string }) {
    return this.json<AiConversationSummary>('POST', 'conversations', {
      body: input,
    });
  }

  getConversation(conversationId: string) {
    return this.json<AiConversation>(
      'GET',
      `conversations/${enc(conversationId)}`,
    );
  }

  renameConversation(conversationId: string, title: string) {
    return this.json<AiConversationSummary>(
      'PATCH',
      `conversations/${enc(conversationId)}`,
      { body: { title } },
    );
  }

  async deleteConversation(conversationId: string) {
    await this.request('DELETE', `conversations/${enc(conversationId)}`);
  }

  sendMessage(
    conversationId: string,
    content: string,
    onEvent: StreamEventHandler,
    options?: StreamOptions,
  ) {
    return this.stream(
      `conversations/${enc(conversationId)}/messages`,
      { content },
      onEvent,
      options,
    );
  }

  decide(
    confirmationId: string,
    decision: AiConfirmationDecision,
    onEvent: StreamEventHandler,
    options?: StreamOptions,
  ) {
    return this.stream(
      `confirmations/${enc(confirmationId)}`,
      decision,
      onEvent,
      options,
    );
  }

  getUsage(days?: number) {
    return this.json<AiUsageReport>('GET', 'usage', { query: { days } });
  }
}
