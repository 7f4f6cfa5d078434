import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ExternalApiMetrics } from '@internal/backend-common';
import type { AiTokenUsage } from '@internal/plugin-ai-assistant-common';
import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { AiProviderSettings } from '../service/AiAssistantSettings';
import type { ChatTool } from '../tools/ToolCatalog';

export type ChatMessage = ChatCompletionMessageParam;

/** A tool call the model made, assembled from its streamed pieces. */
export type ModelToolCall = {
  id: string;
  name: string;
  /** The arguments as the model wrote them: JSON text, maybe invalid. */
  arguments: string;
};

export type ChatResult = {
  content: string;
  toolCalls: ModelToolCall[];
  /** `stop`, `tool_calls`, `length`, `content_filter`, … */
  finishReason: string;
  /** Undefined when the provider reported none. */
  usage?: AiTokenUsage;
};

/** Why a model call failed, said for the chat: names the endpoint, never the key. */
export type ModelProviderFailure =
  | 'unreachable'
  | 'timeout'
  | 'unauthorized'
  | 'rate-limited'
  | 'rejected'
  | 'malformed-stream'
  | 'cut-short'
  | 'server-error'
  /** The caller aborted the request (the user stopped the answer). */
  | 'stopped';

/**
 * A model call that failed, with what the model wrote before it failed (`partialContent`),
 * so that nothing already shown is lost.
 */
export class ModelProviderError extends Error {
  name = 'ModelProviderError' as const;

