import {
  createBackendPlugin,
  type BackendFeature,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { JenkinsClient } from './JenkinsClient';
import { jenkinsClientServiceRef } from './jenkinsClientServiceRef';

/** Two plugins that each take the client: the root-scoped ref gives both the same one. */
function consumers(seen: JenkinsClient[]): BackendFeature[] {
  return ['first', 'second'].map(pluginId =>
    createBackendPlugin({
      pluginId,
      register(env) {
        env.registerInit({
          deps: { client: jenkinsClientServiceRef },
          async init({ client }) {
            seen.push(client);
          },
        });
      },
    }),
  );
}

describe('jenkinsClientServiceRef', () => {
  it('builds one client per backend from jenkins.* config', async () => {
    const seen: JenkinsClient[] = [];
    const backend = await startTestBackend({
      features: [
        ...consumers(seen),
        mockServices.rootConfig.factory({
          data: {
            jenkins: {
              instances: [
                {
                  name: 'ci',
                  baseUrl: 'https://jenkins.example.com/jenkins/',
                  username: 'comet',
                  apiKey: 'jenkins-ref-test-token',
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
      expect(seen[0].instances.map(i => [i.name, i.baseUrl])).toEqual([
        ['ci', 'https://jenkins.example.com/jenkins'],
      ]);
      // No instance named: the only one
      expect(seen[0].instance().name).toBe('ci');
    } finally {
      await backend.stop();
    }
  });
});
