/**
 * Comet's Jenkins frontend plugin: the Jenkins tab and latest-build card on entities with
 * `jenkins.io/job-full-name`.
 *
 * @packageDocumentation
 */
export { jenkinsPlugin as default } from './plugin';
export { jenkinsApiRef, JenkinsClientApi } from './api';
export type { JenkinsApi, JenkinsBuildRequest, JenkinsTestReport } from './api';
