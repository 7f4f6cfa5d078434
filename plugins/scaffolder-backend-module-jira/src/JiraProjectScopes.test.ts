import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ResourceScopes } from '@internal/backend-common';
import { permissionsAnswering } from './__testUtils__/runAction';
import { JiraProjectScopes } from './JiraProjectScopes';

const instances = { list: () => [{ name: 'default' }, { name: 'ops' }] };
const scopes = ResourceScopes.fromConfig(
  new ConfigReader({
    comet: {
      resourceScopes: {
        'payments-team': { jira: ['PAY', '*/LEDG'] },
        'acme--platform': { jira: ['ops/*'] },
      },
    },
  }),
);

function projectScopes(
  options: { unlimited?: boolean; groups?: string[] } = {},
) {
  const permissions = permissionsAnswering(({ permission }) =>
    permission.name === 'jira.search.jql' && options.unlimited
      ? 'ALLOW'
      : 'DENY',
  );
  // As Backstage's own: user principals only
  const userInfo = mockServices.userInfo.mock({
    getUserInfo: jest.fn(async credentials => {
      const principal = credentials.principal as {
        type: string;
        userEntityRef?: string;
      };
      if (principal.type !== 'user') {
        throw new Error(`No user info for a ${principal.type}`);
      }
      return {
        userEntityRef: principal.userEntityRef!,
        ownershipEntityRefs: [
          principal.userEntityRef!,
          ...(options.groups ?? []),
        ],
      };
    }),
  });
  return {
    checker: JiraProjectScopes.create({
      scopes,
      instances,
      permissions,
      userInfo,
    }),
    permissions,
    userInfo,
  };
}

const alan = mockCredentials.user('user:default/alan');

describe('JiraProjectScopes', () => {
  it("allows the projects of the user's groups, on the instances the patterns name", async () => {
    const { checker } = projectScopes({
      groups: ['group:default/payments-team', 'group:acme/platform'],
    });
    for (const project of [
      { instance: 'default', projectKey: 'PAY' },
      { instance: 'ops', projectKey: 'LEDG' },
      { instance: 'ops', projectKey: 'INFRA' },
    ]) {
      expect(await checker.refusal(alan, project)).toBeUndefined();
    }
    expect(
      await checker.refusal(alan, { instance: 'default', projectKey: 'INFRA' }),
    ).toBe(
      'default/INFRA is outside the jira scopes of group:default/payments-team, group:acme/platform (comet.resourceScopes.payments-team.jira: PAY, */LEDG; comet.resourceScopes.acme--platform.jira: ops/*)',
    );
  });

  it('does not limit whom the policy allows raw JQL (administrators)', async () => {
    const { checker, permissions, userInfo } = projectScopes({
      unlimited: true,
    });
    expect(
      await checker.refusal(alan, { instance: 'default', projectKey: 'SHOP' }),
    ).toBeUndefined();
    expect(permissions.authorize).toHaveBeenCalledWith(
      [
        {
          permission: expect.objectContaining({
            name: 'jira.search.jql',
            type: 'basic',
          }),
        },
      ],
      { credentials: alan },
    );
    expect(userInfo.getUserInfo).not.toHaveBeenCalled();
  });

  it('refuses a static token, which belongs to no group', async () => {
    const { checker, userInfo } = projectScopes();
    expect(
      await checker.refusal(mockCredentials.service('release-bot'), {
        instance: 'default',
        projectKey: 'PAY',
      }),
    ).toBe(
      "the task was started by the service release-bot, which belongs to no group, and only a group's comet.resourceScopes.<group>.jira scopes allow a Jira project",
    );
    expect(
      await checker.refusal(mockCredentials.none(), {
        instance: 'default',
        projectKey: 'PAY',
      }),
    ).toMatch(/^the task was started by no user, which belongs to no group/);
    expect(userInfo.getUserInfo).not.toHaveBeenCalled();
  });

  it('asks nothing while comet.resourceScopes is not configured', async () => {
    const permissions = permissionsAnswering('DENY');
    const userInfo = mockServices.userInfo.mock();
    const checker = JiraProjectScopes.create({
      scopes: ResourceScopes.fromConfig(new ConfigReader({})),
      instances,
      permissions,
      userInfo,
    });
    expect(
      await checker.refusal(mockCredentials.service('release-bot'), {
        instance: 'default',
        projectKey: 'PAY',
      }),
    ).toBeUndefined();
    expect(permissions.authorize).not.toHaveBeenCalled();
    expect(userInfo.getUserInfo).not.toHaveBeenCalled();
  });
});
