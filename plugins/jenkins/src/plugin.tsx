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
import { JENKINS_ANNOTATION } from '@internal/plugin-jenkins-common';
import {
  CiCdProviderBlueprint,
  pipelinesAttachPoints,
} from '@internal/plugin-pipelines-react';
import { JenkinsClientApi, jenkinsApiRef } from './api';

const hasJenkinsJobs = (entity: Entity) =>
  Boolean(entity.metadata.annotations?.[JENKINS_ANNOTATION]);

/** Jenkins runs in the pipelines UI (the backend's `jenkins` provider). */
const jenkinsCiCdProviderParams = {
  id: 'jenkins',
  title: 'Jenkins',
  appliesTo: hasJenkinsJobs,
};

/** Puts the pipelines' CI/CD tab on entities with Jenkins jobs. */
export const jenkinsCiCdProvider = CiCdProviderBlueprint.make({
  name: 'jenkins',
  params: jenkinsCiCdProviderParams,
});

/** Puts the pipelines' latest-runs card on entities with Jenkins jobs. */
export const jenkinsLatestRunsProvider = CiCdProviderBlueprint.make({
  name: 'jenkins-latest-runs',
  attachTo: pipelinesAttachPoints.latestRunsCardProviders,
  params: jenkinsCiCdProviderParams,
});

const jenkinsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: jenkinsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new JenkinsClientApi({ discoveryApi, fetchApi }),
    }),
});

/** The latest build of each Jenkins job, on entities with the annotation. */
const jenkinsCard = EntityCardBlueprint.make({
  name: 'latest-build',
  params: {
    filter: hasJenkinsJobs,
    loader: () =>
      import('./components/JenkinsCard').then(m => <m.JenkinsCard />),
  },
});

/** The Jenkins tab: jobs, builds, stages, tests, live console, trigger with parameters. */
const jenkinsContent = EntityContentBlueprint.make({
  name: 'builds',
  params: {
    path: 'jenkins',
    title: 'Jenkins',
    filter: hasJenkinsJobs,
    loader: () =>
      import('./components/JenkinsContent').then(m => <m.JenkinsContent />),
  },
});

/** Comet's Jenkins UI (new frontend system). */
export const jenkinsPlugin = createFrontendPlugin({
  pluginId: 'jenkins',
  title: 'Jenkins',
  extensions: [
    jenkinsApi,
    jenkinsCard,
    jenkinsContent,
    jenkinsCiCdProvider,
    jenkinsLatestRunsProvider,
  ],
});
