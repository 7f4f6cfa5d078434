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

/**
 * Configure a SonarQube project: assign its quality gate or set its new-code definition (the
 * `sonarqube:project:create` scaffolder action). A gate decides what may be deployed, so this
 * is for administrators. Not tied to an entity: the project is usually being created.
 */
export const sonarqubeProjectConfigurePermission = createPermission({
  name: 'sonarqube.project.configure',
  attributes: { action: 'update' },
});

export const sonarqubePermissions = [
  sonarqubeFindingsReadPermission,
  sonarqubeSecurityReadPermission,
  sonarqubeProjectConfigurePermission,
];
