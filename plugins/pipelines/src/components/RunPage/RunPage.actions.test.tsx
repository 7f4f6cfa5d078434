import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  PipelineRun,
  pipelinesRunApprovePermission,
  pipelinesRunCancelPermission,
  pipelinesRunCreatePermission,
} from '@internal/plugin-pipelines-common';
import {
  PipelineArtifact,
  pipelinesApiRef,
  PipelinesApi,
} from '../../api/PipelinesApi';
import { rootRouteRef } from '../../routes';
import { RunPage } from './RunPage';

// Rendering a themed app under jsdom is slow on a shared CI machine
jest.setTimeout(30_000);

const now = new Date().toISOString();

/** AuthorizeResult.ALLOW or DENY (the enum's package is not a dependency of this plugin). */
type Decision = Exclude<
  NonNullable<Parameters<typeof mockApis.permission>[0]>['authorize'],
  Function | undefined
>;
const ALLOW = 'ALLOW' as Decision;
const DENY = 'DENY' as Decision;

const base: PipelineRun = {
  provider: 'comet',
  runId: 'run-7',
  entityRef: 'component:default/ledger-worker',
  pipeline: 'release',
  number: 7,
  status: 'running',
  trigger: { type: 'manual' },
  params: {},
  createdAt: now,
  startedAt: now,
  links: [],
  jobs: [
    {
      jobRunId: 'build',
      jobId: 'build',
      name: 'build',
      needs: [],
      status: 'running',
      attempt: 1,
      startedAt: now,
      steps: [{ stepIndex: 0, name: 'Build', status: 'running' }],
    },
  ],
};

const failed: PipelineRun = {
  ...base,
  status: 'failed',
  finishedAt: now,
  jobs: [
    {
      ...base.jobs[0],
      status: 'failed',
      finishedAt: now,
      steps: [{ stepIndex: 0, name: 'Build', status: 'failed', exitCode: 1 }],
    },
  ],
};

const waiting: PipelineRun = {
  ...base,
  status: 'waiting',
  jobs: [
    { ...base.jobs[0], status: 'succeeded', finishedAt: now, steps: [] },
    {
      jobRunId: 'approve-production',
      jobId: 'approve-production',
      name: 'approve-production',
      needs: ['build'],
      status: 'waiting',
      attempt: 1,
      steps: [],
      approval: {
        description: 'Release 1.0.0 to production?',
        approvers: ['group:default/payments-team'],
      },
    },
  ],
};

// usePermission caches answers by permission and entity across renders (SWR): each test's
// run gets an entity of its own, so no test sees an answer given to another
let entities = 0;

function fakeApi(runOfTest: PipelineRun) {
  entities += 1;
  const run = {
    ...runOfTest,
    entityRef: `component:default/ledger-worker-${entities}`,
  };
  return {
    runEntityRef: run.entityRef,
    getRun: jest.fn(async (): Promise<PipelineRun> => run),
    getLogs: jest.fn(async () => ({ lines: [] })),
    streamLogs: jest.fn(() => () => undefined),
    listArtifacts: jest.fn(async (): Promise<PipelineArtifact[]> => []),
    cancelRun: jest.fn(
      async (): Promise<PipelineRun> => ({
        ...run,
        status: 'cancelled',
        finishedAt: now,
      }),
    ),
    rerun: jest.fn(
      async (): Promise<PipelineRun> => ({
        ...run,
        runId: 'run-8',
        number: 8,
        status: 'queued',
      }),
    ),
    decide: jest.fn(),
    downloadArtifact: jest.fn(),
    downloadLog: jest.fn(),
  };
}

type FakeApi = ReturnType<typeof fakeApi>;

const checkedPermissions = [
  pipelinesRunCancelPermission,
  pipelinesRunCreatePermission,
  pipelinesRunApprovePermission,
];

/**
 * The answers to the permissions the page checks, as its own `usePermission` calls see them:
 * the same requests share one cache entry, so when this shows the answers the page has them
 * too. A denial hides buttons, which leaves nothing else on the page to wait for.
 */
function PermissionAnswers(props: { entityRef: string }) {
  const answers = checkedPermissions.map(permission => ({
    name: permission.name,
    // eslint-disable-next-line react-hooks/rules-of-hooks -- a fixed list, the same every render
    ...usePermission({ permission, resourceRef: props.entityRef }),
  }));
  return (
    <output data-testid="permission-answers">
      {answers
        .map(a => `${a.name}=${a.loading ? 'pending' : a.allowed}`)
        .join(' ')}
    </output>
  );
}

