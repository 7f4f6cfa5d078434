import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  FakeAiAssistantBackend,
  message,
} from '../__testUtils__/FakeAiAssistantBackend';
import { renderWithBackend } from '../__testUtils__/render';
import { AssistantPage } from './AssistantPage';

jest.setTimeout(60_000);

describe('the conversation list', () => {
  let backend: FakeAiAssistantBackend;
  let user: ReturnType<typeof userEvent.setup>;

  beforeEach(() => {
    backend = new FakeAiAssistantBackend();
    user = userEvent.setup({ delay: null });
  });

  const list = () => screen.getByRole('list', { name: 'Conversations' });

  it('opens a conversation, searches titles and messages, and starts a new one', async () => {
    const refunds = backend.add({ title: 'Refunds twice' });
    refunds.messages.push(
      message(refunds.conversationId, {
        role: 'user',
        content: 'Why are refunds applied twice?',
      }),
    );
    const gate = backend.add({
      title: 'Quality gate',
      entityRef: 'component:default/payments-api',
    });
    gate.messages.push(
      message(gate.conversationId, {
        role: 'assistant',
        content: 'The gate failed on coverage.',
      }),
    );
    const rendered = renderWithBackend(<AssistantPage />, backend, {
      initialRouteEntries: ['/ai-assistant'],
    });

    const gateItem = await within(
      await screen.findByRole('list', {
        name: 'Conversations',
      }),
    ).findByRole('button', { name: /^Quality gate/ });
    expect(gateItem).toHaveTextContent('component:default/payments-api');
    await user.click(gateItem);
    expect(
      await screen.findByText('The gate failed on coverage.'),
    ).toBeVisible();
    expect(rendered.location()).toBe(
      `/ai-assistant?conversation=${gate.conversationId}`,
    );
    expect(gateItem).toHaveAttribute('aria-current', 'true');

    await user.type(
      screen.getByRole('searchbox', { name: 'Search conversations' }),
      'COVERAGE',
    );
    await waitFor(() =>
      expect(
        within(list()).queryByRole('button', { name: /^Refunds twice/ }),
      ).toBeNull(),
    );
    expect(backend.requests.at(-1)!.query.get('q')).toBe('COVERAGE');
    expect(
      within(list()).getByRole('button', { name: /^Quality gate/ }),
    ).toBeVisible();

    await user.clear(
      screen.getByRole('searchbox', { name: 'Search conversations' }),
    );
    await user.type(
      screen.getByRole('searchbox', { name: 'Search conversations' }),
      'nothing like this',
    );
    expect(
      await screen.findByText('No conversation matches "nothing like this".'),
    ).toBeVisible();

    await user.click(screen.getByRole('button', { name: 'New conversation' }));
    expect(rendered.location()).toBe('/ai-assistant');
    await waitFor(() =>
      expect(screen.queryByText('The gate failed on coverage.')).toBeNull(),
    );
  });

  it('deletes a conversation only after confirming, and renames one', async () => {
    const keep = backend.add({ title: 'Keep me' });
    const doomed = backend.add({ title: 'Delete me' });
    doomed.messages.push(
      message(doomed.conversationId, { role: 'user', content: 'Bye' }),
    );
    const rendered = renderWithBackend(<AssistantPage />, backend, {
      initialRouteEntries: [
        `/ai-assistant?conversation=${doomed.conversationId}`,
      ],
    });
    await screen.findByText('Bye');

    await user.click(
      await screen.findByRole('button', { name: 'Delete "Delete me"' }),
    );
    let dialog = screen.getByRole('dialog', {
      name: 'Delete this conversation?',
    });
    expect(dialog).toHaveTextContent('"Delete me" and all its messages');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(backend.writes()).toEqual([]);

    await user.click(
      screen.getByRole('button', { name: 'Delete "Delete me"' }),
    );
    dialog = screen.getByRole('dialog', { name: 'Delete this conversation?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() =>
      expect(
        within(list()).queryByRole('button', { name: /^Delete me/ }),
      ).toBeNull(),
    );
    expect(backend.writes()).toEqual([
      expect.objectContaining({
        method: 'DELETE',
        path: `conversations/${doomed.conversationId}`,
      }),
    ]);
    expect(backend.conversations.has(doomed.conversationId)).toBe(false);
    // The open conversation was the deleted one: the chat starts afresh
    expect(rendered.location()).toBe('/ai-assistant');
    await waitFor(() => expect(screen.queryByText('Bye')).toBeNull());
    expect(
      screen.getByRole('button', { name: 'New conversation' }),
    ).toHaveFocus();

    await user.click(screen.getByRole('button', { name: 'Rename "Keep me"' }));
    const rename = screen.getByRole('dialog', { name: 'Rename conversation' });
    const title = within(rename).getByRole('textbox', { name: 'Title' });
    await user.clear(title);
    expect(within(rename).getByRole('button', { name: 'Save' })).toBeDisabled();
    await user.type(title, 'Kept, renamed{Enter}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(
      await within(list()).findByRole('button', { name: /^Kept, renamed/ }),
    ).toBeVisible();
    expect(backend.writes().at(-1)).toMatchObject({
      method: 'PATCH',
      path: `conversations/${keep.conversationId}`,
      json: { title: 'Kept, renamed' },
    });
  });

  it('says why a rename or a delete failed, and keeps the list', async () => {
    backend.add({ title: 'Stubborn' });
    renderWithBackend(<AssistantPage />, backend, {
      initialRouteEntries: ['/ai-assistant'],
    });
    await user.click(
      await screen.findByRole('button', { name: 'Delete "Stubborn"' }),
    );
    backend.failNext('DELETE', /^conversations\//, 404, {
      name: 'NotFoundError',
      message: 'You have no conversation x',
    });
    await user.click(
      within(
        screen.getByRole('dialog', { name: 'Delete this conversation?' }),
      ).getByRole('button', { name: 'Delete' }),
    );
    expect(await screen.findByText('You have no conversation x')).toBeVisible();
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    await user.click(screen.getByRole('button', { name: 'Rename "Stubborn"' }));
    backend.failNext('PATCH', /^conversations\//, 400, {
      name: 'InputError',
      message: 'Invalid body field "title": must not be empty',
    });
    const rename = screen.getByRole('dialog', { name: 'Rename conversation' });
    await user.click(within(rename).getByRole('button', { name: 'Save' }));
    // Said in the dialog, which stays open with the title typed
    expect(
      await within(rename).findByText(
        'Invalid body field "title": must not be empty',
      ),
    ).toBeVisible();
    await user.click(within(rename).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(
      within(list()).getByRole('button', { name: /^Stubborn/ }),
    ).toBeVisible();
  });

  it('pages through many conversations, and retries a failed read', async () => {
    for (let i = 0; i < 30; i++) backend.add({ title: `Question ${i}` });
    backend.failNext('GET', /^conversations$/, 500, {
      name: 'Error',
      message: 'The database is down',
    });
    renderWithBackend(<AssistantPage />, backend, {
      initialRouteEntries: ['/ai-assistant'],
    });
    expect(await screen.findByText('The database is down')).toBeVisible();
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    await user.click(
      await screen.findByRole('button', { name: 'Show more (25 of 30)' }),
    );
    await waitFor(() =>
      expect(
        within(list()).getAllByRole('button', { name: /^Question/ }),
      ).toHaveLength(30),
    );
    expect(screen.queryByRole('button', { name: /Show more/ })).toBeNull();
  });
});
