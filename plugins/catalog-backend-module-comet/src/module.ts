import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { CometAnnotationProcessor } from './CometAnnotationProcessor';

/**
 * Adds {@link CometAnnotationProcessor} to the catalog, unless
 * `comet.annotationValidation.enabled` is false.
 */
export const catalogModuleComet = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'comet',
  register(reg) {
    reg.registerInit({
      deps: {
        processing: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ processing, config, logger }) {
        if (
          config.getOptionalBoolean('comet.annotationValidation.enabled') ===
          false
        ) {
          logger.info(
            'Comet annotation checks are off (comet.annotationValidation.enabled: false)',
          );
          return;
        }
        processing.addProcessor(
          CometAnnotationProcessor.fromConfig(config, { logger }),
        );
      },
    });
  },
});
