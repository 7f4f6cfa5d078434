import { screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import type { Entity } from '@backstage/catalog-model';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import {
  CiRunsPage,
  PipelinesApi,
  pipelinesApiRef,
} from '../../api/PipelinesApi';
import { rootRouteRef } from '../../routes';
import { LatestRunsCard } from './LatestRunsCard';

jest.setTimeout(30_000);

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-api',
    annotations: { 'jenkins.io/job-full-name': 'payments/build,payments/e2e' },
  },
  spec: { type: 'service', owner: 'payments-team', lifecycle: 'production' },
};

const jenkinsRun: PipelineRun = {
  provider: 'jenkins',
  runId: 'payments/build#12',
  entityRef: 'component:default/payments-api',
  pipeline: 'payments/build',
  number: 12,
  status: 'failed',
  trigger: { type: 'manual' },
  params: {},
  createdAt: new Date().toISOString(),
  startedAt: new Date().toISOString(),
  durationMs: 30_000,
  links: [],
  jobs: [],
};

async function renderCard(page: CiRunsPage, cometLatest: PipelineRun[] = []) {
  const api = {
    listCiRuns: jest.fn(async () => page),
    getLatestRuns: jest.fn(async () => ({ runs: cometLatest })),
  };
  await renderInTestApp(
    <EntityProvider entity={entity}>
      <LatestRunsCard />
    </EntityProvider>,
    {
      apis: [[pipelinesApiRef, api as unknown as PipelinesApi]],
      mountedRoutes: { '/pipelines': rootRouteRef },
    },
  );
  return api;
}

function cometRun(pipeline: string, number: number, ageMs: number) {
  const at = new Date(Date.now() - ageMs).toISOString();
  return {
    ...jenkinsRun,
    provider: 'comet',
    runId: `${pipeline}-${number}`,
    pipeline,
    number,
    status: 'succeeded',
    createdAt: at,
    startedAt: at,
  } as PipelineRun;
}

describe('LatestRunsCard', () => {
  it("shows a Comet pipeline whose last run is older than the entity's newest 50", async () => {
    // The newest 50 runs of every provider: all of Comet's ci, none of nightly
    const newest50 = Array.from({ length: 49 }, (_, i) =>
      cometRun('ci', 60 - i, i * 1000),
    );
    const api = await renderCard(
      {
        providers: [
          { id: 'comet', title: 'Comet' },
          { id: 'jenkins', title: 'Jenkins' },
        ],
        runs: [
          ...newest50,
          { ...jenkinsRun, createdAt: newest50[48].createdAt },
        ],
        errors: [],
      },
      [cometRun('ci', 60, 0), cometRun('nightly', 3, 30 * 86_400_000)],
    );
    const table = await screen.findByRole('table', {
      name: 'Latest run per pipeline',
    });
    expect(api.getLatestRuns).toHaveBeenCalledWith(
      'component:default/payments-api',
    );
    expect(api.listCiRuns).toHaveBeenCalledWith({
      entityRef: 'component:default/payments-api',
      limit: 50,
    });
    // One row per pipeline, newest first: Comet's two (the old nightly too) and Jenkins'
    const rows = within(table).getAllByRole('row').slice(1);
    expect(
      rows.map(row => within(row).getAllByRole('cell')[0].textContent),
    ).toEqual(['ci #60', 'payments/build #12', 'nightly #3']);
  });

  it('names a job that could not be read, beside the runs of the others', async () => {
    await renderCard({
      providers: [{ id: 'jenkins', title: 'Jenkins' }],
      runs: [jenkinsRun],
      errors: [
        {
          provider: 'jenkins',
          source: 'Jenkins job payments/e2e (instance default)',
          message: 'HTTP 404',
        },
      ],
    });
    expect(
      await screen.findByText(
        'Jenkins job payments/e2e (instance default) could not be loaded: HTTP 404',
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('payments/build #12')).toBeInTheDocument();
  });

  it('says a provider failed instead of "No runs yet"', async () => {
    await renderCard({
      providers: [{ id: 'jenkins', title: 'Jenkins' }],
      runs: [],
      errors: [{ provider: 'jenkins', message: 'Jenkins is not reachable' }],
    });
    expect(
      await screen.findByText('Jenkins: Jenkins is not reachable'),
    ).toBeInTheDocument();
    expect(screen.queryByText('No runs yet.')).not.toBeInTheDocument();
  });
});
