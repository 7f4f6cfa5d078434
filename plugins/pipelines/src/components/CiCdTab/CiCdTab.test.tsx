import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import type { Entity } from '@backstage/catalog-model';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import type {
  CiCdRunAction,
  CiCdRunActionProps,
} from '@internal/plugin-pipelines-react';
import {
  CiRunsPage,
  PipelinesApi,
  pipelinesApiRef,
} from '../../api/PipelinesApi';
import { rootRouteRef } from '../../routes';
import { CiCdTab } from './CiCdTab';

jest.setTimeout(30_000);

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-api',
    title: 'Payments API',
    annotations: {
      'backstage.io/source-location': 'url:http://localhost/payments-api.git',
      'comet.dev/pipelines': '.comet/pipeline.yaml',
      'jenkins.io/job-full-name': 'payments/payments-api',
    },
  },
  spec: { type: 'service', owner: 'payments-team', lifecycle: 'production' },
};

function run(overrides: Partial<PipelineRun>): PipelineRun {
  return {
    provider: 'comet',
    runId: 'r1',
    entityRef: 'component:default/payments-api',
    pipeline: 'build-and-test',
    number: 1,
    status: 'succeeded',
    trigger: { type: 'manual', actor: 'user:default/guest' },
    branch: 'main',
    commit: { sha: 'abcdef1234567', message: 'Fix the ledger' },
    params: {},
    createdAt: new Date().toISOString(),
    startedAt: new Date().toISOString(),
    durationMs: 65_000,
    links: [],
    jobs: [],
    ...overrides,
  };
}

function mockApi() {
  return {
    listCiRuns: jest.fn(
      async (query: { cursor?: string }): Promise<CiRunsPage> =>
        query.cursor
          ? {
              providers: [
                { id: 'comet', title: 'Comet' },
                { id: 'jenkins', title: 'Jenkins' },
              ],
              runs: [run({ runId: 'r3', number: 3, status: 'cancelled' })],
              errors: [],
            }
          : {
              providers: [
                { id: 'comet', title: 'Comet' },
                { id: 'jenkins', title: 'Jenkins' },
              ],
              runs: [
                run({
                  runId: 'r2',
                  number: 2,
                  status: 'failed',
                  branch: 'feature/x',
                }),
                run({
                  provider: 'jenkins',
                  runId: 'j7',
                  pipeline: 'payments/payments-api',
                  number: 7,
                  status: 'running',
                  links: [{ title: 'Jenkins', url: 'http://jenkins/job/7' }],
                }),
              ],
              nextCursor: 'page-2',
              errors: [
                { provider: 'jenkins', message: 'instance legacy is down' },
              ],
            },
    ),
    listPipelines: jest.fn(async () => ({
      pipelines: [
        {
          path: '.comet/pipeline.yaml',
          definition: {
            name: 'build-and-test',
            on: {},
            params: {},
            env: {},
            jobs: [],
          },
        },
      ],
    })),
    getStats: jest.fn(async () => ({ pipelines: [] })),
  };
}

async function renderTab(
  api: ReturnType<typeof mockApi>,
  runActions?: CiCdRunAction[],
) {
  return renderInTestApp(
    <EntityProvider entity={entity}>
      <CiCdTab runActions={runActions} />
    </EntityProvider>,
    {
      apis: [
        [pipelinesApiRef, api as unknown as PipelinesApi],
        mockApis.permission(),
      ],
      mountedRoutes: { '/pipelines': rootRouteRef },
    },
  );
}

