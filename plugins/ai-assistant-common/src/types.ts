import type { JsonObject, JsonValue } from '@backstage/types';

/**
 * What Comet's AI assistant backend answers and accepts (`/api/ai-assistant`): conversations,
 * their messages, tool activity, confirmations and the events of a streamed answer.
 */

/** Who wrote a message. `notice`: the portal itself (an error, context left out); never sent to the model. */
export type AiMessageRole = 'user' | 'assistant' | 'tool' | 'notice';

/**
 * What kind of notice: an error the chat shows, context left out to fit the budget, older turns
 * sent to the model as a summary, or information (an answer the user stopped).
 */
export type AiNoticeKind =
  | 'error'
  | 'context-trimmed'
  | 'context-summarised'
  | 'info';

/**
 * Where a tool call stands. `awaiting-confirmation`: a write held until the user approves it;
 * `rejected`: the user declined; `expired`: nobody decided within five minutes; `skipped`: not
 * run (over the per-turn cap, or superseded by a new message).
 */
export type AiToolCallStatus =
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'awaiting-confirmation'
  | 'rejected'
  | 'expired'
  | 'skipped';

/** A tool call the model asked for, as stored with its assistant message. */
export type AiToolCall = {
  toolCallId: string;
  /** The action's id in the actions registry, e.g. `jira:create-issue`. */
  actionId: string;
  /** The arguments the model gave, parsed; `{}` when they were not a JSON object. */
  input: JsonObject;
};

/** One tool call as the chat shows it: what was called, with what, and what came back. */
export type AiToolActivity = {
  toolCallId: string;
  actionId: string;
  /** The action's title from the registry. */
  title: string;
  /** Read-only actions run at once; any other waits for the user's confirmation. */
  readOnly: boolean;
  /** The arguments, with secrets masked. */
  input: JsonObject;
  status: AiToolCallStatus;
  /** The action's output with secrets masked, cut to a size the chat can show. */
  output?: JsonValue;
  /** Why the call failed or was not run. */
  error?: string;
  /** Set while (and after) the call waited for the user. */
  confirmationId?: string;
};

export type AiMessage = {
  messageId: string;
  conversationId: string;
  role: AiMessageRole;
  /** Markdown for `user` and `assistant`; the masked data given to the model for `tool`. */
  content: string;
  /** ISO 8601 */
  createdAt: string;
  /** `assistant`: the tools it called. */
  toolCalls?: AiToolCall[];
  /** `tool`: the call this message answers and how it went. */
  activity?: AiToolActivity;
  /** `notice`: what kind. */
  notice?: AiNoticeKind;
  /** `assistant`: the user stopped the answer; `content` is what was written until then. */
  stopped?: boolean;
};

export type AiConversationSummary = {
  conversationId: string;
  title: string;
  /** The entity the conversation is about, when started from an entity page. */
  entityRef?: string;
  /** ISO 8601 */
  createdAt: string;
  /** ISO 8601: the last message */
  updatedAt: string;
  messageCount: number;
};

/** A write the model asked for, held on the server until the user approves or rejects it. */
export type AiPendingConfirmation = {
  confirmationId: string;
  conversationId: string;
  toolCallId: string;
  actionId: string;
  actionTitle: string;
  /** What the action says about itself, for the dialog. */
  actionDescription: string;
  destructive: boolean;
  /** The exact arguments that will run, secrets masked. */
  input: JsonObject;
  /** sha256 (hex) of the canonical call; the decision must send it back. */
  callHash: string;
  /** ISO 8601; five minutes after the model asked. */
  expiresAt: string;
};

export type AiConversation = AiConversationSummary & {
  messages: AiMessage[];
  /** Writes waiting for the user in this conversation. */
  pendingConfirmations: AiPendingConfirmation[];
};

/** `POST /confirmations/:confirmationId`: the user's decision on one held call. */
export type AiConfirmationDecision = {
  decision: 'approve' | 'reject';
  /** The conversation the confirmation belongs to. */
  conversationId: string;
  /** The `callHash` the user was shown: a confirmation runs only the call it was shown. */
  callHash: string;
};

export type AiTokenUsage = {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
};

/** How a streamed turn ended. */
export type AiTurnOutcome =
  /** The model answered. */
  | 'completed'
  /** A write waits for the user's confirmation; the answer continues after the decision. */
  | 'awaiting-confirmation'
  /** The provider failed; the chat says why (an `error` event) and nothing was lost. */
  | 'failed'
  /** The user stopped the answer; what was written until then is stored, marked stopped. */
  | 'stopped';

/**
 * One event of a streamed answer (`POST /conversations/:id/messages` and
 * `POST /confirmations/:id`), sent as server-sent events: `event: <type>` and
 * `data: <this object as JSON>`.
 */
export type AiStreamEvent =
  /** A message was stored: the user's, the assistant's finished answer, a tool result or a notice. */
  | { type: 'message'; message: AiMessage }
  /** A piece of the assistant's answer as the model writes it. */
  | { type: 'delta'; text: string }
  /** A tool call started, finished, failed or waits. */
  | { type: 'tool'; activity: AiToolActivity }
  /** A write the user must approve or reject. */
  | { type: 'confirmation'; confirmation: AiPendingConfirmation }
  /** Tokens one model call used, when the provider reports them. */
  | { type: 'usage'; usage: AiTokenUsage; model: string }
  /** What went wrong, said so the user can act on it (no secrets). */
  | { type: 'error'; message: string }
  /** The last event of every stream. */
  | { type: 'done'; outcome: AiTurnOutcome };

/** `GET /config`: whether the chat can answer, and if not which keys to set. */
export type AiAssistantConfigStatus =
  | {
      configured: true;
      model: string;
      maxToolCallsPerTurn: number;
    }
  | {
      configured: false;
      /** The full config keys to set, e.g. `aiAssistant.provider.baseUrl`. */
      missingKeys: string[];
      message: string;
    };

export type AiUsageRow = AiTokenUsage & {
  /** Model calls (every call, with or without reported usage). */
  requests: number;
};

/** `GET /usage`: token usage for administrators. */
export type AiUsageReport = {
  /** ISO 8601 */
  since: string;
  totals: AiUsageRow;
  byUser: Array<AiUsageRow & { userRef: string }>;
  byModel: Array<AiUsageRow & { model: string }>;
  /** Usage per UTC day, oldest first. */
  byDay: Array<AiUsageRow & { day: string }>;
};
