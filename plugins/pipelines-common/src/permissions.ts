import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

/** See the runs, jobs, logs and artifacts of an entity's pipelines. */
export const pipelinesRunReadPermission = createPermission({
  name: 'pipelines.run.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Trigger or re-run an entity's pipelines. */
export const pipelinesRunCreatePermission = createPermission({
  name: 'pipelines.run.create',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Cancel a running pipeline of an entity. */
export const pipelinesRunCancelPermission = createPermission({
  name: 'pipelines.run.cancel',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Approve or reject an approval gate of an entity's pipeline. */
export const pipelinesRunApprovePermission = createPermission({
  name: 'pipelines.run.approve',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

export const pipelinesPermissions = [
  pipelinesRunReadPermission,
  pipelinesRunCreatePermission,
  pipelinesRunCancelPermission,
  pipelinesRunApprovePermission,
];
