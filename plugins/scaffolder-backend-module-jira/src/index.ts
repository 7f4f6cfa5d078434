/**
 * The `jira:issue:create` and `jira:component:create` scaffolder actions.
 *
 * @packageDocumentation
 */
export {
  scaffolderModuleJira as default,
  scaffolderModuleJira,
} from './module';
export { createJiraIssueAction } from './createJiraIssueAction';
export { createJiraComponentAction } from './createJiraComponentAction';
