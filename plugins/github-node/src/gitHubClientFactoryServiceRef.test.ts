import {
  createBackendPlugin,
  type BackendFeature,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { GitHubClientFactory } from './GitHubClientFactory';
import { gitHubClientFactoryServiceRef } from './gitHubClientFactoryServiceRef';

/** Two plugins that each take the factory: the root-scoped ref gives both the same one. */
function consumers(seen: GitHubClientFactory[]): BackendFeature[] {
  return ['first', 'second'].map(pluginId =>
    createBackendPlugin({
      pluginId,
      register(env) {
        env.registerInit({
          deps: { factory: gitHubClientFactoryServiceRef },
          async init({ factory }) {
            seen.push(factory);
          },
        });
      },
    }),
  );
}

describe('gitHubClientFactoryServiceRef', () => {
  it('builds one factory per backend from integrations.github', async () => {
    const seen: GitHubClientFactory[] = [];
    const backend = await startTestBackend({
      features: [
        ...consumers(seen),
        mockServices.rootConfig.factory({
          data: {
            integrations: {
              github: [
                {
                  host: 'ghe.example.com',
                  apiBaseUrl: 'https://ghe.example.com/api/v3',
                  token: 'ghp_ref_test',
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
      expect(seen[0].isConfigured()).toBe(true);
      expect(seen[0].hosts()).toEqual(['ghe.example.com', 'github.com']);
    } finally {
      await backend.stop();
    }
  });
});
