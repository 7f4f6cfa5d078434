import {
  ApiBlueprint,
  createExtensionInput,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  identityApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import {
  suiteListActionDataRef,
  testRunActionDataRef,
} from '@internal/plugin-test-recorder-react';
import { TestRecorderClient, testRecorderApiRef } from './api';
import { hasTestSuites } from './filters';
import {
  DEFAULT_PATHS,
  recorderRouteRef,
  runRouteRef,
  suiteRouteRef,
} from './routes';

const testRecorderApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: testRecorderApiRef,
      deps: {
        discoveryApi: discoveryApiRef,
        fetchApi: fetchApiRef,
        identityApi: identityApiRef,
      },
      factory: ({ discoveryApi, fetchApi, identityApi }) =>
        new TestRecorderClient({ discoveryApi, fetchApi, identityApi }),
    }),
});

/**
 * The Tests tab on entities that name suites in `comet.dev/test-suites`; other plugins add
 * buttons to its toolbar through `SuiteListActionBlueprint` (input `suiteActions`).
 */
export const testRecorderEntityContent =
  EntityContentBlueprint.makeWithOverrides({
    name: 'tests',
    inputs: {
      suiteActions: createExtensionInput([suiteListActionDataRef]),
    },
    factory(originalFactory, { inputs }) {
      const suiteActions = inputs.suiteActions.map(a =>
        a.get(suiteListActionDataRef),
      );
      return originalFactory({
        path: 'tests',
        title: 'Tests',
        filter: hasTestSuites,
        loader: () =>
          import('./components/TestsContent').then(m => (
            <m.TestsContent actions={suiteActions} />
          )),
      });
    },
  });

/** A suite: its tests, code, versions, runs, secrets and settings. */
export const testRecorderSuitePage = PageBlueprint.make({
  name: 'suite',
  params: {
    path: DEFAULT_PATHS.suite,
    routeRef: suiteRouteRef,
    title: 'Test suite',
    // the page has its own heading
    noHeader: true,
    loader: () =>
      import('./components/SuitePage').then(m => <m.SuitePageRoute />),
  },
});

/** The recorder: a live browser on the backend, and the steps it records. */
export const testRecorderRecorderPage = PageBlueprint.make({
  name: 'recorder',
  params: {
    path: DEFAULT_PATHS.recorder,
    routeRef: recorderRouteRef,
    title: 'Record a test',
    // the page has its own heading
    noHeader: true,
    loader: () =>
      import('./components/RecorderPage').then(m => <m.RecorderPageRoute />),
  },
});

/**
 * One run's results: per test and step, screenshots, video, trace, visual diffs; other
 * plugins add buttons to its header through `TestRunActionBlueprint` (input `runActions`).
 */
export const testRecorderRunPage = PageBlueprint.makeWithOverrides({
  name: 'run',
  inputs: {
    runActions: createExtensionInput([testRunActionDataRef]),
  },
  factory(originalFactory, { inputs }) {
    const runActions = inputs.runActions.map(a => a.get(testRunActionDataRef));
    return originalFactory({
      path: DEFAULT_PATHS.run,
      routeRef: runRouteRef,
      title: 'Test run',
      // the page has its own heading
      noHeader: true,
      loader: () =>
        import('./components/RunPage').then(m => (
          <m.RunPageRoute actions={runActions} />
        )),
    });
  },
});

/** Comet's test recorder UI (new frontend system). */
export const testRecorderPlugin = createFrontendPlugin({
  pluginId: 'test-recorder',
  title: 'Test recorder',
  extensions: [
    testRecorderApi,
    testRecorderEntityContent,
    testRecorderSuitePage,
    testRecorderRecorderPage,
    testRecorderRunPage,
  ],
  routes: {
    suite: suiteRouteRef,
    recorder: recorderRouteRef,
    run: runRouteRef,
  },
});
