import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import type { Entity } from '@backstage/catalog-model';
import { ANNOTATION_SONARQUBE_PROJECT_KEY } from '@internal/plugin-sonarqube-common';
import { SonarQubeClientApi, sonarQubeApiRef } from './api';

const hasProjectKey = (entity: Entity) =>
  Boolean(entity.metadata.annotations?.[ANNOTATION_SONARQUBE_PROJECT_KEY]);

const isGroupOrSystem = (entity: Entity) =>
  ['group', 'system'].includes(entity.kind.toLocaleLowerCase('en-US'));

const sonarQubeApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: sonarQubeApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new SonarQubeClientApi({ discoveryApi, fetchApi }),
    }),
});

/** Gate badge, ratings and a link to SonarQube, on entities with the annotation. */
const sonarQubeCard = EntityCardBlueprint.make({
  name: 'quality',
  params: {
    filter: hasProjectKey,
    loader: () =>
      import('./components/SonarQubeCard').then(m => <m.SonarQubeCard />),
  },
});

/** The Code quality tab: measures, trends, issues, branch and pull-request switcher. */
const sonarQubeContent = EntityContentBlueprint.make({
  name: 'quality',
  params: {
    path: 'sonarqube',
    title: 'Code quality',
    filter: hasProjectKey,
    loader: () =>
      import('./components/SonarQubeContent').then(m => <m.SonarQubeContent />),
  },
});

/** On a Group or System: the table over its entities. */
const sonarQubeTeamContent = EntityContentBlueprint.make({
  name: 'team-quality',
  params: {
    path: 'sonarqube',
    title: 'Code quality',
    filter: isGroupOrSystem,
    loader: () =>
      import('./components/SonarQubeEntityTable').then(m => (
        <m.SonarQubeEntityTable />
      )),
  },
});

/** Comet's SonarQube UI (new frontend system). */
export const sonarqubePlugin = createFrontendPlugin({
  pluginId: 'sonarqube',
  title: 'SonarQube',
  extensions: [
    sonarQubeApi,
    sonarQubeCard,
    sonarQubeContent,
    sonarQubeTeamContent,
  ],
});
