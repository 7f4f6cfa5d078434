import type {
  AuditorService,
  BackstageCredentials,
  BackstageUserPrincipal,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type {
  ActionsService,
  ActionsServiceAction,
} from '@backstage/backend-plugin-api/alpha';
import {
  ConflictError,
  CustomErrorBase,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  AuthorizeResult,
  type BasicPermission,
} from '@backstage/plugin-permission-common';
import type { JsonObject, JsonValue } from '@backstage/types';
import { audited } from '@internal/backend-common';
import {
  type AiAssistantConfigStatus,
  aiAssistantChatUsePermission,
  aiAssistantNotConfiguredMessage,
  aiAssistantUsageReadPermission,
  type AiConfirmationDecision,
  type AiConversation,
  type AiConversationSummary,
  type AiPendingConfirmation,
  type AiStreamEvent,
  type AiTokenUsage,
  type AiToolActivity,
  type AiToolCall,
  type AiTurnOutcome,
  type AiUsageReport,
} from '@internal/plugin-ai-assistant-common';
import type { Request } from 'express';
import {
  ModelProviderError,
  type ModelToolCall,
  type OpenAiChatClient,
} from '../provider/OpenAiChatClient';
import type {
  DatabaseAiAssistantStore,
  NewAiMessage,
  StoredAiMessage,
  StoredConfirmation,
} from '../store/DatabaseAiAssistantStore';
import { callHash } from '../tools/canonicalCall';
import type { SecretMasker } from '../tools/SecretMasker';
import { ToolCatalog } from '../tools/ToolCatalog';
import type { AiAssistantMetrics } from './AiAssistantMetrics';
import {
  type AiAssistantSettings,
  CONFIRMATION_TTL_MS,
} from './AiAssistantSettings';
import {
  type BuiltPrompt,
  PromptBuilder,
  SUMMARY_MAX_TOKENS,
  toolDataContent,
} from './PromptBuilder';

/** The title of a conversation until its first message names it. */
export const DEFAULT_CONVERSATION_TITLE = 'New conversation';
/** How long one streamed answer may hold its conversation (renewed at every model call). */
export const TURN_LEASE_MS = 10 * 60 * 1000;
/** The most of the masked arguments an audit event records. */
const AUDIT_INPUT_CHARS = 2000;

/** Too many chat requests from one user: 429 with `Retry-After`. */
export class RateLimitedError extends CustomErrorBase {
  name = 'RateLimitedError' as const;
  readonly statusCode = 429;

  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

/**
 * Counts one request of the user against `aiAssistant.rateLimit` (kept in the database, so the
 * limit holds across replicas); over the limit, a 429 that says when to try again. Chat turns,
 * confirmations and generations all count here.
 */
export async function countAssistantRequest(
  options: {
    store: Pick<DatabaseAiAssistantStore, 'countRequest'>;
    settings: Pick<AiAssistantSettings, 'rateLimit'>;
  },
  userRef: string,
  now: Date,
): Promise<void> {
  const { maxRequests, windowMs } = options.settings.rateLimit;
  const { count, windowEndsAt } = await options.store.countRequest(
    userRef,
    windowMs,
  );
  if (count > maxRequests) {
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil((windowEndsAt.getTime() - now.getTime()) / 1000),
    );
    throw new RateLimitedError(
      `You have sent ${maxRequests} requests to the assistant in ${
        windowMs / 1000
      } s (aiAssistant.rateLimit); try again in ${retryAfterSeconds} s`,
      retryAfterSeconds,
    );
  }
}

/** Receives a turn's events as they happen; awaited, so a slow client slows the turn. */
export type TurnEventSink = (event: AiStreamEvent) => void | Promise<void>;

/** A turn whose preconditions passed (permission, provider, rate limit, the conversation's lease). */
export type PreparedTurn = {
  conversationId: string;
  /**
   * Streams the turn to `sink`, ending with a `done` event; never throws for a model failure.
   * `signal` aborts it (the client left or pressed Stop): the model call is cancelled, what it
   * wrote is stored marked stopped, and no further tool call starts.
   */
  run(sink: TurnEventSink, signal?: AbortSignal): Promise<void>;
};

type TurnContext = {
  credentials: BackstageCredentials<BackstageUserPrincipal>;
  userRef: string;
  conversationId: string;
  entityRef?: string;
  request?: Request;
  sink: TurnEventSink;
  /** Aborted when the user stops the answer (the client closed the stream). */
  signal?: AbortSignal;
  /** Whether this turn already told the user that older messages were left out or summarised. */
  trimNoticeSent?: boolean;
};

type ParsedArguments = { input: JsonObject } | { error: string };

function parseArguments(text: string): ParsedArguments {
  if (!text.trim()) return { input: {} };
  try {
    const value = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return { input: value as JsonObject };
    }
    return { error: 'the arguments are JSON but not an object' };
  } catch (error) {
    return {
      error: `the arguments are not valid JSON (${(error as Error).message})`,
    };
  }
}

