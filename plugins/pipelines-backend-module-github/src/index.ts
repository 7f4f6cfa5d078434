/**
 * GitHub in Comet's pipelines: runs reported to GitHub as check runs or commit statuses, one
 * pull request comment per entity listing the runs of the head commit, and GitHub Actions runs
 * in the unified CI/CD list.
 *
 * @packageDocumentation
 */
export { pipelinesModuleGithub as default } from './module';
export { pipelinesModuleGithub } from './module';
export {
  GitHubRunReporter,
  type GitHubClientFactoryLike,
} from './GitHubRunReporter';
export {
  GitHubPipelineProvider,
  toPipelineRun,
} from './GitHubPipelineProvider';
export {
  commentMarker,
  type CommentRun,
  type CommentState,
} from './pullRequestComment';
