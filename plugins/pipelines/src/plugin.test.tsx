import type { Entity } from '@backstage/catalog-model';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import {
  CiCdProviderBlueprint,
  pipelinesAttachPoints,
} from '@internal/plugin-pipelines-react';
import { pipelinesPlugin } from './plugin';

// Looked up by the ids other plugins attach to, so a renamed host fails here
const ciCdContent = pipelinesPlugin.getExtension(
  pipelinesAttachPoints.ciCdContentProviders.id,
);
const latestRunsCard = pipelinesPlugin.getExtension(
  pipelinesAttachPoints.latestRunsCardProviders.id,
);

// A provider as a CI system's plugin attaches it: by the host's extension id, not by import
const jenkinsParams = {
  id: 'jenkins',
  title: 'Jenkins',
  appliesTo: (entity: Entity) =>
    Boolean(entity.metadata.annotations?.['jenkins.io/job-full-name']),
};
const jenkinsForTab = CiCdProviderBlueprint.make({
  name: 'jenkins',
  params: jenkinsParams,
});
const jenkinsForCard = CiCdProviderBlueprint.make({
  name: 'jenkins-card',
  attachTo: pipelinesAttachPoints.latestRunsCardProviders,
  params: jenkinsParams,
});

const jenkinsOnly: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-api',
    annotations: { 'jenkins.io/job-full-name': 'payments/build' },
  },
};
const cometOnly: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'System',
  metadata: {
    name: 'payments',
    annotations: { 'comet.dev/pipelines': '.comet/pipeline.yaml' },
  },
};

describe('the CI/CD tab and latest-runs card filters', () => {
  it('show a Jenkins-only entity only when the Jenkins provider is attached', () => {
    const without = createExtensionTester(ciCdContent).get(
      EntityContentBlueprint.dataRefs.filterFunction,
    )!;
    expect(without(jenkinsOnly)).toBe(false);
    expect(without(cometOnly)).toBe(true);

    const withJenkins = createExtensionTester(ciCdContent)
      .add(jenkinsForTab)
      .get(EntityContentBlueprint.dataRefs.filterFunction)!;
    expect(withJenkins(jenkinsOnly)).toBe(true);
    expect(withJenkins(cometOnly)).toBe(true);
  });

  it('the card follows its own providers input', () => {
    const without = createExtensionTester(latestRunsCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    )!;
    expect(without(jenkinsOnly)).toBe(false);

    const withJenkins = createExtensionTester(latestRunsCard)
      .add(jenkinsForCard)
      .get(EntityCardBlueprint.dataRefs.filterFunction)!;
    expect(withJenkins(jenkinsOnly)).toBe(true);
  });
});
