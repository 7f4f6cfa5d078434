import { screen } from '@testing-library/react';
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

async function renderCard(page: CiRunsPage) {
  const api = { listCiRuns: jest.fn(async () => page) };
  await renderInTestApp(
    <EntityProvider entity={entity}>
      <LatestRunsCard />
    </EntityProvider>,
    {
      apis: [[pipelinesApiRef, api as unknown as PipelinesApi]],
      mountedRoutes: { '/pipelines': rootRouteRef },
    },
  );
}

describe('LatestRunsCard', () => {
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
