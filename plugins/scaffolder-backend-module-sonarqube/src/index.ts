/**
 * The `sonarqube:project:create` scaffolder action.
 *
 * @packageDocumentation
 */
export { scaffolderModuleSonarqube as default } from './module';
export { createSonarQubeProjectAction } from './createSonarQubeProjectAction';
