import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { SonarQubeClient } from './SonarQubeClient';

/**
 * The SonarQube client, one per backend (root scope), built from `sonarqube.*` config. The
 * SonarQube backend, the `sonarqube/quality-gate` pipeline step and the scaffolder action all
 * use it, so none imports another's internals.
 */
export const sonarQubeClientServiceRef = createServiceRef<SonarQubeClient>({
  id: 'sonarqube.client',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      initialization: 'lazy',
      deps: { config: coreServices.rootConfig },
      factory: ({ config }) => SonarQubeClient.fromConfig(config),
    }),
});
