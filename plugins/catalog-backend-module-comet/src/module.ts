import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { CometAnnotationProcessor } from './CometAnnotationProcessor';
import { CometWiringOverrideProcessor } from './CometWiringOverrideProcessor';
import { WiringOverrides } from './WiringOverrides';

/**
 * Adds {@link CometWiringOverrideProcessor} (the Integrations card's portal-side overrides)
 * and {@link CometAnnotationProcessor} to the catalog, the latter unless
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
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ processing, config, logger, discovery, auth }) {
        processing.addProcessor(
          new CometWiringOverrideProcessor(
            WiringOverrides.create({ discovery, auth, logger }),
          ),
        );
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
