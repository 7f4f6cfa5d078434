/**
 * Jira in Comet's pipelines: issue keys in a run's branch, commit messages and pull request
 * title link the run and the issues both ways, and `comet.dev/jira-bug-on-failure` files a
 * bug per failure signature.
 *
 * @packageDocumentation
 */
export { pipelinesModuleJira as default } from './module';
export { pipelinesModuleJira } from './module';
export {
  bugPipelines,
  JiraTraceabilityListener,
} from './JiraTraceabilityListener';
