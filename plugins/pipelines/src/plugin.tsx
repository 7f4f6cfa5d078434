import {
  ApiBlueprint,
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
import { createLazyPipelinesClient } from './api/LazyPipelinesClient';
import { hasCiCd } from './filters';
import { editorRouteRef, rootRouteRef, runRouteRef } from './routes';

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
    loader: () => import('./components/CiCdTab').then(m => <m.CiCdTab />),
  },
});

/** Latest run of each pipeline, on the entity's overview. */
export const pipelinesEntityCard = EntityCardBlueprint.make({
  name: 'latest-runs',
  params: {
    filter: hasCiCd,
    loader: () =>
      import('./components/OverviewCard').then(m => <m.LatestRunsCard />),
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
    loader: () =>
      import('./components/PipelinesPage').then(m => <m.PipelinesPage />),
  },
});

export const pipelinesPlugin = createFrontendPlugin({
  pluginId: 'pipelines',
  title: 'Pipelines',
  icon: <TimelineIcon fontSize="inherit" />,
  info: { packageJson: () => import('../package.json') },
  extensions: [
    pipelinesApi,
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
