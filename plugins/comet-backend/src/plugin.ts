import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  actionsRegistryServiceRef,
  actionsServiceRef,
} from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { ConfiguredInstances } from '@internal/plugin-catalog-backend-module-comet';
import { cometPermissions } from '@internal/plugin-comet-common';
import { jenkinsClientServiceRef } from '@internal/plugin-jenkins-node';
import { jiraClientServiceRef } from '@internal/plugin-jira-node';
import { sonarQubeClientServiceRef } from '@internal/plugin-sonarqube-node';
import { registerActions } from './actions/registerActions';
import { DeliveryHealthService } from './service/DeliveryHealthService';
import { readDeliveryHealthSettings } from './service/DeliveryHealthSettings';
import { createRouter } from './service/router';
import {
  createIntegrationsRouter,
  DatabaseWiringOverrideStore,
  IntegrationsService,
  WiringValidator,
} from './integrations';

/**
 * Delivery health: an entity's pipelines, quality gate, tests, bugs and pull requests, read
 * only through the other plugins' actions with the caller's credentials, rated against
 * `deliveryHealth.thresholds`. And the Integrations card's backend (`/integrations`): an
 * entity's wiring, changed as a pull request or a portal-side override.
 */
export const deliveryHealthPlugin = createBackendPlugin({
  pluginId: 'comet',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        catalog: catalogServiceRef,
        actions: actionsServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
        // The Integrations card
        database: coreServices.database,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        auth: coreServices.auth,
        logger: coreServices.logger,
        jenkins: jenkinsClientServiceRef,
        sonarqube: sonarQubeClientServiceRef,
        jira: jiraClientServiceRef,
      },
      async init({
        config,
        httpRouter,
        httpAuth,
        catalog,
        actions,
        actionsRegistry,
        database,
        permissions,
        permissionsRegistry,
        auditor,
        auth,
        logger,
        jenkins,
        sonarqube,
        jira,
      }) {
        const service = DeliveryHealthService.create({
          catalog,
          actions,
          settings: readDeliveryHealthSettings(config),
          appBaseUrl: config.getOptionalString('app.baseUrl') ?? '',
        });
        registerActions(actionsRegistry, service);
        httpRouter.use(await createRouter({ service, httpAuth }));

        const instances = ConfiguredInstances.fromConfig(config, { logger });
        permissionsRegistry.addPermissions(cometPermissions);
        const integrations = IntegrationsService.create({
          catalog,
          actions,
          permissions,
          auditor,
          auth,
          logger,
          store: await DatabaseWiringOverrideStore.create({ database }),
          validator: WiringValidator.create({
            instances,
            jenkins,
            sonarqube,
            jira,
          }),
          instances,
          jira,
        });
        httpRouter.use(
          await createIntegrationsRouter({ service: integrations, httpAuth }),
        );
      },
    });
  },
});
