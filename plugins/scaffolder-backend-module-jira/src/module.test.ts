import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { scaffolderModuleJira } from './module';

describe('scaffolderModuleJira', () => {
  it('adds jira:issue:create and jira:component:create to the scaffolder', async () => {
    const addActions = jest.fn();
    const backend = await startTestBackend({
      extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
      features: [
        scaffolderModuleJira,
        mockServices.rootConfig.factory({
          data: {
            jira: {
              instances: [
                {
                  name: 'default',
                  baseUrl: 'https://jira.example.com',
                  personalAccessToken: 'jira_module_test_token',
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
        'jira:issue:create',
        'jira:component:create',
      ]);
      expect(
        actions.every((a: { supportsDryRun?: boolean }) => a.supportsDryRun),
      ).toBe(true);
    } finally {
      await backend.stop();
    }
  });
});
