import {
  ApiBlueprint,
  AppRootElementBlueprint,
  createExtensionInput,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import TimelineIcon from '@material-ui/icons/Timeline';
import {
  ciCdProviderDataRef,
  ciCdRunActionDataRef,
  editorActionDataRef,
  entityPanelDataRef,
  runPageActionDataRef,
} from '@internal/plugin-pipelines-react';
import { pipelinesApiRef } from './api/PipelinesApi';
import {
  createLazyPipelinesClient,
  preloadPipelinesClient,
} from './api/LazyPipelinesClient';
import { hasCiCd } from './filters';
import { RunLinkPrefetch } from './RunLinkPrefetch';
import { editorRouteRef, rootRouteRef, runRouteRef } from './routes';

const loadPipelinesPage = () => import('./components/PipelinesPage');
const loadCiCdTab = () => import('./components/CiCdTab');

/**
 * When the app starts on one of this plugin's pages (a run link opened from a chat or an
 * e-mail, say), that page's code starts loading beside the app's own instead of after sign-in
 * and the first render: its loader below then finds it loaded. Nothing else is preloaded.
 */
function preloadForStartPage() {
  const path = typeof window === 'undefined' ? '' : window.location.pathname;
  // A failed preload is only a missed head start: the loader tries again and reports
  const ignore = () => undefined;
  if (/\/pipelines(\/|$)/.test(path)) {
    preloadPipelinesClient().catch(ignore);
    loadPipelinesPage().catch(ignore);
  } else if (/\/catalog\/[^/]+\/[^/]+\/[^/]+\/ci-cd(\/|$)/.test(path)) {
    preloadPipelinesClient().catch(ignore);
    loadCiCdTab().catch(ignore);
  }
}
preloadForStartPage();

export const pipelinesRunPrefetch = AppRootElementBlueprint.make({
  name: 'run-prefetch',
  params: { element: <RunLinkPrefetch /> },
});

export const pipelinesApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: pipelinesApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        createLazyPipelinesClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * The CI/CD tab on every entity with Comet pipelines or runs of an attached CI/CD provider
 * (`CiCdProviderBlueprint`), with the panels other plugins attach (`EntityPanelBlueprint`) and
 * their actions on their providers' runs (`CiCdRunActionBlueprint`).
 */
export const pipelinesEntityContent = EntityContentBlueprint.makeWithOverrides({
  name: 'ci-cd',
  inputs: {
    providers: createExtensionInput([ciCdProviderDataRef]),
    panels: createExtensionInput([entityPanelDataRef]),
    runActions: createExtensionInput([ciCdRunActionDataRef]),
  },
  factory(originalFactory, { inputs }) {
    const providers = inputs.providers.map(p => p.get(ciCdProviderDataRef));
    const panels = inputs.panels.map(p => p.get(entityPanelDataRef));
    const runActions = inputs.runActions.map(a => a.get(ciCdRunActionDataRef));
    return originalFactory({
      path: 'ci-cd',
      title: 'CI/CD',
      filter: entity => hasCiCd(entity, providers),
      loader: () => {
        preloadPipelinesClient();
        return loadCiCdTab().then(m => {
          // The next click is usually a run: its page's code comes along in the background
          loadPipelinesPage().catch(() => undefined);
          return <m.CiCdTab panels={panels} runActions={runActions} />;
        });
      },
    });
  },
});

/** Latest run of each pipeline, on the overview of the entities the CI/CD tab is on. */
export const pipelinesEntityCard = EntityCardBlueprint.makeWithOverrides({
  name: 'latest-runs',
  inputs: {
    providers: createExtensionInput([ciCdProviderDataRef]),
  },
  factory(originalFactory, { inputs }) {
    const providers = inputs.providers.map(p => p.get(ciCdProviderDataRef));
    return originalFactory({
      filter: entity => hasCiCd(entity, providers),
      loader: () => {
        preloadPipelinesClient();
        return import('./components/OverviewCard').then(m => (
          <m.LatestRunsCard />
        ));
      },
    });
  },
});

/**
 * `/pipelines`: runs across entities, a run's page (with the actions other plugins attach,
 * `RunPageActionBlueprint`) and the editor (with theirs, `EditorActionBlueprint`).
 */
export const pipelinesPage = PageBlueprint.makeWithOverrides({
  inputs: {
    runActions: createExtensionInput([runPageActionDataRef]),
    editorActions: createExtensionInput([editorActionDataRef]),
  },
  factory(originalFactory, { inputs }) {
    const runActions = inputs.runActions.map(a => a.get(runPageActionDataRef));
    const editorActions = inputs.editorActions.map(a =>
      a.get(editorActionDataRef),
    );
    return originalFactory({
      path: '/pipelines',
      routeRef: rootRouteRef,
      title: 'Pipelines',
      icon: <TimelineIcon fontSize="inherit" />,
      noHeader: true,
      loader: () => {
        preloadPipelinesClient();
        return loadPipelinesPage().then(m => (
          <m.PipelinesPage
            runActions={runActions}
            editorActions={editorActions}
          />
        ));
      },
    });
  },
});

export const pipelinesPlugin = createFrontendPlugin({
  pluginId: 'pipelines',
  title: 'Pipelines',
  icon: <TimelineIcon fontSize="inherit" />,
  info: { packageJson: () => import('../package.json') },
  extensions: [
    pipelinesApi,
    pipelinesRunPrefetch,
    pipelinesEntityContent,
    pipelinesEntityCard,
    pipelinesPage,
  ],
  routes: {
    root: rootRouteRef,
    run: runRouteRef,
    editor: editorRouteRef,
  },
});
