import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { TestRecorderApiError } from '../api';
import { config, mockApi, run } from '../__testUtils__/fixtures';
import { renderWith } from '../__testUtils__/render';
import { RunPage } from './RunPage';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

describe('Create Jira bug', () => {
  afterEach(() => {
    window.history.replaceState(null, '', '/');
  });

  it('is not offered when Jira is not configured', async () => {
    await renderWith(<RunPage runId="run-1" />, mockApi());
    const checkout = await screen.findByRole('region', {
      name: 'Test Checkout with a card',
    });
    expect(within(checkout).getByLabelText('Failure')).toBeInTheDocument();
    expect(
      within(checkout).queryByRole('button', { name: 'Create Jira bug' }),
    ).not.toBeInTheDocument();
  });

  it('files a bug for a failed test with the summary the user edits', async () => {
    const api = mockApi({
      getConfig: async () => ({ ...config, jiraBugs: true }),
    });
    await renderWith(<RunPage runId="run-1" />, api);
    const checkout = await screen.findByRole('region', {
      name: 'Test Checkout with a card',
    });
    await userEvent.click(
      await within(checkout).findByRole('button', { name: 'Create Jira bug' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Create a Jira bug for Checkout with a card',
    });
    const summary = within(dialog).getByLabelText('Summary');
    expect(summary).toHaveValue(
      'Checkout with a card fails in storefront-checkout: locator.click: Timeout 5000ms exceeded',
    );
    await userEvent.clear(summary);
    await userEvent.type(summary, 'Pay button never answers');
    await userEvent.type(within(dialog).getByLabelText('Project key'), 'SHOP');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Create bug' }),
    );
    const link = await within(checkout).findByRole('link', { name: 'SHOP-42' });
    expect(link).toHaveAttribute(
      'href',
      'https://jira.example.com/browse/SHOP-42',
    );
    expect(api.createJiraBug).toHaveBeenCalledWith('run-1', 'checkout', {
      summary: 'Pay button never answers',
      projectKey: 'SHOP',
    });
  });

  it('says why the bug was not filed, and keeps the dialog open', async () => {
    const api = mockApi({
      getConfig: async () => ({ ...config, jiraBugs: true }),
      createJiraBug: async () => {
        throw new TestRecorderApiError({
          message: 'Jira refused the bug: you may not create issues in SHOP',
          status: 403,
          errorName: 'NotAllowedError',
        });
      },
    });
    await renderWith(<RunPage runId="run-1" />, api);
    await userEvent.click(
      (
        await screen.findAllByRole('button', { name: 'Create Jira bug' })
      )[0],
    );
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Create bug' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'The bug was not filedJira refused the bug: you may not create issues in SHOP',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel' }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
  });

  it('opens the attempt a link from a bug points at', async () => {
    window.history.replaceState(null, '', '/?test=browse&artifact=trace-b1');
    const base = run();
    const api = mockApi({
      getRun: async () => ({
        ...base,
        results: base.results.map(result =>
          result.testId === 'browse'
            ? {
                ...result,
                attempts: result.attempts.map(attempt =>
                  attempt.attempt === 1
                    ? { ...attempt, traceArtifactId: 'trace-b1' }
                    : attempt,
                ),
              }
            : result,
        ),
      }),
    });
    await renderWith(<RunPage runId="run-1" />, api);
    const browse = await screen.findByRole('region', {
      name: 'Test Browse the catalogue',
    });
    expect(
      within(browse).getByRole('tab', { name: 'Attempt 1 (failed)' }),
    ).toHaveAttribute('aria-selected', 'true');
  });
});
