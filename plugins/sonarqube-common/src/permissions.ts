import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

/** Read an entity's SonarQube measures, quality gate, history, branches and issues. */
export const sonarqubeFindingsReadPermission = createPermission({
  name: 'sonarqube.findings.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Read an entity's security findings: vulnerabilities and security hotspots. Without it the
 * other findings still show; security ones are left out and the response says so.
 */
export const sonarqubeSecurityReadPermission = createPermission({
  name: 'sonarqube.security.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

export const sonarqubePermissions = [
  sonarqubeFindingsReadPermission,
  sonarqubeSecurityReadPermission,
];
