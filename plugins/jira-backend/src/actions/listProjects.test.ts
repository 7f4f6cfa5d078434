/*
 * jira:list-projects through the actions registry, the real JiraService and clients against
 * the Jira fake: a Cloud and a Data Center instance, scopes, failures and Jira throttling.
 */
import { CacheManager } from '@backstage/backend-defaults/cache';
import type { UserInfoService } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { JsonObject } from '@backstage/types';
import { ResourceScopes } from '@internal/backend-common';
import { JiraInstances } from '@internal/plugin-jira-node';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JIRA_FAKE_DEMO_PAT,
  JiraFake,
} from '@internal/plugin-jira-node/testUtils';
import { JiraService } from '../service/JiraService';
import { registerActions } from './registerActions';

jest.setTimeout(30_000);

const ADA = 'user:default/ada';
const BOB = 'user:default/bob';

/** Ada is in team-a; Bob in team-b, which has no scopes. */
const userInfo: UserInfoService = {
  async getUserInfo(credentials) {
    const user = (credentials.principal as { userEntityRef: string })
      .userEntityRef;
    return {
      userEntityRef: user,
      ownershipEntityRefs: [
        user,
        user === ADA ? 'group:default/team-a' : 'group:default/team-b',
      ],
    };
  },
};

describe('jira:list-projects', () => {
  let cloud: JiraFake;
  let dc: JiraFake;

  beforeAll(async () => {
    [cloud, dc] = await Promise.all([
      JiraFake.start({ product: 'cloud', example: true }),
      JiraFake.start({ product: 'datacenter', example: true }),
    ]);
    dc.state.addProject({ key: 'OPS', name: 'Operations' });
  });

  afterAll(() => Promise.all([cloud.close(), dc.close()]));

  const cloudInstance = (name = 'default') => ({
    name,
    baseUrl: cloud.url,
    browseUrl: 'https://acme.atlassian.net',
    product: 'cloud',
    email: JIRA_FAKE_DEMO_EMAIL,
    apiToken: JIRA_FAKE_DEMO_API_TOKEN,
  });
  const dcInstance = (name = 'jira-dc') => ({
    name,
    baseUrl: dc.url,
    product: 'datacenter',
    personalAccessToken: JIRA_FAKE_DEMO_PAT,
  });

  function actions(instances: JsonObject[], resourceScopes?: JsonObject) {
    const config = new ConfigReader({
      jira: { instances, maxRetryWaitSeconds: 0 },
      ...(resourceScopes ? { comet: { resourceScopes } } : {}),
    });
    const service = new JiraService({
      instances: JiraInstances.fromConfig(config),
      catalog: catalogServiceMock({ entities: [] }),
      permissions: mockServices.permissions(),
      cache: CacheManager.fromConfig(
        new ConfigReader({ backend: { cache: { store: 'memory' } } }),
      ).forPlugin('jira'),
      auditor: mockServices.auditor.mock(),
      cacheTtlMs: 0,
      scopes: ResourceScopes.fromConfig(config),
      userInfo,
    });
    const registry = actionsRegistryServiceMock();
    registerActions(registry, service);
    return async (
      input: Record<string, unknown> = {},
      credentials = mockCredentials.user(ADA),
    ) =>
      (
        await registry.invoke({
          id: 'test:list-projects',
          input: input as any,
          credentials,
        })
      ).output as any;
  }

  it("lists both products' projects with the annotation's ref, by query and up to limit", async () => {
    const list = actions([cloudInstance(), dcInstance()]);
    const all = await list();
    expect(all.errors).toEqual([]);
    expect(all.truncated).toBe(false);
    expect(all.projects.map((p: any) => p.ref)).toEqual([
      'LEDG',
      'PAY',
      'SHOP',
      'jira-dc/LEDG',
      'jira-dc/OPS',
      'jira-dc/PAY',
      'jira-dc/SHOP',
    ]);
    expect(all.projects[1]).toEqual({
      key: 'PAY',
      name: 'Payments',
      instance: 'default',
      ref: 'PAY',
      url: 'https://acme.atlassian.net/browse/PAY',
    });
    expect(all.projects[4].url).toBe(`${dc.url}/browse/OPS`);
    expect(JSON.stringify(all)).not.toMatch(/token|comet@|fake/i);

    expect(await list({ instance: 'jira-dc', query: 'oper' })).toEqual({
      projects: [expect.objectContaining({ ref: 'jira-dc/OPS' })],
      truncated: false,
      errors: [],
    });
    const two = await list({ limit: 2 });
    expect(two.projects.map((p: any) => p.ref)).toEqual(['LEDG', 'PAY']);
    expect(two.truncated).toBe(true);
    await expect(list({ limit: 500 })).rejects.toThrow(/limit/);
  });

  it("shows only what the scopes of the caller's groups allow", async () => {
    const list = actions([cloudInstance(), dcInstance()], {
      'team-a': { jira: ['PAY', 'jira-dc/OPS'] },
    });
    expect((await list()).projects.map((p: any) => p.ref)).toEqual([
      'PAY',
      'jira-dc/OPS',
    ]);
    expect((await list({}, mockCredentials.user(BOB))).projects).toEqual([]);
    await expect(list({}, mockCredentials.service() as any)).rejects.toThrow(
      'Listing Jira projects is for signed-in users',
    );
  });

  it('names an unknown instance, and reports one that fails while the others answer', async () => {
    const list = actions([
      cloudInstance('cloud'),
      { ...dcInstance(), personalAccessToken: 'not-the-pat' },
    ]);
    await expect(list({ instance: 'nowhere' })).rejects.toThrow(
      'instance: "nowhere" is not a Jira instance of jira.instances (configured: cloud, jira-dc)',
    );
    const listed = await list();
    // Two instances, none called default: every ref names its instance
    expect(listed.projects[0].ref).toBe('cloud/LEDG');
    expect(listed.projects).toHaveLength(3);
    expect(listed.errors).toEqual([
      {
        instance: 'jira-dc',
        message: expect.stringContaining('Jira instance "jira-dc"'),
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain('not-the-pat');
    await expect(list({ instance: 'jira-dc' })).rejects.toThrow(
      'Jira instance "jira-dc"',
    );
  });

  it('says how to turn Jira on when it is not configured', async () => {
    await expect(actions([])()).rejects.toThrow('Jira is not configured');
  });
});
