import {
  ApiBlueprint,
  AppRootElementBlueprint,
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

/** The CI/CD tab on every entity with pipelines or a CI provider annotation. */
export const pipelinesEntityContent = EntityContentBlueprint.make({
  name: 'ci-cd',
  params: {
    path: 'ci-cd',
    title: 'CI/CD',
    filter: hasCiCd,
    loader: () => {
      preloadPipelinesClient();
      return loadCiCdTab().then(m => {
        // The next click is usually a run: its page's code comes along in the background
        loadPipelinesPage().catch(() => undefined);
        return <m.CiCdTab />;
      });
    },
  },
});

/** Latest run of each pipeline, on the entity's overview. */
export const pipelinesEntityCard = EntityCardBlueprint.make({
  name: 'latest-runs',
  params: {
    filter: hasCiCd,
    loader: () => {
      preloadPipelinesClient();
      return import('./components/OverviewCard').then(m => (
        <m.LatestRunsCard />
      ));
    },
  },
});

/** `/pipelines`: runs across entities, a run's page and the editor. */
export const pipelinesPage = PageBlueprint.make({
  params: {
    path: '/pipelines',
    routeRef: rootRouteRef,
    title: 'Pipelines',
    icon: <TimelineIcon fontSize="inherit" />,
    noHeader: true,
    loader: () => {
      preloadPipelinesClient();
      return loadPipelinesPage().then(m => <m.PipelinesPage />);
    },
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
