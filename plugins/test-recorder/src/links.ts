import { useRouteRef } from '@backstage/frontend-plugin-api';
import {
  DEFAULT_PATHS,
  recorderRouteRef,
  runRouteRef,
  suiteRouteRef,
} from './routes';

export type RecorderLinkParams = {
  entityRef: string;
  suite?: string;
  test?: string;
};

/** App paths to this plugin's pages, where the app mounted them (the defaults otherwise). */
export function useTestRecorderLinks() {
  const suite = useRouteRef(suiteRouteRef);
  const recorder = useRouteRef(recorderRouteRef);
  const run = useRouteRef(runRouteRef);
  return {
    suite: (name: string) =>
      suite?.({ name: encodeURIComponent(name) }) ??
      DEFAULT_PATHS.suite.replace(':name', encodeURIComponent(name)),
    run: (runId: string) =>
      run?.({ runId: encodeURIComponent(runId) }) ??
      DEFAULT_PATHS.run.replace(':runId', encodeURIComponent(runId)),
    recorder: (params: RecorderLinkParams) => {
      const search = new URLSearchParams({ entityRef: params.entityRef });
      if (params.suite) search.set('suite', params.suite);
      if (params.test) search.set('test', params.test);
      return `${recorder?.() ?? DEFAULT_PATHS.recorder}?${search}`;
    },
  };
}
