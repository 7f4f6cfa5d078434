import { render } from '@testing-library/react';
import { TestApiProvider } from '@backstage/frontend-test-utils';
import { pipelinesApiRef, PipelinesApi } from './api/PipelinesApi';
import { takePrefetched } from './components/RunPage/prefetch';
import { RunLinkPrefetch } from './RunLinkPrefetch';

function fakeApi() {
  return {
    getRun: jest.fn(async (runId: string) => ({ runId })),
    getLogs: jest.fn(async () => ({ lines: [] })),
  } as unknown as PipelinesApi;
}

describe('RunLinkPrefetch', () => {
  afterEach(() => window.history.replaceState(null, '', '/'));

  it('reads the run the app started on', async () => {
    window.history.replaceState(null, '', '/pipelines/runs/run-42');
    const api = fakeApi();
    render(
      <TestApiProvider apis={[[pipelinesApiRef, api]]}>
        <RunLinkPrefetch />
      </TestApiProvider>,
    );
    expect(api.getRun).toHaveBeenCalledWith('run-42');
    expect(api.getLogs).toHaveBeenCalledWith('run-42', {
      after: -1,
      limit: 1000,
    });
    expect(await takePrefetched(api, 'run-42')?.run).toEqual({
      runId: 'run-42',
    });
  });

  it('reads nothing on any other page', () => {
    window.history.replaceState(null, '', '/catalog/default/component/x');
    const api = fakeApi();
    render(
      <TestApiProvider apis={[[pipelinesApiRef, api]]}>
        <RunLinkPrefetch />
      </TestApiProvider>,
    );
    expect(api.getRun).not.toHaveBeenCalled();
  });
});
