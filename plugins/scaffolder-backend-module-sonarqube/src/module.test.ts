import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { scaffolderModuleSonarqube } from './module';

describe('scaffolderModuleSonarqube', () => {
  it('adds sonarqube:project:create to the scaffolder', async () => {
    const addActions = jest.fn();
    const backend = await startTestBackend({
      extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
      features: [
        scaffolderModuleSonarqube,
        mockServices.rootConfig.factory({
          data: {
            sonarqube: {
              instances: [
                {
                  name: 'main',
                  baseUrl: 'https://sonarqube.example.com',
                  apiKey: 'squ_module_test_token',
                },
              ],
            },
          },
        }),
      ],
    });
    try {
      expect(addActions).toHaveBeenCalledTimes(1);
      const actions = addActions.mock.calls[0];
      expect(actions.map((a: { id: string }) => a.id)).toEqual([
        'sonarqube:project:create',
      ]);
    } finally {
      await backend.stop();
    }
  });
});
