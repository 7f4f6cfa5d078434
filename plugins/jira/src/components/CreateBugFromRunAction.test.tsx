import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { jiraApiRef } from '../api';
import { entityWith, mockJiraApi } from '../__testUtils__/fixtures';
import {
  bugDescription,
  bugSummary,
  CreateBugFromRunAction,
} from './CreateBugFromRunAction';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

const run: PipelineRun = {
  provider: 'comet',
  runId: 'run-7',
  entityRef: 'component:default/payments-api',
  pipeline: 'build',
  number: 7,
  status: 'failed',
  trigger: { type: 'push' },
  branch: 'main',
  commit: { sha: 'abcdef1234567890', message: 'Fix refunds\n\nlong text' },
  params: {},
  createdAt: '2026-11-20T10:00:00.000Z',
  links: [
    { title: 'Jenkins build', url: 'https://jenkins.example.com/job/x/7/' },
  ],
  jobs: [
    {
      jobRunId: 'lint',
      jobId: 'lint',
      name: 'lint',
      needs: [],
      status: 'succeeded',
      attempt: 1,
      steps: [],
    },
    {
      jobRunId: 'test',
      jobId: 'test',
      name: 'test',
      needs: ['lint'],
      status: 'failed',
      attempt: 1,
      steps: [
        { stepIndex: 0, name: 'checkout', status: 'succeeded' },
        {
          stepIndex: 1,
          name: 'npm test',
          status: 'failed',
          exitCode: 1,
          error: 'Tests failed: 3 of 120',
        },
      ],
    },
  ],
};

const bugMeta = {
  projects: [
    {
      instance: 'default',
      key: 'PAY',
      name: 'Payments',
      issueTypes: [
        {
          id: '10001',
          name: 'Story',
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
            {
              id: 'description',
              name: 'Description',
              required: false,
              schemaType: 'string',
            },
          ],
        },
      ],
    },
  ],
};

function renderAction(
  props: { run: PipelineRun },
  options: { entities?: any[]; apis?: any[] } = {},
) {
  const api = mockJiraApi({ getCreateMeta: jest.fn(async () => bugMeta) });
  const catalogApi = catalogApiMock.mock({
    getEntityByRef: jest.fn(async (ref: any) =>
      (options.entities ?? [entityWith({ 'jira/project-key': 'PAY' })]).find(
        e => `component:default/${e.metadata.name}` === ref,
      ),
    ),
  });
  const rendered = renderInTestApp(
    <TestApiProvider
      apis={[
        [jiraApiRef, api],
        [catalogApiRef, catalogApi],
        ...(options.apis ?? []),
      ]}
    >
      <CreateBugFromRunAction {...props} />
    </TestApiProvider>,
  );
  return { api, catalogApi, rendered };
}

describe('Create Jira bug on a run page', () => {
  beforeEach(() => {
    // The action is on the run's page: the address is the run's link
    window.history.pushState({}, '', '/pipelines/runs/run-7?log=1');
  });

  it('opens the create dialog prefilled for a failed run and files the bug', async () => {
    const { api } = renderAction({ run });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Create Jira bug' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Create Jira bug',
    });
    expect(
      await within(dialog).findByRole('button', { name: /^Issue type/ }),
    ).toHaveTextContent('Bug');
    expect(
      within(dialog).getByRole('textbox', { name: /^Summary/ }),
    ).toHaveValue('Pipeline build #7 failed: test/npm test');
    const description = within(dialog).getByRole('textbox', {
      name: /^Description/,
    });
    expect(description).toHaveValue(
      bugDescription(run, 'http://localhost/pipelines/runs/run-7'),
    );
    expect((description as HTMLTextAreaElement).value).toContain(
      '- Run: [http://localhost/pipelines/runs/run-7](http://localhost/pipelines/runs/run-7)',
    );
    expect((description as HTMLTextAreaElement).value).toContain(
      '- Failing step: npm test (exit code 1)',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Create' }),
    );
    await waitFor(() =>
      expect(api.createIssue).toHaveBeenCalledWith(
        'component:default/payments-api',
        {
          projectKey: 'PAY',
          issueType: '10004',
          summary: 'Pipeline build #7 failed: test/npm test',
          description: bugDescription(
            run,
            'http://localhost/pipelines/runs/run-7',
          ),
        },
      ),
    );
    expect(
      await screen.findByRole('link', { name: 'PAY-999' }),
    ).toHaveAttribute('href', 'https://jira.example.com/browse/PAY-999');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it.each(['succeeded', 'running', 'cancelled'] as const)(
    'shows nothing for a %s run',
    async status => {
      const { catalogApi, rendered } = renderAction({
        run: { ...run, status },
      });
      await rendered;
      expect(
        screen.queryByRole('button', { name: 'Create Jira bug' }),
      ).toBeNull();
      expect(catalogApi.getEntityByRef).not.toHaveBeenCalled();
    },
  );

  it('shows nothing for an entity without Jira projects', async () => {
    const { catalogApi } = renderAction(
      { run },
      { entities: [entityWith({}, 'payments-api')] },
    );
    await waitFor(() =>
      expect(catalogApi.getEntityByRef).toHaveBeenCalledWith(
        'component:default/payments-api',
      ),
    );
    expect(
      screen.queryByRole('button', { name: 'Create Jira bug' }),
    ).toBeNull();
  });

  it('shows nothing without jira.issue.create on the entity', async () => {
    const asked: string[] = [];
    const restricted = { ...run, entityRef: 'component:default/locked-api' };
    renderAction(
      { run: restricted },
      {
        entities: [entityWith({ 'jira/project-key': 'PAY' }, 'locked-api')],
        apis: [
          [
            permissionApiRef,
            mockApis.permission.mock({
              authorize: async request => {
                asked.push(`${request.permission.name} ${request.resourceRef}`);
                return { result: 'DENY' as any };
              },
            }),
          ],
        ],
      },
    );
    await waitFor(() =>
      expect(asked).toContain('jira.issue.create component:default/locked-api'),
    );
    expect(
      screen.queryByRole('button', { name: 'Create Jira bug' }),
    ).toBeNull();
  });
});

describe('bug text', () => {
  it('names the failing job without a failed step, or just the run', () => {
    const noStep = {
      ...run,
      number: undefined,
      commit: undefined,
      branch: undefined,
      links: [],
      error: 'Workspace could not be prepared',
      jobs: [{ ...run.jobs[1], steps: [], error: undefined }],
    };
    expect(bugSummary(noStep)).toBe('Pipeline build #run-7 failed: test');
    expect(bugDescription(noStep, 'https://comet/run')).toBe(
      [
        'Pipeline **build** run #run-7 failed.',
        '',
        '- Run: [https://comet/run](https://comet/run)',
        '- Entity: component:default/payments-api',
        '- Failing job: test',
        '',
        '```',
        'Workspace could not be prepared',
        '```',
      ].join('\n'),
    );
    expect(bugSummary({ ...run, jobs: [] })).toBe('Pipeline build #7 failed');
    expect(bugSummary({ ...run, pipeline: 'x'.repeat(300) })).toHaveLength(255);
  });

  it('links the commit when its address is known', () => {
    const text = bugDescription(
      { ...run, commit: { sha: 'abcdef1234567890', url: 'https://git/c/abc' } },
      'https://comet/run',
    );
    expect(text).toContain('- Commit: [abcdef123456](https://git/c/abc)');
    expect(text).toContain(
      '- [Jenkins build](https://jenkins.example.com/job/x/7/)',
    );
  });
});
