/**
 * Comet's GitHub frontend plugin: the GitHub tab and the Pull requests card on entities with
 * `github.com/project-slug`, and GitHub Actions runs in the pipelines' CI/CD view.
 *
 * @packageDocumentation
 */
export { githubPlugin as default } from './plugin';
export {
  gitHubApiRef,
  GitHubApiError,
  GitHubClientApi,
  isGitHubNotConfigured,
} from './api';
export type {
  GitHubApi,
  GitHubConfigInfo,
  GitHubCommits,
  GitHubCreatedPullRequest,
  GitHubCreatePullRequestInput,
  GitHubCycleTime,
  GitHubCycleTimeWeek,
  GitHubEntityRef,
  GitHubRepositoryInfo,
  GitHubWorkflowRunsPage,
} from './api';
