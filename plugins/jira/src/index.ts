/**
 * Comet's Jira frontend plugin: the Jira tab and open-issues card on entities with
 * `jira/project-key`, the "My Jira issues" home-page widget, and "Create Jira bug" on a failed
 * pipeline run.
 *
 * @packageDocumentation
 */
export { jiraPlugin as default } from './plugin';
export {
  jiraApiRef,
  JiraApiError,
  JiraClientApi,
  isNotConfigured,
} from './api';
export type {
  JiraApi,
  JiraAttachment,
  JiraEntityIssuesRequest,
  JiraIssuePage,
  JiraIssueRequest,
} from './api';
export { MyJiraIssuesCard } from './components/MyJiraIssuesCard';
export type { MyJiraIssuesCardProps } from './components/MyJiraIssuesCard';
