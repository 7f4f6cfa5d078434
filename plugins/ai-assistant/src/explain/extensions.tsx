import {
  ApiBlueprint,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  CiCdRunActionBlueprint,
  RunPageActionBlueprint,
} from '@internal/plugin-pipelines-react';
import { TestRunActionBlueprint } from '@internal/plugin-test-recorder-react';
import { ExplainFailureClient, explainFailureApiRef } from './api';
import { failureRulesRouteRef } from './routes';

/**
 * "Explain this failure" and the failure rules, as extensions of the AI assistant plugin.
 * The plugin lists {@link explainExtensions} and routes `failureRules` to
 * {@link failureRulesRouteRef}; each component loads lazily.
 */

/** The client of `/api/ai-assistant/explain` and `/rules`. */
export const explainFailureApi = ApiBlueprint.make({
  name: 'explain-failure',
  params: defineParams =>
    defineParams({
      api: explainFailureApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new ExplainFailureClient({ discoveryApi, fetchApi }),
    }),
});

/** "Explain this failure" in the header of a failed Comet run's page. */
export const explainRunPageAction = RunPageActionBlueprint.make({
  name: 'explain-failure',
  params: {
    loader: () =>
      import('./RunExplainActions').then(m => m.RunPageExplainAction),
  },
});

/** "Explain" in the CI/CD list's rows of failed Jenkins builds. */
export const explainJenkinsRunAction = CiCdRunActionBlueprint.make({
  name: 'explain-jenkins-failure',
  params: {
    provider: 'jenkins',
    loader: () => import('./RunExplainActions').then(m => m.CiCdExplainAction),
  },
});

/**
 * "Explain" in the CI/CD list's rows of failed GitHub Actions runs (the failed job's log is
 * read through `github:list-workflow-jobs` and `github:get-job-log`).
 */
export const explainGitHubRunAction = CiCdRunActionBlueprint.make({
  name: 'explain-github-failure',
  params: {
    provider: 'github',
    loader: () => import('./RunExplainActions').then(m => m.CiCdExplainAction),
  },
});

/** "Explain this failure" in the header of a failed test-recorder run's page. */
export const explainTestRunAction = TestRunActionBlueprint.make({
  name: 'explain-failure',
  params: {
    loader: () =>
      import('./TestRunExplainAction').then(m => m.TestRunExplainAction),
  },
});

/** `/ai-assistant/rules`: the failure rules, editable by administrators, with a rule tester. */
export const failureRulesPage = PageBlueprint.make({
  name: 'failure-rules',
  params: {
    path: '/ai-assistant/rules',
    routeRef: failureRulesRouteRef,
    title: 'Failure rules',
    // the page has its own heading
    noHeader: true,
    loader: () =>
      import('./FailureRulesPage').then(m => <m.FailureRulesPage />),
  },
});

/** Every extension of "Explain this failure", for the plugin's `extensions`. */
export const explainExtensions = [
  explainFailureApi,
  explainRunPageAction,
  explainJenkinsRunAction,
  explainGitHubRunAction,
  explainTestRunAction,
  failureRulesPage,
];

export { failureRulesRouteRef } from './routes';
