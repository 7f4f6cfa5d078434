/**
 * The `jenkins:job:create` and `jenkins:job:build` scaffolder actions.
 *
 * @packageDocumentation
 */
export {
  scaffolderModuleJenkins as default,
  scaffolderModuleJenkins,
} from './module';
export { createJenkinsActions } from './createJenkinsActions';
