/**
 * Comet's SonarQube Web API client and its service ref, shared by the SonarQube backend, the
 * `sonarqube/quality-gate` pipeline step and the scaffolder action.
 *
 * @packageDocumentation
 */
export * from './authorizeSonarQubeProjectConfigure';
export * from './SonarQubeClient';
export * from './SonarQubeInstances';
export * from './sonarQubeClientServiceRef';
