import {
  coreServices,
  createBackendPlugin,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import fs from 'node:fs';
import path from 'node:path';
import { createPrecompressedStaticHandler } from './precompressedStatic';

/**
 * Serves the built frontend's precompressed assets at `/static` ahead of the app backend,
 * which still serves everything else (and every asset without a precompressed copy).
 */
export const precompressedAssetsPlugin = createBackendPlugin({
  pluginId: 'app-assets',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        rootHttpRouter: coreServices.rootHttpRouter,
      },
      async init({ config, logger, rootHttpRouter }) {
        const appPackage = config.getOptionalString('app.packageName') ?? 'app';
        let staticDir: string;
        try {
          staticDir = path.join(
            resolvePackagePath(appPackage, 'dist'),
            'static',
          );
        } catch {
          logger.info(`No ${appPackage} package; no precompressed assets`);
          return;
        }
        if (!fs.existsSync(staticDir)) {
          logger.info(`No built frontend at ${staticDir}; nothing to serve`);
          return;
        }
        rootHttpRouter.use(
          '/static',
          createPrecompressedStaticHandler({ staticDir }),
        );
      },
    });
  },
});
