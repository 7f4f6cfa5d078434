import { mockCredentials } from '@backstage/backend-test-utils';
import type { UserInfoService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { callerResourceFilter } from './callerResourceFilter';
import { ResourceScopes, type ScopeFamily } from './ResourceScopes';

const jira: ScopeFamily = {
  id: 'jira',
  annotation: 'jira/project-key',
  instanceSeparator: '/',
  defaultInstance: () => 'default',
};
const scopes = ResourceScopes.fromConfig(
  new ConfigReader({
    comet: {
      resourceScopes: { 'payments-team': { jira: ['PAY', 'LEDG'] } },
    },
  }),
);
const userInfo = (groups: string[]): UserInfoService => ({
  getUserInfo: jest.fn(async () => ({
    userEntityRef: 'user:default/ada',
    ownershipEntityRefs: ['user:default/ada', ...groups],
  })),
});
const project = (name: string) => ({ instance: 'default', name, source: name });

describe('callerResourceFilter', () => {
  it("keeps what the scopes of the caller's groups allow", async () => {
    const keep = await callerResourceFilter({
      credentials: mockCredentials.user('user:default/ada'),
      what: 'Listing Jira projects',
      family: jira,
      scopes,
      userInfo: userInfo(['group:default/payments-team']),
    });
    expect(['PAY', 'LEDG', 'SHOP'].filter(k => keep(project(k)))).toEqual([
      'PAY',
      'LEDG',
    ]);
    const outsider = await callerResourceFilter({
      credentials: mockCredentials.user('user:default/eve'),
      what: 'Listing Jira projects',
      family: jira,
      scopes,
      userInfo: userInfo([]),
    });
    expect(outsider(project('PAY'))).toBe(false);
  });

  it('keeps everything when comet.resourceScopes is not configured', async () => {
    const keep = await callerResourceFilter({
      credentials: mockCredentials.user(),
      what: 'Listing Jira projects',
      family: jira,
      scopes: ResourceScopes.fromConfig(new ConfigReader({})),
    });
    expect(keep(project('ANY'))).toBe(true);
  });

  it('refuses services, and a backend that cannot read the groups while scopes are set', async () => {
    await expect(
      callerResourceFilter({
        credentials: mockCredentials.service('plugin:catalog'),
        what: 'Listing Jira projects',
        family: jira,
        scopes,
      }),
    ).rejects.toThrow(
      "Listing Jira projects is for signed-in users: the list comes from Comet's jira account",
    );
    await expect(
      callerResourceFilter({
        credentials: mockCredentials.user(),
        what: 'Listing Jira projects',
        family: jira,
        scopes,
      }),
    ).rejects.toThrow(
      "Listing Jira projects needs the caller's groups while comet.resourceScopes is set",
    );
  });
});
