/**
 * Shared by Comet's Jira frontend and backend: the API's types, the annotations and their
 * parser, and the family's permissions.
 */
export * from './types';
export * from './annotations';
export * from './permissions';

/** The root config key of the family. */
export const JIRA_CONFIG_KEY = 'jira';