/** A summary of an action failure for the model and the chat, from the actions service's error. */
function describeActionError(error: unknown): string {
  const e = error as {
    statusCode?: number;
    body?: { error?: { message?: string } };
    message?: string;
  };
  const message = e?.body?.error?.message ?? e?.message ?? String(error);
  return e?.statusCode ? `${e.statusCode}: ${message}` : message;
}

/**
 * The assistant: conversations per user, and turns that stream the model's answer while it
 * calls the portal's actions as tools with the user's own credentials.
 *
 * A turn: the user's message is stored; the actions the actions service lists for the user's
 * credentials are offered as tools; the model's answer streams; each tool call is handled as
 * it comes: read-only actions run at once; any other is held as a confirmation (server-side,
 * single use, five minutes, bound to the user, the conversation and the hash of the canonical
 * call) and the turn pauses until the user decides; tool calls beyond
 * `aiAssistant.maxToolCallsPerTurn` are not run. Tool output goes back to the model masked
 * and labelled as untrusted data. Every call and decision is audited. A provider failure ends
 * the turn with a notice saying what happened; what was written so far stays.
 */
export class AiAssistantService {
  static create(options: {
    settings: AiAssistantSettings;
    store: DatabaseAiAssistantStore;
    actions: ActionsService;
    auditor: AuditorService;
    permissions: PermissionsService;
    masker: SecretMasker;
    client?: OpenAiChatClient;
    metrics?: AiAssistantMetrics;
    logger: LoggerService;
    clock?: () => Date;
  }): AiAssistantService {
    return new AiAssistantService(options);
  }

  private readonly prompts: PromptBuilder;
  private readonly clock: () => Date;

  private constructor(
    private readonly options: {
      settings: AiAssistantSettings;
      store: DatabaseAiAssistantStore;
      actions: ActionsService;
      auditor: AuditorService;
      permissions: PermissionsService;
      masker: SecretMasker;
      client?: OpenAiChatClient;
      metrics?: AiAssistantMetrics;
      logger: LoggerService;
      clock?: () => Date;
    },
  ) {
    this.prompts = PromptBuilder.create({
      masker: options.masker,
      budgetTokens: options.settings.contextBudgetTokens,
    });
    this.clock = options.clock ?? (() => new Date());
  }

  configStatus(): AiAssistantConfigStatus {
    const { client, settings } = this.options;
    if (!client) {
      return {
        configured: false,
        missingKeys: settings.missingProviderKeys,
        message: aiAssistantNotConfiguredMessage(settings.missingProviderKeys),
      };
    }
    return {
      configured: true,
      model: client.model,
      maxToolCallsPerTurn: settings.maxToolCallsPerTurn,
    };
  }

  // Conversations

  async listConversations(
    credentials: BackstageCredentials<BackstageUserPrincipal>,
    options: { query?: string; limit: number; offset: number },
  ) {
    return this.options.store.listConversations(
      credentials.principal.userEntityRef,
      options,
    );
  }

  async createConversation(
    credentials: BackstageCredentials<BackstageUserPrincipal>,
    input: { title?: string; entityRef?: string },
  ): Promise<AiConversationSummary> {
    await this.authorize(credentials, aiAssistantChatUsePermission);
    return this.options.store.createConversation(
      credentials.principal.userEntityRef,
      input.title ?? DEFAULT_CONVERSATION_TITLE,
      input.entityRef,
    );
  }

  async getConversation(
    credentials: BackstageCredentials<BackstageUserPrincipal>,
    conversationId: string,
  ): Promise<AiConversation> {
    const summary = await this.ownConversation(credentials, conversationId);
    const { store } = this.options;
    const messages = await store.listMessages(conversationId);
    const now = this.clock().getTime();
    const pending = (
      await store.listPendingConfirmations(conversationId)
    ).filter(c => c.expiresAt.getTime() > now);
    const catalog =
      pending.length > 0 ? await this.catalogFor(credentials) : undefined;
    return {
      ...summary,
      messages: messages.map(({ toolCallId: _ignored, ...m }) => m),
      pendingConfirmations: pending.map(c =>
        this.pendingView(c, catalog?.action(c.actionId)),
      ),
    };
  }

