import { createRouteRef } from '@backstage/frontend-plugin-api';

/** `/test-recorder/suites/:name`: a suite's tests, code, versions, runs, secrets, settings. */
export const suiteRouteRef = createRouteRef({ params: ['name'] });

/** `/test-recorder/record?entityRef=…&suite=…&test=…`: the live recorder. */
export const recorderRouteRef = createRouteRef();

/** `/test-recorder/runs/:runId`: one run's results and artifacts. */
export const runRouteRef = createRouteRef({ params: ['runId'] });

/** Where each page is mounted unless the app config moves it. */
export const DEFAULT_PATHS = {
  suite: '/test-recorder/suites/:name',
  recorder: '/test-recorder/record',
  run: '/test-recorder/runs/:runId',
};
