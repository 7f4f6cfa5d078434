import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
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

  it("limits jira:component:create to the initiator's groups' comet.resourceScopes", async () => {
    const addActions = jest.fn();
    const permissions = mockServices.permissions.mock({
      authorize: jest.fn(async (requests: any[]) =>
        requests.map(({ permission }) => ({
          result: permission.name === 'jira.search.jql' ? 'DENY' : 'ALLOW',
        })),
      ) as any,
    });
    const backend = await startTestBackend({
      extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
      features: [
        scaffolderModuleJira,
        permissions.factory,
        mockServices.userInfo.mock({
          getUserInfo: async () => ({
            userEntityRef: 'user:default/alan',
            ownershipEntityRefs: [
              'user:default/alan',
              'group:default/storefront-team',
            ],
          }),
        }).factory,
        mockServices.rootConfig.factory({
          data: {
            comet: {
              resourceScopes: { 'storefront-team': { jira: ['SHOP'] } },
            },
            jira: {
              instances: [
                {
                  name: 'default',
                  // Nothing listens there: the refusal comes before any call to Jira
                  baseUrl: 'http://127.0.0.1:9',
                  personalAccessToken: 'jira_module_test_token',
                },
              ],
            },
          },
        }),
      ],
    });
    try {
      const action = addActions.mock.calls[0].find(
        (a: { id: string }) => a.id === 'jira:component:create',
      );
      await expect(
        action.handler({
          input: { projectKey: 'PAY', name: 'payouts' },
          isDryRun: true,
          logger: mockServices.logger.mock(),
          output: jest.fn(),
          getInitiatorCredentials: async () =>
            mockCredentials.user('user:default/alan'),
        }),
      ).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringContaining(
          'default/PAY is outside the jira scopes of group:default/storefront-team (comet.resourceScopes.storefront-team.jira: SHOP)',
        ),
      });
    } finally {
      await backend.stop();
    }
  });
});
