import { useApi } from '@backstage/frontend-plugin-api';
import type {
  AiConversationSummary,
  AiPendingConfirmation,
  AiStreamEvent,
} from '@internal/plugin-ai-assistant-common';
import { useCallback, useEffect, useReducer, useRef } from 'react';
import { AiAssistantApiError, aiAssistantApiRef } from './api';
import { chatReducer, ChatState, initialChatState } from './chatState';

export type UseChatOptions = {
  /** The conversation shown; none: a new one is created by the first message. */
  conversationId?: string;
  /** The entity a new conversation is about (the entity side panel). */
  entityRef?: string;
  onConversationCreated?: (conversation: AiConversationSummary) => void;
  /** After each turn, when titles and order in the conversation list may have changed. */
  onTurnFinished?: () => void;
};

export type Chat = {
  state: ChatState;
  /**
   * Sends a message. Resolves `false` when it was refused before anything was stored (the
   * composer then keeps the text), `true` otherwise.
   */
  send(text: string): Promise<boolean>;
  decide(
    confirmation: AiPendingConfirmation,
    decision: 'approve' | 'reject',
  ): Promise<boolean>;
  reload(): void;
  /**
   * Stops the answer being written: the request is aborted, the server cancels the model's
   * answer and stores what was written, marked stopped.
   */
  stop(): void;
};

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One conversation: loads it, sends messages and decisions, and applies the events of each
 * streamed answer as they arrive. Stopping, or leaving the conversation, aborts its stream;
 * the server then stops the answer and stores what was written, marked stopped.
 */
export function useChat(options: UseChatOptions): Chat {
  const api = useApi(aiAssistantApiRef);
  const { conversationId, entityRef } = options;
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const callbacks = useRef(options);
  callbacks.current = options;
  const currentId = useRef(conversationId);
  // The conversation this hook created itself: its state is already here, no load needed
  const createdHere = useRef<string>();
  // Events of a stream started for an earlier conversation are ignored
  const generation = useRef(0);
  const reading = useRef<AbortController>();

  const load = useCallback(
    (id: string, gen: number) => {
      dispatch({ type: 'loading' });
      api.getConversation(id).then(
        conversation => {
          if (gen === generation.current) {
            dispatch({ type: 'loaded', conversation });
          }
        },
        error => {
          if (gen === generation.current) {
            dispatch({ type: 'load-failed', message: messageOf(error) });
          }
        },
      );
    },
    [api],
  );

  useEffect(() => {
    currentId.current = conversationId;
    if (conversationId && conversationId === createdHere.current) {
      createdHere.current = undefined;
      return;
    }
    generation.current += 1;
    reading.current?.abort();
    dispatch({ type: 'reset' });
    if (conversationId) load(conversationId, generation.current);
  }, [conversationId, load]);

  useEffect(() => () => reading.current?.abort(), []);

  const reload = useCallback(() => {
    if (currentId.current) load(currentId.current, generation.current);
  }, [load]);

  const stream = useCallback(
    async (
      gen: number,
      start: (
        onEvent: (event: AiStreamEvent) => void,
        signal: AbortSignal,
      ) => Promise<void>,
    ): Promise<boolean> => {
      const controller = new AbortController();
      reading.current = controller;
      const finished = () => {
        if (reading.current === controller) reading.current = undefined;
      };
      let started = false;
      let done = false;
      const onEvent = (event: AiStreamEvent) => {
        if (gen !== generation.current) return;
        started = true;
        if (event.type === 'done') done = true;
        dispatch({ type: 'event', event });
      };
      try {
        await start(onEvent, controller.signal);
        finished();
      } catch (error) {
        finished();
        if (gen !== generation.current || controller.signal.aborted) {
          return true;
        }
        if (!started) {
          dispatch({
            type: 'request-failed',
            problem: {
              message:
                error instanceof AiAssistantApiError
                  ? error.message
                  : `The assistant could not be reached: ${messageOf(error)}`,
              retryAfterSeconds:
                error instanceof AiAssistantApiError
                  ? error.retryAfterSeconds
                  : undefined,
            },
          });
          return false;
        }
        dispatch({
          type: 'stream-ended',
          problem: {
            message: `The connection was lost before the answer was finished (${messageOf(
              error,
            )}); the conversation was reloaded with what is stored.`,
          },
        });
        load(currentId.current!, gen);
        callbacks.current.onTurnFinished?.();
        return true;
      }
      if (gen !== generation.current) return true;
      if (!done) {
        dispatch({
          type: 'stream-ended',
          problem: {
            message:
              'The answer stream ended before the assistant said it was finished; the conversation was reloaded with what is stored.',
          },
        });
        load(currentId.current!, gen);
      }
      callbacks.current.onTurnFinished?.();
      return true;
    },
    [load],
  );

  const send = useCallback(
    async (text: string): Promise<boolean> => {
      const gen = generation.current;
      dispatch({ type: 'send-start', text });
      let id = currentId.current;
      if (!id) {
        let created: AiConversationSummary;
        try {
          created = await api.createConversation(
            entityRef ? { entityRef } : {},
          );
        } catch (error) {
          if (gen === generation.current) {
            dispatch({
              type: 'request-failed',
              problem: { message: messageOf(error) },
            });
          }
          return false;
        }
        if (gen !== generation.current) return false;
        id = created.conversationId;
        currentId.current = id;
        createdHere.current = id;
        dispatch({ type: 'created', conversation: created });
        callbacks.current.onConversationCreated?.(created);
      }
      const target = id;
      const ok = await stream(gen, (onEvent, signal) =>
        api.sendMessage(target, text, onEvent, { signal }),
      );
      return ok;
    },
    [api, entityRef, stream],
  );

  const decide = useCallback(
    async (
      confirmation: AiPendingConfirmation,
      decision: 'approve' | 'reject',
    ): Promise<boolean> => {
      const gen = generation.current;
      dispatch({
        type: 'decide-start',
        confirmationId: confirmation.confirmationId,
      });
      const ok = await stream(gen, (onEvent, signal) =>
        api.decide(
          confirmation.confirmationId,
          {
            decision,
            conversationId: confirmation.conversationId,
            callHash: confirmation.callHash,
          },
          onEvent,
          { signal },
        ),
      );
      // A refused decision (expired, already used) changed what the server holds
      if (!ok && gen === generation.current)
        load(confirmation.conversationId, gen);
      return ok;
    },
    [api, load, stream],
  );

  const stop = useCallback(() => {
    const controller = reading.current;
    if (!controller || controller.signal.aborted) return;
    controller.abort();
    dispatch({ type: 'stopped' });
    callbacks.current.onTurnFinished?.();
  }, []);

  return { state, send, decide, reload, stop };
}