  async renameConversation(
    credentials: BackstageCredentials<BackstageUserPrincipal>,
    conversationId: string,
    title: string,
  ): Promise<AiConversationSummary> {
    await this.ownConversation(credentials, conversationId);
    await this.options.store.renameConversation(
      credentials.principal.userEntityRef,
      conversationId,
      title,
    );
    return this.ownConversation(credentials, conversationId);
  }

  async deleteConversation(
    credentials: BackstageCredentials<BackstageUserPrincipal>,
    conversationId: string,
    request?: Request,
  ): Promise<void> {
    await audited(
      this.options.auditor,
      {
        eventId: 'conversation-delete',
        severityLevel: 'low',
        request,
        meta: { conversationId },
      },
      async () => {
        const deleted = await this.options.store.deleteConversation(
          credentials.principal.userEntityRef,
          conversationId,
        );
        if (!deleted) throw this.noConversation(conversationId);
      },
    );
  }

  async usageReport(
    credentials: BackstageCredentials,
    days: number,
  ): Promise<AiUsageReport> {
    await this.authorize(credentials, aiAssistantUsageReadPermission);
    const since = new Date(this.clock().getTime() - days * 86_400_000);
    return this.options.store.usageReport(since);
  }

  // Turns

  /** Checks everything a new message needs, then gives the turn to stream. */
  async beginMessage(
    credentials: BackstageCredentials<BackstageUserPrincipal>,
    conversationId: string,
    content: string,
    request?: Request,
  ): Promise<PreparedTurn> {
    const client = await this.readyClient(credentials);
    const conversation = await this.ownConversation(
      credentials,
      conversationId,
    );
    await this.countRequest(credentials);
    await this.takeTurn(conversationId);
    return {
      conversationId,
      run: async (sink, signal) => {
        const context: TurnContext = {
          credentials,
          userRef: credentials.principal.userEntityRef,
          conversationId,
          entityRef: conversation.entityRef,
          request,
          sink,
          signal,
        };
        await this.runGuarded(context, async () => {
          await this.audit(context, 'chat-turn', 'low', {
            kind: 'message',
            length: content.length,
          });
          await this.dropPendingConfirmations(context);
          if (
            conversation.messageCount === 0 &&
            conversation.title === DEFAULT_CONVERSATION_TITLE
          ) {
            await this.options.store.renameConversation(
              context.userRef,
              conversationId,
              this.titleFrom(content),
            );
          }
          await this.append(context, { role: 'user', content });
          return this.continueTurn(context, client);
        });
      },
    };
  }

