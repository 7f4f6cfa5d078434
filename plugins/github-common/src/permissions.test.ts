import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import {
  githubPermissions,
  githubPullRequestCreatePermission,
  githubWorkflowRunCancelPermission,
  githubWorkflowRunRerunPermission,
} from './permissions';

describe('GitHub permissions', () => {
  it('creates pull requests and re-runs or cancels workflow runs per catalog entity', () => {
    expect(githubPullRequestCreatePermission).toEqual({
      type: 'resource',
      name: 'github.pullRequest.create',
      attributes: { action: 'create' },
      resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
    });
    expect(githubWorkflowRunRerunPermission).toEqual({
      type: 'resource',
      name: 'github.workflowRun.rerun',
      attributes: { action: 'update' },
      resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
    });
    expect(githubWorkflowRunCancelPermission).toEqual({
      type: 'resource',
      name: 'github.workflowRun.cancel',
      attributes: { action: 'update' },
      resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
    });
  });

  it('lists every permission once, for the backend to register', () => {
    expect(githubPermissions.map(p => p.name)).toEqual([
      'github.pullRequest.create',
      'github.workflowRun.rerun',
      'github.workflowRun.cancel',
    ]);
  });
});
