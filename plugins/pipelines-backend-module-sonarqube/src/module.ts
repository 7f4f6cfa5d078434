import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { ResourceScopes } from '@internal/backend-common';
import { pipelineStepTypesExtensionPoint } from '@internal/plugin-pipelines-node';
import { sonarQubeClientServiceRef } from '@internal/plugin-sonarqube-node';
import { SonarQubeQualityGateStep } from './SonarQubeQualityGateStep';

/**
 * Adds the `sonarqube/quality-gate` step type to Comet's pipelines. It is registered even
 * while SonarQube is not configured, so pipeline files that use it stay valid; running it then
 * fails with a message naming `sonarqube.instances`.
 */
export const pipelinesModuleSonarqube = createBackendModule({
  pluginId: 'pipelines',
  moduleId: 'sonarqube',
  register(reg) {
    reg.registerInit({
      deps: {
        stepTypes: pipelineStepTypesExtensionPoint,
        client: sonarQubeClientServiceRef,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
        config: coreServices.rootConfig,
      },
      async init({ stepTypes, client, catalog, auth, config }) {
        stepTypes.addStepType(
          new SonarQubeQualityGateStep({
            client,
            catalog,
            auth,
            scopes: ResourceScopes.fromConfig(config),
          }),
        );
      },
    });
  },
});
