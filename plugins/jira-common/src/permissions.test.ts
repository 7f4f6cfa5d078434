import { isResourcePermission } from '@backstage/plugin-permission-common';
import { jiraPermissions } from './permissions';

describe('jira permissions', () => {
  it('ties issue permissions to the entity and leaves the admin ones untied', () => {
    expect(
      jiraPermissions.map(p => [
        p.name,
        p.attributes.action,
        isResourcePermission(p, 'catalog-entity'),
      ]),
    ).toEqual([
      ['jira.issue.read', 'read', true],
      ['jira.issue.create', 'create', true],
      ['jira.issue.update', 'update', true],
      ['jira.search.jql', 'read', false],
      ['jira.component.create', 'create', false],
    ]);
  });
});
