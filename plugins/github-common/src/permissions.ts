import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Open a pull request on an entity's repository (e.g. a proposed change Comet prepared). The
 * entity decides, so owners can be allowed on their own components only.
 */
export const githubPullRequestCreatePermission = createPermission({
  name: 'github.pullRequest.create',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Re-run a GitHub Actions workflow run (all its jobs) of an entity's repository. */
export const githubWorkflowRunRerunPermission = createPermission({
  name: 'github.workflowRun.rerun',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Cancel a queued or running GitHub Actions workflow run of an entity's repository. */
export const githubWorkflowRunCancelPermission = createPermission({
  name: 'github.workflowRun.cancel',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

export const githubPermissions = [
  githubPullRequestCreatePermission,
  githubWorkflowRunRerunPermission,
  githubWorkflowRunCancelPermission,
];
