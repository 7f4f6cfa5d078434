import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { gitHubClientFactoryServiceRef } from '@internal/plugin-github-node';
import {
  pipelineProvidersExtensionPoint,
  pipelinesRunEventsExtensionPoint,
} from '@internal/plugin-pipelines-node';
import { GitHubPipelineProvider } from './GitHubPipelineProvider';
import { GitHubRunReporter } from './GitHubRunReporter';

/**
 * GitHub in Comet's pipelines:
 *
 * - Comet runs reported to GitHub ({@link GitHubRunReporter}): a check run or commit status per
 *   pipeline on the commit, and a comment on its pull requests, through the run-events
 *   extension point. It does nothing until `integrations.github` has credentials.
 * - GitHub Actions runs in the unified CI/CD list ({@link GitHubPipelineProvider}), read from
 *   the github backend as the user.
 */
export const pipelinesModuleGithub = createBackendModule({
  pluginId: 'pipelines',
  moduleId: 'github',
  register(reg) {
    reg.registerInit({
      deps: {
        runEvents: pipelinesRunEventsExtensionPoint,
        providers: pipelineProvidersExtensionPoint,
        discovery: coreServices.discovery,
        gitHub: gitHubClientFactoryServiceRef,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
      },
      async init({
        runEvents,
        providers,
        discovery,
        gitHub,
        catalog,
        auth,
        logger,
        config,
      }) {
        providers.addProvider(
          GitHubPipelineProvider.create({ discovery, auth }),
        );
        if (!gitHub.isConfigured()) {
          logger.info(
            'integrations.github has no token or GitHub App: Comet runs are not reported to GitHub',
          );
        }
        runEvents.addListener(
          GitHubRunReporter.create({
            gitHub,
            catalog,
            auth,
            logger,
            // Every portal sets app.baseUrl; a backend started alone (tests) may not
            appBaseUrl:
              config.getOptionalString('app.baseUrl') ??
              config.getOptionalString('backend.baseUrl') ??
              'http://localhost:3000',
          }),
        );
      },
    });
  },
});
