import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import {
  sonarqubeFindingsReadPermission,
  sonarqubePermissions,
  sonarqubeProjectConfigurePermission,
  sonarqubeSecurityReadPermission,
} from './permissions';

describe('SonarQube permissions', () => {
  it('reads findings and security findings per catalog entity', () => {
    expect(sonarqubeFindingsReadPermission).toEqual({
      type: 'resource',
      name: 'sonarqube.findings.read',
      attributes: { action: 'read' },
      resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
    });
    expect(sonarqubeSecurityReadPermission).toEqual({
      type: 'resource',
      name: 'sonarqube.security.read',
      attributes: { action: 'read' },
      resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
    });
  });

  it('configures a project with a basic permission: the project may not exist yet', () => {
    expect(sonarqubeProjectConfigurePermission).toEqual({
      type: 'basic',
      name: 'sonarqube.project.configure',
      attributes: { action: 'update' },
    });
  });

  it('lists every permission once, for the backend to register', () => {
    expect(sonarqubePermissions.map(p => p.name)).toEqual([
      'sonarqube.findings.read',
      'sonarqube.security.read',
      'sonarqube.project.configure',
    ]);
  });
});
