import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { JiraApi, JiraApiError, jiraApiRef } from '../api';
import {
  entity,
  entityWith,
  mockJiraApi,
  sprint,
} from '../__testUtils__/fixtures';
import { pick } from '../__testUtils__/pick';
import { JiraContent } from './JiraContent';

// The machine is shared; give rendering time without loosening what is asserted.
configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

function renderTab(
  api: JiraApi,
  options: { entity?: ReturnType<typeof entityWith>; apis?: any[] } = {},
) {
  return renderInTestApp(
    <TestApiProvider apis={[[jiraApiRef, api], ...(options.apis ?? [])]}>
      <EntityProvider entity={options.entity ?? entity}>
        <JiraContent />
      </EntityProvider>
    </TestApiProvider>,
  );
}

const lastIssuesRequest = (api: jest.Mocked<JiraApi>) =>
  api.getEntityIssues.mock.calls[api.getEntityIssues.mock.calls.length - 1][0];

describe('Jira tab', () => {
  it('shows the counts and the issue table, keys linking to Jira in a new tab', async () => {
    const api = mockJiraApi();
    await renderTab(api);
    const table = await screen.findByRole('table', { name: 'Jira issues' });
    expect(screen.getByLabelText('42 issues in total')).toHaveTextContent('42');
    expect(screen.getByLabelText('To Do: 15')).toBeInTheDocument();
    expect(screen.getByLabelText('In Progress: 7')).toBeInTheDocument();
    expect(screen.getByLabelText('Done: 20')).toBeInTheDocument();
    expect(screen.getByText('Bug: 12')).toBeInTheDocument();
    expect(screen.getByText('Story: 30')).toBeInTheDocument();

    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3);
    const first = within(rows[1]);
    const link = first.getByRole('link', { name: /PAY-101/ });
    expect(link).toHaveAttribute(
      'href',
      'https://jira.example.com/browse/PAY-101',
    );
    expect(link).toHaveAttribute('target', '_blank');
    expect(first.getByText('Summary of PAY-101')).toBeInTheDocument();
    expect(
      first.getByText('In Progress').closest('[data-category]'),
    ).toHaveAttribute('title', 'Status category: In Progress');
    expect(first.getByText('High')).toBeInTheDocument();
    expect(first.getByText('Ada Lovelace')).toBeInTheDocument();
    const second = within(rows[2]);
    expect(
      second.getByText('To Do').closest('[data-category]'),
    ).toHaveAttribute('data-category', 'new');
    expect(second.getByText('Unassigned')).toBeInTheDocument();
    expect(screen.getByText('Issues 1–2 of 60')).toBeInTheDocument();
    expect(api.getEntityIssues).toHaveBeenCalledWith({
      entityRef: 'component:default/payments-api',
      status: undefined,
      type: undefined,
      assignee: undefined,
      jql: undefined,
      pageToken: undefined,
      limit: 25,
    });
  });

  it('sends the chosen filters, and JQL only on Enter, starting again at the first page', async () => {
    const api = mockJiraApi();
    await renderTab(api);
    await screen.findByText('Summary of PAY-101');

    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('Summary of PAY-201');
    expect(lastIssuesRequest(api).pageToken).toBe('2');

    await pick(/^Status/, ['To Do', 'In Progress']);
    await waitFor(() =>
      expect(lastIssuesRequest(api)).toMatchObject({
        status: ['To Do', 'In Progress'],
        pageToken: undefined,
      }),
    );
    await pick(/^Type/, ['Bug']);
    await waitFor(() =>
      expect(lastIssuesRequest(api)).toMatchObject({
        status: ['To Do', 'In Progress'],
        type: ['Bug'],
      }),
    );
    // Assignees seen in the results become options, beside "Me" and "Unassigned"
    await pick(/^Assignee/, ['Ada Lovelace', 'Unassigned']);
    await waitFor(() =>
      expect(lastIssuesRequest(api).assignee).toEqual([
        'acc-ada',
        'unassigned',
      ]),
    );

    const calls = api.getEntityIssues.mock.calls.length;
    const jql = screen.getByRole('textbox', { name: 'JQL' });
    await userEvent.type(jql, 'labels = flaky');
    expect(api.getEntityIssues).toHaveBeenCalledTimes(calls);
    await userEvent.type(jql, '{Enter}');
    await waitFor(() =>
      expect(lastIssuesRequest(api)).toEqual({
        entityRef: 'component:default/payments-api',
        status: ['To Do', 'In Progress'],
        type: ['Bug'],
        assignee: ['acc-ada', 'unassigned'],
        jql: 'labels = flaky',
        pageToken: undefined,
        limit: 25,
      }),
    );
  });

  it("shows Jira's own message for bad JQL next to the field", async () => {
    const message =
      "Error in the JQL Query: Expecting operator but got 'flaky'. (line 1, character 8)";
    const api = mockJiraApi();
    const answer = api.getEntityIssues.getMockImplementation()!;
    api.getEntityIssues.mockImplementation(async request => {
      if (request.jql === 'labels flaky') {
        throw new JiraApiError({
          status: 400,
          errorName: 'InputError',
          message,
        });
      }
      return answer(request);
    });
    await renderTab(api);
    const jql = await screen.findByRole('textbox', { name: 'JQL' });
    await userEvent.type(jql, 'labels flaky{Enter}');
    await waitFor(() => expect(jql).toHaveAccessibleDescription(message));
    expect(jql).toHaveAttribute('aria-invalid', 'true');
    expect(screen.queryByRole('table')).toBeNull();

    await userEvent.clear(jql);
    await userEvent.type(jql, 'labels = flaky{Enter}');
    expect(
      await screen.findByRole('table', { name: 'Jira issues' }),
    ).toBeInTheDocument();
    expect(jql).toHaveAccessibleDescription(
      "Narrows the entity's own JQL; press Enter to apply",
    );
  });

  it('pages forward with nextPageToken and back through the token stack', async () => {
    const api = mockJiraApi();
    await renderTab(api);
    await screen.findByText('Summary of PAY-101');
    const previous = screen.getByRole('button', { name: 'Previous' });
    const next = screen.getByRole('button', { name: 'Next' });
    expect(previous).toBeDisabled();

    await userEvent.click(next);
    expect(await screen.findByText('Summary of PAY-201')).toBeInTheDocument();
    expect(screen.getByText('Issues 26–27 of 60')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('Summary of PAY-301')).toBeInTheDocument();
    expect(lastIssuesRequest(api).pageToken).toBe('3');
    // The last page has no nextPageToken
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled(),
    );

    await userEvent.click(screen.getByRole('button', { name: 'Previous' }));
    expect(await screen.findByText('Summary of PAY-201')).toBeInTheDocument();
    expect(lastIssuesRequest(api).pageToken).toBe('2');
    await userEvent.click(screen.getByRole('button', { name: 'Previous' }));
    expect(await screen.findByText('Summary of PAY-101')).toBeInTheDocument();
    expect(lastIssuesRequest(api).pageToken).toBeUndefined();
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Previous' })).toBeDisabled(),
    );
  });

  it('reaches the issues from the JQL field with Tab', async () => {
    await renderTab(mockJiraApi());
    await screen.findByText('Summary of PAY-101');
    await userEvent.click(screen.getByRole('textbox', { name: 'JQL' }));
    // Per row: the key and the summary open the issue; the icon opens it in Jira
    await userEvent.tab();
    expect(screen.getByRole('button', { name: 'PAY-101' })).toHaveFocus();
    await userEvent.tab();
    expect(screen.getByRole('link', { name: /PAY-101/ })).toHaveFocus();
    await userEvent.tab();
    expect(
      screen.getByRole('button', { name: 'Summary of PAY-101' }),
    ).toHaveFocus();
    await userEvent.tab();
    expect(screen.getByRole('button', { name: 'PAY-102' })).toHaveFocus();
  });

  it("shows the backend's notices above the table", async () => {
    const api = mockJiraApi();
    const answer = api.getEntityIssues.getMockImplementation()!;
    api.getEntityIssues.mockImplementation(async request => ({
      ...(await answer(request)),
      notices: [
        {
          kind: 'stale',
          message: 'Jira instance "default" is throttling: issues as of 10:02',
        },
      ],
    }));
    await renderTab(api);
    expect(
      await screen.findByText(
        /Showing an earlier answer: Jira instance "default" is throttling: issues as of 10:02/,
      ),
    ).toBeInTheDocument();
  });

  it('creates an issue, then shows a link to it and loads the issues again', async () => {
    const api = mockJiraApi();
    api.getCreateMeta.mockResolvedValue({
      projects: [
        {
          instance: 'default',
          key: 'PAY',
          name: 'Payments',
          issueTypes: [
            {
              id: '10004',
              name: 'Bug',
              subtask: false,
              fields: [
                {
                  id: 'summary',
                  name: 'Summary',
                  required: true,
                  schemaType: 'string',
                },
              ],
            },
          ],
        },
      ],
    });
    await renderTab(api);
    await screen.findByText('Summary of PAY-101');
    const issueLoads = api.getEntityIssues.mock.calls.length;
    await userEvent.click(screen.getByRole('button', { name: 'Create issue' }));
    const dialog = await screen.findByRole('dialog', {
      name: 'Create Jira issue',
    });
    await userEvent.type(
      await within(dialog).findByRole('textbox', { name: /^Summary/ }),
      'Refunds round down{Enter}',
    );
    await waitFor(() =>
      expect(api.createIssue).toHaveBeenCalledWith(
        'component:default/payments-api',
        {
          projectKey: 'PAY',
          issueType: '10004',
          summary: 'Refunds round down',
        },
      ),
    );
    const created = await screen.findByRole('link', { name: 'PAY-999' });
    expect(created).toHaveAttribute(
      'href',
      'https://jira.example.com/browse/PAY-999',
    );
    expect(created.closest('[role="status"]')).toHaveTextContent(
      'Created PAY-999',
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() =>
      expect(api.getEntityIssues.mock.calls.length).toBeGreaterThan(issueLoads),
    );
    expect(api.getOverview).toHaveBeenCalledTimes(2);
  });

  it('hides Create issue without jira.issue.create on the entity', async () => {
    const asked: string[] = [];
    await renderTab(mockJiraApi(), {
      // An entity of its own: usePermission caches answers per entity across tests
      entity: entityWith({ 'jira/project-key': 'PAY' }, 'restricted-api'),
      apis: [
        [
          permissionApiRef,
          mockApis.permission.mock({
            authorize: async request => {
              asked.push(`${request.permission.name} ${request.resourceRef}`);
              return {
                result: (request.permission.name === 'jira.issue.create'
                  ? 'DENY'
                  : 'ALLOW') as any,
              };
            },
          }),
        ],
      ],
    });
    await screen.findByText('Summary of PAY-101');
    await waitFor(() =>
      expect(asked).toContain(
        'jira.issue.create component:default/restricted-api',
      ),
    );
    expect(screen.queryByRole('button', { name: 'Create issue' })).toBeNull();
  });

  it('names the config key when Jira is not configured', async () => {
    const api = mockJiraApi({
      getOverview: jest.fn(async () => {
        throw new JiraApiError({
          status: 503,
          errorName: 'NotConfigured',
          message:
            'Jira is not configured: set jira.instances in app-config.yaml (docs/jira.md)',
        });
      }),
    });
    await renderTab(api);
    expect(
      await screen.findByText('Jira is not configured'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'Jira is not configured: set jira.instances in app-config.yaml (docs/jira.md)',
      ),
    ).toBeInTheDocument();
    expect(api.getEntityIssues).not.toHaveBeenCalled();
  });

  it('says which annotation to add, with an example, on an entity without one', async () => {
    const api = mockJiraApi();
    await renderTab(api, { entity: entityWith({}, 'no-jira') });
    expect(
      await screen.findByText('Add jira/project-key to show Jira issues'),
    ).toBeInTheDocument();
    expect(
      screen.getByLabelText('Example jira/project-key annotation'),
    ).toHaveTextContent('jira/project-key: PAY');
    expect(api.getOverview).not.toHaveBeenCalled();
  });

  it('explains an annotation that cannot be parsed', async () => {
    await renderTab(mockJiraApi(), {
      entity: entityWith({ 'jira/project-key': 'pay' }, 'bad-key'),
    });
    expect(
      await screen.findByText('The jira/project-key annotation cannot be used'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        /has the project key "pay", which is not a Jira project key/,
      ),
    ).toBeInTheDocument();
  });

  it.each([
    [
      403,
      'NotAllowedError',
      'You are not allowed to jira.issue.read on component:default/payments-api',
    ],
    [
      502,
      'JiraError',
      'Jira instance "default" answered 401 to Comet\'s credentials: check jira.instances[default].apiToken',
    ],
    [401, 'AuthenticationError', 'Your session expired: sign in again'],
    [
      404,
      'NotFoundError',
      'Jira project PAY was not found on instance "default"',
    ],
  ])('shows a %s answer verbatim', async (status, errorName, message) => {
    await renderTab(
      mockJiraApi({
        getOverview: jest.fn(async () => {
          throw new JiraApiError({ status, errorName, message });
        }),
      }),
    );
    expect(await screen.findByText(message)).toBeInTheDocument();
    expect(screen.getByText('Jira issues cannot be shown')).toBeInTheDocument();
  });

  it("shows the backend's 404 for an entity without a usable annotation with the example", async () => {
    await renderTab(
      mockJiraApi({
        getOverview: jest.fn(async () => {
          throw new JiraApiError({
            status: 404,
            errorName: 'NotFoundError',
            message:
              'component:default/payments-api has no jira/project-key annotation',
          });
        }),
      }),
    );
    expect(
      await screen.findByText(
        'component:default/payments-api has no jira/project-key annotation',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByLabelText('Example jira/project-key annotation'),
    ).toBeInTheDocument();
  });

  it('draws the active sprint burndown with a text summary', async () => {
    const { container } = await renderTab(mockJiraApi());
    const chart = await screen.findByRole('img', {
      name: 'Burndown of Sprint 21: 12 story points remaining on 2026-11-18 against 10 ideal; 20 remaining on 2026-11-16',
    });
    expect(chart).toBeInTheDocument();
    expect(screen.getByText('Goal: Partial refunds')).toBeInTheDocument();
    expect(
      screen.getByText(
        'To Do: 0 (0 points) · In Progress: 1 (5 points) · Done: 1 (3 points)',
      ),
    ).toBeInTheDocument();
    // Three days: a line of three points for each series
    for (const series of ['remaining', 'ideal']) {
      const d = container
        .querySelector(`path[data-series="${series}"]`)!
        .getAttribute('d')!;
      expect(d.split(/[ML]/).filter(Boolean)).toHaveLength(3);
    }
  });

  it('says when there is no board or no active sprint', async () => {
    await renderTab(
      mockJiraApi({
        getActiveSprint: jest.fn(async () => {
          throw new JiraApiError({
            status: 404,
            errorName: 'NotFoundError',
            message: 'The projects PAY have no Jira board',
          });
        }),
      }),
    );
    expect(
      await screen.findByText(
        'No active sprint: The projects PAY have no Jira board',
      ),
    ).toBeInTheDocument();
  });

  it('says when the board has no active sprint', async () => {
    await renderTab(
      mockJiraApi({
        getActiveSprint: jest.fn(async () => ({
          ...sprint,
          sprint: undefined,
          burndown: [],
        })),
      }),
    );
    expect(
      await screen.findByText('The board PAY board has no active sprint.'),
    ).toBeInTheDocument();
  });

  it('shows release notes of the chosen version, to copy or download', async () => {
    const api = mockJiraApi();
    await renderTab(api);
    expect(
      await screen.findByText('Pick a fix version to see its release notes.'),
    ).toBeInTheDocument();
    await pick(/^Fix version/, ['1.5.0 (PAY, unreleased)']);
    expect(
      await screen.findByText('PAY-7 Refund rounding in 1.5.0'),
    ).toBeInTheDocument();
    expect(api.getReleaseNotes).toHaveBeenCalledWith({
      entityRef: 'component:default/payments-api',
      version: '1.5.0',
    });

    const writeText = jest.fn(async (_text: string) => {});
    Object.defineProperty(window.navigator, 'clipboard', {
      value: { writeText },
      configurable: true,
    });
    await userEvent.click(screen.getByRole('button', { name: 'Copy' }));
    expect(writeText).toHaveBeenCalledWith(
      '## Bug\n\n- PAY-7 Refund rounding in 1.5.0\n',
    );
    expect(
      await screen.findByText('Release notes of 1.5.0 copied'),
    ).toBeInTheDocument();

    writeText.mockRejectedValueOnce(new Error('Document is not focused'));
    await userEvent.click(screen.getByRole('button', { name: 'Copy' }));
    expect(
      await screen.findByText(
        'Could not copy to the clipboard (Document is not focused); use Download instead',
      ),
    ).toBeInTheDocument();

    const blobs: Blob[] = [];
    const createObjectURL = jest.fn((blob: Blob) => {
      blobs.push(blob);
      return 'blob:release-notes';
    });
    const revokeObjectURL = jest.fn();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const downloads: Array<{ href: string; download: string }> = [];
    const click = jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(function record(this: HTMLAnchorElement) {
        downloads.push({ href: this.href, download: this.download });
      });
    try {
      await userEvent.click(screen.getByRole('button', { name: 'Download' }));
    } finally {
      click.mockRestore();
    }
    expect(downloads).toEqual([
      { href: 'blob:release-notes', download: 'release-notes-1.5.0.md' },
    ]);
    expect(blobs[0].type).toBe('text/markdown;charset=utf-8');
    expect(await blobs[0].text()).toBe(
      '## Bug\n\n- PAY-7 Refund rounding in 1.5.0\n',
    );
    expect(revokeObjectURL).toHaveBeenCalledWith('blob:release-notes');
  });
});
