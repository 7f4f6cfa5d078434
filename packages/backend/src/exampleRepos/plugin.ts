import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import path from 'node:path';
import { ExampleRepositories } from './ExampleRepositories';
import { createGitHttpRouter } from './gitHttpRouter';

/**
 * Serves the example projects in `examples/projects/` as read-only git repositories at
 * `/api/example-repos/<name>.git`, so the example catalog's `backstage.io/source-location`
 * points at something a pipeline can clone with no network. Off unless
 * `comet.exampleRepos.sourceDir` is set (the embedded defaults set it).
 */
export const exampleReposPlugin = createBackendPlugin({
  pluginId: 'example-repos',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
      },
      async init({ config, logger, httpRouter }) {
        const sourceDir = config.getOptionalString(
          'comet.exampleRepos.sourceDir',
        );
        if (!sourceDir) {
          logger.info(
            'Example repositories are off; set comet.exampleRepos.sourceDir to serve examples/projects as git repositories',
          );
          return;
        }
        const targetDir =
          config.getOptionalString('comet.exampleRepos.targetDir') ??
          path.join(sourceDir, '..', '..', '.data', 'git');
        const repositories = ExampleRepositories.create({
          sourceDir,
          targetDir,
          logger,
        });
        const names = new Set(
          (await repositories.sync()).map(repository => repository.name),
        );
        httpRouter.use(
          createGitHttpRouter({
            projectRoot: repositories.targetDir,
            repositories: () => names,
            logger,
          }),
        );
        // git clients carry no Backstage token; the examples are public, read-only data.
        httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
      },
    });
  },
});
