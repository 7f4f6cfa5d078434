/**
 * Comet's SonarQube frontend plugin: the Code quality card and tab on entities with
 * `sonarqube.org/project-key`, and a table over a team's or system's entities.
 *
 * @packageDocumentation
 */
export { sonarqubePlugin as default } from './plugin';
export { sonarQubeApiRef, SonarQubeClientApi } from './api';
export type { SonarQubeApi, SonarQubeProjectRequest } from './api';