  /**
   * Checks a decision on a held call (the user's own, pending, in that conversation, for the
   * exact call shown, unexpired), takes it once, then gives the turn that runs or drops the
   * call and lets the model go on.
   */
  async beginDecision(
    credentials: BackstageCredentials<BackstageUserPrincipal>,
    confirmationId: string,
    decision: AiConfirmationDecision,
    request?: Request,
  ): Promise<PreparedTurn> {
    const client = await this.readyClient(credentials);
    const { store } = this.options;
    const userRef = credentials.principal.userEntityRef;
    const confirmation = await store.getConfirmation(confirmationId);
    if (!confirmation || confirmation.userRef !== userRef) {
      throw new NotFoundError(
        `No confirmation ${confirmationId} is waiting for you`,
      );
    }
    if (confirmation.conversationId !== decision.conversationId) {
      throw new ConflictError(
        `Confirmation ${confirmationId} belongs to another conversation than ${decision.conversationId}; nothing was run`,
      );
    }
    if (confirmation.status !== 'pending') {
      throw new ConflictError(
        `Confirmation ${confirmationId} was already used (${confirmation.status}); a confirmation is used once. Ask the assistant again to repeat the call.`,
      );
    }
    if (
      decision.callHash !== confirmation.callHash ||
      callHash(confirmation.actionId, confirmation.input) !==
        confirmation.callHash
    ) {
      throw new ConflictError(
        `The call you confirmed is not the call waiting in confirmation ${confirmationId} (callHash differs); nothing was run`,
      );
    }
    const conversation = await this.ownConversation(
      credentials,
      confirmation.conversationId,
    );
    await this.countRequest(credentials);
    await this.takeTurn(confirmation.conversationId);
    const context: TurnContext = {
      credentials,
      userRef,
      conversationId: confirmation.conversationId,
      entityRef: conversation.entityRef,
      request,
      sink: () => {},
    };
    try {
      if (confirmation.expiresAt.getTime() <= this.clock().getTime()) {
        await this.closeConfirmation(context, confirmation, 'expired');
        throw new ConflictError(
          `Confirmation ${confirmationId} expired at ${confirmation.expiresAt.toISOString()} (a call waits 5 minutes); nothing was run. Ask the assistant again.`,
        );
      }
      const won = await store.decideConfirmation(
        confirmationId,
        decision.decision === 'approve' ? 'approved' : 'rejected',
      );
      if (!won) {
        throw new ConflictError(
          `Confirmation ${confirmationId} was decided by another request; a confirmation is used once`,
        );
      }
      await this.audit(context, 'tool-confirmation', 'medium', {
        confirmationId,
        actionId: confirmation.actionId,
        callHash: confirmation.callHash,
        decision: decision.decision,
      });
    } catch (error) {
      await store.releaseTurn(confirmation.conversationId);
      throw error;
    }
    return {
      conversationId: confirmation.conversationId,
      run: async (sink, signal) => {
        context.sink = sink;
        context.signal = signal;
        await this.runGuarded(context, async () => {
          await this.audit(context, 'chat-turn', 'low', {
            kind: 'confirmation',
            confirmationId,
          });
          if (decision.decision === 'approve') {
            // Permissions checked again: the action must still be offered to whoever confirms
            const catalog = await this.catalogFor(credentials);
            const action = catalog.action(confirmation.actionId);
            if (!action) {
              await this.finishToolCall(
                context,
                {
                  toolCallId: confirmation.toolCallId,
                  actionId: confirmation.actionId,
                  title: confirmation.actionId,
                  readOnly: false,
                  input: this.options.masker.maskJson(
                    confirmation.input as JsonObject,
                  ),
                  status: 'failed',
                  error: `${confirmation.actionId} is no longer offered to you; nothing was run`,
                  confirmationId,
                },
                {
                  status: 'failed',
                  error:
                    'The action is no longer available to the user; it was not run.',
                },
              );
              this.options.metrics?.toolCall(
                confirmation.actionId,
                'approved',
                'unavailable',
              );
            } else {
              await this.runAction(
                context,
                action,
                confirmation.toolCallId,
                confirmation.input as JsonObject,
                'approved',
                confirmationId,
              );
            }
          } else {
            await this.closeConfirmation(context, confirmation, 'rejected');
          }
          return this.continueTurn(context, client);
        });
      },
    };
  }

  // Turn internals

  private async runGuarded(
    context: TurnContext,
    body: () => Promise<AiTurnOutcome>,
  ): Promise<void> {
    let outcome: AiTurnOutcome = 'failed';
    try {
      outcome = await body();
    } catch (error) {
      // A bug or the database: said in the chat without details, logged in full
      this.options.logger.error(
        `AI assistant turn in conversation ${context.conversationId} failed`,
        error as Error,
      );
      const message = `The assistant failed unexpectedly (${
        (error as Error).name ?? 'Error'
      }); what was written so far is kept. Try again.`;
      await context.sink({ type: 'error', message });
      try {
        await this.append(context, {
          role: 'notice',
          notice: 'error',
          content: message,
        });
      } catch {
        // the store itself failed; logged above
      }
    } finally {
      await this.options.store.releaseTurn(context.conversationId);
    }
    await context.sink({ type: 'done', outcome });
  }

