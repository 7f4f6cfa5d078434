import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  FakeAiAssistantBackend,
  message,
} from '../__testUtils__/FakeAiAssistantBackend';
import { renderWithBackend } from '../__testUtils__/render';
import { AssistantPage } from './AssistantPage';

jest.setTimeout(60_000);

const log = () => screen.getByRole('log', { name: 'Conversation' });
const messageBox = () =>
  screen.getByRole('textbox', { name: 'Message the assistant' });

describe('Stop generating', () => {
  let backend: FakeAiAssistantBackend;
  let user: ReturnType<typeof userEvent.setup>;

  beforeEach(() => {
    backend = new FakeAiAssistantBackend();
    user = userEvent.setup({ delay: null });
  });

  async function startAnswer() {
    const conversation = backend.add({ title: 'Builds' });
    const { conversationId } = conversation;
    const streamed = backend.nextLiveStream();
    renderWithBackend(<AssistantPage />, backend, {
      initialRouteEntries: [`/ai-assistant?conversation=${conversationId}`],
    });
    await screen.findByText('Ask about your services', { exact: false });
    expect(
      screen.queryByRole('button', { name: 'Stop generating' }),
    ).toBeNull();
    await user.type(messageBox(), 'Why did the build fail?{Enter}');
    const stream = await streamed;
    stream.send({
      type: 'message',
      message: message(conversationId, {
        role: 'user',
        content: 'Why did the build fail?',
      }),
    });
    stream.send({ type: 'delta', text: 'The cache was ' });
    await screen.findByLabelText('The assistant is writing');
    return { stream, conversationId };
  }

  it('stops the answer from a keyboard-reachable button, keeping what was written', async () => {
    const { stream } = await startAnswer();
    const stop = screen.getByRole('button', { name: 'Stop generating' });
    // Reached with the keyboard from the message box
    messageBox().focus();
    await user.tab();
    expect(stop).toHaveFocus();
    await user.keyboard('{Enter}');

    // The request was aborted, as the server needs to notice
    expect(stream.aborted).toBe(true);
    const send = backend.writes().at(-1)!;
    expect(send.signal?.aborted).toBe(true);
    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent(
        'You stopped the answer.',
      ),
    );
    const stopped = within(log()).getByLabelText(
      'The assistant wrote (stopped)',
    );
    expect(stopped).toHaveTextContent('The cache was');
    expect(stopped).toHaveTextContent('Stopped by you');
    expect(log()).toHaveAttribute('aria-busy', 'false');
    expect(
      screen.queryByRole('button', { name: 'Stop generating' }),
    ).toBeNull();
    expect(screen.queryByLabelText('The assistant is writing')).toBeNull();
    // No error: stopping is not a lost connection
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('stops with Escape in the message box', async () => {
    const { stream } = await startAnswer();
    messageBox().focus();
    await user.keyboard('{Escape}');
    expect(stream.aborted).toBe(true);
    await waitFor(() =>
      expect(
        within(log()).getByLabelText('The assistant wrote (stopped)'),
      ).toHaveTextContent('The cache was'),
    );
    // Another message can be written and sent at once
    await user.type(messageBox(), 'Go on');
    expect(screen.getByRole('button', { name: 'Send' })).toBeEnabled();
  });

  it('shows a stored stopped answer as stopped', async () => {
    const conversation = backend.add({ title: 'Earlier' });
    conversation.messages.push(
      message(conversation.conversationId, {
        role: 'user',
        content: 'Explain run 7',
      }),
      message(conversation.conversationId, {
        role: 'assistant',
        content: 'Run 7 failed in',
        stopped: true,
      }),
    );
    renderWithBackend(<AssistantPage />, backend, {
      initialRouteEntries: [
        `/ai-assistant?conversation=${conversation.conversationId}`,
      ],
    });
    const stopped = await screen.findByLabelText(
      'The assistant wrote (stopped)',
    );
    expect(stopped).toHaveTextContent('Run 7 failed in');
    expect(stopped).toHaveTextContent('Stopped by you');
  });
});
