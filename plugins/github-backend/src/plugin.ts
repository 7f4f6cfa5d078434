import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  actionsRegistryServiceRef,
  metricsServiceRef,
} from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { ResourceScopes } from '@internal/backend-common';
import { githubPermissions } from '@internal/plugin-github-common';
import { gitHubClientFactoryServiceRef } from '@internal/plugin-github-node';
import { registerActions } from './actions/registerActions';
import {
  GITHUB_NOT_CONFIGURED_MESSAGE,
  GitHubService,
} from './service/GitHubService';
import { registerRateLimitMetrics } from './service/rateLimitMetrics';
import { createRouter } from './service/router';

/**
 * Comet's GitHub: the repository, GitHub Actions runs and jobs (re-run, cancel), pull
 * requests, commits and cycle time of each entity's repository (`github.com/project-slug`),
 * changes to its pipeline files proposed as pull requests, and the `github:*` actions.
 * Credentials and hosts come from `integrations.github`, through the GitHub client factory;
 * the repositories each owner group's entities may name from `comet.resourceScopes`.
 */
export const githubPlugin = createBackendPlugin({
  pluginId: 'github',
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
        catalog: catalogServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
        factory: gitHubClientFactoryServiceRef,
        metrics: metricsServiceRef,
      },
      async init({
        config,
        logger,
        httpRouter,
        httpAuth,
        permissions,
        permissionsRegistry,
        auditor,
        catalog,
        actionsRegistry,
        factory,
        metrics,
      }) {
        if (factory.isConfigured()) {
          logger.info(`GitHub hosts: ${factory.hosts().join(', ')}`);
        } else {
          logger.info(GITHUB_NOT_CONFIGURED_MESSAGE);
        }
        const service = GitHubService.create({
          factory,
          catalog,
          permissions,
          auditor,
          scopes: ResourceScopes.fromConfig(config),
        });
        permissionsRegistry.addPermissions(githubPermissions);
        registerActions(actionsRegistry, service);
        registerRateLimitMetrics(metrics, factory);
        httpRouter.use(await createRouter({ service, httpAuth }));
      },
    });
  },
});