  constructor(
    message: string,
    readonly failure: ModelProviderFailure,
    readonly partialContent: string,
    readonly usage?: AiTokenUsage,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

type PartialToolCall = { id: string; name: string; arguments: string };

function retryAfterOf(headers: Headers | undefined): number | undefined {
  const value = headers?.get?.('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date)
    ? undefined
    : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function usageOf(chunk: ChatCompletionChunk): AiTokenUsage | undefined {
  const usage = chunk.usage;
  if (!usage) return undefined;
  return {
    promptTokens: usage.prompt_tokens ?? 0,
    completionTokens: usage.completion_tokens ?? 0,
    totalTokens:
      usage.total_tokens ??
      (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0),
  };
}

/**
 * The assistant's model: Chat Completions over the `openai` package against any
 * OpenAI-compatible endpoint, always streamed. Text deltas are handed on as they arrive; tool
 * calls are assembled from deltas split across chunks (by `index`); usage is taken from the
 * final chunk when the provider sends one. Every failure becomes a
 * {@link ModelProviderError} whose message says what happened, at which endpoint, and what to
 * check, and carries the text streamed so far. The SDK retries a call that failed before
 * streaming (429 honouring `Retry-After`, 5xx, no answer) `maxRetries` times.
 */
export class OpenAiChatClient {
  static create(options: {
    settings: AiProviderSettings;
    logger: LoggerService;
    /** For tests: the fetch the SDK uses. */
    fetch?: typeof fetch;
    /**
     * `comet.external.*` metrics of every HTTP call the SDK makes (system `model`, instance
     * the provider's host), retries included.
     */
    metrics?: ExternalApiMetrics;
  }): OpenAiChatClient {
    const baseFetch = options.fetch ?? fetch;
    const metrics = options.metrics;
    let fetchImpl = options.fetch;
    if (metrics) {
      const instance = new URL(options.settings.baseUrl).host;
      fetchImpl = async (input, init) => {
        const response = await metrics.time(instance, () =>
          baseFetch(input, init),
        );
        // The SDK waits out a 429 (its Retry-After) before it tries again
        if (response.status === 429 && options.settings.maxRetries > 0) {
          metrics.rateLimitWait(
            instance,
            (retryAfterOf(response.headers) ?? 0) * 1000,
          );
        }
        return response;
      };
    }
    return new OpenAiChatClient(options.settings, options.logger, fetchImpl);
  }

  private readonly openai: OpenAI;

  private constructor(
    private readonly settings: AiProviderSettings,
    logger: LoggerService,
    fetchImpl?: typeof fetch,
  ) {
    // The SDK's own log lines carry request details; only its message goes to our log
    const log =
      (level: 'error' | 'warn' | 'info' | 'debug') => (message: string) =>
        logger[level](`OpenAI client: ${message}`);
    this.openai = new OpenAI({
      baseURL: settings.baseUrl,
      apiKey: settings.apiKey,
      timeout: settings.timeoutMs,
      maxRetries: settings.maxRetries,
      logLevel: 'warn',
      logger: {
        error: log('error'),
        warn: log('warn'),
        info: log('info'),
        debug: log('debug'),
      },
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
  }

  get model(): string {
    return this.settings.model;
  }

  /**
   * One streamed model call. `onText` gets each piece of the answer as it arrives (awaited,
   * so a slow reader slows the stream rather than filling memory).
   */
  async streamChat(request: {
    messages: ChatMessage[];
    tools: ChatTool[];
    onText: (text: string) => void | Promise<void>;
    signal?: AbortSignal;
  }): Promise<ChatResult> {
    let content = '';
    let finishReason: string | undefined;
    let usage: AiTokenUsage | undefined;
    const calls = new Map<number, PartialToolCall>();
    const startedAt = Date.now();
    try {
      const stream = await this.openai.chat.completions.create(
        {
          model: this.settings.model,
          messages: request.messages,
          stream: true,
          ...(request.tools.length > 0 ? { tools: request.tools } : {}),
          ...(this.settings.includeUsage
            ? { stream_options: { include_usage: true } }
            : {}),
          ...(this.settings.temperature !== undefined
            ? { temperature: this.settings.temperature }
            : {}),
        },
        { signal: request.signal },
      );
      for await (const chunk of stream) {
        usage = usageOf(chunk) ?? usage;
        for (const choice of chunk.choices ?? []) {
          const delta = choice.delta;
          if (delta?.content) {
            content += delta.content;
            await request.onText(delta.content);
          }
          for (const piece of delta?.tool_calls ?? []) {
            const index = piece.index ?? 0;
            const call = calls.get(index) ?? {
              id: '',
              name: '',
              arguments: '',
            };
            if (piece.id) call.id = piece.id;
            if (piece.function?.name) call.name += piece.function.name;
            if (piece.function?.arguments) {
              call.arguments += piece.function.arguments;
            }
            calls.set(index, call);
          }
          if (choice.finish_reason) finishReason = choice.finish_reason;
        }
      }
    } catch (error) {
      throw this.describe(
        error,
        content,
        usage,
        Date.now() - startedAt,
        request.signal,
      );
    }
    if (!finishReason && request.signal?.aborted) {
      // The SDK may end the stream quietly when it is aborted between chunks
      throw this.describe(
        new APIUserAbortError(),
        content,
        usage,
        Date.now() - startedAt,
        request.signal,
      );
    }
    if (!finishReason) {
      throw new ModelProviderError(
        `The model provider at ${this.settings.baseUrl} closed the stream before the answer was finished; what it wrote so far is kept. Try again.`,
        'cut-short',
        content,
        usage,
      );
    }
    const toolCalls = [...calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => ({
        id: call.id || `call_${index}`,
        name: call.name,
        arguments: call.arguments,
      }));
    return { content, toolCalls, finishReason, usage };
  }

  /**
   * One call answered whole (`stream: false`), for short internal tasks such as summarising
   * older turns: no tools, at most `maxTokens` tokens of answer.
   */
  async complete(request: {
    messages: ChatMessage[];
    maxTokens: number;
    signal?: AbortSignal;
  }): Promise<{ content: string; usage?: AiTokenUsage }> {
    const startedAt = Date.now();
    try {
      const completion = await this.openai.chat.completions.create(
        {
          model: this.settings.model,
          messages: request.messages,
          stream: false,
          max_tokens: request.maxTokens,
          ...(this.settings.temperature !== undefined
            ? { temperature: this.settings.temperature }
            : {}),
        },
        { signal: request.signal },
      );
      const content = completion.choices?.[0]?.message?.content ?? '';
      const usage = completion.usage
        ? {
            promptTokens: completion.usage.prompt_tokens ?? 0,
            completionTokens: completion.usage.completion_tokens ?? 0,
            totalTokens:
              completion.usage.total_tokens ??
              (completion.usage.prompt_tokens ?? 0) +
                (completion.usage.completion_tokens ?? 0),
          }
        : undefined;
      return { content, usage };
    } catch (error) {
      throw this.describe(
        error,
        '',
        undefined,
        Date.now() - startedAt,
        request.signal,
      );
    }
  }

  private describe(
    error: unknown,
    partialContent: string,
    usage: AiTokenUsage | undefined,
    elapsedMs: number,
    signal?: AbortSignal,
  ): ModelProviderError {
    const at = `The model provider at ${this.settings.baseUrl}`;
    const fail = (
      message: string,
      failure: ModelProviderFailure,
      retryAfterSeconds?: number,
    ) =>
      new ModelProviderError(
        message,
        failure,
        partialContent,
        usage,
        retryAfterSeconds,
      );
    if (signal?.aborted) {
      return fail(
        `${at}: the request was stopped by the user; what the model wrote until then is kept`,
        'stopped',
      );
    }
    if (error instanceof APIUserAbortError) {
      return fail(`${at}: the request was cancelled`, 'cut-short');
    }
    // The SDK's timeout is an abort; an abort error from another realm (a VM context) reaches
    // us as a plain connection error, so the elapsed time decides too
    if (
      error instanceof APIConnectionTimeoutError ||
      (error instanceof APIConnectionError &&
        elapsedMs >= this.settings.timeoutMs)
    ) {
      return fail(
        `${at} did not answer within ${
          this.settings.timeoutMs / 1000
        } s (aiAssistant.provider.timeoutSeconds)`,
        'timeout',
      );
    }
    if (error instanceof APIConnectionError) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      return fail(
        `${at} could not be reached${
          cause ? ` (${cause})` : ''
        }: is it running, and is aiAssistant.provider.baseUrl right?`,
        'unreachable',
      );
    }
    if (error instanceof APIError && error.status !== undefined) {
      const detail = error.message.replace(/^\d+\s*/, '');
      if (error.status === 401 || error.status === 403) {
        return fail(
          `${at} refused the API key (${error.status}): check aiAssistant.provider.apiKey`,
          'unauthorized',
        );
      }
      if (error.status === 429) {
        const retryAfter = retryAfterOf(error.headers);
        return fail(
          `${at} is rate limiting requests (429)${
            retryAfter !== undefined ? `; try again in ${retryAfter} s` : ''
          }: ${detail}`,
          'rate-limited',
          retryAfter,
        );
      }
      if (error.status === 404) {
        return fail(
          `${at} answered 404 (${detail}): check aiAssistant.provider.model ("${this.settings.model}") and aiAssistant.provider.baseUrl`,
          'rejected',
        );
      }
      if (error.status >= 500) {
        return fail(
          `${at} failed (${error.status}): ${detail}`,
          'server-error',
        );
      }
      return fail(
        `${at} refused the request (${error.status}): ${detail}`,
        'rejected',
      );
    }
    if (error instanceof APIError) {
      // An error event inside the stream
      return fail(
        `${at} reported an error while answering: ${error.message}`,
        'server-error',
      );
    }
    if (error instanceof SyntaxError) {
      return fail(
        `${at} sent a malformed chunk (not JSON) in its stream; what it wrote before is kept. Is aiAssistant.provider.baseUrl an OpenAI-compatible endpoint?`,
        'malformed-stream',
      );
    }
    return fail(
      `${at}: the stream broke off (${
        (error as Error)?.message ?? String(error)
      }); what it wrote so far is kept`,
      'cut-short',
    );
  }
}
