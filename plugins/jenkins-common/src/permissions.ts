import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

/** See an entity's Jenkins jobs, builds, console logs, stages and test results. */
export const jenkinsBuildReadPermission = createPermission({
  name: 'jenkins.build.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Trigger or rebuild an entity's Jenkins jobs. */
export const jenkinsBuildTriggerPermission = createPermission({
  name: 'jenkins.build.trigger',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Stop a running build of an entity's Jenkins jobs: separate from triggering, so a policy can
 * let people start builds without letting them stop someone else's.
 */
export const jenkinsBuildAbortPermission = createPermission({
  name: 'jenkins.build.abort',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Create a Jenkins job from a raw config.xml or with Jenkins credentials (scaffolder
 * `jenkins:job:create`): such a job can run anything as the Jenkins user, so it is an
 * administrator's decision. Not tied to an entity: the job does not exist yet.
 */
export const jenkinsJobConfigurePermission = createPermission({
  name: 'jenkins.job.configure',
  attributes: { action: 'create' },
});

export const jenkinsPermissions = [
  jenkinsBuildReadPermission,
  jenkinsBuildTriggerPermission,
  jenkinsBuildAbortPermission,
  jenkinsJobConfigurePermission,
];
