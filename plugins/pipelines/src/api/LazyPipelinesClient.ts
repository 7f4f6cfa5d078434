import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import type { LogStreamHandlers, PipelinesApi } from './PipelinesApi';

type AsyncMethods = Exclude<keyof PipelinesApi, 'streamLogs'>;

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
    (client ??= import('./PipelinesClient').then(m =>
      m.PipelinesClient.create(options),
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
      load().then(api => {
        if (!stopped) stop = api.streamLogs(runId, after, handlers);
      });
      return () => {
        stopped = true;
        stop?.();
      };
    },
  } as PipelinesApi;
}
