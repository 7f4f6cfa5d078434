import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { TaskCreationLog } from '@internal/backend-common';
import { gitHubClientFactoryServiceRef } from '@internal/plugin-github-node';
import { createRepoCreateAction } from './createRepoCreateAction';
import { createServiceCheckAction } from './createServiceCheckAction';
import { PortalRepositories, SOURCE_DIR_KEY } from './PortalRepositories';

/**
 * Adds the golden path's own actions to the scaffolder: `comet:service:check` (the
 * comet-service template's first step) and `comet:repo:create` (a repository the portal serves
 * itself, next to the example repositories).
 */
export const scaffolderModuleComet = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'comet',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        catalog: catalogServiceRef,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        github: gitHubClientFactoryServiceRef,
      },
      async init({
        scaffolder,
        config,
        logger,
        catalog,
        discovery,
        auth,
        github,
      }) {
        const repositories = PortalRepositories.fromConfig(config);
        if (!repositories) {
          logger.info(
            `comet:repo:create is off: set ${SOURCE_DIR_KEY} for the portal to serve the repositories templates create`,
          );
        }
        // A failed run lists what the template created before it
        const creationLog = TaskCreationLog.create({ discovery, auth });
        scaffolder.addActions(
          createServiceCheckAction({
            catalog,
            config,
            repositories,
            creationLog,
            // Whether a GitHub repository of that name exists, and is this service's
            github,
          }),
          createRepoCreateAction({ repositories, creationLog }),
        );
      },
    });
  },
});
