import {
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import type { JiraCreateMeta } from '@internal/plugin-jira-common';
import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { JiraApi, JiraApiError, jiraApiRef } from '../api';
import { createMeta, mockJiraApi } from '../__testUtils__/fixtures';
import { pick } from '../__testUtils__/pick';
import { CreateIssueDialog, CreateIssueDialogProps } from './CreateIssueDialog';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

const entityRef = 'component:default/payments-api';

async function renderDialog(
  api: JiraApi,
  props: Partial<CreateIssueDialogProps> = {},
) {
  const onCreated = jest.fn();
  const onClose = jest.fn();
  await renderInTestApp(
    <TestApiProvider apis={[[jiraApiRef, api]]}>
      <CreateIssueDialog
        open
        entityRef={entityRef}
        onClose={onClose}
        onCreated={onCreated}
        {...props}
      />
    </TestApiProvider>,
  );
  const dialog = await screen.findByRole('dialog', {
    name: props.title ?? 'Create Jira issue',
  });
  return { dialog, onCreated, onClose };
}

const field = (name: RegExp) => screen.getByRole('textbox', { name });

describe('CreateIssueDialog', () => {
  it("builds its fields from Jira's create metadata and posts them", async () => {
    const api = mockJiraApi();
    const { dialog, onCreated } = await renderDialog(api);
    // One project: the issue type is the first field, and has the focus
    const type = await within(dialog).findByRole('button', {
      name: /^Issue type/,
    });
    await waitFor(() => expect(type).toHaveFocus());
    expect(type).toHaveTextContent('Story');
    expect(
      within(dialog).queryByRole('button', { name: /^Project/ }),
    ).toBeNull();
    // Story's create screen has no assignee or components
    expect(screen.queryByRole('textbox', { name: /^Assignee/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Components/ })).toBeNull();
    expect(field(/^Labels/)).toBeInTheDocument();

    await userEvent.click(type);
    expect(
      screen.queryByRole('option', { name: 'Sub-task' }),
    ).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('option', { name: 'Bug' }));

    // Bug's required custom fields by schema type; optional ones and reporter are left out
    expect(
      await screen.findByRole('button', { name: /^Severity/ }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('spinbutton', { name: /^Story Points/ }),
    ).toBeInTheDocument();
    expect(field(/^Found in/)).toBeInTheDocument();
    expect(field(/^Environments/)).toHaveAccessibleDescription(
      'Separate values with commas',
    );
    expect(screen.queryByRole('textbox', { name: /^Not asked/ })).toBeNull();
    expect(screen.queryByRole('textbox', { name: /^Reporter/ })).toBeNull();

    await userEvent.type(field(/^Summary/), 'Refunds round down');
    await userEvent.type(field(/^Description/), '**Steps**: refund 0.015');
    await userEvent.type(field(/^Assignee/), 'acc-ada');
    await userEvent.type(field(/^Labels/), 'refunds, urgent');
    await pick(/^Components/, ['payments-api']);
    await pick(/^Severity/, ['S2']);
    await userEvent.type(
      screen.getByRole('spinbutton', { name: /^Story Points/ }),
      '3',
    );
    await userEvent.type(field(/^Found in/), '1.4.0');
    await userEvent.type(field(/^Environments/), 'staging, prod');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));

    await waitFor(() => expect(onCreated).toHaveBeenCalled());
    expect(api.createIssue).toHaveBeenCalledWith(entityRef, {
      projectKey: 'PAY',
      issueType: '10004',
      summary: 'Refunds round down',
      description: '**Steps**: refund 0.015',
      assignee: 'acc-ada',
      labels: ['refunds', 'urgent'],
      components: ['payments-api'],
      customFields: {
        customfield_10010: { id: '502' },
        customfield_10016: 3,
        customfield_10020: '1.4.0',
        customfield_10030: ['staging', 'prod'],
      },
    });
    expect(onCreated).toHaveBeenCalledWith({
      key: 'PAY-999',
      id: '999',
      url: 'https://jira.example.com/browse/PAY-999',
    });
  });

  it('checks required fields before asking Jira', async () => {
    const api = mockJiraApi();
    await renderDialog(api, { initial: { issueType: 'bug' } });
    expect(
      await screen.findByRole('button', { name: /^Issue type/ }),
    ).toHaveTextContent('Bug');
    await userEvent.type(field(/^Labels/), 'two words');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(field(/^Summary/)).toHaveAccessibleDescription(
      'Summary is required',
    );
    expect(field(/^Labels/)).toHaveAccessibleDescription(
      'Labels cannot contain spaces; separate them with commas',
    );
    expect(field(/^Found in/)).toHaveAccessibleDescription(
      'Found in is required',
    );
    expect(screen.getByText('Severity is required')).toBeInTheDocument();
    expect(api.createIssue).not.toHaveBeenCalled();
  });

  it("shows Jira's refusals next to the fields they name", async () => {
    const message =
      'Jira instance "default" refused to create an issue in PAY: summary: Summary is too vague.; customfield_10020: Found in must be a released version.';
    const api = mockJiraApi({
      createIssue: jest.fn(async () => {
        throw new JiraApiError({
          status: 400,
          errorName: 'InputError',
          message,
        });
      }),
    });
    const { onCreated } = await renderDialog(api, {
      initial: { issueType: 'Bug', summary: 'Broken' },
    });
    expect(
      await screen.findByRole('button', { name: /^Issue type/ }),
    ).toHaveTextContent('Bug');
    await pick(/^Severity/, ['S1']);
    await userEvent.type(
      screen.getByRole('spinbutton', { name: /^Story Points/ }),
      '1',
    );
    await userEvent.type(field(/^Found in/), 'main');
    await userEvent.type(field(/^Environments/), 'prod');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(message);
    expect(field(/^Summary/)).toHaveAccessibleDescription(
      'Summary is too vague.',
    );
    expect(field(/^Found in/)).toHaveAccessibleDescription(
      'Found in must be a released version.',
    );
    expect(onCreated).not.toHaveBeenCalled();
  });

  it('lists field errors the form has no input for under the message', async () => {
    const api = mockJiraApi({
      createIssue: jest.fn(async () => {
        throw new JiraApiError({
          status: 400,
          errorName: 'InputError',
          message: 'Jira refused the issue',
          fieldErrors: {
            priority: 'Priority is required',
            summary: 'Too long',
          },
        });
      }),
    });
    await renderDialog(api);
    await userEvent.type(
      await screen.findByRole('textbox', { name: /^Summary/ }),
      'x{Enter}',
    );
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Jira refused the issue');
    expect(alert).toHaveTextContent('priority: Priority is required');
    expect(field(/^Summary/)).toHaveAccessibleDescription('Too long');
  });

  it('asks for the project first when the entity has several', async () => {
    const two: JiraCreateMeta = {
      projects: [
        createMeta.projects[0],
        {
          instance: 'dc',
          key: 'OPS',
          name: 'Operations',
          issueTypes: [
            {
              id: '3',
              name: 'Task',
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
    };
    const api = mockJiraApi({ getCreateMeta: jest.fn(async () => two) });
    await renderDialog(api);
    const project = await screen.findByRole('button', { name: /^Project/ });
    await waitFor(() => expect(project).toHaveFocus());
    await pick(/^Project/, ['Operations (OPS, dc)']);
    expect(
      screen.getByRole('button', { name: /^Issue type/ }),
    ).toHaveTextContent('Task');
    // Task's screen lists only the summary
    expect(screen.queryByRole('textbox', { name: /^Description/ })).toBeNull();
    await userEvent.type(field(/^Summary/), 'Rotate keys{Enter}');
    await waitFor(() =>
      expect(api.createIssue).toHaveBeenCalledWith(entityRef, {
        projectKey: 'OPS',
        issueType: '3',
        summary: 'Rotate keys',
      }),
    );
  });

  it('offers every standard field when the metadata lists none, and choices Jira gives', async () => {
    const api = mockJiraApi({
      getCreateMeta: jest.fn(async () => ({
        projects: [
          {
            instance: 'default',
            key: 'PAY',
            name: 'Payments',
            issueTypes: [{ id: '1', name: 'Task', subtask: false, fields: [] }],
          },
        ],
      })),
    });
    await renderDialog(api);
    expect(
      await screen.findByRole('textbox', { name: /^Description/ }),
    ).toBeInTheDocument();
    expect(field(/^Assignee/)).toBeInTheDocument();
    await userEvent.type(field(/^Components/), 'ledger, api');
    await userEvent.type(field(/^Summary/), 'Chore{Enter}');
    await waitFor(() =>
      expect(api.createIssue).toHaveBeenCalledWith(entityRef, {
        projectKey: 'PAY',
        issueType: '1',
        summary: 'Chore',
        components: ['ledger', 'api'],
      }),
    );
  });

  it('picks an assignee and options from the values Jira allows', async () => {
    const api = mockJiraApi({
      getCreateMeta: jest.fn(async () => ({
        projects: [
          {
            instance: 'default',
            key: 'PAY',
            name: 'Payments',
            issueTypes: [
              {
                id: '1',
                name: 'Task',
                subtask: false,
                fields: [
                  {
                    id: 'summary',
                    name: 'Summary',
                    required: true,
                    schemaType: 'string',
                  },
                  {
                    id: 'assignee',
                    name: 'Assignee',
                    required: false,
                    schemaType: 'user',
                    allowedValues: [{ id: 'acc-grace', name: 'Grace Hopper' }],
                  },
                  {
                    id: 'customfield_1',
                    name: 'Platforms',
                    required: true,
                    schemaType: 'array',
                    itemsType: 'option',
                    allowedValues: [
                      { id: '11', name: 'iOS' },
                      { id: '12', name: 'Android' },
                    ],
                  },
                  {
                    id: 'duedate',
                    name: 'Due date',
                    required: true,
                    schemaType: 'date',
                  },
                  {
                    id: 'customfield_2',
                    name: 'Seen at',
                    required: true,
                    schemaType: 'datetime',
                  },
                ],
              },
            ],
          },
        ],
      })),
    });
    await renderDialog(api);
    await userEvent.type(
      await screen.findByRole('textbox', { name: /^Summary/ }),
      'Crash',
    );
    await pick(/^Assignee/, ['Grace Hopper']);
    await pick(/^Platforms/, ['iOS', 'Android']);
    await userEvent.type(screen.getByLabelText(/^Due date/), '2026-12-01');
    await userEvent.type(screen.getByLabelText(/^Seen at/), '2026-11-20T10:30');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(api.createIssue).toHaveBeenCalled());
    expect(api.createIssue.mock.calls[0][1]).toEqual({
      projectKey: 'PAY',
      issueType: '1',
      summary: 'Crash',
      assignee: 'acc-grace',
      customFields: {
        customfield_1: [{ id: '11' }, { id: '12' }],
        duedate: '2026-12-01',
        customfield_2: new Date('2026-11-20T10:30').toISOString(),
      },
    });
  });

  it('explains why the form cannot be loaded, and closes', async () => {
    const api = mockJiraApi({
      getCreateMeta: jest.fn(async () => {
        throw new JiraApiError({
          status: 403,
          errorName: 'NotAllowedError',
          message:
            'You are not allowed to jira.issue.create on component:default/payments-api',
        });
      }),
    });
    const { onClose } = await renderDialog(api);
    expect(
      await screen.findByText(
        'You are not allowed to jira.issue.create on component:default/payments-api',
      ),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(onClose).toHaveBeenCalled();
  });

  it('says so when no project offers a type that can be created', async () => {
    const api = mockJiraApi({
      getCreateMeta: jest.fn(async () => ({
        projects: [
          {
            instance: 'default',
            key: 'PAY',
            name: 'Payments',
            issueTypes: [
              { id: '5', name: 'Sub-task', subtask: true, fields: [] },
            ],
          },
        ],
      })),
    });
    await renderDialog(api);
    expect(
      await screen.findByText(
        "None of the entity's Jira projects offers an issue type that can be created here.",
      ),
    ).toBeInTheDocument();
  });
});
