import type {
  AiConversation,
  AiConversationSummary,
  AiMessage,
  AiPendingConfirmation,
  AiStreamEvent,
  AiToolActivity,
  AiTurnOutcome,
} from '@internal/plugin-ai-assistant-common';

/** A failure the chat shows: a refusal before streaming (403, 409, 429, 503) or a lost stream. */
export type ChatProblem = {
  message: string;
  /** From `Retry-After` on a 429. */
  retryAfterSeconds?: number;
};

/** One conversation as the chat shows it: what is stored, plus the answer being streamed. */
export type ChatState = {
  conversation?: AiConversationSummary;
  loading: boolean;
  loadError?: string;
  messages: AiMessage[];
  /** The latest state of each tool call, by `toolCallId`. */
  activities: Record<string, AiToolActivity>;
  /** Writes waiting for the user's decision. */
  confirmations: AiPendingConfirmation[];
  /** Confirmations that arrived in a stream here (not loaded with the history). */
  arrivedConfirmationIds: string[];
  /** A confirmation whose decision is being sent. */
  decidingConfirmationId?: string;
  /** A request is being answered (sending, or reading the stream). */
  busy: boolean;
  /** The user's message before the server has stored it. */
  pendingUserText?: string;
  /** The part of the answer streamed so far, until the stored answer replaces it. */
  streamingText: string;
  /** `error` events of the stream, until the stored notice with the same text arrives. */
  streamErrors: string[];
  problem?: ChatProblem;
  outcome?: AiTurnOutcome;
  /** Tokens the model calls of the last turn used, when the provider reported them. */
  turnTokens?: number;
};

export type ChatAction =
  | { type: 'reset' }
  | { type: 'loading' }
  | { type: 'loaded'; conversation: AiConversation }
  | { type: 'load-failed'; message: string }
  | { type: 'created'; conversation: AiConversationSummary }
  | { type: 'send-start'; text: string }
  | { type: 'decide-start'; confirmationId: string }
  | { type: 'event'; event: AiStreamEvent }
  | { type: 'request-failed'; problem: ChatProblem }
  | { type: 'stream-ended'; problem?: ChatProblem }
  /** The user stopped the answer: what streamed so far stays, marked stopped. */
  | { type: 'stopped' };

export const initialChatState: ChatState = {
  loading: false,
  messages: [],
  activities: {},
  confirmations: [],
  arrivedConfirmationIds: [],
  busy: false,
  streamingText: '',
  streamErrors: [],
};

function activitiesOf(messages: AiMessage[]): Record<string, AiToolActivity> {
  const activities: Record<string, AiToolActivity> = {};
  for (const message of messages) {
    if (message.activity) {
      activities[message.activity.toolCallId] = message.activity;
    }
  }
  return activities;
}

function withoutStoredErrors(errors: string[], messages: AiMessage[]) {
  const stored = new Set(
    messages.filter(m => m.role === 'notice').map(m => m.content),
  );
  return errors.filter(error => !stored.has(error));
}

function applyEvent(state: ChatState, event: AiStreamEvent): ChatState {
  switch (event.type) {
    case 'message': {
      const { message } = event;
      if (state.messages.some(m => m.messageId === message.messageId)) {
        return state;
      }
      const messages = [...state.messages, message];
      return {
        ...state,
        messages,
        pendingUserText:
          message.role === 'user' ? undefined : state.pendingUserText,
        streamingText: message.role === 'assistant' ? '' : state.streamingText,
        activities: message.activity
          ? {
              ...state.activities,
              [message.activity.toolCallId]: message.activity,
            }
          : state.activities,
        streamErrors:
          message.role === 'notice'
            ? withoutStoredErrors(state.streamErrors, messages)
            : state.streamErrors,
      };
    }
    case 'delta':
      return { ...state, streamingText: state.streamingText + event.text };
    case 'tool': {
      const { activity } = event;
      return {
        ...state,
        activities: { ...state.activities, [activity.toolCallId]: activity },
        confirmations:
          activity.status === 'awaiting-confirmation'
            ? state.confirmations
            : state.confirmations.filter(
                c => c.toolCallId !== activity.toolCallId,
              ),
      };
    }
    case 'confirmation':
      return {
        ...state,
        confirmations: [
          ...state.confirmations.filter(
            c => c.confirmationId !== event.confirmation.confirmationId,
          ),
          event.confirmation,
        ],
        arrivedConfirmationIds: [
          ...state.arrivedConfirmationIds,
          event.confirmation.confirmationId,
        ],
      };
    case 'usage':
      return {
        ...state,
        turnTokens: (state.turnTokens ?? 0) + event.usage.totalTokens,
      };
    case 'error':
      return state.messages.some(
        m => m.role === 'notice' && m.content === event.message,
      )
        ? state
        : { ...state, streamErrors: [...state.streamErrors, event.message] };
    case 'done':
      return {
        ...state,
        busy: false,
        outcome: event.outcome,
        decidingConfirmationId: undefined,
      };
    default:
      return state;
  }
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'reset':
      return initialChatState;
    case 'loading':
      return { ...state, loading: true, loadError: undefined };
    case 'loaded': {
      const { messages, pendingConfirmations, ...summary } =
        action.conversation;
      return {
        ...state,
        conversation: summary,
        loading: false,
        loadError: undefined,
        messages,
        activities: activitiesOf(messages),
        confirmations: pendingConfirmations,
        streamingText: state.busy ? state.streamingText : '',
        streamErrors: withoutStoredErrors(state.streamErrors, messages),
      };
    }
    case 'load-failed':
      return { ...state, loading: false, loadError: action.message };
    case 'created':
      return { ...state, conversation: action.conversation };
    case 'send-start':
      return {
        ...state,
        busy: true,
        pendingUserText: action.text,
        streamingText: '',
        streamErrors: [],
        problem: undefined,
        outcome: undefined,
        turnTokens: undefined,
      };
    case 'decide-start':
      return {
        ...state,
        busy: true,
        decidingConfirmationId: action.confirmationId,
        streamingText: '',
        streamErrors: [],
        problem: undefined,
        outcome: undefined,
        turnTokens: undefined,
      };
    case 'event':
      return applyEvent(state, action.event);
    case 'request-failed':
      return {
        ...state,
        busy: false,
        pendingUserText: undefined,
        decidingConfirmationId: undefined,
        problem: action.problem,
      };
    case 'stopped':
      return {
        ...state,
        busy: false,
        decidingConfirmationId: undefined,
        outcome: 'stopped',
        pendingUserText: undefined,
        streamingText: '',
        // Shown until the stored answer (marked stopped) replaces it on the next load
        messages: state.streamingText
          ? [
              ...state.messages,
              {
                messageId: `stopped-${state.messages.length}`,
                conversationId: state.conversation?.conversationId ?? '',
                role: 'assistant',
                content: state.streamingText,
                createdAt: new Date().toISOString(),
                stopped: true,
              },
            ]
          : state.messages,
      };
    case 'stream-ended':
      return {
        ...state,
        busy: false,
        decidingConfirmationId: undefined,
        ...(action.problem ? { problem: action.problem } : {}),
      };
    default:
      return state;
  }
}
