import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  actionsRegistryServiceRef,
  actionsServiceRef,
} from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { registerActions } from './actions/registerActions';
import { DeliveryHealthService } from './service/DeliveryHealthService';
import { readDeliveryHealthSettings } from './service/DeliveryHealthSettings';
import { createRouter } from './service/router';

/**
 * Delivery health: an entity's pipelines, quality gate, tests, bugs and pull requests, read
 * only through the other plugins' actions with the caller's credentials, rated against
 * `deliveryHealth.thresholds`.
 */
export const deliveryHealthPlugin = createBackendPlugin({
  pluginId: 'delivery-health',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        catalog: catalogServiceRef,
        actions: actionsServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
      },
      async init({
        config,
        httpRouter,
        httpAuth,
        catalog,
        actions,
        actionsRegistry,
      }) {
        const service = DeliveryHealthService.create({
          catalog,
          actions,
          settings: readDeliveryHealthSettings(config),
          appBaseUrl: config.getOptionalString('app.baseUrl') ?? '',
        });
        registerActions(actionsRegistry, service);
        httpRouter.use(await createRouter({ service, httpAuth }));
      },
    });
  },
});
