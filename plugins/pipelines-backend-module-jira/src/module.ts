import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { ResourceScopes } from '@internal/backend-common';
import { jiraClientServiceRef } from '@internal/plugin-jira-node';
import { pipelinesRunEventsExtensionPoint } from '@internal/plugin-pipelines-node';
import { JiraTraceabilityListener } from './JiraTraceabilityListener';

/**
 * Links Comet pipeline runs and Jira issues both ways and files bugs from failed runs (see
 * {@link JiraTraceabilityListener}), through the pipelines run-events extension point. It does
 * nothing until `jira.instances` is configured.
 */
export const pipelinesModuleJira = createBackendModule({
  pluginId: 'pipelines',
  moduleId: 'jira',
  register(reg) {
    reg.registerInit({
      deps: {
        runEvents: pipelinesRunEventsExtensionPoint,
        instances: jiraClientServiceRef,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
      },
      async init({
        runEvents,
        instances,
        catalog,
        auth,
        discovery,
        logger,
        config,
      }) {
        runEvents.addListener(
          JiraTraceabilityListener.create({
            instances,
            catalog,
            auth,
            discovery,
            logger,
            scopes: ResourceScopes.fromConfig(config),
            // Every portal sets app.baseUrl; a backend started alone (tests) may not
            appBaseUrl:
              config.getOptionalString('app.baseUrl') ??
              config.getOptionalString('backend.baseUrl') ??
              'http://localhost:3000',
          }),
        );
      },
    });
  },
});
