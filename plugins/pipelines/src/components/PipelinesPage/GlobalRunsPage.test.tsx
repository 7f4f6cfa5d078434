import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import type {
  PipelineRun,
  PipelineRunPage,
} from '@internal/plugin-pipelines-common';
import { PipelinesApi, pipelinesApiRef } from '../../api/PipelinesApi';
import { rootRouteRef } from '../../routes';
import { GlobalRunsPage } from './GlobalRunsPage';

jest.setTimeout(30_000);

function run(runId: string, entityName: string): PipelineRun {
  return {
    provider: 'comet',
    runId,
    entityRef: `component:default/${entityName}`,
    pipeline: 'build',
    number: 1,
    status: 'succeeded',
    trigger: { type: 'manual' },
    params: {},
    createdAt: new Date().toISOString(),
    links: [],
    jobs: [],
  };
}

describe('GlobalRunsPage', () => {
  it('shows the runs owned by my groups first, says it is Comet only, and switches to all', async () => {
    const api = {
      listRuns: jest.fn(
        async (query: { scope?: string }): Promise<PipelineRunPage> =>
          query.scope === 'all'
            ? {
                runs: [run('r1', 'mine'), run('r2', 'theirs')],
                totalCount: 2,
              }
            : { runs: [run('r1', 'mine')], totalCount: 1 },
      ),
    };
    await renderInTestApp(<GlobalRunsPage />, {
      apis: [[pipelinesApiRef, api as unknown as PipelinesApi]],
      mountedRoutes: { '/pipelines': rootRouteRef },
    });

    const table = await screen.findByRole('table', {
      name: 'Pipeline runs across entities',
    });
    expect(api.listRuns).toHaveBeenCalledTimes(1);
    expect(api.listRuns).toHaveBeenCalledWith({
      scope: 'owned',
      limit: 25,
      cursor: undefined,
    });
    const scope = screen.getByRole('group', { name: 'Whose runs' });
    expect(
      within(scope).getByRole('button', { name: 'Owned by my groups' }),
    ).toHaveAttribute('aria-pressed', 'true');
    expect(within(scope).getByRole('button', { name: 'All' })).toHaveAttribute(
      'aria-pressed',
      'false',
    );
    expect(within(table).getByText('mine')).toBeInTheDocument();
    expect(within(table).queryByText('theirs')).not.toBeInTheDocument();
    expect(
      screen.getByText(
        "Comet pipeline runs; Jenkins and GitHub Actions runs are on each entity's CI/CD tab.",
      ),
    ).toBeInTheDocument();

    fireEvent.click(within(scope).getByRole('button', { name: 'All' }));
    await waitFor(() =>
      expect(api.listRuns).toHaveBeenLastCalledWith({
        scope: 'all',
        limit: 25,
        cursor: undefined,
      }),
    );
    expect(await within(table).findByText('theirs')).toBeInTheDocument();
    expect(within(scope).getByRole('button', { name: 'All' })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    expect(
      within(scope).getByRole('button', { name: 'Owned by my groups' }),
    ).toHaveAttribute('aria-pressed', 'false');
  });
});
