import { act, screen, waitFor } from '@testing-library/react';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { pipelinesApiRef, PipelinesApi } from '../../api/PipelinesApi';
import { rootRouteRef } from '../../routes';
import { RunPage } from './RunPage';

// Rendering a themed app under jsdom is slow on a shared CI machine
jest.setTimeout(30_000);

/** The error the client throws for the backend's answer. */
function responseError(status: number, name: string, message: string) {
  const statusText = { 403: 'Forbidden', 404: 'Not Found', 503: 'Unavailable' }[
    status
  ];
  return ResponseError.fromResponse({
    status,
    statusText,
    headers: { get: () => 'application/json; charset=utf-8' },
    text: async () =>
      JSON.stringify({
        error: { name, message },
        response: { statusCode: status },
      }),
  } as unknown as Response);
}

/** Every read of the run fails with `error`. */
function failingApi(error: () => Promise<Error>) {
  return {
    getRun: jest.fn(async () => {
      throw await error();
    }),
    getLogs: jest.fn(async () => {
      throw await error();
    }),
    streamLogs: jest.fn(() => () => undefined),
    listArtifacts: jest.fn(async () => []),
  };
}

async function renderRunPage(
  api: ReturnType<typeof failingApi>,
  runId: string,
) {
  await renderInTestApp(<RunPage runId={runId} />, {
    apis: [
      [pipelinesApiRef, api as unknown as PipelinesApi],
      mockApis.permission(),
    ],
    mountedRoutes: {
      '/pipelines': rootRouteRef,
      '/catalog/:namespace/:kind/:name': entityRouteRef,
    },
  });
}

/** Lets the page's timers run as if `ms` had passed: the log poll asks after 3 s of silence. */
async function timePasses(advance: (ms: number) => void, ms: number) {
  advance(ms);
  // The poll ticks every 2 s of real time
  await act(() => new Promise(resolve => setTimeout(resolve, 2500)));
}

describe('RunPage of a run that cannot be read', () => {
  let now = Date.now();
  let clock: jest.SpyInstance;
  beforeEach(() => {
    now = Date.now();
    clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => clock.mockRestore());

  it('stops asking for the log of a run that does not exist', async () => {
    const api = failingApi(() =>
      responseError(404, 'NotFoundError', 'No pipeline run no-such-run'),
    );
    await renderRunPage(api, 'no-such-run');
    expect(
      await screen.findByText('No pipeline run no-such-run'),
    ).toBeInTheDocument();
    const logReads = api.getLogs.mock.calls.length;
    expect(logReads).toBeGreaterThanOrEqual(1);

    await timePasses(ms => (now += ms), 10_000);
    expect(api.getLogs).toHaveBeenCalledTimes(logReads);
    expect(api.streamLogs).not.toHaveBeenCalled();
    expect(screen.getByText('No pipeline run no-such-run')).toBeVisible();
  });

  it('explains a run whose entity was deleted instead of showing a blank page', async () => {
    // The backend answers a run of a deleted (or hidden) entity as a run that does not exist
    const api = failingApi(() =>
      responseError(404, 'NotFoundError', 'No pipeline run run-9'),
    );
    await renderRunPage(api, 'run-9');
    expect(
      await screen.findByRole('heading', { name: 'Run not found' }),
    ).toBeInTheDocument();
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('No pipeline run run-9');
    expect(alert).toHaveTextContent(
      'It does not exist, or its entity is hidden from you or was deleted.',
    );
    expect(
      screen.getByRole('link', { name: 'Back to all pipeline runs' }),
    ).toHaveAttribute('href', '/pipelines');
    expect(screen.queryByLabelText('Loading run')).toBeNull();
  });

  it('says so when the run may not be read, and stops asking for its log', async () => {
    const api = failingApi(() =>
      responseError(403, 'NotAllowedError', 'Unauthorized'),
    );
    await renderRunPage(api, 'run-10');
    expect(
      await screen.findByRole('heading', { name: 'Run not available' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent(
      'You may not see pipeline run run-10',
    );
    const logReads = api.getLogs.mock.calls.length;
    await timePasses(ms => (now += ms), 10_000);
    expect(api.getLogs).toHaveBeenCalledTimes(logReads);
    expect(api.streamLogs).not.toHaveBeenCalled();
  });

  it('keeps retrying while the backend is unavailable', async () => {
    const api = failingApi(() =>
      responseError(503, 'ServiceUnavailableError', 'Database is down'),
    );
    await renderRunPage(api, 'run-11');
    expect(
      await screen.findByText(
        /Cannot reach the pipelines backend; reconnecting in \d+ s/,
      ),
    ).toBeInTheDocument();
    // The live log is started (it reconnects on its own) and the log poll goes on
    await waitFor(() =>
      expect(api.streamLogs).toHaveBeenCalledWith(
        'run-11',
        -1,
        expect.anything(),
      ),
    );
    const logReads = api.getLogs.mock.calls.length;
    await timePasses(ms => (now += ms), 10_000);
    expect(api.getLogs.mock.calls.length).toBeGreaterThan(logReads);
    expect(screen.queryByRole('heading', { name: /Run not/ })).toBeNull();
  });
});
