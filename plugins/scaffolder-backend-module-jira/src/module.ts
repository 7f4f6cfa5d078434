import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { ResourceScopes, TaskCreationLog } from '@internal/backend-common';
import { jiraClientServiceRef } from '@internal/plugin-jira-node';
import { createJiraComponentAction } from './createJiraComponentAction';
import { createJiraIssueAction } from './createJiraIssueAction';
import { JiraProjectScopes } from './JiraProjectScopes';

/**
 * Adds `jira:issue:create` and `jira:component:create` to the scaffolder. Their
 * `jira.issue.create` and `jira.component.create` permissions are registered by the Jira
 * backend plugin. `jira:component:create` is limited to the projects within the initiator's
 * groups' `comet.resourceScopes.<group>.jira`.
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
        config: coreServices.rootConfig,
        userInfo: coreServices.userInfo,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({
        scaffolder,
        jira,
        permissions,
        catalog,
        config,
        userInfo,
        discovery,
        auth,
      }) {
        const projectScopes = JiraProjectScopes.create({
          scopes: ResourceScopes.fromConfig(config),
          instances: jira,
          permissions,
          userInfo,
        });
        scaffolder.addActions(
          createJiraIssueAction({ jira, permissions, catalog }),
          createJiraComponentAction({
            jira,
            permissions,
            projectScopes,
            // A failed run lists what the template created before it
            creationLog: TaskCreationLog.create({ discovery, auth }),
          }),
        );
      },
    });
  },
});
