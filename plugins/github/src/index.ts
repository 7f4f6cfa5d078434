/**
 * Comet's GitHub frontend plugin: the GitHub tab and the Pull requests card on entities with
 * `github.com/project-slug`, GitHub Actions runs in the pipelines' CI/CD view (with re-run and
 * cancel), and "Propose as pull request" in the pipeline editor.
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
  GitHubCreatePullRequestOptions,
  GitHubCycleTime,
  GitHubCycleTimeWeek,
  GitHubEntityRef,
  GitHubRepositoryInfo,
  GitHubWorkflowRunsPage,
} from './api';
