import {
  createBackendPlugin,
  type BackendFeature,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { SonarQubeClient } from './SonarQubeClient';
import { sonarQubeClientServiceRef } from './sonarQubeClientServiceRef';

/** Two plugins that each take the client: the root-scoped ref gives both the same one. */
function consumers(seen: SonarQubeClient[]): BackendFeature[] {
  return ['first', 'second'].map(pluginId =>
    createBackendPlugin({
      pluginId,
      register(env) {
        env.registerInit({
          deps: { client: sonarQubeClientServiceRef },
          async init({ client }) {
            seen.push(client);
          },
        });
      },
    }),
  );
}

describe('sonarQubeClientServiceRef', () => {
  it('builds one client per backend from sonarqube.* config', async () => {
    const seen: SonarQubeClient[] = [];
    const backend = await startTestBackend({
      features: [
        ...consumers(seen),
        mockServices.rootConfig.factory({
          data: {
            sonarqube: {
              instances: [
                {
                  name: 'default',
                  baseUrl: 'https://sonar.example.com/',
                  apiKey: 'squ_ref_test',
                },
              ],
            },
          },
        }),
      ],
    });
    try {
      expect(seen).toHaveLength(2);
      expect(seen[0]).toBe(seen[1]);
      expect(seen[0].configured).toBe(true);
      expect(seen[0].listInstances()).toEqual([
        { name: 'default', externalBaseUrl: 'https://sonar.example.com' },
      ]);
    } finally {
      await backend.stop();
    }
  });
});
