import type { Entity } from '@backstage/catalog-model';
import {
  type AnyApiFactory,
  ApiBlueprint,
  coreExtensionData,
} from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { configure, screen } from '@testing-library/react';
import sonarqubePlugin from './index';
import { SonarQubeClientApi, sonarQubeApiRef } from './api';
import { entity, entityWith, mockApi, render } from './__testUtils__/fixtures';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

type EntityFilter = (entity: Entity) => boolean;

const extension = (id: string) => sonarqubePlugin.getExtension(id as any);

const group = {
  ...entityWith({ name: 'team-a', annotations: {} }),
  kind: 'Group',
};
const system = {
  ...entityWith({ name: 'payments', annotations: {} }),
  kind: 'System',
};

describe('sonarqubePlugin', () => {
  it('has the extensions the app wires by id', () => {
    expect(sonarqubePlugin.pluginId).toBe('sonarqube');
    for (const id of [
      'api:sonarqube',
      'entity-card:sonarqube/quality',
      'entity-content:sonarqube/quality',
      'entity-content:sonarqube/team-quality',
    ]) {
      expect(extension(id)).toBeDefined();
    }
  });

  it('shows the card and tab on entities with sonarqube.org/project-key, and the table on groups and systems', () => {
    const tab = createExtensionTester(
      extension('entity-content:sonarqube/quality'),
    );
    expect(tab.get(coreExtensionData.routePath)).toBe('sonarqube');
    expect(tab.get(EntityContentBlueprint.dataRefs.title)).toBe('Code quality');
    const tabFilter = tab.get(
      EntityContentBlueprint.dataRefs.filterFunction,
    ) as EntityFilter;
    expect(tabFilter(entity)).toBe(true);
    expect(tabFilter(entityWith({ annotations: {} }))).toBe(false);
    expect(tabFilter(group)).toBe(false);

    const cardFilter = createExtensionTester(
      extension('entity-card:sonarqube/quality'),
    ).get(EntityCardBlueprint.dataRefs.filterFunction) as EntityFilter;
    expect(cardFilter(entity)).toBe(true);
    expect(
      cardFilter(
        entityWith({ annotations: { 'jenkins.io/job-full-name': 'x' } }),
      ),
    ).toBe(false);

    const team = createExtensionTester(
      extension('entity-content:sonarqube/team-quality'),
    );
    expect(team.get(coreExtensionData.routePath)).toBe('sonarqube');
    const teamFilter = team.get(
      EntityContentBlueprint.dataRefs.filterFunction,
    ) as EntityFilter;
    expect(teamFilter(group)).toBe(true);
    expect(teamFilter(system)).toBe(true);
    expect(teamFilter({ ...system, kind: 'system' })).toBe(true);
    expect(teamFilter(entity)).toBe(false);
  });

  it('builds the client from discovery and fetch, calling /api/sonarqube', async () => {
    const factory = createExtensionTester(extension('api:sonarqube')).get(
      ApiBlueprint.dataRefs.factory,
    ) as AnyApiFactory;
    expect(factory.api).toBe(sonarQubeApiRef);
    const fetch = jest.fn(
      async (_url: string) =>
        new Response(JSON.stringify({ configured: false, message: 'off' }), {
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    const client = factory.factory({
      discoveryApi: {
        getBaseUrl: async (id: string) => `http://backstage/api/${id}`,
      },
      fetchApi: { fetch },
    }) as SonarQubeClientApi;
    expect(client).toBeInstanceOf(SonarQubeClientApi);
    await expect(client.getSummary('component:default/x')).resolves.toEqual({
      configured: false,
      message: 'off',
    });
    expect(fetch.mock.calls[0][0]).toBe(
      'http://backstage/api/sonarqube/summary?entityRef=component%3Adefault%2Fx',
    );
  });

  it('loads the card lazily', async () => {
    await render(
      createExtensionTester(
        extension('entity-card:sonarqube/quality'),
      ).reactElement(),
      mockApi(),
    );
    expect(await screen.findByText('ACME API')).toBeInTheDocument();
  });

  it('loads the tab lazily', async () => {
    await render(
      createExtensionTester(
        extension('entity-content:sonarqube/quality'),
      ).reactElement(),
      mockApi(),
    );
    expect(
      await screen.findByRole('table', { name: 'Issues' }),
    ).toBeInTheDocument();
  });

  it('loads the group table lazily', async () => {
    await render(
      createExtensionTester(
        extension('entity-content:sonarqube/team-quality'),
      ).reactElement(),
      mockApi({
        getTable: jest.fn(async () => ({
          configured: true as const,
          entityRef: 'group:default/team-a',
          rows: [],
        })),
      }),
      { entity: group },
    );
    expect(
      await screen.findByText(
        'No entity owned by this group has a sonarqube.org/project-key annotation.',
      ),
    ).toBeInTheDocument();
  });
});
