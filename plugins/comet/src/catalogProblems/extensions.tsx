import { createRouteRef, PageBlueprint } from '@backstage/frontend-plugin-api';
import ErrorOutlineIcon from '@material-ui/icons/ErrorOutline';

/** `/catalog-problems`: the entities whose Comet annotations have problems. */
export const catalogProblemsRouteRef = createRouteRef();

/**
 * The Catalog problems page (`page:comet/catalog-problems`). With a route ref, a title and an
 * icon, the app's sidebar lists it (the installed frontend-plugin-api has no NavItemBlueprint:
 * nav items come from pages).
 */
export const catalogProblemsPage = PageBlueprint.make({
  name: 'catalog-problems',
  params: {
    path: '/catalog-problems',
    routeRef: catalogProblemsRouteRef,
    title: 'Catalog problems',
    icon: <ErrorOutlineIcon fontSize="inherit" />,
    // the page has its own header
    noHeader: true,
    loader: () =>
      import('./components/CatalogProblemsPage').then(m => (
        <m.CatalogProblemsPage />
      )),
  },
});
