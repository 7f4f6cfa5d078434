import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { ResourceScopes } from '@internal/backend-common';
import { jenkinsPermissions } from '@internal/plugin-jenkins-common';
import { jenkinsClientServiceRef } from '@internal/plugin-jenkins-node';
import { registerActions } from './actions/registerActions';
import {
  JENKINS_NOT_CONFIGURED_MESSAGE,
  JenkinsService,
} from './service/JenkinsService';
import { createRouter } from './service/router';

/**
 * Comet's Jenkins: builds of the jobs an entity names in `jenkins.io/job-full-name`, on any
 * number of instances, with live consoles, parameterized triggers, aborts and rebuilds.
 */
export const jenkinsPlugin = createBackendPlugin({
  pluginId: 'jenkins',
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
        catalog: catalogServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
        client: jenkinsClientServiceRef,
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
        catalog,
        actionsRegistry,
        client,
      }) {
        const instances = client.instances;
        if (instances.length === 0) {
          logger.info(JENKINS_NOT_CONFIGURED_MESSAGE);
        } else {
          logger.info(
            `Jenkins instances: ${instances
              .map(i => `${i.name} (${i.baseUrl})`)
              .join(', ')}`,
          );
        }
        const service = new JenkinsService({
          client,
          instances: [...instances],
          catalog,
          permissions,
          auditor,
          scopes: ResourceScopes.fromConfig(config),
          userInfo,
          triggerWaitMs:
            (config.getOptionalNumber('jenkins.triggerWaitSeconds') ?? 10) *
            1000,
        });
        permissionsRegistry.addPermissions(jenkinsPermissions);
        registerActions(actionsRegistry, service);
        httpRouter.use(await createRouter({ service, httpAuth, logger }));
      },
    });
  },
});
