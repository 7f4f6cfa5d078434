import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { TaskCreationLog } from '@internal/backend-common';
import { sonarQubeClientServiceRef } from '@internal/plugin-sonarqube-node';
import { createSonarQubeProjectAction } from './createSonarQubeProjectAction';

/**
 * Adds `sonarqube:project:create` to the scaffolder. Its `sonarqube.project.configure`
 * permission is registered by the SonarQube backend plugin.
 */
export const scaffolderModuleSonarqube = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'sonarqube',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        client: sonarQubeClientServiceRef,
        permissions: coreServices.permissions,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ scaffolder, client, permissions, discovery, auth }) {
        scaffolder.addActions(
          createSonarQubeProjectAction({
            client,
            permissions,
            // A failed run lists what the template created before it
            creationLog: TaskCreationLog.create({ discovery, auth }),
          }),
        );
      },
    });
  },
});
