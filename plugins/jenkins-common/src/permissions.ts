import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

/** See an entity's Jenkins jobs, builds, console logs, stages and test results. */
export const jenkinsBuildReadPermission = createPermission({
  name: 'jenkins.build.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Trigger, abort or rebuild an entity's Jenkins jobs. */
export const jenkinsBuildTriggerPermission = createPermission({
  name: 'jenkins.build.trigger',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

export const jenkinsPermissions = [
  jenkinsBuildReadPermission,
  jenkinsBuildTriggerPermission,
];
