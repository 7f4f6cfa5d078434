import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  createJenkinsFakeRouter,
  createSonarQubeFakeRouter,
} from '@internal/fakes';
import Router from 'express-promise-router';

/**
 * Serves local fakes of Jenkins and SonarQube at `/api/fakes/jenkins` and
 * `/api/fakes/sonarqube`, for the demo and e2e configs: with them, `jenkins.instances` and
 * `sonarqube.instances` can point at this backend and every Jenkins/SonarQube feature works
 * with no external system. Each is off unless `comet.fakes.<name>` is true.
 */
export const fakesPlugin = createBackendPlugin({
  pluginId: 'fakes',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
      },
      async init({ config, logger, httpRouter }) {
        const router = Router();
        const enabled: string[] = [];
        if (config.getOptionalBoolean('comet.fakes.jenkins')) {
          router.use('/jenkins', createJenkinsFakeRouter());
          enabled.push('jenkins');
        }
        if (config.getOptionalBoolean('comet.fakes.sonarqube')) {
          router.use('/sonarqube', createSonarQubeFakeRouter());
          enabled.push('sonarqube');
        }
        if (enabled.length === 0) {
          return;
        }
        logger.warn(
          `Serving fake ${enabled.join(
            ' and ',
          )} APIs at /api/fakes/<name> (comet.fakes.*): for demos and tests, never production`,
        );
        httpRouter.use(router);
        // The fakes check their own credentials, as the real systems do.
        httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
      },
    });
  },
});
