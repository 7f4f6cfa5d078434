import type { Entity } from '@backstage/catalog-model';
import {
  type AnyApiFactory,
  ApiBlueprint,
  coreExtensionData,
} from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { CiCdProviderBlueprint } from '@internal/plugin-pipelines-react';
import { configure, screen } from '@testing-library/react';
import jenkinsPlugin from './index';
import { JenkinsClientApi, jenkinsApiRef } from './api';
import { jenkinsCiCdProvider, jenkinsLatestRunsProvider } from './plugin';
import {
  entity,
  entityJobs,
  entityWith,
  mockApi,
} from './__testUtils__/fixtures';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

type EntityFilter = (entity: Entity) => boolean;

const extension = (id: string) => jenkinsPlugin.getExtension(id as any);

describe('jenkinsPlugin', () => {
  it('has the extensions the app wires by id', () => {
    expect(jenkinsPlugin.pluginId).toBe('jenkins');
    for (const id of [
      'api:jenkins',
      'entity-card:jenkins/latest-build',
      'entity-content:jenkins/builds',
      'ci-cd-provider:jenkins/jenkins',
      'ci-cd-provider:jenkins/jenkins-latest-runs',
    ]) {
      expect(extension(id)).toBeDefined();
    }
  });

  it('shows the Jenkins tab and card only on entities with jenkins.io/job-full-name', () => {
    const tab = createExtensionTester(
      extension('entity-content:jenkins/builds'),
    );
    expect(tab.get(coreExtensionData.routePath)).toBe('jenkins');
    expect(tab.get(EntityContentBlueprint.dataRefs.title)).toBe('Jenkins');
    const tabFilter = tab.get(
      EntityContentBlueprint.dataRefs.filterFunction,
    ) as EntityFilter;
    expect(tabFilter(entity)).toBe(true);
    expect(tabFilter(entityWith({}))).toBe(false);
    expect(tabFilter(entityWith({ 'sonarqube.org/project-key': 'x' }))).toBe(
      false,
    );
    const cardFilter = createExtensionTester(
      extension('entity-card:jenkins/latest-build'),
    ).get(EntityCardBlueprint.dataRefs.filterFunction) as EntityFilter;
    expect(cardFilter(entity)).toBe(true);
    expect(cardFilter(entityWith({ 'jenkins.io/job-full-name': '' }))).toBe(
      false,
    );
  });

  it("adds Jenkins to the pipelines' CI/CD tab and latest-runs card by id", () => {
    for (const provider of [jenkinsCiCdProvider, jenkinsLatestRunsProvider]) {
      const params = createExtensionTester(
        provider as typeof jenkinsCiCdProvider,
      ).get(CiCdProviderBlueprint.dataRefs.provider);
      expect(params.id).toBe('jenkins');
      expect(params.title).toBe('Jenkins');
      expect(params.appliesTo(entity)).toBe(true);
      expect(params.appliesTo(entityWith({}))).toBe(false);
    }
    // Attached by id: the pipelines plugin is never imported
    expect(String(jenkinsCiCdProvider)).toContain(
      'attachTo=entity-content:pipelines/ci-cd@providers',
    );
    expect(String(jenkinsLatestRunsProvider)).toContain(
      'attachTo=entity-card:pipelines/latest-runs@providers',
    );
  });

  it('builds the client from discovery and fetch, calling /api/jenkins', async () => {
    const factory = createExtensionTester(extension('api:jenkins')).get(
      ApiBlueprint.dataRefs.factory,
    ) as AnyApiFactory;
    expect(factory.api).toBe(jenkinsApiRef);
    const fetch = jest.fn(
      async (_url: string) =>
        new Response(JSON.stringify(entityJobs), {
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    const client = factory.factory({
      discoveryApi: {
        getBaseUrl: async (id: string) => `http://backstage/api/${id}`,
      },
      fetchApi: { fetch },
    }) as JenkinsClientApi;
    expect(client).toBeInstanceOf(JenkinsClientApi);
    await expect(
      client.getEntityJobs({ entityRef: 'component:default/payments-api' }),
    ).resolves.toEqual(entityJobs);
    expect(fetch.mock.calls[0][0]).toBe(
      'http://backstage/api/jenkins/entity-jobs?entityRef=component%3Adefault%2Fpayments-api',
    );
  });

  it.each([
    [
      'tab',
      'entity-content:jenkins/builds',
      'table',
      'Builds of payments/payments-api',
    ],
    ['card', 'entity-card:jenkins/latest-build', 'link', '#12'],
  ])('loads the %s lazily', async (_kind, id, role, name) => {
    await renderInTestApp(
      <TestApiProvider apis={[[jenkinsApiRef, mockApi()]]}>
        <EntityProvider entity={entity}>
          {createExtensionTester(extension(id)).reactElement()}
        </EntityProvider>
      </TestApiProvider>,
    );
    expect(await screen.findByRole(role, { name })).toBeInTheDocument();
  });
});
