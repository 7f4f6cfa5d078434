/**
 * Comet's Jenkins backend: REST API at /api/jenkins and the `jenkins:*` actions. The client
 * and its config are in plugin-jenkins-node; the scaffolder actions are in
 * plugin-scaffolder-backend-module-jenkins.
 *
 * @packageDocumentation
 */
export { jenkinsPlugin as default } from './plugin';
