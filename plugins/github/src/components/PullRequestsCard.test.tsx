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
  pullRequest,
  pullRequests,
} from '../__testUtils__/fixtures';
import { PullRequestsCard } from './PullRequestsCard';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

function render(api: GitHubApi, forEntity: Entity = entity) {
  return renderInTestApp(
    <TestApiProvider apis={[[gitHubApiRef, api]]}>
      <EntityProvider entity={forEntity}>
        <PullRequestsCard />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('PullRequestsCard', () => {
  it('lists the open pull requests with author, age, draft, review and checks', async () => {
    const api = mockApi();
    await render(api);
    const list = await screen.findByRole('list', {
      name: 'Open pull requests',
    });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(3);
    expect(
      within(items[0]).getByRole('link', {
        name: '#42 Retry refunds on timeout',
      }),
    ).toHaveAttribute(
      'href',
      'https://github.com/comet-examples/payments-api/pull/42',
    );
    expect(items[0]).toHaveTextContent('ada · 3 days ago');
    expect(items[0]).toHaveTextContent('Approved');
    expect(items[0]).toHaveTextContent('3/3 passed');
    expect(items[1]).toHaveTextContent('Draft');
    expect(items[1]).toHaveTextContent('Changes requested');
    expect(items[2]).toHaveTextContent('unknown');
    expect(screen.getByText('3 open pull requests')).toBeInTheDocument();
    expect(screen.getByText('comet-examples/payments-api')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /All of GitHub/ })).toHaveAttribute(
      'href',
      expect.stringMatching(/github$/),
    );
    expect(api.listPullRequests).toHaveBeenCalledWith(
      'component:default/payments-api',
      { state: 'open', limit: 5 },
    );
  });

  it('shows the newest five of many, and says how many there are', async () => {
    await render(
      mockApi({
        // The backend details only the five the card asked for, and counts the rest
        listPullRequests: jest.fn(async () => ({
          pullRequests: [...pullRequests, ...[39, 38].map(n => pullRequest(n))],
          count: 7,
          hasMore: false,
        })),
      }),
    );
    const list = await screen.findByRole('list', {
      name: 'Open pull requests',
    });
    expect(within(list).getAllByRole('listitem')).toHaveLength(5);
    expect(
      screen.getByText('7 open pull requests, the 5 newest:'),
    ).toBeInTheDocument();
  });

  it('says there are more than the 30 GitHub gave', async () => {
    await render(
      mockApi({
        listPullRequests: jest.fn(async () => ({
          pullRequests,
          count: 30,
          hasMore: true,
        })),
      }),
    );
    expect(
      await screen.findByText('30+ open pull requests, the 3 newest:'),
    ).toBeInTheDocument();
  });

  it('says one pull request in the singular', async () => {
    await render(
      mockApi({
        listPullRequests: jest.fn(async () => ({
          pullRequests: [pullRequests[0]],
          count: 1,
          hasMore: false,
        })),
      }),
    );
    expect(await screen.findByText('1 open pull request')).toBeInTheDocument();
  });

  it('says when there are no open pull requests', async () => {
    await render(
      mockApi({
        listPullRequests: jest.fn(async () => ({
          pullRequests: [],
          count: 0,
          hasMore: false,
        })),
      }),
    );
    expect(
      await screen.findByText('No open pull requests.'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('list')).toBeNull();
  });

  it('names integrations.github when GitHub is not configured', async () => {
    const error = await apiError(503, 'Error', notConfiguredMessage);
    await render(
      mockApi({
        listPullRequests: jest.fn(async () => {
          throw error;
        }),
      }),
    );
    const status = await screen.findByRole('status');
    expect(status).toHaveTextContent('GitHub is not configured');
    expect(status).toHaveTextContent(notConfiguredMessage);
  });

  it('adds the config key to a not-configured message that does not name it', async () => {
    const error = await apiError(503, 'Error', 'Service Unavailable');
    await render(
      mockApi({
        listPullRequests: jest.fn(async () => {
          throw error;
        }),
      }),
    );
    const status = await screen.findByRole('status');
    expect(status).toHaveTextContent(
      'Service Unavailable. Set integrations.github in app-config.yaml',
    );
  });

  it("shows the backend's message for a repository it cannot see, and retries", async () => {
    const message =
      'GitHub repository comet-examples/payments-api on github.com does not exist or the credentials cannot see it';
    const error = await apiError(404, 'NotFoundError', message);
    const api = mockApi({
      listPullRequests: jest
        .fn()
        .mockRejectedValueOnce(error)
        .mockResolvedValueOnce({ pullRequests: [], count: 0, hasMore: false }),
    });
    await render(api);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Pull requests cannot be shown');
    expect(alert).toHaveTextContent(message);
    await userEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(
      await screen.findByText('No open pull requests.'),
    ).toBeInTheDocument();
    await waitFor(() => expect(api.listPullRequests).toHaveBeenCalledTimes(2));
  });

  it('names the annotation on an entity without one, and explains a bad one', async () => {
    const api = mockApi();
    const { unmount } = await render(api, entityWith({}));
    expect(await screen.findByRole('status')).toHaveTextContent(
      'Add the annotation github.com/project-slug',
    );
    unmount();
    await render(api, entityWith({ 'github.com/project-slug': 'a/b/c' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The github.com/project-slug annotation cannot be used',
    );
    expect(api.listPullRequests).not.toHaveBeenCalled();
  });

  it('shows progress while loading', async () => {
    await render(
      mockApi({
        listPullRequests: jest.fn(() => new Promise<never>(() => {})),
      }),
    );
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });
});
