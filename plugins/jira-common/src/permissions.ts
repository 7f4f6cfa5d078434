import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

/** Read an entity's Jira issues, sprint and release notes (follows catalog read by default). */
export const jiraIssueReadPermission = createPermission({
  name: 'jira.issue.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Create an issue in one of the entity's projects (also a bug from a failed run). */
export const jiraIssueCreatePermission = createPermission({
  name: 'jira.issue.create',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Transition, comment on or attach a file to an issue of the entity's projects. */
export const jiraIssueUpdatePermission = createPermission({
  name: 'jira.issue.update',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Search with raw JQL, not narrowed to an entity: what Comet's credentials can see on the
 * instance. Not tied to an entity.
 */
export const jiraSearchJqlPermission = createPermission({
  name: 'jira.search.jql',
  attributes: { action: 'read' },
});

/** Create a Jira component (the `jira:component:create` scaffolder action). */
export const jiraComponentCreatePermission = createPermission({
  name: 'jira.component.create',
  attributes: { action: 'create' },
});

export const jiraPermissions = [
  jiraIssueReadPermission,
  jiraIssueCreatePermission,
  jiraIssueUpdatePermission,
  jiraSearchJqlPermission,
  jiraComponentCreatePermission,
];
