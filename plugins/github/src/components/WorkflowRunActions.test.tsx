import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { GitHubApi, gitHubApiRef } from '../api';
import { apiError, mockApi } from '../__testUtils__/fixtures';
import { WorkflowRunActions, workflowRunIdOf } from './WorkflowRunActions';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

const completed: PipelineRun = {
  provider: 'github',
  runId: 'github:comet-examples/payments-api#101',
  entityRef: 'component:default/payments-api',
  pipeline: 'CI',
  number: 1,
  status: 'succeeded',
  trigger: { type: 'push' },
  params: {},
  createdAt: '2026-11-20T10:00:00.000Z',
  links: [
    {
      title: 'Open in GitHub',
      url: 'https://github.com/comet-examples/payments-api/actions/runs/101',
    },
  ],
  jobs: [],
};
const running: PipelineRun = {
  ...completed,
  runId: 'github:comet-examples/payments-api#103',
  number: 3,
  status: 'running',
};

/** Rendered, with the test app settled: clicks then never meet its lazy parts loading. */
async function renderActions(
  run: PipelineRun,
  options: { api?: GitHubApi; deny?: string[] } = {},
) {
  const api = options.api ?? mockApi();
  const onChanged = jest.fn();
  const asked: string[] = [];
  const view = (current: PipelineRun) => (
    <TestApiProvider
      apis={[
        [gitHubApiRef, api],
        [
          permissionApiRef,
          mockApis.permission.mock({
            authorize: async request => {
              asked.push(`${request.permission.name} ${request.resourceRef}`);
              return {
                result: (options.deny?.includes(request.permission.name)
                  ? 'DENY'
                  : 'ALLOW') as any,
              };
            },
          }),
        ],
      ]}
    >
      <WorkflowRunActions run={current} onChanged={onChanged} />
    </TestApiProvider>
  );
  const rendered = await renderInTestApp(view(run));
  return { api, onChanged, asked, rendered, view };
}

