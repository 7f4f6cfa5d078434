import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { GitHubClientFactory } from './GitHubClientFactory';

/**
 * The GitHub client factory, one per backend (root scope), built from `integrations.github`
 * and `github.*` config, so every plugin and module shares its cache and rate-limit readings.
 */
export const gitHubClientFactoryServiceRef =
  createServiceRef<GitHubClientFactory>({
    id: 'github.client-factory',
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
          GitHubClientFactory.fromConfig(config, { logger }),
      }),
  });