describe('CiCdTab', () => {
  it("puts the actions other plugins attached in their provider's rows, and reloads when one changes a run", async () => {
    const api = mockApi();
    const Abort = (props: CiCdRunActionProps) => (
      <button onClick={props.onChanged}>
        Abort {props.run.pipeline} #{props.run.number} ({props.run.status})
      </button>
    );
    await renderTab(api, [
      { provider: 'jenkins', loader: async () => Abort },
      // No run of this provider on the page: it adds nothing
      { provider: 'github', loader: async () => () => <button>Never</button> },
    ]);
    const table = await screen.findByRole('table', {
      name: 'Pipeline runs of Payments API',
    });
    expect(
      within(table).getByRole('columnheader', { name: 'Actions' }),
    ).toBeInTheDocument();
    const rows = within(table).getAllByRole('row');
    const abort = await within(rows[2]).findByRole('button', {
      name: 'Abort payments/payments-api #7 (running)',
    });
    // The Comet run's row has no action
    expect(within(rows[1]).queryByRole('button')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Never' })).toBeNull();
    const calls = api.listCiRuns.mock.calls.length;
    fireEvent.click(abort);
    await waitFor(() =>
      expect(api.listCiRuns.mock.calls.length).toBeGreaterThan(calls),
    );
  });

  it('has no actions column when no attached action is for a listed run', async () => {
    await renderTab(mockApi(), [
      { provider: 'github', loader: async () => () => <button>Never</button> },
    ]);
    const table = await screen.findByRole('table', {
      name: 'Pipeline runs of Payments API',
    });
    expect(
      within(table).queryByRole('columnheader', { name: 'Actions' }),
    ).toBeNull();
  });

  it('lists runs of every provider with badge, status text, branch and commit', async () => {
    const api = mockApi();
    await renderTab(api);
    const table = await screen.findByRole('table', {
      name: 'Pipeline runs of Payments API',
    });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(within(rows[1]).getByText('Comet')).toBeInTheDocument();
    expect(within(rows[1]).getByText('Failed')).toBeInTheDocument();
    expect(within(rows[1]).getByText('feature/x')).toBeInTheDocument();
    expect(within(rows[1]).getByText('abcdef1')).toBeInTheDocument();
    expect(
      within(rows[1]).getByRole('link', { name: 'build-and-test #2' }),
    ).toHaveAttribute('href', '/pipelines/runs/r2');
    expect(within(rows[2]).getByText('Jenkins')).toBeInTheDocument();
    expect(within(rows[2]).getByText('Running')).toBeInTheDocument();
    expect(
      within(rows[2]).getByRole('link', { name: /^payments\/payments-api #7/ }),
    ).toHaveAttribute('href', 'http://jenkins/job/7');
    expect(
      screen.getByText('Jenkins: instance legacy is down'),
    ).toBeInTheDocument();
    expect(api.listCiRuns).toHaveBeenCalledWith({
      entityRef: 'component:default/payments-api',
      limit: 20,
      cursor: undefined,
    });
  });

  it('says which source of a provider could not be loaded and still lists the other runs', async () => {
    const api = mockApi();
    api.listCiRuns.mockImplementation(async () => ({
      providers: [
        { id: 'comet', title: 'Comet' },
        { id: 'jenkins', title: 'Jenkins' },
      ],
      runs: [
        run({ runId: 'r2', number: 2 }),
        run({
          provider: 'jenkins',
          runId: 'j7',
          pipeline: 'payments/payments-api',
          number: 7,
          links: [{ title: 'Jenkins', url: 'http://jenkins/job/7' }],
        }),
      ],
      errors: [
        {
          provider: 'jenkins',
          source: 'Jenkins job folder/payments-build (instance default)',
          message: '404 Not Found',
        },
        {
          provider: 'jenkins',
          source: 'Jenkins job payments/nightly (instance legacy)',
          message: 'Jenkins instance "legacy" is unreachable',
        },
      ],
    }));
    await renderTab(api);
    const table = await screen.findByRole('table', {
      name: 'Pipeline runs of Payments API',
    });
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(
      within(table).getByRole('link', { name: /^payments\/payments-api #7/ }),
    ).toBeInTheDocument();
    // One warning for the provider, one line of text per source.
    const alerts = screen.getAllByRole('alert');
    expect(alerts).toHaveLength(1);
    expect(
      within(alerts[0]).getByText(
        'Jenkins job folder/payments-build (instance default) could not be loaded: 404 Not Found',
      ),
    ).toBeInTheDocument();
    expect(
      within(alerts[0]).getByText(
        'Jenkins job payments/nightly (instance legacy) could not be loaded: Jenkins instance "legacy" is unreachable',
      ),
    ).toBeInTheDocument();
  });

  it('filters on the server and pages by cursor', async () => {
    const api = mockApi();
    await renderTab(api);
    await screen.findByRole('table', { name: 'Pipeline runs of Payments API' });

    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() =>
      expect(api.listCiRuns).toHaveBeenLastCalledWith(
        expect.objectContaining({ cursor: 'page-2' }),
      ),
    );
    expect(await screen.findByText('Page 2')).toBeInTheDocument();
    expect(await screen.findByText('Cancelled')).toBeInTheDocument();

    // A filter change starts again from the first page
    fireEvent.mouseDown(screen.getByRole('button', { name: /Status/ }));
    fireEvent.click(await screen.findByRole('option', { name: 'Failed' }));
    await waitFor(() =>
      expect(api.listCiRuns).toHaveBeenLastCalledWith({
        entityRef: 'component:default/payments-api',
        status: 'failed',
        limit: 20,
        cursor: undefined,
      }),
    );
    expect(await screen.findByText('Page 1')).toBeInTheDocument();

    fireEvent.change(screen.getByLabelText('Branch'), {
      target: { value: 'main' },
    });
    fireEvent.keyDown(screen.getByLabelText('Branch'), { key: 'Enter' });
    await waitFor(() =>
      expect(api.listCiRuns).toHaveBeenLastCalledWith(
        expect.objectContaining({ status: 'failed', branch: 'main' }),
      ),
    );

    fireEvent.mouseDown(screen.getByRole('button', { name: /Provider/ }));
    fireEvent.click(await screen.findByRole('option', { name: 'Jenkins' }));
    await waitFor(() =>
      expect(api.listCiRuns).toHaveBeenLastCalledWith(
        expect.objectContaining({ provider: 'jenkins' }),
      ),
    );
  });

  it('offers the pipelines of the files and of the listed runs, and filters on the chosen one', async () => {
    const api = mockApi();
    await renderTab(api);
    await screen.findByRole('table', { name: 'Pipeline runs of Payments API' });
    await waitFor(() => expect(api.listPipelines).toHaveBeenCalled());

    fireEvent.mouseDown(screen.getByRole('button', { name: /Pipeline/ }));
    const listbox = await screen.findByRole('listbox');
    // The file's pipeline and the Jenkins job's, each once, sorted, after "All"
    expect(
      within(listbox)
        .getAllByRole('option')
        .map(option => option.textContent),
    ).toEqual(['All', 'build-and-test', 'payments/payments-api']);

    fireEvent.click(
      within(listbox).getByRole('option', { name: 'payments/payments-api' }),
    );
    await waitFor(() =>
      expect(api.listCiRuns).toHaveBeenLastCalledWith({
        entityRef: 'component:default/payments-api',
        pipeline: 'payments/payments-api',
        limit: 20,
        cursor: undefined,
      }),
    );
    expect(screen.getByRole('button', { name: /Pipeline/ })).toHaveTextContent(
      'payments/payments-api',
    );
  });
});
