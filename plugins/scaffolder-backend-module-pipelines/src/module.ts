import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { actionsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { EntityAccess, TaskCreationLog } from '@internal/backend-common';
import { pipelinesRunCreatePermission } from '@internal/plugin-pipelines-common';
import { createRunTriggerAction } from './createRunTriggerAction';

/**
 * Adds `pipelines:run:trigger` to the scaffolder. It calls the pipelines plugin's own
 * `pipelines:trigger-run` action as the user who started the task, so the pipelines plugin
 * keeps its permission check (`pipelines.run.create` on the entity), validation and audit.
 */
export const scaffolderModulePipelines = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'pipelines',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        actions: actionsServiceRef,
        catalog: catalogServiceRef,
        permissions: coreServices.permissions,
        config: coreServices.rootConfig,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({
        scaffolder,
        actions,
        catalog,
        permissions,
        config,
        discovery,
        auth,
      }) {
        const access = EntityAccess.create({ catalog, permissions });
        scaffolder.addActions(
          createRunTriggerAction({
            actions,
            // Without app.baseUrl the link is relative, which the scaffolder's page resolves
            appBaseUrl: config.getOptionalString('app.baseUrl') ?? '',
            // A failed run lists what the template created before it
            creationLog: TaskCreationLog.create({ discovery, auth }),
            // Dry runs start nothing, so they ask the permission the real run will need
            mayTrigger: async (credentials, entityRef) => {
              try {
                await access.entity(credentials, entityRef, {
                  require: [pipelinesRunCreatePermission],
                  fresh: true,
                });
                return 'allowed';
              } catch (error) {
                if ((error as Error).name === 'NotAllowedError') {
                  return 'denied';
                }
                if ((error as Error).name === 'NotFoundError') {
                  return 'missing';
                }
                throw error;
              }
            },
          }),
        );
      },
    });
  },
});
