/**
 * Comet's Jira client (Cloud REST v3 with Agile 1.0, and the Data Center dialect), the
 * configured instances, their service ref and the Markdown ↔ ADF / wiki markup converters.
 * The fake is in `@internal/plugin-jira-node/testUtils`.
 *
 * @packageDocumentation
 */
export * from './types';
export { DefaultJiraClient } from './JiraClient';
export type { DefaultJiraClientOptions } from './JiraClient';
export { JiraInstances } from './JiraInstances';
export type { JiraClientSettings, JiraInstancesOptions } from './JiraInstances';
export { JIRA_USER_AGENT, retryAfterMs } from './JiraHttp';
export type { JiraRequestListener } from './JiraHttp';
export { jiraClientServiceRef } from './jiraClientServiceRef';
export {
  entityJiraProjects,
  jiraInstanceName,
  jiraScopeFamily,
} from './entityProjects';
export type { EntityJiraProject, JiraInstanceNames } from './entityProjects';
export {
  adfToHtml,
  adfToMarkdown,
  adfToPlainText,
  adfToWiki,
  markdownToAdf,
  markdownToWiki,
  wikiToAdf,
  wikiToHtml,
  wikiToMarkdown,
} from './markup';
export type { AdfDoc, AdfMark, AdfNode } from './markup';
