import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { pipelineProvidersExtensionPoint } from '@internal/plugin-pipelines-node';
import { JenkinsPipelineProvider } from './JenkinsPipelineProvider';

/** Jenkins builds in the unified CI/CD view of the pipelines plugin. */
export const pipelinesModuleJenkins = createBackendModule({
  pluginId: 'pipelines',
  moduleId: 'jenkins',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: pipelineProvidersExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ providers, discovery, auth }) {
        providers.addProvider(new JenkinsPipelineProvider({ discovery, auth }));
      },
    });
  },
});
