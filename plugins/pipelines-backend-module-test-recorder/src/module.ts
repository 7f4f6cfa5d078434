import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { pipelineStepTypesExtensionPoint } from '@internal/plugin-pipelines-node';
import { TestRecorderClient } from './TestRecorderClient';
import { TestRecorderSuiteStep } from './TestRecorderSuiteStep';

/** Options of {@link createPipelinesModuleTestRecorder}; tests shorten the polling. */
export type PipelinesModuleTestRecorderOptions = {
  /** How often a started test run is polled (1 s). */
  pollIntervalMs?: number;
  /** Base of the backoff between retries of a failed poll (0.5 s, doubling). */
  retryDelayMs?: number;
};

/**
 * Adds the `test-recorder/suite` step type to Comet's pipelines: it runs a recorded browser
 * test suite of the run's entity through the test-recorder backend.
 */
export function createPipelinesModuleTestRecorder(
  options: PipelinesModuleTestRecorderOptions = {},
) {
  return createBackendModule({
    pluginId: 'pipelines',
    moduleId: 'test-recorder',
    register(reg) {
      reg.registerInit({
        deps: {
          stepTypes: pipelineStepTypesExtensionPoint,
          catalog: catalogServiceRef,
          auth: coreServices.auth,
          discovery: coreServices.discovery,
          config: coreServices.rootConfig,
        },
        async init({ stepTypes, catalog, auth, discovery, config }) {
          stepTypes.addStepType(
            TestRecorderSuiteStep.create({
              client: TestRecorderClient.create({
                discovery,
                auth,
                retryDelayMs: options.retryDelayMs,
              }),
              catalog,
              auth,
              appBaseUrl: config.getOptionalString('app.baseUrl'),
              pollIntervalMs: options.pollIntervalMs,
            }),
          );
        },
      });
    },
  });
}

export const pipelinesModuleTestRecorder = createPipelinesModuleTestRecorder();
