import { aiAssistantNotConfiguredMessage } from '@internal/plugin-ai-assistant-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  activity,
  createIssueCall,
  FakeAiAssistantBackend,
  message,
  pendingConfirmation,
} from '../__testUtils__/FakeAiAssistantBackend';
import { renderWithBackend } from '../__testUtils__/render';
import { AssistantPage } from './AssistantPage';

jest.setTimeout(60_000);

function renderPage(
  backend: FakeAiAssistantBackend,
  options: { path?: string; deny?: string[] } = {},
) {
  return renderWithBackend(<AssistantPage />, backend, {
    initialRouteEntries: [options.path ?? '/ai-assistant'],
    deny: options.deny,
  });
}

const log = () => screen.getByRole('log', { name: 'Conversation' });
const messageBox = () =>
  screen.getByRole('textbox', { name: 'Message the assistant' });

describe('AssistantPage', () => {
  let backend: FakeAiAssistantBackend;
  let user: ReturnType<typeof userEvent.setup>;

  beforeEach(() => {
    backend = new FakeAiAssistantBackend();
    user = userEvent.setup({ delay: null });
  });

  it('says which keys to set when no provider is configured, and still lists history', async () => {
    backend.config = {
      configured: false,
      missingKeys: [
        'aiAssistant.provider.apiKey',
        'aiAssistant.provider.model',
      ],
      message: aiAssistantNotConfiguredMessage([
        'aiAssistant.provider.apiKey',
        'aiAssistant.provider.model',
      ]),
    };
    backend.add({ title: 'Earlier question about payments-api' });
    renderPage(backend);

    const keys = await screen.findByRole('list', {
      name: 'Config keys to set',
    });
    expect(
      within(keys)
        .getAllByRole('listitem')
        .map(item => item.textContent),
    ).toEqual(['aiAssistant.provider.apiKey', 'aiAssistant.provider.model']);
    expect(
      screen.getByText(
        /set aiAssistant.provider.apiKey, aiAssistant.provider.model in app-config/,
      ),
    ).toBeVisible();
    expect(messageBox()).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
    expect(
      await screen.findByText('Earlier question about payments-api'),
    ).toBeVisible();
  });

  it('creates a conversation with the first message and renders the answer as it streams', async () => {
    const streamed = backend.nextLiveStream();
    const rendered = renderPage(backend);
    await screen.findByText('No conversations yet.');
    // The message box has the focus once the settings say a model answers
    await waitFor(() => expect(messageBox()).toHaveFocus());

    await user.type(messageBox(), 'Why did payments-api fail?');
    await user.keyboard('{Enter}');
    const stream = await streamed;

    const [create, send] = backend.writes();
    expect(create).toMatchObject({ method: 'POST', path: 'conversations' });
    expect(create.json).toEqual({});
    const conversationId = [...backend.conversations.keys()][0];
    expect(send).toMatchObject({
      method: 'POST',
      path: `conversations/${conversationId}/messages`,
      json: { content: 'Why did payments-api fail?' },
    });
    expect(send.headers.Accept).toBe('text/event-stream');
    // Sent: the box is empty and keeps the focus; the message shows at once
    expect(messageBox()).toHaveValue('');
    expect(messageBox()).toHaveFocus();
    expect(within(log()).getByText('Why did payments-api fail?')).toBeVisible();
    await waitFor(() =>
      expect(rendered.location()).toBe(
        `/ai-assistant?conversation=${conversationId}`,
      ),
    );
    expect(log()).toHaveAttribute('aria-busy', 'true');
    expect(screen.getByRole('status')).toHaveTextContent(
      'The assistant is answering…',
    );

    stream.send({
      type: 'message',
      message: message(conversationId, {
        role: 'user',
        content: 'Why did payments-api fail?',
      }),
    });
    stream.send({ type: 'delta', text: 'The build failed ' });
    const writing = await screen.findByLabelText('The assistant is writing');
    expect(writing).toHaveTextContent('The build failed');
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();

    stream.send({ type: 'delta', text: 'in **test**: a snapshot differs.' });
    await waitFor(() =>
      expect(
        within(writing).getByText('test', { selector: 'strong' }),
      ).toBeVisible(),
    );
    expect(writing).toHaveTextContent(
      'The build failed in test: a snapshot differs.',
    );

    stream.send({
      type: 'message',
      message: message(conversationId, {
        role: 'assistant',
        content: 'The build failed in **test**: a snapshot differs.',
      }),
    });
    stream.send({
      type: 'usage',
      usage: { promptTokens: 120, completionTokens: 30, totalTokens: 150 },
      model: 'comet-demo-model',
    });
    stream.send({ type: 'done', outcome: 'completed' });
    stream.end();

    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent(
        'The assistant answered.',
      ),
    );
    expect(log()).toHaveAttribute('aria-busy', 'false');
    expect(screen.getByText('The last answer used 150 tokens.')).toBeVisible();
    expect(screen.queryByLabelText('The assistant is writing')).toBeNull();
    expect(within(log()).getAllByText(/a snapshot differs/).length).toBe(1);
    // The list shows the conversation under the title the first message gave it
    const list = screen.getByRole('list', { name: 'Conversations' });
    expect(
      await within(list).findByText('Why did payments-api fail?'),
    ).toBeVisible();
  });

  it('shows tool activity as it happens and holds a write until it is approved', async () => {
    const conversation = backend.add({ title: 'Refunds' });
    const { conversationId } = conversation;
    const confirmation = pendingConfirmation(conversationId);
    backend.answerNext([
      {
        type: 'message',
        message: message(conversationId, {
          role: 'user',
          content: 'File a bug for the double refunds',
        }),
      },
      { type: 'delta', text: 'Calling `jira:create-issue`.' },
      {
        type: 'message',
        message: message(conversationId, {
          role: 'assistant',
          content: 'Calling `jira:create-issue`.',
          toolCalls: [createIssueCall],
        }),
      },
      {
        type: 'tool',
        activity: activity('awaiting-confirmation', {
          confirmationId: confirmation.confirmationId,
        }),
      },
      { type: 'confirmation', confirmation },
      { type: 'done', outcome: 'awaiting-confirmation' },
    ]);
    renderPage(backend, {
      path: `/ai-assistant?conversation=${conversationId}`,
    });
    await screen.findByText('Ask about your services', { exact: false });

    await user.type(messageBox(), 'File a bug for the double refunds{Enter}');

    const tool = await screen.findByRole('group', {
      name: 'Tool jira:create-issue: Waiting for your confirmation',
    });
    expect(
      within(tool).getByLabelText('Arguments of jira:create-issue'),
    ).toHaveTextContent('"summary": "Refunds are applied twice"');
    const card = screen.getByRole('region', {
      name: 'Confirm: Create Jira issue',
    });
    expect(
      within(card).getByLabelText('Arguments of jira:create-issue'),
    ).toHaveTextContent(
      JSON.stringify(createIssueCall.input, null, 2).replace(/\s+/g, ' '),
      { normalizeWhitespace: true },
    );
    expect(card).toHaveTextContent('Creates an issue in a Jira project');
    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent(
        'Waiting for your confirmation of jira:create-issue',
      ),
    );
    // A confirmation asked for just now takes the focus, and keeps it once the answer ended
    expect(
      within(card).getByRole('heading', { name: 'Confirm: Create Jira issue' }),
    ).toHaveFocus();

    const streamed = backend.nextLiveStream();
    await user.click(within(card).getByRole('button', { name: 'Approve' }));
    const stream = await streamed;
    const decision = backend.writes().at(-1)!;
    expect(decision).toMatchObject({
      method: 'POST',
      path: `confirmations/${confirmation.confirmationId}`,
      json: {
        decision: 'approve',
        conversationId,
        callHash: confirmation.callHash,
      },
    });
    expect(
      within(card).getByRole('button', { name: 'Approve' }),
    ).toBeDisabled();
    // The decision is taken: the focus is back in the message box
    expect(messageBox()).toHaveFocus();

    stream.send({
      type: 'tool',
      activity: activity('running', {
        confirmationId: confirmation.confirmationId,
      }),
    });
    expect(
      await screen.findByRole('group', {
        name: 'Tool jira:create-issue: Running…',
      }),
    ).toBeVisible();
    expect(
      screen.queryByRole('region', { name: 'Confirm: Create Jira issue' }),
    ).toBeNull();

    const succeeded = activity('succeeded', {
      confirmationId: confirmation.confirmationId,
      output: { key: 'PAY-42', url: 'https://jira.example/browse/PAY-42' },
    });
    stream.send({ type: 'tool', activity: succeeded });
    stream.send({
      type: 'message',
      message: message(conversationId, {
        role: 'tool',
        content: '{"untrusted_data":true}',
        activity: succeeded,
      }),
    });
    stream.send({ type: 'delta', text: 'Created PAY-42.' });
    stream.send({
      type: 'message',
      message: message(conversationId, {
        role: 'assistant',
        content: 'Created [PAY-42](https://jira.example/browse/PAY-42).',
      }),
    });
    stream.send({ type: 'done', outcome: 'completed' });
    stream.end();

    const done = await screen.findByRole('group', {
      name: 'Tool jira:create-issue: Succeeded',
    });
    // The result is collapsed until asked for
    const result = within(done).getByLabelText('Result of jira:create-issue');
    expect(result.closest('details')).not.toHaveAttribute('open');
    await user.click(within(done).getByText('Result'));
    expect(result.closest('details')).toHaveAttribute('open');
    expect(result).toHaveTextContent('"key": "PAY-42"');
    expect(await screen.findByRole('link', { name: 'PAY-42' })).toHaveAttribute(
      'href',
      'https://jira.example/browse/PAY-42',
    );
    // Shown once, with the call that made it
    expect(screen.getAllByTestId('tool-activity')).toHaveLength(1);
  });

  it('sends a rejection, and shows the call as not run', async () => {
    const conversation = backend.add({ title: 'Refunds' });
    const { conversationId } = conversation;
    const confirmation = pendingConfirmation(conversationId);
    conversation.messages.push(
      message(conversationId, { role: 'user', content: 'File a bug' }),
      message(conversationId, {
        role: 'assistant',
        content: '',
        toolCalls: [createIssueCall],
      }),
    );
    conversation.pendingConfirmations.push(confirmation);
    renderPage(backend, {
      path: `/ai-assistant?conversation=${conversationId}`,
    });

    const card = await screen.findByRole('region', {
      name: 'Confirm: Create Jira issue',
    });
    // Loaded with the history: the focus stays in the message box
    expect(
      within(card).getByRole('heading', { name: 'Confirm: Create Jira issue' }),
    ).not.toHaveFocus();
    expect(
      screen.getByRole('group', { name: /Tool jira:create-issue: / }),
    ).toHaveAccessibleName('Tool jira:create-issue: No result recorded');

    const rejected = activity('rejected', {
      confirmationId: confirmation.confirmationId,
      error: 'The user declined this call; it was not made.',
    });
    backend.answerNext([
      { type: 'tool', activity: rejected },
      {
        type: 'message',
        message: message(conversationId, {
          role: 'tool',
          content: '{}',
          activity: rejected,
        }),
      },
      {
        type: 'message',
        message: message(conversationId, {
          role: 'assistant',
          content: 'I did not file it.',
        }),
      },
      { type: 'done', outcome: 'completed' },
    ]);
    await user.click(within(card).getByRole('button', { name: 'Reject' }));

    const tool = await screen.findByRole('group', {
      name: 'Tool jira:create-issue: Rejected: not run',
    });
    expect(tool).toHaveTextContent(
      'The user declined this call; it was not made.',
    );
    expect(backend.writes().at(-1)!.json).toEqual({
      decision: 'reject',
      conversationId,
      callHash: confirmation.callHash,
    });
    expect(await screen.findByText('I did not file it.')).toBeVisible();
    expect(
      screen.queryByRole('region', { name: 'Confirm: Create Jira issue' }),
    ).toBeNull();
  });

  it('shows a refused decision (expired) and reloads what the server holds', async () => {
    const conversation = backend.add({ title: 'Refunds' });
    const { conversationId } = conversation;
    const confirmation = pendingConfirmation(conversationId);
    conversation.messages.push(
      message(conversationId, {
        role: 'assistant',
        content: 'Calling it.',
        toolCalls: [createIssueCall],
      }),
    );
    conversation.pendingConfirmations.push(confirmation);
    renderPage(backend, {
      path: `/ai-assistant?conversation=${conversationId}`,
    });
    const card = await screen.findByRole('region', {
      name: 'Confirm: Create Jira issue',
    });

    const message409 = `Confirmation ${confirmation.confirmationId} expired at 2026-12-01T10:05:00.000Z (a call waits 5 minutes); nothing was run. Ask the assistant again.`;
    backend.failNext('POST', /^confirmations\//, 409, {
      name: 'ConflictError',
      message: message409,
    });
    // What the server holds after refusing: the call recorded as expired
    const expired = activity('expired', {
      error:
        'The user did not confirm this call within 5 minutes; it was not made.',
    });
    conversation.pendingConfirmations = [];
    conversation.messages.push(
      message(conversationId, {
        role: 'tool',
        content: '{}',
        activity: expired,
      }),
    );
    await user.click(within(card).getByRole('button', { name: 'Approve' }));

    expect(await screen.findByText(message409)).toBeVisible();
    expect(
      await screen.findByRole('group', {
        name: 'Tool jira:create-issue: Expired: not run',
      }),
    ).toBeVisible();
    expect(
      screen.queryByRole('region', { name: 'Confirm: Create Jira issue' }),
    ).toBeNull();
  });

  it("shows the provider's errors from the stream once, and keeps what was written", async () => {
    const { conversationId } = backend.add({ title: 'Errors' });
    const providerError =
      'The model provider at http://127.0.0.1:9/v1 could not be reached (ECONNREFUSED): is it running, and is aiAssistant.provider.baseUrl right?';
    backend.answerNext([
      {
        type: 'message',
        message: message(conversationId, { role: 'user', content: 'Hello' }),
      },
      { type: 'delta', text: 'Partial answer' },
      { type: 'error', message: providerError },
      {
        type: 'message',
        message: message(conversationId, {
          role: 'assistant',
          content: 'Partial answer',
        }),
      },
      {
        type: 'message',
        message: message(conversationId, {
          role: 'notice',
          notice: 'error',
          content: providerError,
        }),
      },
      { type: 'done', outcome: 'failed' },
    ]);
    renderPage(backend, {
      path: `/ai-assistant?conversation=${conversationId}`,
    });
    await screen.findByText('Ask about your services', { exact: false });
    await user.type(messageBox(), 'Hello{Enter}');

    const alert = await screen.findByText(providerError);
    // An error alert, not an informational one
    expect(alert.closest('[role="alert"]')!.className).toMatch(
      /MuiAlert-standardError/,
    );
    expect(screen.getAllByText(providerError)).toHaveLength(1);
    expect(within(log()).getByText('Partial answer')).toBeVisible();
    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent(
        'The answer failed; the chat says why.',
      ),
    );

    // An error event that the backend could not store is still shown
    backend.answerNext([
      { type: 'error', message: 'The assistant failed unexpectedly (Error)' },
      { type: 'done', outcome: 'failed' },
    ]);
    await user.type(messageBox(), 'Again{Enter}');
    expect(
      await screen.findByText('The assistant failed unexpectedly (Error)'),
    ).toBeVisible();
  });

  it('shows a 429 with its Retry-After and gives the message back to the box', async () => {
    const { conversationId } = backend.add({ title: 'Busy' });
    renderPage(backend, {
      path: `/ai-assistant?conversation=${conversationId}`,
    });
    await screen.findByText('Ask about your services', { exact: false });
    const refusal =
      'You have sent 20 requests to the assistant in 60 s (aiAssistant.rateLimit); try again in 42 s';
    backend.failNext(
      'POST',
      /\/messages$/,
      429,
      { name: 'TooManyRequestsError', message: refusal },
      { 'retry-after': '42' },
    );
    await user.type(messageBox(), 'Summarise the last runs{Enter}');

    expect(
      await screen.findByText(`${refusal} (Retry-After: 42 s)`),
    ).toBeVisible();
    expect(messageBox()).toHaveValue('Summarise the last runs');
    expect(within(log()).queryByLabelText('You wrote')).toBeNull();
  });

  it('shows a 503 naming the keys when the provider went away', async () => {
    const { conversationId } = backend.add({ title: 'Config' });
    renderPage(backend, {
      path: `/ai-assistant?conversation=${conversationId}`,
    });
    await screen.findByText('Ask about your services', { exact: false });
    const message503 = aiAssistantNotConfiguredMessage();
    backend.failNext('POST', /\/messages$/, 503, {
      name: 'ServiceUnavailableError',
      message: message503,
    });
    await user.type(messageBox(), 'Hi{Enter}');
    expect(await screen.findByText(message503)).toBeVisible();
  });

  it('says so when the connection drops mid-answer, and reloads what the server stored', async () => {
    const conversation = backend.add({ title: 'Drops' });
    const { conversationId } = conversation;
    renderPage(backend, {
      path: `/ai-assistant?conversation=${conversationId}`,
    });
    await screen.findByText('Ask about your services', { exact: false });
    const streamed = backend.nextLiveStream();
    await user.type(messageBox(), 'Hello{Enter}');
    const stream = await streamed;
    stream.send({
      type: 'message',
      message: message(conversationId, { role: 'user', content: 'Hello' }),
    });
    stream.send({ type: 'delta', text: 'Half an' });
    await screen.findByLabelText('The assistant is writing');
    // Meanwhile the server finished the answer and stored it
    conversation.messages.push(
      message(conversationId, {
        role: 'assistant',
        content: 'Half an answer, finished on the server.',
      }),
    );
    const reads = backend.requests.filter(r => r.method === 'GET').length;
    stream.drop();

    expect(
      await screen.findByText(
        /The connection was lost before the answer was finished/,
      ),
    ).toBeVisible();
    expect(
      await screen.findByText('Half an answer, finished on the server.'),
    ).toBeVisible();
    expect(
      backend.requests
        .slice(reads)
        .some(
          r =>
            r.method === 'GET' && r.path === `conversations/${conversationId}`,
        ),
    ).toBe(true);
    expect(screen.queryByLabelText('The assistant is writing')).toBeNull();
  });

  it('says so when the stream ends without its done event', async () => {
    const { conversationId } = backend.add({ title: 'Cut' });
    backend.answerNext([
      {
        type: 'message',
        message: message(conversationId, { role: 'user', content: 'Hello' }),
      },
    ]);
    renderPage(backend, {
      path: `/ai-assistant?conversation=${conversationId}`,
    });
    await screen.findByText('Ask about your services', { exact: false });
    await user.type(messageBox(), 'Hello{Enter}');
    expect(
      await screen.findByText(
        /The answer stream ended before the assistant said it was finished/,
      ),
    ).toBeVisible();
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
    await user.type(messageBox(), 'x');
    expect(screen.getByRole('button', { name: 'Send' })).toBeEnabled();
  });

  it('sends with Enter and starts a new line with Shift+Enter', async () => {
    const { conversationId } = backend.add({ title: 'Keys' });
    renderPage(backend, {
      path: `/ai-assistant?conversation=${conversationId}`,
    });
    await screen.findByText('Ask about your services', { exact: false });
    await user.type(messageBox(), 'line one{Shift>}{Enter}{/Shift}line two');
    expect(messageBox()).toHaveValue('line one\nline two');
    expect(backend.writes()).toEqual([]);
    // An empty message is not sent
    backend.answerNext([{ type: 'done', outcome: 'completed' }]);
    await user.keyboard('{Enter}');
    await waitFor(() => expect(backend.writes()).toHaveLength(1));
    expect(backend.writes()[0].json).toEqual({
      content: 'line one\nline two',
    });
    await user.keyboard('{Enter}');
    await user.type(messageBox(), '   {Enter}');
    expect(backend.writes()).toHaveLength(1);
  });

  it('puts a suggestion in the box without sending it', async () => {
    renderPage(backend);
    await user.click(
      await screen.findByRole('button', {
        name: 'Which tools can you use for me?',
      }),
    );
    expect(messageBox()).toHaveValue('Which tools can you use for me?');
    expect(messageBox()).toHaveFocus();
    expect(backend.writes()).toEqual([]);
  });

  it('renders a stored conversation: answers, tool results, notices', async () => {
    const conversation = backend.add({ title: 'History' });
    const { conversationId } = conversation;
    const readCall = {
      toolCallId: 'call-read',
      actionId: 'catalog:get-catalog-entity',
      input: {},
    };
    const failed = {
      toolCallId: 'call-read',
      actionId: 'catalog:get-catalog-entity',
      title: 'Get catalog entity',
      readOnly: true,
      input: {},
      status: 'failed' as const,
      error: 'Not run: no tool named "catalog__x" is offered to this user',
    };
    const orphan = activity('skipped', {
      toolCallId: 'call-orphan',
      error:
        'Not run: a turn may make 8 tool calls (aiAssistant.maxToolCallsPerTurn)',
    });
    conversation.messages.push(
      message(conversationId, {
        role: 'notice',
        notice: 'context-trimmed',
        content: '4 earlier messages were not sent to the model',
      }),
      message(conversationId, {
        role: 'user',
        content: 'What is payments-api?',
      }),
      message(conversationId, {
        role: 'assistant',
        content: '',
        toolCalls: [readCall],
      }),
      message(conversationId, {
        role: 'tool',
        content: '{}',
        activity: failed,
      }),
      message(conversationId, {
        role: 'tool',
        content: '{}',
        activity: orphan,
      }),
      message(conversationId, {
        role: 'assistant',
        content: 'It is the **payments** service.',
      }),
    );
    renderPage(backend, {
      path: `/ai-assistant?conversation=${conversationId}`,
    });

    expect(
      await screen.findByText('4 earlier messages were not sent to the model'),
    ).toBeVisible();
    const tool = screen.getByRole('group', {
      name: 'Tool catalog:get-catalog-entity: Failed',
    });
    expect(tool).toHaveTextContent('No arguments');
    expect(tool).toHaveTextContent('Get catalog entity');
    expect(tool).toHaveTextContent('is offered to this user');
    expect(
      screen.getByRole('group', { name: 'Tool jira:create-issue: Not run' }),
    ).toHaveTextContent('aiAssistant.maxToolCallsPerTurn');
    expect(screen.getByText('payments', { selector: 'strong' })).toBeVisible();
    expect(screen.getAllByLabelText('You wrote')).toHaveLength(1);
  });

  it('says when a conversation cannot be read, and retries', async () => {
    renderPage(backend, {
      path: '/ai-assistant?conversation=00000000-0000-4000-8000-999999999999',
    });
    expect(
      await screen.findByText(
        'You have no conversation 00000000-0000-4000-8000-999999999999',
      ),
    ).toBeVisible();
    backend.add({
      conversationId: '00000000-0000-4000-8000-999999999999',
      title: 'Found',
      messages: [
        message('00000000-0000-4000-8000-999999999999', {
          role: 'user',
          content: 'Now it exists',
        }),
      ],
    });
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Now it exists')).toBeVisible();
  });
});
