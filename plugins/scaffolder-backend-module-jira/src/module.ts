import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { jiraClientServiceRef } from '@internal/plugin-jira-node';
import { createJiraComponentAction } from './createJiraComponentAction';
import { createJiraIssueAction } from './createJiraIssueAction';

/**
 * Adds `jira:issue:create` and `jira:component:create` to the scaffolder. Their
 * `jira.issue.create` and `jira.component.create` permissions are registered by the Jira
 * backend plugin.
 */
export const scaffolderModuleJira = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'jira',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        jira: jiraClientServiceRef,
        permissions: coreServices.permissions,
        catalog: catalogServiceRef,
      },
      async init({ scaffolder, jira, permissions, catalog }) {
        scaffolder.addActions(
          createJiraIssueAction({ jira, permissions, catalog }),
          createJiraComponentAction({ jira, permissions }),
        );
      },
    });
  },
});
