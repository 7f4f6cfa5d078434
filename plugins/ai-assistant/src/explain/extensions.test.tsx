import {
  ApiBlueprint,
  coreExtensionData,
} from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import {
  ciCdRunActionDataRef,
  pipelinesAttachPoints,
  runPageActionDataRef,
} from '@internal/plugin-pipelines-react';
import {
  testRecorderAttachPoints,
  testRunActionDataRef,
} from '@internal/plugin-test-recorder-react';
import {
  explainExtensions,
  explainFailureApi,
  explainGitHubRunAction,
  explainJenkinsRunAction,
  explainRunPageAction,
  explainTestRunAction,
  failureRulesPage,
} from './extensions';
import { ExplainFailureClient, explainFailureApiRef } from './api';
import { CiCdExplainAction, RunPageExplainAction } from './RunExplainActions';
import { TestRunExplainAction } from './TestRunExplainAction';

describe('Explain this failure extensions', () => {
  it('attach to the pipelines run page, the CI/CD list and the test run page, loading lazily', async () => {
    expect(explainRunPageAction).toEqual(
      expect.objectContaining({
        attachTo: pipelinesAttachPoints.runPageActions,
      }),
    );
    await expect(
      createExtensionTester(explainRunPageAction)
        .get(runPageActionDataRef)
        .loader(),
    ).resolves.toBe(RunPageExplainAction);

    const providers = [
      [explainJenkinsRunAction, 'jenkins'],
      [explainGitHubRunAction, 'github'],
    ] as const;
    for (const [extension, provider] of providers) {
      expect(extension).toEqual(
        expect.objectContaining({
          attachTo: pipelinesAttachPoints.ciCdRunActions,
        }),
      );
      const action = createExtensionTester(
        extension as typeof explainGitHubRunAction,
      ).get(ciCdRunActionDataRef);
      expect(action.provider).toBe(provider);
      await expect(action.loader()).resolves.toBe(CiCdExplainAction);
    }

    expect(explainTestRunAction).toEqual(
      expect.objectContaining({
        attachTo: testRecorderAttachPoints.runPageActions,
      }),
    );
    await expect(
      createExtensionTester(explainTestRunAction)
        .get(testRunActionDataRef)
        .loader(),
    ).resolves.toBe(TestRunExplainAction);
  });

  it('mount the failure rules page at /ai-assistant/rules', () => {
    expect(
      createExtensionTester(failureRulesPage).get(coreExtensionData.routePath),
    ).toBe('/ai-assistant/rules');
  });

  it('provide the client of the assistant backend', () => {
    const factory = createExtensionTester(explainFailureApi).get(
      ApiBlueprint.dataRefs.factory,
    );
    expect(factory.api).toBe(explainFailureApiRef);
    expect(
      factory.factory({
        discoveryApi: { getBaseUrl: async () => '' },
        fetchApi: { fetch },
      } as any),
    ).toBeInstanceOf(ExplainFailureClient);
  });

  it('are listed once each for the plugin, with the API', () => {
    expect(explainExtensions).toContain(explainFailureApi);
    expect(new Set(explainExtensions).size).toBe(6);
  });
});
