import {
  ApiBlueprint,
  coreExtensionData,
} from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { screen } from '@testing-library/react';
import cometPlugin from '../index';
import {
  DeliveryHealthClient,
  deliveryHealthApiRef,
  type DeliveryHealthApi,
} from './api';
import {
  deliveryHealthApi,
  deliveryHealthCard,
  deliveryHealthGroupContent,
} from './extensions';
import {
  component,
  group,
  groupHealth,
  healthyEntity,
} from './__testUtils__/fixtures';

jest.setTimeout(60_000);

describe('delivery-health extensions', () => {
  it('are in the comet plugin under the ids the app wires', () => {
    for (const id of [
      'api:comet/delivery-health',
      'entity-card:comet/delivery-health',
      'entity-content:comet/delivery-health',
    ]) {
      expect(cometPlugin.getExtension(id as any)).toBeDefined();
    }
  });

  it('puts the card on Components only', () => {
    const filter = createExtensionTester(deliveryHealthCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    )!;
    expect(filter(component)).toBe(true);
    expect(filter({ ...component, kind: 'component' })).toBe(true);
    expect(filter(group)).toBe(false);
    expect(filter({ ...component, kind: 'API' })).toBe(false);
  });

  it('puts the Delivery health tab on Groups only', () => {
    const tab = createExtensionTester(deliveryHealthGroupContent);
    expect(tab.get(coreExtensionData.routePath)).toBe('delivery-health');
    expect(tab.get(EntityContentBlueprint.dataRefs.title)).toBe(
      'Delivery health',
    );
    const filter = tab.get(EntityContentBlueprint.dataRefs.filterFunction)!;
    expect(filter(group)).toBe(true);
    expect(filter(component)).toBe(false);
  });

  it('builds the client from discovery and fetch, calling /api/comet', async () => {
    const factory = createExtensionTester(deliveryHealthApi).get(
      ApiBlueprint.dataRefs.factory,
    );
    expect(factory.api).toBe(deliveryHealthApiRef);
    const fetch = jest.fn(
      async () =>
        new Response(JSON.stringify(healthyEntity()), {
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    const client = factory.factory({
      discoveryApi: {
        getBaseUrl: async (id: string) => `http://backstage/api/${id}`,
      },
      fetchApi: { fetch },
    }) as DeliveryHealthClient;
    expect(client).toBeInstanceOf(DeliveryHealthClient);
    await expect(
      client.getEntityHealth('component:default/payments-api'),
    ).resolves.toMatchObject({ title: 'payments-api' });
    expect(fetch).toHaveBeenCalledWith(
      'http://backstage/api/comet/entity?entityRef=component%3Adefault%2Fpayments-api',
      undefined,
    );
  });

  it.each([
    ['card', deliveryHealthCard, component, 'Delivery health'],
    ['tab', deliveryHealthGroupContent, group, 'Delivery health by component'],
  ])('loads the %s lazily', async (_kind, extension, entity, tableName) => {
    const api: DeliveryHealthApi = {
      getEntityHealth: async () => healthyEntity(),
      getGroupHealth: async () => groupHealth(),
    };
    await renderInTestApp(
      <TestApiProvider apis={[[deliveryHealthApiRef, api]]}>
        <EntityProvider entity={entity}>
          {createExtensionTester(extension as any).reactElement()}
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    // The figures replace the placeholder table once they are read
    expect(
      await screen.findAllByRole('link', { name: /^Succeeded/ }),
    ).not.toHaveLength(0);
    expect(screen.getByRole('table', { name: tableName })).toBeInTheDocument();
  });
});