/**
 * Renders the page, answers the permissions it asks for once it has asked for all of them, and
 * waits until the answers have been applied.
 */
async function renderRunPage(
  api: FakeApi,
  options: { allow: boolean; ownership?: string[] },
) {
  const asked = new Set<string>();
  let answer: () => void = () => undefined;
  const answered = new Promise<void>(resolve => {
    answer = resolve;
  });
  const identity = mockApis.identity({
    userEntityRef: 'user:default/dev',
    ownershipEntityRefs: options.ownership ?? ['user:default/dev'],
  });
  const identityRead = jest.spyOn(identity, 'getBackstageIdentity');
  await renderInTestApp(
    <>
      <RunPage runId="run-7" />
      <PermissionAnswers entityRef={api.runEntityRef} />
    </>,
    {
      apis: [
        [pipelinesApiRef, api as unknown as PipelinesApi],
        mockApis.permission.mock({
          authorize: async request => {
            // By resource too: a page request for another entity would be a request of its own
            asked.add(`${request.permission.name} ${request.resourceRef}`);
            await answered;
            return { result: options.allow ? ALLOW : DENY };
          },
        }),
        identity,
      ],
      mountedRoutes: {
        '/pipelines': rootRouteRef,
        '/catalog/:namespace/:kind/:name': entityRouteRef,
      },
    },
  );
  expect(await screen.findByTestId('run-status')).toBeInTheDocument();
  await waitFor(() =>
    expect([...asked].sort()).toEqual(
      checkedPermissions
        .map(permission => `${permission.name} ${api.runEntityRef}`)
        .sort(),
    ),
  );
  // Every answer is still pending: nothing shown so far came from one
  expect(screen.getByTestId('permission-answers')).not.toHaveTextContent(
    /=(true|false)/,
  );
  answer();
  await waitFor(() =>
    expect(screen.getByTestId('permission-answers')).toHaveTextContent(
      checkedPermissions
        .map(permission => `${permission.name}=${options.allow}`)
        .join(' '),
    ),
  );
  expect(asked.size).toBe(checkedPermissions.length);
  await waitFor(() => expect(identityRead).toHaveBeenCalled());
  await identityRead.mock.results[0].value;
}

