import { ApiBlueprint } from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { screen } from '@testing-library/react';
import cometPlugin from '../index';
import {
  IntegrationsClient,
  integrationsApiRef,
  type IntegrationsApi,
} from './api';
import { integrationsApi, integrationsCard } from './extensions';

jest.setTimeout(60_000);

const component = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-api', namespace: 'default' },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};
const PAYMENTS = 'component:default/payments-api';

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

describe('integrations extensions', () => {
  it('are in the comet plugin under the ids the app wires', () => {
    for (const id of [
      'api:comet/integrations',
      'entity-card:comet/integrations',
    ]) {
      expect(cometPlugin.getExtension(id as any)).toBeDefined();
    }
  });

  it('puts the card on Components only', () => {
    const filter = createExtensionTester(integrationsCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    )!;
    expect(filter(component)).toBe(true);
    expect(filter({ ...component, kind: 'Group' })).toBe(false);
  });

  it('builds the client from discovery and fetch, calling /api/comet/integrations', async () => {
    const factory = createExtensionTester(integrationsApi).get(
      ApiBlueprint.dataRefs.factory,
    );
    expect(factory.api).toBe(integrationsApiRef);
    const fetch = jest.fn(async (url: string, init?: RequestInit) => {
      if (init?.method === 'POST') {
        return json(
          {
            error: {
              name: 'InputError',
              message: 'Invalid wiring field "jira/project-key": bad',
            },
            request: { method: 'POST', url: '/api/comet/integrations/wiring' },
            response: { statusCode: 400 },
          },
          400,
        );
      }
      return json({ url, method: init?.method ?? 'GET' });
    });
    const client = factory.factory({
      discoveryApi: {
        getBaseUrl: async (id: string) => `http://backstage/api/${id}`,
      },
      fetchApi: { fetch },
    }) as IntegrationsClient;
    const query = 'entityRef=component%3Adefault%2Fpayments-api';
    await expect(client.getWiring(PAYMENTS)).resolves.toEqual({
      url: `http://backstage/api/comet/integrations/wiring?${query}`,
      method: 'GET',
    });
    await expect(client.getOptions(PAYMENTS)).resolves.toEqual({
      url: `http://backstage/api/comet/integrations/options?${query}`,
      method: 'GET',
    });
    await expect(client.removeOverride(PAYMENTS)).resolves.toEqual({
      url: `http://backstage/api/comet/integrations/wiring?${query}`,
      method: 'DELETE',
    });
    const refused = client.changeWiring({
      entityRef: PAYMENTS,
      annotations: { 'jira/project-key': 'x' },
      mode: 'override',
    });
    await expect(refused).rejects.toMatchObject({
      body: {
        error: { message: 'Invalid wiring field "jira/project-key": bad' },
      },
    });
    expect(fetch).toHaveBeenLastCalledWith(
      'http://backstage/api/comet/integrations/wiring',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          entityRef: PAYMENTS,
          annotations: { 'jira/project-key': 'x' },
          mode: 'override',
        }),
      },
    );
  });

  it('loads the card lazily', async () => {
    const api: IntegrationsApi = {
      getWiring: async () => ({
        entityRef: PAYMENTS,
        annotations: { 'jira/project-key': 'PAY' },
        overridden: [],
        mode: 'override',
        canOverride: false,
      }),
      getOptions: jest.fn(),
      changeWiring: jest.fn(),
      removeOverride: jest.fn(),
    };
    await renderInTestApp(
      <TestApiProvider apis={[[integrationsApiRef, api]]}>
        <EntityProvider entity={component}>
          {createExtensionTester(integrationsCard).reactElement()}
        </EntityProvider>
      </TestApiProvider>,
    );
    expect(await screen.findByText('PAY')).toBeInTheDocument();
    expect(screen.getByRole('table', { name: 'Wiring' })).toBeInTheDocument();
  });
});
