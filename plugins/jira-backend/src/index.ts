/**
 * Comet's Jira backend plugin.
 *
 * @packageDocumentation
 */
export { jiraPlugin as default } from './plugin';
