import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { TaskCreationLog } from '@internal/backend-common';
import { jenkinsClientServiceRef } from '@internal/plugin-jenkins-node';
import { createJenkinsActions } from './createJenkinsActions';

/** Adds `jenkins:job:create` and `jenkins:job:build` to the scaffolder. */
export const scaffolderModuleJenkins = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'jenkins',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        client: jenkinsClientServiceRef,
        permissions: coreServices.permissions,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ scaffolder, client, permissions, discovery, auth }) {
        scaffolder.addActions(
          ...createJenkinsActions({
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
