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
import { GITHUB_PROJECT_SLUG_ANNOTATION } from '@internal/plugin-github-common';
import {
  CiCdProviderBlueprint,
  CiCdRunActionBlueprint,
  EditorActionBlueprint,
  pipelinesAttachPoints,
} from '@internal/plugin-pipelines-react';
import { GitHubClientApi, gitHubApiRef } from './api';

/** Whether the entity names a GitHub repository (a bad value is explained on the tab). */
export const hasGitHubRepository = (entity: Entity) =>
  Boolean(
    entity.metadata.annotations?.[GITHUB_PROJECT_SLUG_ANNOTATION]?.trim(),
  );

/** GitHub Actions runs in the pipelines UI (the backend's `github` provider). */
const gitHubCiCdProviderParams = {
  id: 'github',
  title: 'GitHub Actions',
  appliesTo: hasGitHubRepository,
};

/** Puts the pipelines' CI/CD tab on entities with a GitHub repository. */
export const gitHubCiCdProvider = CiCdProviderBlueprint.make({
  name: 'github',
  params: gitHubCiCdProviderParams,
});

/** Puts the pipelines' latest-runs card on entities with a GitHub repository. */
export const gitHubLatestRunsProvider = CiCdProviderBlueprint.make({
  name: 'github-latest-runs',
  attachTo: pipelinesAttachPoints.latestRunsCardProviders,
  params: gitHubCiCdProviderParams,
});

export const gitHubApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: gitHubApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new GitHubClientApi({ discoveryApi, fetchApi }),
    }),
});

/** Open pull requests, small, for the overview. */
export const gitHubPullRequestsCard = EntityCardBlueprint.make({
  name: 'pull-requests',
  params: {
    filter: hasGitHubRepository,
    loader: () =>
      import('./components/PullRequestsCard').then(m => <m.PullRequestsCard />),
  },
});

/** The GitHub tab: open pull requests, recent commits, cycle time. */
export const gitHubEntityContent = EntityContentBlueprint.make({
  name: 'repository',
  params: {
    path: 'github',
    title: 'GitHub',
    filter: hasGitHubRepository,
    loader: () =>
      import('./components/GitHubContent').then(m => <m.GitHubContent />),
  },
});

/**
 * "Propose as pull request" in the pipeline editor (the pipelines page's `editorActions`), for
 * entities with a GitHub repository.
 */
export const gitHubProposePullRequestAction = EditorActionBlueprint.make({
  name: 'propose-pull-request',
  params: {
    loader: () =>
      import('./components/ProposePullRequestAction').then(
        m => m.ProposePullRequestAction,
      ),
  },
});

/** Re-run and Cancel on GitHub Actions runs in the CI/CD tab's run list. */
export const gitHubWorkflowRunActions = CiCdRunActionBlueprint.make({
  name: 'workflow-run',
  params: {
    provider: gitHubCiCdProviderParams.id,
    loader: () =>
      import('./components/WorkflowRunActions').then(m => m.WorkflowRunActions),
  },
});

/** Comet's GitHub UI (new frontend system). */
export const githubPlugin = createFrontendPlugin({
  pluginId: 'github',
  title: 'GitHub',
  extensions: [
    gitHubApi,
    gitHubPullRequestsCard,
    gitHubEntityContent,
    gitHubCiCdProvider,
    gitHubLatestRunsProvider,
    gitHubProposePullRequestAction,
    gitHubWorkflowRunActions,
  ],
});