  /** Model calls and tool calls until the model answers, a call waits, or it fails. */
  private async continueTurn(
    context: TurnContext,
    client: OpenAiChatClient,
  ): Promise<AiTurnOutcome> {
    const { store, settings, masker } = this.options;
    const cap = settings.maxToolCallsPerTurn;
    const catalog = await this.catalogFor(context.credentials);
    // Each round either ends the turn or makes at least one call; past the cap no tools are offered
    for (let round = 0; round <= cap + 1; round++) {
      if (context.signal?.aborted) return this.stopped(context, client);
      if (
        (await store.listPendingConfirmations(context.conversationId)).length >
        0
      ) {
        return 'awaiting-confirmation';
      }
      const history = await store.listMessages(context.conversationId);
      const used = this.toolCallsThisTurn(history);

      let result;
      try {
        const prompt = await this.buildPrompt(
          context,
          client,
          history,
          catalog,
          used < cap,
        );
        await store.renewTurn(context.conversationId, TURN_LEASE_MS);
        result = await client.streamChat({
          messages: prompt.messages,
          tools: prompt.tools,
          onText: text => context.sink({ type: 'delta', text }),
          signal: context.signal,
        });
      } catch (error) {
        if (!(error instanceof ModelProviderError)) throw error;
        if (error.failure === 'stopped') {
          return this.stopped(context, client, error);
        }
        await this.recordUsage(context, client, error.failure, error.usage);
        if (error.partialContent) {
          await this.append(context, {
            role: 'assistant',
            content: error.partialContent,
          });
        }
        const message = masker.mask(error.message);
        await context.sink({ type: 'error', message });
        await this.append(context, {
          role: 'notice',
          notice: 'error',
          content: message,
        });
        return 'failed';
      }
      await this.recordUsage(context, client, 'completed', result.usage);

      const calls = result.toolCalls.map(call => ({
        call,
        action: catalog.actionForTool(call.name),
        parsed: parseArguments(call.arguments),
      }));
      const toolCalls: AiToolCall[] = calls.map(({ call, action, parsed }) => ({
        toolCallId: call.id,
        actionId: action?.id ?? call.name,
        input: 'input' in parsed ? parsed.input : {},
      }));
      await this.append(context, {
        role: 'assistant',
        content: result.content,
        ...(toolCalls.length > 0 ? { toolCalls } : {}),
      });
      if (calls.length === 0) return 'completed';

      let held = false;
      let count = used;
      for (const { call, action, parsed } of calls) {
        const outcome = await this.handleToolCall(
          context,
          call,
          action,
          parsed,
          count >= cap,
          context.signal?.aborted ?? false,
        );
        count += 1;
        held ||= outcome === 'held';
      }
      if (held) return 'awaiting-confirmation';
    }
    return 'completed';
  }

  private async handleToolCall(
    context: TurnContext,
    call: ModelToolCall,
    action: ActionsServiceAction | undefined,
    parsed: ParsedArguments,
    overCap: boolean,
    stopped: boolean,
  ): Promise<'done' | 'held'> {
    const { masker, settings, metrics } = this.options;
    const input = 'input' in parsed ? parsed.input : {};
    const activity: AiToolActivity = {
      toolCallId: call.id,
      actionId: action?.id ?? call.name,
      title: action?.title ?? call.name,
      readOnly: action?.attributes.readOnly ?? false,
      input: masker.maskJson(input),
      status: 'failed',
    };
    const refuse = async (
      decision: string,
      status: 'skipped' | 'failed',
      error: string,
    ) => {
      await this.audit(context, 'tool-call', 'low', {
        toolCallId: call.id,
        actionId: activity.actionId,
        decision,
      });
      metrics?.toolCall(activity.actionId, decision, 'not-run');
      await this.finishToolCall(
        context,
        { ...activity, status, error },
        { status: 'not-run', reason: error },
      );
      return 'done' as const;
    };

    if (stopped) {
      return refuse(
        'stopped',
        'skipped',
        'Not run: the user stopped the answer before this call started',
      );
    }
    if (overCap) {
      return refuse(
        'over-cap',
        'skipped',
        `Not run: a turn may make ${settings.maxToolCallsPerTurn} tool calls (aiAssistant.maxToolCallsPerTurn)`,
      );
    }
    if (!action) {
      return refuse(
        'unknown-tool',
        'failed',
        `Not run: no tool named "${call.name}" is offered to this user`,
      );
    }
    if ('error' in parsed) {
      return refuse('invalid-arguments', 'failed', `Not run: ${parsed.error}`);
    }
    if (action.attributes.readOnly) {
      await this.runAction(context, action, call.id, input, 'auto');
      return 'done';
    }

    const hash = callHash(action.id, input);
    const confirmation = await this.options.store.createConfirmation({
      conversationId: context.conversationId,
      userRef: context.userRef,
      toolCallId: call.id,
      actionId: action.id,
      input,
      callHash: hash,
      ttlMs: CONFIRMATION_TTL_MS,
    });
    await this.audit(context, 'tool-call', 'medium', {
      toolCallId: call.id,
      actionId: action.id,
      decision: 'held-for-confirmation',
      confirmationId: confirmation.confirmationId,
      callHash: hash,
      input: this.auditInput(input),
    });
    metrics?.toolCall(action.id, 'held', 'pending');
    await context.sink({
      type: 'tool',
      activity: {
        ...activity,
        status: 'awaiting-confirmation',
        confirmationId: confirmation.confirmationId,
      },
    });
    await context.sink({
      type: 'confirmation',
      confirmation: this.pendingView(confirmation, action),
    });
    return 'held';
  }

