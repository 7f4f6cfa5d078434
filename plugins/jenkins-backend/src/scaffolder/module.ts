import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { JenkinsClient } from '../service/JenkinsClient';
import { readJenkinsInstances } from '../service/JenkinsInstances';
import { createJenkinsActions } from './createJenkinsActions';

/** The `jenkins:job:create` and `jenkins:job:build` scaffolder actions. */
export const jenkinsScaffolderModule = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'jenkins',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scaffolder: scaffolderActionsExtensionPoint,
      },
      async init({ config, logger, scaffolder }) {
        const client = JenkinsClient.create({
          logger,
          timeoutMs:
            (config.getOptionalNumber('jenkins.requestTimeoutSeconds') ?? 10) *
            1000,
          maxRetries: config.getOptionalNumber('jenkins.maxRetries') ?? 2,
          cacheTtlMs: 0,
        });
        scaffolder.addActions(
          ...createJenkinsActions({
            client,
            instances: readJenkinsInstances(config),
          }),
        );
      },
    });
  },
});
