/**
 * The `sonarqube:project:create` scaffolder action.
 *
 * @packageDocumentation
 */
export {
  scaffolderModuleSonarqube as default,
  scaffolderModuleSonarqube,
} from './module';
export { createSonarQubeProjectAction } from './createSonarQubeProjectAction';
