/**
 * Comet's Jenkins client, the instance config and the client's service ref, shared by the
 * Jenkins backend, the CI/CD module and the scaffolder actions.
 *
 * @packageDocumentation
 */
export * from './JenkinsClient';
export * from './JenkinsInstances';
export * from './jenkinsClientServiceRef';
