/**
 * Comet's Jenkins backend: REST API at /api/jenkins, `jenkins:*` actions, and the
 * `jenkins:job:create` / `jenkins:job:build` scaffolder actions (jenkinsScaffolderModule).
 *
 * @packageDocumentation
 */
export { jenkinsPlugin as default } from './plugin';
export { jenkinsScaffolderModule } from './scaffolder/module';