  /** Runs an action with the turn's credentials (the confirming request's, for a held call). */
  private async runAction(
    context: TurnContext,
    action: ActionsServiceAction,
    toolCallId: string,
    input: JsonObject,
    decision: 'auto' | 'approved',
    confirmationId?: string,
  ) {
    const { masker, metrics, actions } = this.options;
    const activity: AiToolActivity = {
      toolCallId,
      actionId: action.id,
      title: action.title,
      readOnly: action.attributes.readOnly,
      input: masker.maskJson(input),
      status: 'running',
      ...(confirmationId ? { confirmationId } : {}),
    };
    await context.sink({ type: 'tool', activity });
    try {
      const { output } = await audited(
        this.options.auditor,
        {
          eventId: 'tool-call',
          severityLevel: action.attributes.readOnly ? 'low' : 'medium',
          request: context.request,
          meta: {
            conversationId: context.conversationId,
            toolCallId,
            actionId: action.id,
            decision,
            callHash: callHash(action.id, input),
            ...(confirmationId ? { confirmationId } : {}),
            input: this.auditInput(input),
          },
        },
        () =>
          actions.invoke({
            id: action.id,
            input,
            credentials: context.credentials,
          }),
      );
      const masked = masker.maskJson(output);
      const limited = this.limitOutput(masked);
      metrics?.toolCall(action.id, decision, 'succeeded');
      await this.finishToolCall(
        context,
        { ...activity, status: 'succeeded', output: limited },
        { status: 'succeeded', output: limited },
      );
    } catch (error) {
      const message = masker.mask(describeActionError(error));
      metrics?.toolCall(action.id, decision, 'failed');
      await this.finishToolCall(
        context,
        { ...activity, status: 'failed', error: message },
        { status: 'failed', error: message },
      );
    }
  }

  /** Stores a tool message (the result given to the model) and tells the client. */
  private async finishToolCall(
    context: TurnContext,
    activity: AiToolActivity,
    payload: {
      status: string;
      output?: JsonValue;
      error?: string;
      reason?: string;
    },
  ) {
    await context.sink({ type: 'tool', activity });
    await this.append(context, {
      role: 'tool',
      toolCallId: activity.toolCallId,
      activity,
      content: toolDataContent(activity.actionId, payload),
    });
  }

  /** Resolves a held call without running it: rejected, expired or superseded by a new message. */
  private async closeConfirmation(
    context: TurnContext,
    confirmation: StoredConfirmation,
    status: 'rejected' | 'expired' | 'superseded',
  ) {
    if (status !== 'rejected') {
      const moved = await this.options.store.decideConfirmation(
        confirmation.confirmationId,
        status,
      );
      if (!moved) return;
      await this.audit(context, 'tool-confirmation', 'low', {
        confirmationId: confirmation.confirmationId,
        actionId: confirmation.actionId,
        callHash: confirmation.callHash,
        decision: status,
      });
    }
    const reason = {
      rejected: 'The user declined this call; it was not made.',
      expired:
        'The user did not confirm this call within 5 minutes; it was not made.',
      superseded:
        'The user wrote a new message instead of confirming this call; it was not made.',
    }[status];
    this.options.metrics?.toolCall(confirmation.actionId, status, 'not-run');
    await this.finishToolCall(
      context,
      {
        toolCallId: confirmation.toolCallId,
        actionId: confirmation.actionId,
        title: confirmation.actionId,
        readOnly: false,
        input: this.options.masker.maskJson(confirmation.input as JsonObject),
        status: status === 'superseded' ? 'skipped' : status,
        error: reason,
        confirmationId: confirmation.confirmationId,
      },
      { status: 'not-run', reason },
    );
  }

  /** Held calls the user did not decide before writing again: dropped (or expired), said so. */
  private async dropPendingConfirmations(context: TurnContext) {
    const now = this.clock().getTime();
    for (const confirmation of await this.options.store.listPendingConfirmations(
      context.conversationId,
    )) {
      await this.closeConfirmation(
        context,
        confirmation,
        confirmation.expiresAt.getTime() <= now ? 'expired' : 'superseded',
      );
    }
  }

