import {
  createRouteRef,
  createSubRouteRef,
} from '@backstage/frontend-plugin-api';

/** The global pipelines page, `/pipelines`. */
export const rootRouteRef = createRouteRef();

/** One run: its job graph, live log and actions. */
export const runRouteRef = createSubRouteRef({
  parent: rootRouteRef,
  path: '/runs/:runId',
});

/** The pipeline editor. */
export const editorRouteRef = createSubRouteRef({
  parent: rootRouteRef,
  path: '/editor',
});