describe('Re-run and Cancel of a GitHub Actions run', () => {
  it('re-runs a completed run, showing progress, then asks the list to reload', async () => {
    let answer: () => void = () => {};
    const api = mockApi({
      rerunWorkflowRun: jest.fn(
        () =>
          new Promise<void>(resolve => {
            answer = resolve;
          }),
      ),
    });
    const { onChanged } = await renderActions(completed, { api });
    const rerun = await screen.findByRole('button', {
      name: 'Re-run CI #1 on GitHub Actions',
    });
    // A completed run cannot be cancelled
    expect(screen.queryByRole('button', { name: /^Cancel/ })).toBeNull();
    await userEvent.click(rerun);
    expect(rerun).toBeDisabled();
    expect(rerun).toHaveTextContent('Re-running…');
    expect(api.rerunWorkflowRun).toHaveBeenCalledWith(
      'component:default/payments-api',
      101,
    );
    expect(onChanged).not.toHaveBeenCalled();
    answer();
    expect(await screen.findByRole('status')).toHaveTextContent(
      'Re-run requested',
    );
    expect(onChanged).toHaveBeenCalledTimes(1);
    expect(rerun).toBeEnabled();
  });

  it('cancels a running run only after confirmation, from the keyboard too', async () => {
    const api = mockApi({ cancelWorkflowRun: jest.fn(async () => undefined) });
    const { onChanged, rendered, view } = await renderActions(running, { api });
    const cancel = await screen.findByRole('button', {
      name: 'Cancel CI #3 on GitHub Actions',
    });
    expect(screen.queryByRole('button', { name: /^Re-run/ })).toBeNull();

    await userEvent.click(cancel);
    let dialog = await screen.findByRole('dialog', { name: 'Cancel CI #3?' });
    // The first choice from the keyboard is the safe one
    await userEvent.tab();
    expect(
      within(dialog).getByRole('button', { name: 'Keep running' }),
    ).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.cancelWorkflowRun).not.toHaveBeenCalled();

    // Escape closes it too
    await userEvent.click(cancel);
    await screen.findByRole('dialog', { name: 'Cancel CI #3?' });
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.cancelWorkflowRun).not.toHaveBeenCalled();

    cancel.focus();
    await userEvent.keyboard('{Enter}');
    dialog = await screen.findByRole('dialog', { name: 'Cancel CI #3?' });
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel run' }),
    );
    await waitFor(() =>
      expect(api.cancelWorkflowRun).toHaveBeenCalledWith(
        'component:default/payments-api',
        103,
      ),
    );
    expect(await screen.findByRole('status')).toHaveTextContent(
      'Cancel requested',
    );
    expect(onChanged).toHaveBeenCalledTimes(1);

    // The list reloads: the run is cancelled, the note gives way to Re-run
    rendered.rerender(view({ ...running, status: 'cancelled' }));
    expect(
      await screen.findByRole('button', {
        name: 'Re-run CI #3 on GitHub Actions',
      }),
    ).toBeInTheDocument();
    expect(screen.queryByRole('status')).toBeNull();
  });

  it.each(['queued', 'waiting'] as const)(
    'offers Cancel for a %s run',
    async status => {
      await renderActions({ ...running, status });
      expect(
        await screen.findByRole('button', {
          name: 'Cancel CI #3 on GitHub Actions',
        }),
      ).toBeInTheDocument();
    },
  );

  it("shows the backend's message when GitHub refuses", async () => {
    const error = await apiError(
      409,
      'ConflictError',
      'GitHub refused: Cannot cancel a workflow run that is completed.',
    );
    const api = mockApi({
      cancelWorkflowRun: jest.fn(async () => {
        throw error;
      }),
    });
    const { onChanged } = await renderActions(running, { api });
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Cancel CI #3 on GitHub Actions',
      }),
    );
    await userEvent.click(
      within(
        await screen.findByRole('dialog', { name: 'Cancel CI #3?' }),
      ).getByRole('button', { name: 'Cancel run' }),
    );
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Cancel failed: GitHub refused: Cannot cancel a workflow run that is completed.',
    );
    expect(onChanged).not.toHaveBeenCalled();
    expect(
      screen.getByRole('button', { name: 'Cancel CI #3 on GitHub Actions' }),
    ).toBeEnabled();
  });

  it('shows a failed re-run the same way', async () => {
    const error = await apiError(
      403,
      'NotAllowedError',
      'You are not allowed to github.workflowRun.rerun on component:default/payments-api',
    );
    await renderActions(completed, {
      api: mockApi({
        rerunWorkflowRun: jest.fn(async () => {
          throw error;
        }),
      }),
    });
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Re-run CI #1 on GitHub Actions',
      }),
    );
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Re-run failed: You are not allowed to github.workflowRun.rerun on component:default/payments-api',
    );
  });

  it('shows nothing without the permission for what the run allows', async () => {
    const locked = {
      ...completed,
      entityRef: 'component:default/locked-api',
    };
    const { asked } = await renderActions(locked, {
      deny: ['github.workflowRun.rerun'],
    });
    await waitFor(() =>
      expect(asked).toContain(
        'github.workflowRun.rerun component:default/locked-api',
      ),
    );
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('shows nothing for a run id that is not a GitHub Actions run', async () => {
    await renderActions({ ...completed, runId: 'r1' });
    expect(screen.queryByRole('button')).toBeNull();
  });
});

describe('workflowRunIdOf', () => {
  it("reads GitHub's run id from the provider's run id", () => {
    expect(workflowRunIdOf(completed)).toBe(101);
    expect(workflowRunIdOf({ ...completed, runId: 'github:a/b#x' })).toBe(
      undefined,
    );
    expect(workflowRunIdOf({ ...completed, runId: 'jenkins:a#1' })).toBe(
      undefined,
    );
  });
});
