import type { Entity } from '@backstage/catalog-model';
import {
  ApiBlueprint,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { DeliveryHealthClient, deliveryHealthApiRef } from './api';

const isKind = (kind: string) => (entity: Entity) =>
  entity.kind.toLocaleLowerCase('en-US') === kind;

/** The client of `/api/comet` (`api:comet/delivery-health`). */
export const deliveryHealthApi = ApiBlueprint.make({
  name: 'delivery-health',
  params: defineParams =>
    defineParams({
      api: deliveryHealthApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new DeliveryHealthClient({ discoveryApi, fetchApi }),
    }),
});

/** On Components: one row per figure (`entity-card:comet/delivery-health`, first on the overview). */
export const deliveryHealthCard = EntityCardBlueprint.make({
  name: 'delivery-health',
  params: {
    filter: isKind('component'),
    loader: () =>
      import('./components/DeliveryHealthCard').then(m => (
        <m.DeliveryHealthCard />
      )),
  },
});

/** On Groups: the Delivery health tab, a table over the components the group owns. */
export const deliveryHealthGroupContent = EntityContentBlueprint.make({
  name: 'delivery-health',
  params: {
    path: 'delivery-health',
    title: 'Delivery health',
    filter: isKind('group'),
    loader: () =>
      import('./components/GroupDeliveryHealthTable').then(m => (
        <m.GroupDeliveryHealthTable />
      )),
  },
});