  private async append(context: TurnContext, message: NewAiMessage) {
    const stored = await this.options.store.appendMessage(
      context.conversationId,
      message,
    );
    const { toolCallId: _ignored, ...view } = stored;
    await context.sink({ type: 'message', message: view });
    return stored;
  }

  private async recordUsage(
    context: TurnContext,
    client: OpenAiChatClient,
    outcome: string,
    usage: AiTokenUsage | undefined,
  ) {
    this.options.metrics?.modelCall(client.model, outcome, usage);
    await this.options.store.recordUsage({
      userRef: context.userRef,
      conversationId: context.conversationId,
      model: client.model,
      usage,
    });
    if (usage) {
      await context.sink({ type: 'usage', usage, model: client.model });
    }
  }

  /**
   * The prompt for the next model call. When the turns no longer fit the context budget, the
   * model is asked (once, not streamed) for a summary of the turns left out, added to the
   * stored one; the summary is stored with the messages it covers and sent in their place, and
   * later turns reuse it. If the summary cannot be made, those turns are left out. Either way
   * the chat says so; the stored messages stay.
   */
  private async buildPrompt(
    context: TurnContext,
    client: OpenAiChatClient,
    history: StoredAiMessage[],
    catalog: ToolCatalog,
    offerTools: boolean,
  ): Promise<BuiltPrompt> {
    const { store, settings, masker } = this.options;
    const request = {
      history,
      catalog,
      userRef: context.userRef,
      entityRef: context.entityRef,
      offerTools,
    };
    const stored = await store.getConversationSummary(context.conversationId);
    const prompt = this.prompts.build({ ...request, summary: stored });
    if (!prompt.overflow) return prompt;
    const budget = `aiAssistant.contextBudgetTokens: ${settings.contextBudgetTokens} tokens`;
    let reason: string;
    try {
      const answer = await client.complete({
        messages: this.prompts.summaryRequest(
          prompt.summary,
          prompt.overflow.history,
        ),
        maxTokens: SUMMARY_MAX_TOKENS,
        signal: context.signal,
      });
      await this.recordUsage(context, client, 'summary', answer.usage);
      const content = masker.mask(answer.content.trim());
      if (content) {
        const summary = {
          content,
          coversMessages: prompt.overflow.coversMessages,
        };
        await store.saveConversationSummary(context.conversationId, summary);
        const rebuilt = this.prompts.build({ ...request, summary });
        if (!context.trimNoticeSent) {
          context.trimNoticeSent = true;
          await this.append(context, {
            role: 'notice',
            notice: 'context-summarised',
            content: `Older turns summarised: ${
              rebuilt.summarisedMessages
            } earlier messages are sent to the model as a summary it wrote, to keep within its context budget (${budget}).${
              rebuilt.droppedMessages > 0
                ? ` ${rebuilt.droppedMessages} more were not sent at all.`
                : ''
            } They are still here.`,
          });
        }
        return rebuilt;
      }
      reason = 'the model wrote an empty summary';
    } catch (error) {
      if (!(error instanceof ModelProviderError)) throw error;
      if (error.failure === 'stopped') throw error;
      await this.recordUsage(context, client, error.failure, error.usage);
      reason = masker.mask(error.message);
    }
    if (!context.trimNoticeSent) {
      context.trimNoticeSent = true;
      await this.append(context, {
        role: 'notice',
        notice: 'context-trimmed',
        content: `${prompt.droppedMessages} earlier messages were not sent to the model, to keep within its context budget (${budget}); they could not be summarised (${reason}). They are still here.`,
      });
    }
    return prompt;
  }

  /**
   * The user stopped the answer: what the model wrote is stored marked stopped, the usage the
   * provider reported (if any) recorded, and the chat says so.
   */
  private async stopped(
    context: TurnContext,
    client: OpenAiChatClient,
    error?: ModelProviderError,
  ): Promise<AiTurnOutcome> {
    if (error) {
      await this.recordUsage(context, client, 'stopped', error.usage);
      if (error.partialContent) {
        await this.append(context, {
          role: 'assistant',
          content: error.partialContent,
          stopped: true,
        });
      }
    }
    await this.append(context, {
      role: 'notice',
      notice: 'info',
      content: 'You stopped the answer; what was written until then is kept.',
    });
    return 'stopped';
  }

