import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { audited, ResourceScopes } from '@internal/backend-common';
import {
  SONARQUBE_CONFIG_KEY,
  SONARQUBE_SIGNAL_CHANNEL,
  SonarQubeGateSignal,
  sonarqubePermissions,
} from '@internal/plugin-sonarqube-common';
import { sonarQubeClientServiceRef } from '@internal/plugin-sonarqube-node';
import { registerActions } from './actions/registerActions';
import { createRouter } from './service/router';
import { SonarQubeService } from './service/SonarQubeService';
import { SonarQubeWebhookHandler } from './service/SonarQubeWebhookHandler';

/**
 * Comet's SonarQube backend: measures, quality gate, history, issues, hotspots, branches and
 * pull requests of each entity's projects (`sonarqube.org/project-key`), a table per team or
 * system, the quality-gate webhook that refreshes open pages, and actions.
 */
export const sonarqubePlugin = createBackendPlugin({
  pluginId: 'sonarqube',
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
        catalog: catalogServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
        signals: signalsServiceRef,
        client: sonarQubeClientServiceRef,
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
        catalog,
        actionsRegistry,
        signals,
        client,
      }) {
        if (client.configured) {
          logger.info(
            `SonarQube instances: ${client
              .listInstances()
              .map(i => `${i.name} (${i.externalBaseUrl})`)
              .join(', ')}`,
          );
        } else {
          logger.info(
            `SonarQube is off; add an instance under ${SONARQUBE_CONFIG_KEY} to turn it on`,
          );
        }
        const service = new SonarQubeService({
          client,
          catalog,
          permissions,
          cache,
          scopes: ResourceScopes.fromConfig(config),
          userInfo,
          cacheTtlMs:
            (config.getOptionalNumber('sonarqube.cacheTtlSeconds') ?? 300) *
            1000,
        });
        const webhooks = new SonarQubeWebhookHandler({
          client,
          logger,
          onChange: async change => {
            const scope = {
              ...(change.branch ? { branch: change.branch } : {}),
              ...(change.pullRequest
                ? { pullRequest: change.pullRequest }
                : {}),
            };
            await audited(
              auditor,
              {
                eventId: 'quality-gate-webhook',
                severityLevel: 'low',
                meta: {
                  instance: change.instance,
                  projectKey: change.projectKey,
                  ...scope,
                  status: change.status ?? 'unknown',
                },
              },
              async () => {
                await service.invalidate(change.instance, change.projectKey);
                const message: SonarQubeGateSignal = {
                  instance: change.instance,
                  projectKey: change.projectKey,
                  ...scope,
                };
                await signals.publish({
                  recipients: { type: 'broadcast' },
                  channel: SONARQUBE_SIGNAL_CHANNEL,
                  message,
                });
              },
            );
          },
        });
        permissionsRegistry.addPermissions(sonarqubePermissions);
        registerActions(actionsRegistry, service);
        httpRouter.use(await createRouter({ service, httpAuth, webhooks }));
        // SonarQube cannot send a Backstage token; the HMAC signature is the authentication.
        httpRouter.addAuthPolicy({
          path: '/webhook',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
