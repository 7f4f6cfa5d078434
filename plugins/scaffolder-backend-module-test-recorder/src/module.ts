import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { EntityAccess, TaskCreationLog } from '@internal/backend-common';
import { testRecorderSuiteEditPermission } from '@internal/plugin-test-recorder-common';
import { actionsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createTestSuiteAction } from './createTestSuiteAction';

/**
 * Adds `test-recorder:suite:create` to the scaffolder. It calls the test recorder's own
 * `test-recorder:create-suite` action as the user who started the task, so the test recorder
 * keeps its permission check (`test-recorder.suite.edit` on the entity), validation and audit.
 */
export const scaffolderModuleTestRecorder = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'test-recorder',
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
          createTestSuiteAction({
            actions,
            // Without app.baseUrl the suite's link is relative, which the task page resolves
            appBaseUrl: config.getOptionalString('app.baseUrl') ?? '',
            // A failed run lists what the template created before it
            creationLog: TaskCreationLog.create({ discovery, auth }),
            // Dry runs create nothing, so they ask the permission the real run will need
            mayEdit: async (credentials, entityRef) => {
              try {
                await access.entity(credentials, entityRef, {
                  require: [testRecorderSuiteEditPermission],
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
