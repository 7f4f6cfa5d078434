import { createExtensionTester } from '@backstage/frontend-test-utils';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import jenkinsPlugin from '@internal/plugin-jenkins';
import pipelinesPlugin from '@internal/plugin-pipelines';

// The pipelines and Jenkins plugins do not import each other; the app brings them together
const ciCdTab = pipelinesPlugin.getExtension('entity-content:pipelines/ci-cd');
const latestRunsCard = pipelinesPlugin.getExtension(
  'entity-card:pipelines/latest-runs',
);
const jenkinsForTab = jenkinsPlugin.getExtension(
  'ci-cd-provider:jenkins/jenkins',
);
const jenkinsForCard = jenkinsPlugin.getExtension(
  'ci-cd-provider:jenkins/jenkins-latest-runs',
);

const jenkinsOnly = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-api',
    annotations: { 'jenkins.io/job-full-name': 'payments/build' },
  },
};

describe('the Jenkins plugin as a CI/CD provider of the pipelines UI', () => {
  it('puts the CI/CD tab on a Jenkins-only entity only when its provider is attached', () => {
    expect(
      createExtensionTester(ciCdTab).get(
        EntityContentBlueprint.dataRefs.filterFunction,
      )!(jenkinsOnly),
    ).toBe(false);
    expect(
      createExtensionTester(ciCdTab)
        .add(jenkinsForTab)
        .get(EntityContentBlueprint.dataRefs.filterFunction)!(jenkinsOnly),
    ).toBe(true);
  });

  it('puts the latest-runs card on a Jenkins-only entity only when its provider is attached', () => {
    expect(
      createExtensionTester(latestRunsCard).get(
        EntityCardBlueprint.dataRefs.filterFunction,
      )!(jenkinsOnly),
    ).toBe(false);
    expect(
      createExtensionTester(latestRunsCard)
        .add(jenkinsForCard)
        .get(EntityCardBlueprint.dataRefs.filterFunction)!(jenkinsOnly),
    ).toBe(true);
  });
});
