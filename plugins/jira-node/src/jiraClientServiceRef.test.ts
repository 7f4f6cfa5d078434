import {
  createBackendPlugin,
  type BackendFeature,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { JiraInstances } from './JiraInstances';
import { jiraClientServiceRef } from './jiraClientServiceRef';

function consumers(seen: JiraInstances[]): BackendFeature[] {
  return ['first', 'second'].map(pluginId =>
    createBackendPlugin({
      pluginId,
      register(env) {
        env.registerInit({
          deps: { jira: jiraClientServiceRef },
          async init({ jira }) {
            seen.push(jira);
          },
        });
      },
    }),
  );
}

describe('jiraClientServiceRef', () => {
  it('builds one set of instances per backend from jira.* config', async () => {
    const seen: JiraInstances[] = [];
    const backend = await startTestBackend({
      features: [
        ...consumers(seen),
        mockServices.rootConfig.factory({
          data: {
            jira: {
              instances: [
                {
                  name: 'default',
                  baseUrl: 'https://acme.atlassian.net/',
                  email: 'bot@example.com',
                  apiToken: 'ref-test-token',
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
      expect(seen[0].select(undefined).instance).toMatchObject({
        name: 'default',
        baseUrl: 'https://acme.atlassian.net',
      });
    } finally {
      await backend.stop();
    }
  });

  it('is off without jira config', async () => {
    const seen: JiraInstances[] = [];
    const backend = await startTestBackend({ features: consumers(seen) });
    try {
      expect(seen[0].isConfigured()).toBe(false);
    } finally {
      await backend.stop();
    }
  });
});
