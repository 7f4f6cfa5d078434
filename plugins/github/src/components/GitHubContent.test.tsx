import type { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { GitHubApi, gitHubApiRef } from '../api';
import {
  apiError,
  entity,
  entityWith,
  mockApi,
  notConfiguredMessage,
} from '../__testUtils__/fixtures';
import { GitHubContent } from './GitHubContent';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

function render(api: GitHubApi, forEntity: Entity = entity) {
  return renderInTestApp(
    <TestApiProvider apis={[[gitHubApiRef, api]]}>
      <EntityProvider entity={forEntity}>
        <GitHubContent />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('GitHubContent', () => {
  it('shows open pull requests, recent commits and cycle time of the repository', async () => {
    const api = mockApi();
    await render(api);

    const prs = await screen.findByRole('table', {
      name: 'Open pull requests',
    });
    const rows = within(prs).getAllByRole('row');
    expect(rows).toHaveLength(4);
    expect(
      within(rows[1]).getByRole('link', {
        name: '#42 Retry refunds on timeout',
      }),
    ).toHaveAttribute(
      'href',
      'https://github.com/comet-examples/payments-api/pull/42',
    );
    expect(within(rows[1]).getByRole('link', { name: 'ada' })).toHaveAttribute(
      'href',
      'https://github.com/ada',
    );
    expect(rows[1]).toHaveTextContent('Approved');
    expect(rows[1]).toHaveTextContent('3/3 passed');
    expect(rows[1]).toHaveTextContent('3 days ago');
    expect(rows[1]).not.toHaveTextContent('Draft');
    expect(rows[2]).toHaveTextContent('Draft');
    expect(rows[2]).toHaveTextContent('Changes requested');
    expect(rows[2]).toHaveTextContent('2/4 passed, 1 failed, 1 pending');
    expect(
      within(rows[2]).getByRole('link', { name: 'grace' }),
    ).toHaveAttribute('href', 'https://github.com/grace');
    expect(rows[3]).toHaveTextContent('No review yet');
    expect(rows[3]).toHaveTextContent('No checks');
    expect(rows[3]).toHaveTextContent('unknown');

    const commits = await screen.findByRole('table', {
      name: 'Recent commits on main',
    });
    const commitRows = within(commits).getAllByRole('row');
    expect(
      within(commitRows[1]).getByRole('link', { name: 'Commit 0123456' }),
    ).toHaveAttribute(
      'href',
      'https://github.com/comet-examples/payments-api/commit/0123456789abcdef0123456789abcdef01234567',
    );
    expect(commitRows[1]).toHaveTextContent('Fix refunds');
    expect(commitRows[1]).not.toHaveTextContent('Longer explanation');
    expect(commitRows[1]).toHaveTextContent('ada');
    expect(commitRows[1]).toHaveTextContent('2026-11-26 10:00');
    expect(commitRows[2]).toHaveTextContent('Grace Hopper');
    expect(commitRows[2]).toHaveTextContent('unknown');

    expect(
      await screen.findByRole('img', {
        name: /Weekly median time from opened to merged over the last 90 days: 5 pull requests merged; the slowest week \(2026-11-30\) had a median of 3 days/,
      }),
    ).toBeInTheDocument();
    const weeks = screen.getByRole('table', { name: 'Cycle time by week' });
    const weekRows = within(weeks).getAllByRole('row');
    expect(weekRows.map(r => r.textContent)).toEqual([
      'Week ofMergedMedian opened → merged',
      '2026-11-1625.5 h',
      '2026-11-230no merges',
      '2026-11-3033 days',
    ]);

    expect(
      screen.getByRole('link', { name: 'comet-examples/payments-api' }),
    ).toHaveAttribute('href', 'https://github.com/comet-examples/payments-api');
    expect(screen.getByText(/default branch main/)).toBeInTheDocument();
    expect(
      screen.getByRole('region', { name: 'Open pull requests' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('region', { name: 'Recent commits' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('region', { name: 'Cycle time' }),
    ).toBeInTheDocument();

    expect(api.getRepository).toHaveBeenCalledWith(
      'component:default/payments-api',
    );
    expect(api.listPullRequests).toHaveBeenCalledWith(
      'component:default/payments-api',
      { state: 'open' },
    );
    expect(api.listCommits).toHaveBeenCalledWith(
      'component:default/payments-api',
      { perPage: 20 },
    );
    expect(api.getCycleTime).toHaveBeenCalledWith(
      'component:default/payments-api',
      { days: 90 },
    );
  });

  it('says there are no open pull requests, no commits and no merges', async () => {
    await render(
      mockApi({
        listPullRequests: jest.fn(async () => ({
          pullRequests: [],
          count: 0,
          hasMore: false,
        })),
        listCommits: jest.fn(async () => ({ branch: 'trunk', commits: [] })),
        getCycleTime: jest.fn(async () => ({ days: 90, weeks: [] })),
      }),
    );
    expect(
      await screen.findByText('No open pull requests.'),
    ).toBeInTheDocument();
    expect(
      await screen.findByText('No commits on trunk yet.'),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(
        'No pull requests were merged in the last 90 days.',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('names integrations.github when the backend has no GitHub credentials', async () => {
    const api = mockApi({
      getConfig: jest.fn(async () => ({ configured: false, hosts: [] })),
    });
    await render(api);
    expect(
      await screen.findByText('GitHub is not configured'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Set integrations\.github in app-config\.yaml/),
    ).toBeInTheDocument();
    expect(api.getRepository).not.toHaveBeenCalled();
    expect(api.listPullRequests).not.toHaveBeenCalled();
  });

  it("shows the backend's not-configured message when it answers 503", async () => {
    const error = await apiError(
      503,
      'ServiceUnavailableError',
      notConfiguredMessage,
    );
    await render(
      mockApi({
        getRepository: jest.fn(async () => {
          throw error;
        }),
      }),
    );
    expect(
      await screen.findByText('GitHub is not configured'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(new RegExp(`^${notConfiguredMessage}`)),
    ).toBeInTheDocument();
  });

  it("shows the backend's 404 message for a repository it cannot see, and retries", async () => {
    const message =
      'GitHub repository comet-examples/payments-api on github.com does not exist or the credentials cannot see it';
    const error = await apiError(404, 'NotFoundError', message);
    const api = mockApi({
      getRepository: jest
        .fn()
        .mockRejectedValueOnce(error)
        .mockResolvedValueOnce({
          repository: {
            host: 'github.com',
            owner: 'comet-examples',
            repo: 'payments-api',
            htmlUrl: 'https://github.com/comet-examples/payments-api',
            defaultBranch: 'main',
          },
        }),
    });
    await render(api);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The GitHub repository cannot be shown');
    expect(alert).toHaveTextContent(message);
    expect(api.listPullRequests).not.toHaveBeenCalled();
    await userEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(
      await screen.findByRole('table', { name: 'Open pull requests' }),
    ).toBeInTheDocument();
  });

  it('shows each section’s own error and keeps the others', async () => {
    const prError = await apiError(
      502,
      'GitHubError',
      'GitHub answered 502 to GET /repos/comet-examples/payments-api/pulls',
    );
    const notConfigured = await apiError(503, 'Error', notConfiguredMessage);
    const api = mockApi({
      listPullRequests: jest.fn(async () => {
        throw prError;
      }),
      listCommits: jest.fn(async () => {
        throw new Error('Failed to fetch');
      }),
      getCycleTime: jest.fn(async () => {
        throw notConfigured;
      }),
    });
    await render(api);
    const alerts = await screen.findAllByRole('alert');
    expect(alerts).toHaveLength(2);
    expect(alerts[0]).toHaveTextContent('Pull requests cannot be shown');
    expect(alerts[0]).toHaveTextContent(
      'GitHub answered 502 to GET /repos/comet-examples/payments-api/pulls',
    );
    expect(alerts[1]).toHaveTextContent('Commits cannot be shown');
    expect(alerts[1]).toHaveTextContent('Failed to fetch');
    expect(
      await screen.findByText('GitHub is not configured'),
    ).toBeInTheDocument();
    await userEvent.click(
      within(alerts[0]).getByRole('button', { name: 'Retry' }),
    );
    await waitFor(() => expect(api.listPullRequests).toHaveBeenCalledTimes(2));
  });

  it('names github.com/project-slug on an entity without it, without calling the backend', async () => {
    const api = mockApi();
    await render(api, entityWith({}));
    expect(await screen.findByText('No GitHub repository')).toBeInTheDocument();
    expect(
      screen.getByText(/Add the annotation github\.com\/project-slug/),
    ).toBeInTheDocument();
    expect(api.getConfig).not.toHaveBeenCalled();
  });

  it('explains a bad github.com/project-slug value', async () => {
    const api = mockApi();
    await render(api, entityWith({ 'github.com/project-slug': 'not a slug' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(
      'The github.com/project-slug annotation cannot be used',
    );
    expect(alert).toHaveTextContent(
      'The annotation github.com/project-slug is "not a slug", which is not a GitHub repository',
    );
    expect(api.getConfig).not.toHaveBeenCalled();
  });

  it('shows progress while loading', async () => {
    await render(
      mockApi({
        getConfig: jest.fn(() => new Promise<never>(() => {})),
      }),
    );
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });
});
