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
 * points at something a pipeline can clone with no network. Also serves the repositories the
 * comet-service template creates next to them (comet:repo:create), and one file of any of them
 * at `/api/example-repos/<name>.git/raw/<ref>/<path>`, which the catalog reads a new service's
 * catalog-info.yaml from. Off unless `comet.exampleRepos.sourceDir` is set (the embedded
 * defaults set it).
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
        await repositories.sync();
        httpRouter.use(
          createGitHttpRouter({
            projectRoot: repositories.targetDir,
            // The examples, and the repositories templates create later (comet:repo:create),
            // each served from the moment it exists
            repositories: () => repositories.served(),
            isServed: name => repositories.isServed(name),
            logger,
          }),
        );
        // git clients carry no Backstage token; the examples are public, read-only data.
        httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
      },
    });
  },
});
