import { screen, waitFor } from '@testing-library/react';
import { FakeAiAssistantBackend } from '../__testUtils__/FakeAiAssistantBackend';
import { renderWithBackend } from '../__testUtils__/render';
import { AssistantPage } from './AssistantPage';

jest.setTimeout(60_000);

// A file of its own: permission decisions are cached per module, so an earlier test's ALLOW
// would show the tab here
describe('the usage tab', () => {
  it('is hidden from users without ai-assistant.usage.read', async () => {
    const backend = new FakeAiAssistantBackend();
    const rendered = renderWithBackend(<AssistantPage />, backend, {
      initialRouteEntries: ['/ai-assistant'],
      deny: ['ai-assistant.usage.read'],
    });
    await screen.findByRole('list', { name: 'Conversations' });
    await waitFor(() =>
      expect(rendered.decided).toContain('ai-assistant.usage.read'),
    );
    await waitFor(() => expect(screen.queryByRole('tablist')).toBeNull());
    expect(screen.queryByRole('tab', { name: 'Usage' })).toBeNull();
    expect(backend.requests.some(r => r.path === 'usage')).toBe(false);
  });
});
