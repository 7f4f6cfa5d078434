import {
  jenkinsBuildAbortPermission,
  jenkinsBuildReadPermission,
  jenkinsBuildTriggerPermission,
  jenkinsJobConfigurePermission,
  jenkinsPermissions,
} from './permissions';

describe('jenkins permissions', () => {
  it('names each permission, its action and its resource type', () => {
    expect(
      jenkinsPermissions.map(p => ({
        name: p.name,
        action: p.attributes.action,
        resourceType: 'resourceType' in p ? p.resourceType : undefined,
      })),
    ).toEqual([
      {
        name: 'jenkins.build.read',
        action: 'read',
        resourceType: 'catalog-entity',
      },
      {
        name: 'jenkins.build.trigger',
        action: 'update',
        resourceType: 'catalog-entity',
      },
      {
        name: 'jenkins.build.abort',
        action: 'update',
        resourceType: 'catalog-entity',
      },
      // Not tied to an entity: the job it creates does not exist yet.
      {
        name: 'jenkins.job.configure',
        action: 'create',
        resourceType: undefined,
      },
    ]);
  });

  it('keeps abort separate from trigger, so a policy can allow one only', () => {
    expect(jenkinsBuildAbortPermission.name).not.toBe(
      jenkinsBuildTriggerPermission.name,
    );
    expect(jenkinsPermissions).toContain(jenkinsBuildReadPermission);
    expect(jenkinsPermissions).toContain(jenkinsJobConfigurePermission);
  });
});
