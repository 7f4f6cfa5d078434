import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
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
      },
      async init({ scaffolder, client, permissions }) {
        scaffolder.addActions(...createJenkinsActions({ client, permissions }));
      },
    });
  },
});