  /** Tool calls the assistant made since the user's last message. */
  private toolCallsThisTurn(history: StoredAiMessage[]): number {
    let count = 0;
    for (let i = history.length - 1; i >= 0; i--) {
      const message = history[i];
      if (message.role === 'user') break;
      count += message.toolCalls?.length ?? 0;
    }
    return count;
  }

  private limitOutput(value: JsonValue | undefined): JsonValue {
    const max = this.options.settings.maxToolOutputChars;
    const text = JSON.stringify(value ?? null);
    if (text.length <= max) return value ?? null;
    return `${text.slice(0, max)}… [cut: the output was ${
      text.length
    } characters; only the first ${max} are shown (aiAssistant.maxToolOutputChars)]`;
  }

  private auditInput(input: JsonObject): string {
    const text = JSON.stringify(this.options.masker.maskJson(input));
    return text.length > AUDIT_INPUT_CHARS
      ? `${text.slice(0, AUDIT_INPUT_CHARS)}…`
      : text;
  }

  private async audit(
    context: TurnContext,
    eventId: string,
    severityLevel: 'low' | 'medium',
    meta: JsonObject,
  ) {
    await audited(
      this.options.auditor,
      {
        eventId,
        severityLevel,
        request: context.request,
        meta: { conversationId: context.conversationId, ...meta },
      },
      async () => undefined,
    );
  }

  private pendingView(
    confirmation: StoredConfirmation,
    action: ActionsServiceAction | undefined,
  ): AiPendingConfirmation {
    return {
      confirmationId: confirmation.confirmationId,
      conversationId: confirmation.conversationId,
      toolCallId: confirmation.toolCallId,
      actionId: confirmation.actionId,
      actionTitle: action?.title ?? confirmation.actionId,
      actionDescription: action?.description ?? '',
      destructive: action?.attributes.destructive ?? true,
      input: this.options.masker.maskJson(confirmation.input as JsonObject),
      callHash: confirmation.callHash,
      expiresAt: confirmation.expiresAt.toISOString(),
    };
  }

  /** The actions the actions service lists for these credentials, as tools. */
  private async catalogFor(
    credentials: BackstageCredentials,
  ): Promise<ToolCatalog> {
    try {
      const { actions } = await this.options.actions.list({ credentials });
      return ToolCatalog.fromActions(actions);
    } catch (error) {
      this.options.logger.warn(
        `AI assistant: could not list actions; answering without tools: ${
          (error as Error).message
        }`,
      );
      return ToolCatalog.fromActions([]);
    }
  }

  private titleFrom(content: string): string {
    const line = content.replace(/\s+/g, ' ').trim();
    return line.length > 80
      ? `${line.slice(0, 79)}…`
      : line || DEFAULT_CONVERSATION_TITLE;
  }

  private async readyClient(
    credentials: BackstageCredentials,
  ): Promise<OpenAiChatClient> {
    await this.authorize(credentials, aiAssistantChatUsePermission);
    const { client, settings } = this.options;
    if (!client) {
      throw new ServiceUnavailableError(
        aiAssistantNotConfiguredMessage(settings.missingProviderKeys),
      );
    }
    return client;
  }

  private async countRequest(
    credentials: BackstageCredentials<BackstageUserPrincipal>,
  ) {
    await countAssistantRequest(
      this.options,
      credentials.principal.userEntityRef,
      this.clock(),
    );
  }

  private async takeTurn(conversationId: string) {
    if (
      !(await this.options.store.acquireTurn(conversationId, TURN_LEASE_MS))
    ) {
      throw new ConflictError(
        `An answer is still being written in conversation ${conversationId}; wait for it to finish`,
      );
    }
  }

  private async ownConversation(
    credentials: BackstageCredentials<BackstageUserPrincipal>,
    conversationId: string,
  ): Promise<AiConversationSummary> {
    const conversation = await this.options.store.getConversation(
      credentials.principal.userEntityRef,
      conversationId,
    );
    if (!conversation) throw this.noConversation(conversationId);
    return conversation;
  }

  private noConversation(conversationId: string) {
    return new NotFoundError(`You have no conversation ${conversationId}`);
  }

  private async authorize(
    credentials: BackstageCredentials,
    permission: BasicPermission,
  ) {
    const [decision] = await this.options.permissions.authorize(
      [{ permission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not ${
          permission === aiAssistantUsageReadPermission
            ? "read the assistant's usage"
            : 'use the AI assistant'
        } (${permission.name})`,
      );
    }
  }
}
