/**
 * @jest-environment node
 */
import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import type { LogStreamHandlers, StreamState } from './PipelinesApi';
import type { createLazyPipelinesClient as Create } from './LazyPipelinesClient';

/** The real client's module: fails to load while `failuresLeft` lasts, like a missing chunk. */
const mockModule = {
  failuresLeft: 0,
  loads: 0,
  streamLogs: jest.fn((..._args: unknown[]) => jest.fn()),
};
jest.mock('./PipelinesClient', () => {
  mockModule.loads += 1;
  if (mockModule.failuresLeft > 0) {
    mockModule.failuresLeft -= 1;
    throw new Error('Loading chunk 123 failed');
  }
  return {
    PipelinesClient: {
      create: () => ({ streamLogs: mockModule.streamLogs }),
    },
  };
});

const options = {
  discoveryApi: {} as DiscoveryApi,
  fetchApi: {} as FetchApi,
};

/** Lets pending promise callbacks run (the module load is a promise chain). */
async function settle() {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('createLazyPipelinesClient().streamLogs', () => {
  // A fresh module each time: it keeps the loaded client module for the whole app
  let createLazyPipelinesClient: typeof Create;
  beforeEach(async () => {
    jest.resetModules();
    ({ createLazyPipelinesClient } = await import('./LazyPipelinesClient'));
    jest.useFakeTimers();
    mockModule.loads = 0;
    mockModule.streamLogs.mockClear();
  });
  afterEach(() => jest.useRealTimers());

  it('reports a client that failed to load as a reconnect, and tries again with backoff', async () => {
    mockModule.failuresLeft = 2;
    const states: StreamState[] = [];
    const handlers: LogStreamHandlers = {
      onLines: jest.fn(),
      onState: state => states.push(state),
    };
    const client = createLazyPipelinesClient(options);
    client.streamLogs('run-7', 41, handlers);
    await settle();
    expect(states).toEqual([
      {
        state: 'reconnecting',
        attempt: 1,
        retryInMs: 1000,
        error: 'Loading chunk 123 failed',
      },
    ]);
    expect(mockModule.streamLogs).not.toHaveBeenCalled();

    // Not before the backoff is over
    jest.advanceTimersByTime(999);
    await settle();
    expect(mockModule.loads).toBe(1);
    jest.advanceTimersByTime(1);
    await settle();
    expect(mockModule.loads).toBe(2);
    expect(states[1]).toEqual({
      state: 'reconnecting',
      attempt: 2,
      retryInMs: 2000,
      error: 'Loading chunk 123 failed',
    });

    jest.advanceTimersByTime(2000);
    await settle();
    expect(mockModule.loads).toBe(3);
    // Loaded: the real client's stream takes over, from where it was asked to start
    expect(mockModule.streamLogs).toHaveBeenCalledTimes(1);
    expect(mockModule.streamLogs).toHaveBeenCalledWith('run-7', 41, handlers);
    expect(states).toHaveLength(2);
  });

  it('stops retrying once stopped', async () => {
    mockModule.failuresLeft = 1;
    const onState = jest.fn();
    const client = createLazyPipelinesClient(options);
    const stop = client.streamLogs('run-7', -1, {
      onLines: jest.fn(),
      onState,
    });
    await settle();
    expect(onState).toHaveBeenCalledTimes(1);
    stop();
    jest.advanceTimersByTime(60_000);
    await settle();
    expect(mockModule.loads).toBe(1);
    expect(mockModule.streamLogs).not.toHaveBeenCalled();
    expect(onState).toHaveBeenCalledTimes(1);
  });

  it('stops the real stream it started', async () => {
    mockModule.failuresLeft = 0;
    const stopReal = jest.fn();
    mockModule.streamLogs.mockReturnValueOnce(stopReal);
    const client = createLazyPipelinesClient(options);
    const stop = client.streamLogs('run-7', -1, { onLines: jest.fn() });
    await settle();
    expect(mockModule.streamLogs).toHaveBeenCalledTimes(1);
    stop();
    expect(stopReal).toHaveBeenCalledTimes(1);
  });
});
