import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import type { LogStreamHandlers, PipelinesApi } from './PipelinesApi';
import { reconnectDelayMs } from './reconnect';

type AsyncMethods = Exclude<keyof PipelinesApi, 'streamLogs'>;

let clientModule: Promise<typeof import('./PipelinesClient')> | undefined;

/**
 * Starts loading the real client. The plugin's page loaders call it beside their own import,
 * so a page's first request doesn't wait for one more round trip after the page has loaded.
 */
export function preloadPipelinesClient() {
  clientModule ??= import('./PipelinesClient').catch(error => {
    clientModule = undefined; // the next call tries again
    throw error;
  });
  return clientModule;
}

/**
 * The pipelines API as the app registers it: the real client (`PipelinesClient`) is loaded
 * on the first call, so the app's first page carries none of it.
 */
export function createLazyPipelinesClient(options: {
  discoveryApi: DiscoveryApi;
  fetchApi: FetchApi;
}): PipelinesApi {
  let client: Promise<PipelinesApi> | undefined;
  const load = () =>
    (client ??= preloadPipelinesClient().then(
      m => m.PipelinesClient.create(options),
      error => {
        client = undefined; // e.g. the chunk failed to load: the next call tries again
        throw error;
      },
    ));
  const method =
    <K extends AsyncMethods>(name: K) =>
    async (...args: Parameters<PipelinesApi[K]>) => {
      const api = await load();
      return (api[name] as (...a: unknown[]) => unknown)(...args);
    };
  return {
    listCiRuns: method('listCiRuns'),
    listRuns: method('listRuns'),
    getLatestRuns: method('getLatestRuns'),
    getRun: method('getRun'),
    triggerRun: method('triggerRun'),
    cancelRun: method('cancelRun'),
    rerun: method('rerun'),
    decide: method('decide'),
    getLogs: method('getLogs'),
    downloadLog: method('downloadLog'),
    listArtifacts: method('listArtifacts'),
    downloadArtifact: method('downloadArtifact'),
    listPipelines: method('listPipelines'),
    validate: method('validate'),
    getStats: method('getStats'),
    streamLogs(runId: string, after: number, handlers: LogStreamHandlers) {
      let stop: (() => void) | undefined;
      let stopped = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let attempt = 0;
      // The client's chunk failing to load is a network drop like any other: reported the
      // same way, and tried again with the stream's backoff (once loaded, the real client
      // reports 'connecting' and takes over)
      const start = () => {
        load().then(
          api => {
            if (!stopped) stop = api.streamLogs(runId, after, handlers);
          },
          (error: Error) => {
            if (stopped) return;
            attempt += 1;
            const retryInMs = reconnectDelayMs(attempt);
            handlers.onState?.({
              state: 'reconnecting',
              attempt,
              retryInMs,
              error: error?.message ?? String(error),
            });
            timer = setTimeout(start, retryInMs);
          },
        );
      };
      start();
      return () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        stop?.();
      };
    },
  } as PipelinesApi;
}
