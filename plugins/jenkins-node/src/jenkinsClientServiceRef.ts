import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { JenkinsClient } from './JenkinsClient';

/**
 * The Jenkins client, one per backend (root scope), built from `jenkins.*` config. The Jenkins
 * backend, the CI/CD module and the scaffolder actions all use it, so none imports another's
 * internals and all share one answer cache and crumb per instance.
 */
export const jenkinsClientServiceRef = createServiceRef<JenkinsClient>({
  id: 'jenkins.client',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      initialization: 'lazy',
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.rootLogger,
      },
      factory: ({ config, logger }) =>
        JenkinsClient.fromConfig(config, {
          logger: logger.child({ service: 'jenkins.client' }),
        }),
    }),
});
