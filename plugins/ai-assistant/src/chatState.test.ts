import type { AiConversation } from '@internal/plugin-ai-assistant-common';
import {
  activity,
  message,
  pendingConfirmation,
} from './__testUtils__/FakeAiAssistantBackend';
import {
  ChatAction,
  chatReducer,
  ChatState,
  initialChatState,
} from './chatState';

const run = (actions: ChatAction[], from: ChatState = initialChatState) =>
  actions.reduce(chatReducer, from);

const conversation = (
  partial: Partial<AiConversation> = {},
): AiConversation => ({
  conversationId: 'c-1',
  title: 'T',
  createdAt: '2026-12-01T09:00:00.000Z',
  updatedAt: '2026-12-01T09:00:00.000Z',
  messageCount: 0,
  messages: [],
  pendingConfirmations: [],
  ...partial,
});

describe('chatReducer', () => {
  it('accumulates deltas until the stored answer replaces them', () => {
    const answer = message('c-1', {
      role: 'assistant',
      content: 'Hello there',
    });
    const state = run([
      { type: 'send-start', text: 'Hi' },
      { type: 'event', event: { type: 'delta', text: 'Hello ' } },
      { type: 'event', event: { type: 'delta', text: 'there' } },
    ]);
    expect(state.streamingText).toBe('Hello there');
    expect(state.pendingUserText).toBe('Hi');
    const after = run(
      [
        { type: 'event', event: { type: 'message', message: answer } },
        // The same message twice (a reload racing the stream) is kept once
        { type: 'event', event: { type: 'message', message: answer } },
        { type: 'event', event: { type: 'done', outcome: 'completed' } },
      ],
      state,
    );
    expect(after.streamingText).toBe('');
    expect(after.messages).toEqual([answer]);
    expect(after.busy).toBe(false);
    expect(after.outcome).toBe('completed');
  });

  it('keeps the latest state of each tool call and drops a confirmation once it is decided', () => {
    const confirmation = pendingConfirmation('c-1');
    let state = run([
      {
        type: 'event',
        event: { type: 'tool', activity: activity('awaiting-confirmation') },
      },
      { type: 'event', event: { type: 'confirmation', confirmation } },
    ]);
    expect(state.confirmations).toEqual([confirmation]);
    expect(state.arrivedConfirmationIds).toEqual([confirmation.confirmationId]);
    state = run(
      [
        { type: 'decide-start', confirmationId: confirmation.confirmationId },
        {
          type: 'event',
          event: { type: 'tool', activity: activity('running') },
        },
      ],
      state,
    );
    expect(state.confirmations).toEqual([]);
    expect(state.decidingConfirmationId).toBe(confirmation.confirmationId);
    expect(state.activities['call-1'].status).toBe('running');
  });

  it('shows an error event once, and not again when its stored notice arrives', () => {
    const notice = message('c-1', {
      role: 'notice',
      notice: 'error',
      content: 'The provider is down',
    });
    let state = run([
      {
        type: 'event',
        event: { type: 'error', message: 'The provider is down' },
      },
    ]);
    expect(state.streamErrors).toEqual(['The provider is down']);
    state = run(
      [
        { type: 'event', event: { type: 'message', message: notice } },
        // An error event after its notice is not shown twice either
        {
          type: 'event',
          event: { type: 'error', message: 'The provider is down' },
        },
      ],
      state,
    );
    expect(state.streamErrors).toEqual([]);
    expect(state.messages).toEqual([notice]);
  });

  it('keeps what streamed when the user stops, marked stopped', () => {
    const stopped = run([
      { type: 'loaded', conversation: conversation() },
      { type: 'send-start', text: 'Why?' },
      { type: 'event', event: { type: 'delta', text: 'Because the ' } },
      { type: 'stopped' },
    ]);
    expect(stopped.busy).toBe(false);
    expect(stopped.outcome).toBe('stopped');
    expect(stopped.streamingText).toBe('');
    expect(stopped.messages).toEqual([
      expect.objectContaining({
        role: 'assistant',
        content: 'Because the ',
        stopped: true,
        conversationId: 'c-1',
      }),
    ]);
    // Stopped before anything streamed: nothing is added
    const early = run([
      { type: 'send-start', text: 'Why?' },
      { type: 'stopped' },
    ]);
    expect(early.messages).toEqual([]);
    expect(early.busy).toBe(false);
  });

  it('counts the tokens of the turn', () => {
    const usage = { promptTokens: 10, completionTokens: 5, totalTokens: 15 };
    const state = run([
      { type: 'send-start', text: 'x' },
      { type: 'event', event: { type: 'usage', usage, model: 'm' } },
      { type: 'event', event: { type: 'usage', usage, model: 'm' } },
    ]);
    expect(state.turnTokens).toBe(30);
  });

  it('loads a conversation with the activities of its tool messages', () => {
    const done = activity('succeeded', { output: { key: 'PAY-1' } });
    const loaded = run([
      { type: 'loading' },
      {
        type: 'loaded',
        conversation: conversation({
          messages: [
            message('c-1', { role: 'tool', content: '{}', activity: done }),
          ],
          pendingConfirmations: [pendingConfirmation('c-1')],
        }),
      },
    ]);
    expect(loaded.loading).toBe(false);
    expect(loaded.activities).toEqual({ 'call-1': done });
    expect(loaded.confirmations).toHaveLength(1);
    expect(loaded.arrivedConfirmationIds).toEqual([]);
    expect(loaded.conversation).not.toHaveProperty('messages');
  });

  it('records refusals and failed loads', () => {
    const refused = run([
      { type: 'send-start', text: 'x' },
      {
        type: 'request-failed',
        problem: { message: 'no', retryAfterSeconds: 3 },
      },
    ]);
    expect(refused).toMatchObject({
      busy: false,
      pendingUserText: undefined,
      problem: { message: 'no', retryAfterSeconds: 3 },
    });
    expect(
      run([{ type: 'loading' }, { type: 'load-failed', message: 'gone' }]),
    ).toMatchObject({ loading: false, loadError: 'gone' });
    expect(run([{ type: 'send-start', text: 'x' }, { type: 'reset' }])).toBe(
      initialChatState,
    );
    expect(chatReducer(initialChatState, { type: 'unknown' } as any)).toBe(
      initialChatState,
    );
    expect(
      chatReducer(initialChatState, {
        type: 'event',
        event: { type: 'unknown' } as any,
      }),
    ).toBe(initialChatState);
  });
});
