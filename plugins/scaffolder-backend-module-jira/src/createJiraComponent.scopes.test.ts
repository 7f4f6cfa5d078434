import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ResourceScopes } from '@internal/backend-common';
import { JiraInstances } from '@internal/plugin-jira-node';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JiraFake,
} from '@internal/plugin-jira-node/testUtils';
import {
  INITIATOR,
  permissionsAnswering,
  runAction,
  writesTo,
} from './__testUtils__/runAction';
import { createJiraComponentAction } from './createJiraComponentAction';
import { JiraProjectScopes } from './JiraProjectScopes';

/** As the embedded defaults scope the example teams (app-config.yaml). */
const RESOURCE_SCOPES = {
  'payments-team': { jira: ['PAY', 'LEDG'], jenkins: ['SHOP'] },
  'storefront-team': { jira: ['SHOP', 'ops/SHOP'] },
};

const ADA = INITIATOR.principal.userEntityRef;

describe('jira:component:create within comet.resourceScopes', () => {
  let fake: JiraFake;
  let jira: JiraInstances;

  beforeAll(async () => {
    fake = await JiraFake.start({ example: true });
    // Two instances on the same fake: `ops` is another Jira with the same project keys
    const credentials = {
      baseUrl: fake.url,
      product: fake.product,
      email: JIRA_FAKE_DEMO_EMAIL,
      apiToken: JIRA_FAKE_DEMO_API_TOKEN,
    };
    jira = JiraInstances.fromConfig(
      new ConfigReader({
        jira: {
          instances: [
            { name: 'default', ...credentials },
            { name: 'ops', ...credentials },
          ],
        },
      }),
    );
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.state.resetCalls();
  });

  /** ada, a member of `groups`; an administrator when `admin` (the policy allows raw JQL). */
  function setup(
    options: {
      groups?: string[];
      admin?: boolean;
      scopes?: Record<string, Record<string, string[]>>;
    } = {},
  ) {
    const permissions = permissionsAnswering(({ permission }) =>
      permission.name === 'jira.search.jql' && !options.admin
        ? 'DENY'
        : 'ALLOW',
    );
    const userInfo = mockServices.userInfo.mock({
      getUserInfo: jest.fn(async () => ({
        userEntityRef: ADA,
        ownershipEntityRefs: [ADA, ...(options.groups ?? [])],
      })),
    });
    const projectScopes = JiraProjectScopes.create({
      scopes: ResourceScopes.fromConfig(
        new ConfigReader({
          comet: { resourceScopes: options.scopes ?? RESOURCE_SCOPES },
        }),
      ),
      instances: jira,
      permissions,
      userInfo,
    });
    return {
      action: createJiraComponentAction({ jira, permissions, projectScopes }),
      permissions,
      userInfo,
    };
  }

  it("creates a component in a project of the initiator's group", async () => {
    const { action, permissions, userInfo } = setup({
      groups: ['group:default/payments-team'],
    });
    const { output } = await runAction(action, {
      projectKey: 'PAY',
      name: 'scoped-payouts',
    });
    const component = fake.state
      .project('PAY')!
      .components.find(c => c.name === 'scoped-payouts')!;
    expect(output).toMatchObject({ id: component.id, created: true });
    expect(writesTo(fake)).toEqual(['POST /rest/api/3/component']);
    // Asked with the initiator's own credentials: whether unlimited, then the create itself
    expect(
      permissions.authorize.mock.calls.map(([requests, opts]) => [
        requests.map(r => r.permission.name),
        opts?.credentials,
      ]),
    ).toEqual([
      [['jira.search.jql'], INITIATOR],
      [['jira.component.create'], INITIATOR],
    ]);
    expect(userInfo.getUserInfo).toHaveBeenCalledWith(INITIATOR);
  });

  it("refuses a project outside every group's scopes before any call to Jira, also in a dry run", async () => {
    const { action } = setup({
      groups: ['group:default/storefront-team', 'group:default/design-team'],
    });
    for (const isDryRun of [false, true]) {
      await expect(
        runAction(
          action,
          { projectKey: 'PAY', name: 'not-ours' },
          { isDryRun },
        ),
      ).rejects.toMatchObject({
        name: 'NotAllowedError',
        message:
          'You are not allowed to create the component "not-ours" in Jira project PAY on instance "default": default/PAY is outside the jira scopes of group:default/storefront-team, group:default/design-team (comet.resourceScopes.storefront-team.jira: SHOP, ops/SHOP; comet.resourceScopes.design-team.jira: none); an administrator may add the project to your group\'s scopes (docs/security.md, "Resource scopes")',
      });
    }
    // Not even read: whether "checkout" exists in PAY stays unknown to this user
    await expect(
      runAction(action, { projectKey: 'PAY', name: 'checkout' }),
    ).rejects.toThrow(/outside the jira scopes/);
    expect(fake.state.requests).toEqual([]);
  });

  it('reads a pattern without an instance as the default instance only', async () => {
    const { action } = setup({ groups: ['group:default/payments-team'] });
    await expect(
      runAction(
        action,
        { projectKey: 'PAY', name: 'on-ops', instance: 'ops' },
        { isDryRun: true },
      ),
    ).rejects.toThrow(
      'in Jira project PAY on instance "ops": ops/PAY is outside the jira scopes of group:default/payments-team (comet.resourceScopes.payments-team.jira: PAY, LEDG)',
    );
    // storefront-team names ops/SHOP
    const storefront = setup({ groups: ['group:default/storefront-team'] });
    const { output } = await runAction(
      storefront.action,
      { projectKey: 'SHOP', name: 'on-ops', instance: 'ops' },
      { isDryRun: true },
    );
    expect(output).toMatchObject({ id: '0', name: 'on-ops', created: false });
  });

  it('lets a member of several groups use the projects of each, as the guest of the embedded defaults', async () => {
    const { action } = setup({
      groups: ['group:default/payments-team', 'group:default/storefront-team'],
    });
    for (const projectKey of ['PAY', 'SHOP', 'LEDG']) {
      const { output } = await runAction(
        action,
        { projectKey, name: 'guest-service' },
        { isDryRun: true },
      );
      expect(output).toMatchObject({ name: 'guest-service', created: false });
    }
    expect(writesTo(fake)).toEqual([]);
  });

  it('refuses a user in no group, naming the key that would allow it', async () => {
    const { action } = setup({ groups: [] });
    await expect(
      runAction(action, { projectKey: 'SHOP', name: 'lonely' }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining(
        'default/SHOP is outside the jira scopes: only groups have scopes (comet.resourceScopes.<group>.jira), and none of user:default/ada is a group',
      ),
    });
    expect(fake.state.requests).toEqual([]);
  });

  it('lets an administrator create in any project, in no group', async () => {
    const { action, userInfo } = setup({
      admin: true,
      groups: [],
      scopes: {},
    });
    const { output } = await runAction(action, {
      projectKey: 'SHOP',
      name: 'admin-made',
    });
    const component = fake.state
      .project('SHOP')!
      .components.find(c => c.name === 'admin-made')!;
    expect(output).toMatchObject({ id: component.id, created: true });
    // Whose groups does not matter
    expect(userInfo.getUserInfo).not.toHaveBeenCalled();
  });

  it('still needs jira.component.create within the scopes', async () => {
    const permissions = permissionsAnswering('DENY');
    const projectScopes = JiraProjectScopes.create({
      scopes: ResourceScopes.fromConfig(
        new ConfigReader({ comet: { resourceScopes: RESOURCE_SCOPES } }),
      ),
      instances: jira,
      permissions,
      userInfo: mockServices.userInfo.mock({
        getUserInfo: jest.fn(async () => ({
          userEntityRef: ADA,
          ownershipEntityRefs: [ADA, 'group:default/payments-team'],
        })),
      }),
    });
    await expect(
      runAction(
        createJiraComponentAction({ jira, permissions, projectScopes }),
        { projectKey: 'PAY', name: 'no-permission' },
      ),
    ).rejects.toThrow(
      'You are not allowed to create the component "no-permission" in Jira project PAY on instance "default": it needs the jira.component.create permission',
    );
    expect(writesTo(fake)).toEqual([]);
  });

  it('checks nothing more without comet.resourceScopes', async () => {
    const permissions = permissionsAnswering('ALLOW');
    const userInfo = mockServices.userInfo.mock();
    const projectScopes = JiraProjectScopes.create({
      scopes: ResourceScopes.fromConfig(new ConfigReader({})),
      instances: jira,
      permissions,
      userInfo,
    });
    const { output } = await runAction(
      createJiraComponentAction({ jira, permissions, projectScopes }),
      { projectKey: 'SHOP', name: 'unscoped' },
      { isDryRun: true },
    );
    expect(output).toMatchObject({ name: 'unscoped', created: false });
    expect(
      permissions.authorize.mock.calls.map(([requests]) =>
        requests.map(r => r.permission.name),
      ),
    ).toEqual([['jira.component.create']]);
    expect(userInfo.getUserInfo).not.toHaveBeenCalled();
  });
});
