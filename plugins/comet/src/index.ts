/**
 * Comet's own frontend plugin: the delivery-health card that leads an entity's overview and the
 * table over a group's components, and the Integrations card that wires an existing entity to
 * Jira, Jenkins, SonarQube, test suites and pipeline files.
 *
 * @packageDocumentation
 */
export { cometPlugin as default } from './plugin';
