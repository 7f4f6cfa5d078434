/**
 * Comet's SonarQube backend plugin.
 *
 * @packageDocumentation
 */
export { sonarqubePlugin as default } from './plugin';
