import { screen } from '@testing-library/react';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import { pipelinesApiRef, PipelinesApi } from '../../api/PipelinesApi';
import { rootRouteRef } from '../../routes';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { RunPage } from './RunPage';

jest.setTimeout(30_000);

const running: PipelineRun = {
  provider: 'comet',
  runId: 'run-7',
  entityRef: 'component:default/payments-api',
  pipeline: 'build-and-test',
  number: 7,
  status: 'running',
  trigger: { type: 'manual' },
  params: {},
  createdAt: new Date().toISOString(),
  startedAt: new Date().toISOString(),
  links: [],
  jobs: [
    {
      jobRunId: 'build',
      jobId: 'build',
      name: 'build',
      needs: [],
      status: 'running',
      attempt: 1,
      startedAt: new Date().toISOString(),
      steps: [{ stepIndex: 0, name: 'Build', status: 'running' }],
    },
  ],
};

describe('RunPage', () => {
  it('asks for the run and its first log lines once, not again on every re-render', async () => {
    const api = {
      getRun: jest.fn(async () => running),
      getLogs: jest.fn(async () => ({
        lines: [
          {
            seq: 0,
            jobRunId: 'build',
            stepIndex: 0,
            stream: 'stdout',
            timestamp: new Date().toISOString(),
            text: 'compiling',
          },
        ],
      })),
      streamLogs: jest.fn(() => () => undefined),
      listArtifacts: jest.fn(async () => []),
    };
    await renderInTestApp(<RunPage runId="run-7" />, {
      apis: [
        [pipelinesApiRef, api as unknown as PipelinesApi],
        mockApis.permission(),
      ],
      mountedRoutes: {
        '/pipelines': rootRouteRef,
        '/catalog/:namespace/:kind/:name': entityRouteRef,
      },
    });
    expect(await screen.findByText('compiling')).toBeInTheDocument();
    expect(screen.getByTestId('run-status')).toHaveTextContent('Running');
    // A running run re-renders every second (its elapsed time); 2.5 s covers two of them and
    // the prefetch's 2 s freshness
    await new Promise(resolve => setTimeout(resolve, 2500));
    const firstPages = api.getLogs.mock.calls.filter(
      ([, options]: any) => options?.after === -1,
    );
    expect(firstPages).toHaveLength(1);
    // The page's two first reads of the run (its poll and the log's check) shared one request
    expect(api.getRun).toHaveBeenCalledTimes(1);
    expect(api.streamLogs).toHaveBeenCalledWith('run-7', 0, expect.anything());
  });
});
