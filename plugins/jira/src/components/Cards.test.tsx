import {
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { configure, screen, within } from '@testing-library/react';
import { JiraApiError, jiraApiRef } from '../api';
import { entity, issue, mockJiraApi } from '../__testUtils__/fixtures';
import { MyJiraIssuesCard } from './MyJiraIssuesCard';
import { OpenIssuesCard } from './OpenIssuesCard';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

describe('OpenIssuesCard', () => {
  it('shows the counts and the five most recently updated open issues', async () => {
    const api = mockJiraApi();
    // Seven open issues, not in order of update
    const days = [3, 9, 1, 7, 5, 8, 2];
    api.getEntityIssues.mockResolvedValue({
      issues: days.map(day =>
        issue(`PAY-${day}`, {
          updated: `2026-11-${String(day).padStart(2, '0')}T12:00:00.000Z`,
        }),
      ),
      notices: [
        { kind: 'info', message: 'Counts are approximate on Jira Cloud' },
      ],
      linkedRuns: {},
    });
    await renderInTestApp(
      <TestApiProvider apis={[[jiraApiRef, api]]}>
        <EntityProvider entity={entity}>
          <OpenIssuesCard />
        </EntityProvider>
      </TestApiProvider>,
    );
    const list = await screen.findByRole('list', {
      name: 'Recently updated open issues',
    });
    expect(screen.getByText('22 open of 42')).toBeInTheDocument();
    expect(
      screen.getByText('To Do: 15 · In Progress: 7 · Done: 20'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Counts are approximate on Jira Cloud'),
    ).toBeInTheDocument();
    expect(
      within(list)
        .getAllByRole('link')
        .map(link => link.textContent),
    ).toEqual(['PAY-9', 'PAY-8', 'PAY-7', 'PAY-5', 'PAY-3']);
    expect(api.getEntityIssues).toHaveBeenCalledWith({
      entityRef: 'component:default/payments-api',
      jql: 'statusCategory != Done',
      limit: 5,
    });
  });

  it('says when there are no open issues, and shows errors verbatim', async () => {
    const api = mockJiraApi();
    api.getEntityIssues.mockResolvedValue({
      issues: [],
      notices: [],
      linkedRuns: {},
    });
    const { unmount } = await renderInTestApp(
      <TestApiProvider apis={[[jiraApiRef, api]]}>
        <EntityProvider entity={entity}>
          <OpenIssuesCard />
        </EntityProvider>
      </TestApiProvider>,
    );
    expect(await screen.findByText('No open issues')).toBeInTheDocument();
    unmount();

    api.getOverview.mockRejectedValue(
      new JiraApiError({
        status: 502,
        errorName: 'JiraError',
        message:
          'Jira instance "default" is unreachable: connect ECONNREFUSED 127.0.0.1:8080',
      }),
    );
    await renderInTestApp(
      <TestApiProvider apis={[[jiraApiRef, api]]}>
        <EntityProvider entity={entity}>
          <OpenIssuesCard />
        </EntityProvider>
      </TestApiProvider>,
    );
    expect(
      await screen.findByText(
        'Jira instance "default" is unreachable: connect ECONNREFUSED 127.0.0.1:8080',
      ),
    ).toBeInTheDocument();
  });
});

describe('MyJiraIssuesCard', () => {
  it("lists the signed-in user's open issues", async () => {
    const api = mockJiraApi();
    await renderInTestApp(
      <TestApiProvider apis={[[jiraApiRef, api]]}>
        <MyJiraIssuesCard limit={5} />
      </TestApiProvider>,
    );
    const list = await screen.findByRole('list', {
      name: 'My open Jira issues',
    });
    expect(within(list).getByRole('link', { name: /OPS-5/ })).toHaveAttribute(
      'href',
      'https://jira.example.com/browse/OPS-5',
    );
    expect(
      within(list).getByText('Rotate the ledger keys'),
    ).toBeInTheDocument();
    expect(screen.getByText('My Jira issues')).toBeInTheDocument();
    expect(api.getMyIssues).toHaveBeenCalledWith({ limit: 5 });
  });

  it("explains why there are none in the backend's words", async () => {
    const api = mockJiraApi({
      getMyIssues: jest.fn(async () => ({
        issues: [],
        notices: [
          {
            kind: 'info' as const,
            message:
              'Your catalog user has no email, so Comet cannot find your Jira account',
          },
        ],
      })),
    });
    await renderInTestApp(
      <TestApiProvider apis={[[jiraApiRef, api]]}>
        <MyJiraIssuesCard />
      </TestApiProvider>,
    );
    expect(
      await screen.findByText(
        'Your catalog user has no email, so Comet cannot find your Jira account',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('No open issues are assigned to you'),
    ).toBeInTheDocument();
    expect(api.getMyIssues).toHaveBeenCalledWith({ limit: 10 });
  });

  it('names the config key when Jira is off', async () => {
    const api = mockJiraApi({
      getMyIssues: jest.fn(async () => {
        throw new JiraApiError({
          status: 503,
          errorName: 'NotConfigured',
          message:
            'Jira is not configured: set jira.instances in app-config.yaml (docs/jira.md)',
        });
      }),
    });
    await renderInTestApp(
      <TestApiProvider apis={[[jiraApiRef, api]]}>
        <MyJiraIssuesCard />
      </TestApiProvider>,
    );
    expect(
      await screen.findByText('Jira is not configured'),
    ).toBeInTheDocument();
  });
});
