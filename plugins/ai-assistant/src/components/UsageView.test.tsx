import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeAiAssistantBackend } from '../__testUtils__/FakeAiAssistantBackend';
import { renderWithBackend } from '../__testUtils__/render';
import { AssistantPage } from './AssistantPage';

jest.setTimeout(60_000);

const report = {
  since: '2026-11-01T00:00:00.000Z',
  totals: {
    requests: 12,
    promptTokens: 9000,
    completionTokens: 1200,
    totalTokens: 10200,
  },
  byUser: [
    {
      userRef: 'user:default/ada',
      requests: 9,
      promptTokens: 8000,
      completionTokens: 1000,
      totalTokens: 9000,
    },
    {
      userRef: 'user:default/grace',
      requests: 3,
      promptTokens: 1000,
      completionTokens: 200,
      totalTokens: 1200,
    },
  ],
  byModel: [
    {
      model: 'gpt-4.1-mini',
      requests: 12,
      promptTokens: 9000,
      completionTokens: 1200,
      totalTokens: 10200,
    },
  ],
  byDay: [],
};

describe('the usage view', () => {
  let backend: FakeAiAssistantBackend;
  let user: ReturnType<typeof userEvent.setup>;

  beforeEach(() => {
    backend = new FakeAiAssistantBackend();
    user = userEvent.setup({ delay: null });
  });

  it('shows administrators tokens and model calls per user, model and day', async () => {
    backend.usage = report;
    const rendered = renderWithBackend(<AssistantPage />, backend, {
      initialRouteEntries: ['/ai-assistant'],
    });
    await user.click(await screen.findByRole('tab', { name: 'Usage' }));
    expect(rendered.location()).toBe('/ai-assistant?tab=usage');

    const byUser = await screen.findByRole('table', { name: 'Usage per user' });
    const rows = within(byUser).getAllByRole('row');
    expect(rows.map(row => row.textContent)).toEqual([
      'UserModel callsPrompt tokensCompletion tokensTotal tokens',
      'user:default/ada98,0001,0009,000',
      'user:default/grace31,0002001,200',
    ]);
    expect(
      within(screen.getByRole('table', { name: 'Usage per model' })).getByRole(
        'cell',
        { name: 'gpt-4.1-mini' },
      ),
    ).toBeVisible();
    expect(
      within(screen.getByRole('table', { name: 'Usage per day' })).getByText(
        'No model calls in this period.',
      ),
    ).toBeVisible();
    expect(screen.getByText(/12 model calls,/)).toHaveTextContent(
      '12 model calls, 10,200 tokens',
    );
    expect(backend.requests.at(-1)!.query.get('days')).toBe('30');

    await user.click(
      screen.getByRole('button', { name: 'Period Last 30 days' }),
    );
    await user.click(screen.getByRole('option', { name: 'Last 7 days' }));
    await waitFor(() =>
      expect(backend.requests.at(-1)!.query.get('days')).toBe('7'),
    );

    await user.click(screen.getByRole('tab', { name: 'Chat' }));
    expect(rendered.location()).toBe('/ai-assistant');
    expect(
      await screen.findByRole('list', { name: 'Conversations' }),
    ).toBeInTheDocument();
  });

  it('says clearly when the backend refuses it (403)', async () => {
    backend.usage = undefined;
    renderWithBackend(<AssistantPage />, backend, {
      initialRouteEntries: ['/ai-assistant?tab=usage'],
    });
    expect(
      await screen.findByText(
        /Only administrators see the assistant's usage: it needs the permission ai-assistant.usage.read/,
      ),
    ).toBeVisible();
  });

  it('shows other failures with a retry', async () => {
    backend.usage = report;
    backend.failNext('GET', /^usage$/, 500, {
      name: 'Error',
      message: 'The usage could not be read',
    });
    renderWithBackend(<AssistantPage />, backend, {
      initialRouteEntries: ['/ai-assistant?tab=usage'],
    });
    expect(
      await screen.findByText('The usage could not be read'),
    ).toBeVisible();
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(
      await screen.findByRole('table', { name: 'Usage per user' }),
    ).toBeVisible();
  });
});
