import { createBackendModule } from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { sonarQubeClientServiceRef } from '@internal/plugin-sonarqube-node';
import { createSonarQubeProjectAction } from './createSonarQubeProjectAction';

/** Adds `sonarqube:project:create` to the scaffolder. */
export const scaffolderModuleSonarqube = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'sonarqube',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        client: sonarQubeClientServiceRef,
      },
      async init({ scaffolder, client }) {
        scaffolder.addActions(createSonarQubeProjectAction({ client }));
      },
    });
  },
});
