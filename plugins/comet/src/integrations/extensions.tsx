import type { Entity } from '@backstage/catalog-model';
import {
  ApiBlueprint,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { IntegrationsClient, integrationsApiRef } from './api';

const isComponent = (entity: Entity) =>
  entity.kind.toLocaleLowerCase('en-US') === 'component';

/** The client of `/api/comet/integrations` (`api:comet/integrations`). */
export const integrationsApi = ApiBlueprint.make({
  name: 'integrations',
  params: defineParams =>
    defineParams({
      api: integrationsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new IntegrationsClient({ discoveryApi, fetchApi }),
    }),
});

/** On Components: the entity's wiring and its editor (`entity-card:comet/integrations`). */
export const integrationsCard = EntityCardBlueprint.make({
  name: 'integrations',
  params: {
    filter: isComponent,
    loader: () =>
      import('./components/IntegrationsCard').then(m => <m.IntegrationsCard />),
  },
});
