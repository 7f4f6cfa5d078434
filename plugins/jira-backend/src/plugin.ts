import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { ResourceScopes } from '@internal/backend-common';
import { JIRA_CONFIG_KEY, jiraPermissions } from '@internal/plugin-jira-common';
import { jiraClientServiceRef } from '@internal/plugin-jira-node';
import { registerActions } from './actions/registerActions';
import { createRouter } from './service/router';
import { DatabaseJiraRunLinks } from './store/DatabaseJiraRunLinks';
import { JiraService } from './service/JiraService';

/**
 * Comet's Jira backend: each entity's issues (its `jira/project-key` projects, narrowed by
 * component and label), the active sprint and its burndown, release notes, the user's own
 * issues, and writes (create, transition, comment, attach) with the user's permissions; the
 * `jira:*` actions.
 */
export const jiraPlugin = createBackendPlugin({
  pluginId: 'jira',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        userInfo: coreServices.userInfo,
        cache: coreServices.cache,
        database: coreServices.database,
        catalog: catalogServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
        instances: jiraClientServiceRef,
      },
      async init({
        config,
        logger,
        httpRouter,
        httpAuth,
        permissions,
        permissionsRegistry,
        auditor,
        userInfo,
        cache,
        database,
        catalog,
        actionsRegistry,
        instances,
      }) {
        if (instances.isConfigured()) {
          logger.info(
            `Jira instances: ${instances
              .list()
              .map(i => `${i.name} (${i.browseUrl})`)
              .join(', ')}`,
          );
        } else {
          logger.info(
            `Jira is off; add an instance under ${JIRA_CONFIG_KEY}.instances to turn it on`,
          );
        }
        const service = new JiraService({
          instances,
          catalog,
          permissions,
          cache,
          auditor,
          scopes: ResourceScopes.fromConfig(config),
          userInfo,
          cacheTtlMs:
            (config.getOptionalNumber('jira.cacheTtlSeconds') ?? 60) * 1000,
          runLinks: await DatabaseJiraRunLinks.create({ database }),
        });
        permissionsRegistry.addPermissions(jiraPermissions);
        registerActions(actionsRegistry, service);
        httpRouter.use(await createRouter({ service, httpAuth }));
      },
    });
  },
});