describe('RunPage actions', () => {
  it('hides cancel from a user who may not cancel', async () => {
    const api = fakeApi(base);
    await renderRunPage(api, { allow: false });
    expect(screen.getByTestId('run-status')).toHaveTextContent('Running');
    expect(screen.queryByRole('button', { name: 'Cancel run' })).toBeNull();
  });

  it('cancels a running run and shows its new status', async () => {
    const api = fakeApi(base);
    await renderRunPage(api, { allow: true });
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel run' }));
    await waitFor(() =>
      expect(screen.getByTestId('run-status')).toHaveTextContent('Cancelled'),
    );
    expect(api.cancelRun).toHaveBeenCalledWith('run-7');
    expect(screen.queryByRole('button', { name: 'Cancel run' })).toBeNull();
    // Finished now: it can be run again
    expect(screen.getByRole('button', { name: 'Re-run' })).toBeInTheDocument();
  });

  it('hides re-run and re-run failed jobs from a user who may not run', async () => {
    const api = fakeApi(failed);
    await renderRunPage(api, { allow: false });
    expect(screen.getByTestId('run-status')).toHaveTextContent('Failed');
    expect(screen.queryByRole('button', { name: /^Re-run/ })).toBeNull();
  });

  it('re-runs the whole run, or only its failed jobs', async () => {
    const api = fakeApi(failed);
    await renderRunPage(api, { allow: true });
    const failedOnly = await screen.findByRole('button', {
      name: 'Re-run failed jobs',
    });
    fireEvent.click(failedOnly);
    await waitFor(() =>
      expect(api.rerun).toHaveBeenCalledWith('run-7', { failedOnly: true }),
    );
    await waitFor(() => expect(failedOnly).toBeEnabled());
    fireEvent.click(screen.getByRole('button', { name: 'Re-run' }));
    await waitFor(() => expect(api.rerun).toHaveBeenCalledTimes(2));
    expect(api.rerun).toHaveBeenLastCalledWith('run-7');
  });

  it('offers no re-run of failed jobs when no job failed', async () => {
    const api = fakeApi({
      ...failed,
      status: 'succeeded',
      jobs: [{ ...failed.jobs[0], status: 'succeeded', steps: [] }],
    });
    await renderRunPage(api, { allow: true });
    expect(
      await screen.findByRole('button', { name: 'Re-run' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Re-run failed jobs' }),
    ).toBeNull();
  });

  it('lets an approver approve with a comment', async () => {
    const api = fakeApi(waiting);
    api.decide.mockImplementation(async () => ({
      ...waiting,
      status: 'running',
      jobs: [
        waiting.jobs[0],
        {
          ...waiting.jobs[1],
          status: 'succeeded',
          approval: { ...waiting.jobs[1].approval, decision: 'approved' },
        },
      ],
    }));
    await renderRunPage(api, {
      allow: true,
      ownership: ['user:default/dev', 'group:default/payments-team'],
    });
    const panel = await screen.findByRole('region', {
      name: 'Approval approve-production',
    });
    expect(panel).toHaveTextContent('Release 1.0.0 to production?');
    fireEvent.change(within(panel).getByLabelText('Comment'), {
      target: { value: 'ship it' },
    });
    fireEvent.click(
      await within(panel).findByRole('button', { name: 'Approve' }),
    );
    await waitFor(() =>
      expect(
        screen.queryByRole('region', { name: 'Approval approve-production' }),
      ).toBeNull(),
    );
    expect(api.decide).toHaveBeenCalledWith(
      'run-7',
      'approve-production',
      'approve',
      'ship it',
    );
    expect(screen.getByTestId('run-status')).toHaveTextContent('Running');
  });

  it('lets an approver reject', async () => {
    const api = fakeApi(waiting);
    api.decide.mockImplementation(async () => ({
      ...waiting,
      status: 'failed',
      jobs: [
        waiting.jobs[0],
        {
          ...waiting.jobs[1],
          status: 'failed',
          approval: { ...waiting.jobs[1].approval, decision: 'rejected' },
        },
      ],
    }));
    await renderRunPage(api, {
      allow: true,
      ownership: ['group:default/payments-team'],
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Reject' }));
    await waitFor(() =>
      expect(screen.getByTestId('run-status')).toHaveTextContent('Failed'),
    );
    expect(api.decide).toHaveBeenCalledWith(
      'run-7',
      'approve-production',
      'reject',
      undefined,
    );
  });

  it('tells the user who triggered the run that someone else decides, with no buttons', async () => {
    const api = fakeApi({
      ...waiting,
      trigger: { type: 'manual', actor: 'user:default/dev' },
    });
    await renderRunPage(api, {
      allow: true,
      ownership: ['group:default/payments-team'],
    });
    const panel = screen.getByRole('region', {
      name: 'Approval approve-production',
    });
    await waitFor(() =>
      expect(panel).toHaveTextContent(
        'You triggered this run, so someone else among its approvers must decide this gate.',
      ),
    );
    expect(within(panel).queryByRole('button')).toBeNull();
  });

  it("shows the backend's refusal of a decision inside the gate's panel", async () => {
    const api = fakeApi({
      ...waiting,
      jobs: [
        waiting.jobs[0],
        {
          ...waiting.jobs[1],
          approval: { environment: 'production', description: 'Ship?' },
        },
      ],
    });
    // What PipelinesClient throws for a 403: a ResponseError, the backend's words in its body
    api.decide.mockImplementation(async () => {
      throw Object.assign(new Error('Request failed with 403 Forbidden'), {
        name: 'ResponseError',
        response: { status: 403 },
        body: {
          error: {
            name: 'NotAllowedError',
            message:
              'Only the approvers of environment "production" (group:default/release) may decide gate approve-production; user:default/dev is not one of them',
          },
        },
      });
    });
    await renderRunPage(api, { allow: true });
    const panel = screen.getByRole('region', {
      name: 'Approval approve-production',
    });
    expect(panel).toHaveTextContent('Environment: production');
    fireEvent.click(
      await within(panel).findByRole('button', { name: 'Approve' }),
    );
    const refusal = await within(panel).findByRole('alert');
    expect(refusal).toHaveTextContent(
      'Only the approvers of environment "production" (group:default/release) may decide gate approve-production',
    );
    expect(screen.getByTestId('run-status')).toHaveTextContent('Waiting');
  });

  it('shows no decision buttons to a user who is not one of the approvers', async () => {
    const api = fakeApi(waiting);
    await renderRunPage(api, {
      allow: true,
      ownership: ['user:default/dev', 'group:default/web-team'],
    });
    const panel = screen.getByRole('region', {
      name: 'Approval approve-production',
    });
    await waitFor(() =>
      expect(panel).toHaveTextContent(
        'You are not one of the approvers of this gate.',
      ),
    );
    expect(within(panel).queryByRole('button')).toBeNull();
    expect(api.decide).not.toHaveBeenCalled();
  });

  it('shows no decision buttons to an approver whose permission is denied', async () => {
    const api = fakeApi(waiting);
    await renderRunPage(api, {
      allow: false,
      ownership: ['group:default/payments-team'],
    });
    const panel = screen.getByRole('region', {
      name: 'Approval approve-production',
    });
    expect(panel).toHaveTextContent(
      'You are not one of the approvers of this gate.',
    );
    expect(within(panel).queryByRole('button')).toBeNull();
  });
});

describe('RunPage downloads', () => {
  const createObjectURL = URL.createObjectURL;
  const revokeObjectURL = URL.revokeObjectURL;
  afterEach(() => {
    URL.createObjectURL = createObjectURL;
    URL.revokeObjectURL = revokeObjectURL;
    jest.restoreAllMocks();
  });

  it('lists the artifacts and downloads one under its file name', async () => {
    const api = fakeApi({ ...failed, status: 'succeeded' });
    api.listArtifacts.mockImplementation(async () => [
      { jobRunId: 'build', path: 'dist/app.js', size: 2048 },
      { jobRunId: 'build', path: 'dist/report.html', size: 100 },
    ]);
    const blob = new Blob(['console.log(1)']);
    api.downloadArtifact.mockImplementation(async () => blob);
    URL.createObjectURL = jest.fn(() => 'blob:artifact');
    URL.revokeObjectURL = jest.fn();
    const saved: Array<{ href: string; download: string }> = [];
    jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(function record(this: HTMLAnchorElement) {
        saved.push({ href: this.href, download: this.download });
      });

    await renderRunPage(api, { allow: true });
    expect(await screen.findByText('dist/app.js')).toBeInTheDocument();
    expect(screen.getByText('build · 2.0 KB')).toBeInTheDocument();
    expect(screen.getByText('build · 100 B')).toBeInTheDocument();
    expect(api.listArtifacts).toHaveBeenCalledWith('run-7');

    fireEvent.click(
      screen.getByRole('button', { name: 'Download dist/app.js from build' }),
    );
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(api.downloadArtifact).toHaveBeenCalledWith({
      jobRunId: 'build',
      path: 'dist/app.js',
      size: 2048,
      runId: 'run-7',
    });
    expect(URL.createObjectURL).toHaveBeenCalledWith(blob);
    expect(saved[0]).toEqual({ href: 'blob:artifact', download: 'app.js' });
  });

  it('downloads the raw log as <run id>.log', async () => {
    const api = fakeApi({ ...failed, status: 'succeeded' });
    const blob = new Blob(['line 1\nline 2']);
    api.downloadLog.mockImplementation(async () => blob);
    URL.createObjectURL = jest.fn(() => 'blob:log');
    URL.revokeObjectURL = jest.fn();
    const saved: Array<{ href: string; download: string }> = [];
    jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(function record(this: HTMLAnchorElement) {
        saved.push({ href: this.href, download: this.download });
      });
    await renderRunPage(api, { allow: true });
    fireEvent.click(screen.getByRole('button', { name: 'Download raw log' }));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(api.downloadLog).toHaveBeenCalledWith('run-7');
    expect(URL.createObjectURL).toHaveBeenCalledWith(blob);
    expect(saved[0]).toEqual({ href: 'blob:log', download: 'run-7.log' });
  });

  it('says when a finished run kept no artifacts', async () => {
    const api = fakeApi({ ...failed, status: 'succeeded' });
    await renderRunPage(api, { allow: true });
    expect(
      await screen.findByText('This run kept no artifacts.'),
    ).toBeInTheDocument();
  });
});
