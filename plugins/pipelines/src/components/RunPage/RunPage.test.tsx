import { screen, within } from '@testing-library/react';
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
    // The clock stands still while the page mounts, so its first reads always find the
    // prefetched answers however slow the machine is
    let now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
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
      const firstPages = () =>
        api.getLogs.mock.calls.filter(
          ([, options]: any) => options?.after === -1,
        ).length;
      expect(firstPages()).toBe(1);
      // Then the prefetch is stale (3 s later) and the running run re-renders every second:
      // those renders must not ask for the run and its first log page again
      now += 3000;
      await new Promise(resolve => setTimeout(resolve, 1500));
      expect(firstPages()).toBe(1);
      expect(api.streamLogs).toHaveBeenCalledWith(
        'run-7',
        0,
        expect.anything(),
      );
    } finally {
      clock.mockRestore();
    }
  });
});

describe('RunPage header links', () => {
  const sha = '0123abc456def7890123abc456def7890123abc4';

  async function renderRun(run: PipelineRun) {
    const api = {
      getRun: jest.fn(async () => run),
      getLogs: jest.fn(async () => ({ lines: [] })),
      streamLogs: jest.fn(() => () => undefined),
      listArtifacts: jest.fn(async () => []),
    };
    await renderInTestApp(<RunPage runId={run.runId} />, {
      apis: [
        [pipelinesApiRef, api as unknown as PipelinesApi],
        mockApis.permission(),
      ],
      mountedRoutes: {
        '/pipelines': rootRouteRef,
        '/catalog/:namespace/:kind/:name': entityRouteRef,
      },
    });
    // The finished run's (empty) log has loaded: nothing changes after this
    expect(await screen.findByText('No log lines.')).toBeInTheDocument();
  }

  it('links the commit by its short sha and the pull request that started the run', async () => {
    const url = 'https://github.com/acme/payments-api/pull/42';
    await renderRun({
      ...running,
      status: 'succeeded',
      trigger: {
        type: 'pull_request',
        actor: 'github:dev',
        pullRequest: { number: 42, title: 'Speed up checkout', url },
      },
      commit: {
        sha,
        url: `https://github.com/acme/payments-api/commit/${sha}`,
      },
      links: [{ title: 'Pull request #42', url }],
    });

    const commit = screen.getByRole('link', { name: /^Commit 0123abc\b/ });
    expect(commit).toHaveTextContent('0123abc');
    expect(commit).not.toHaveTextContent(sha);
    expect(commit).toHaveAttribute(
      'href',
      `https://github.com/acme/payments-api/commit/${sha}`,
    );
    expect(commit).toHaveAttribute('title', sha);

    const pr = screen.getByRole('link', { name: /^Pull request #42\b/ });
    expect(pr).toHaveAttribute('href', url);
    expect(pr.parentElement).toHaveTextContent(
      /^Pull request #42, Opens in a new window Speed up checkout$/,
    );
  });

  it('shows the short sha without a link when the repository has no web page for it', async () => {
    await renderRun({
      ...running,
      status: 'succeeded',
      commit: { sha },
      links: [],
    });
    expect(screen.getByText('0123abc').tagName).toBe('CODE');
    expect(
      screen.queryByRole('link', { name: /0123abc|Pull request/ }),
    ).not.toBeInTheDocument();
  });

  it('lists what the steps reported, with their links', async () => {
    await renderRun({
      ...running,
      status: 'failed',
      reports: [
        {
          jobRunId: 'build',
          jobName: 'build',
          stepIndex: 0,
          stepName: 'Build',
          kind: 'sonarqube.quality-gate',
          title: 'SonarQube gate of payments-api',
          status: 'passed',
          summary: 'All 4 conditions passed',
          url: 'https://sonar.example.com/dashboard?id=payments-api',
          reportedAt: new Date().toISOString(),
        },
        {
          jobRunId: 'build',
          jobName: 'build',
          stepIndex: 1,
          stepName: 'Tests',
          kind: 'test-recorder.suite',
          title: 'Test suite checkout',
          status: 'failed',
          summary: '12 passed, 1 failed, 1 flaky, 0 skipped',
          reportedAt: new Date().toISOString(),
        },
        {
          jobRunId: 'build',
          jobName: 'build',
          stepIndex: 2,
          stepName: 'Lint',
          kind: 'lint.summary',
          title: 'Lint',
          status: 'warning',
          summary: '3 warnings',
          reportedAt: new Date().toISOString(),
        },
        {
          jobRunId: 'build',
          jobName: 'build',
          stepIndex: 3,
          stepName: 'Size',
          kind: 'bundle.size',
          title: 'Bundle size',
          status: 'info',
          summary: '182 KiB',
          reportedAt: new Date().toISOString(),
        },
      ],
    });
    const list = screen.getByRole('list', { name: 'Step reports' });
    const items = within(list).getAllByRole('listitem');
    expect(items.map(item => item.textContent)).toEqual([
      expect.stringMatching(
        /^Passed\s*SonarQube gate of payments-apiAll 4 conditions passedbuild › BuildDetails/,
      ),
      expect.stringMatching(
        /^Failed\s*Test suite checkout12 passed, 1 failed, 1 flaky, 0 skippedbuild › Tests$/,
      ),
      expect.stringMatching(/^Warning\s*Lint3 warningsbuild › Lint$/),
      expect.stringMatching(/^Info\s*Bundle size182 KiBbuild › Size$/),
    ]);
    expect(
      within(list).getByRole('link', {
        name: /Details of SonarQube gate of payments-api/,
      }),
    ).toHaveAttribute(
      'href',
      'https://sonar.example.com/dashboard?id=payments-api',
    );
    expect(within(list).getAllByRole('link')).toHaveLength(1);
  });

  it('shows no reports section for a run without reports', async () => {
    await renderRun({ ...running, status: 'succeeded' });
    expect(
      screen.queryByRole('list', { name: 'Step reports' }),
    ).not.toBeInTheDocument();
    expect(screen.queryByText('Reports')).not.toBeInTheDocument();
  });
});
