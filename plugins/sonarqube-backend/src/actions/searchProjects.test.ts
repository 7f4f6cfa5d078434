/*
 * sonarqube:search-projects through the actions registry, the real SonarQubeService and client
 * against the SonarQube fake: one instance whose token may administer, one that may only browse.
 */
import { CacheManager } from '@backstage/backend-defaults/cache';
import type { UserInfoService } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { JsonObject } from '@backstage/types';
import { ResourceScopes } from '@internal/backend-common';
import { SonarQubeClient } from '@internal/plugin-sonarqube-node';
import { SonarQubeFake } from '@internal/plugin-sonarqube-node/testUtils';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SonarQubeService } from '../service/SonarQubeService';
import { registerActions } from './registerActions';

const ADMIN = 'squ_search_projects_admin';
const NOTIFICATIONS = 'squ_search_projects_notifications';
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

describe('sonarqube:search-projects', () => {
  let fake: SonarQubeFake;
  let downUrl: string;

  beforeAll(async () => {
    fake = await SonarQubeFake.start({
      tokens: [
        { token: ADMIN, type: 'user', admin: true },
        {
          token: NOTIFICATIONS,
          type: 'user',
          projects: [
            'comet-examples_notification-api',
            'comet-examples_notification-mailer',
          ],
        },
      ],
    });
    const closed = http.createServer();
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
    downUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise(resolve => closed.close(resolve));
  });

  afterAll(() => fake.close());

  function actions(instances: JsonObject[], resourceScopes?: JsonObject) {
    const config = new ConfigReader({
      sonarqube: { instances },
      ...(resourceScopes ? { comet: { resourceScopes } } : {}),
    });
    const service = new SonarQubeService({
      client: SonarQubeClient.fromConfig(config, { maxRetries: 0 }),
      catalog: catalogServiceMock({ entities: [] }),
      permissions: mockServices.permissions(),
      cache: CacheManager.fromConfig(
        new ConfigReader({ backend: { cache: { store: 'memory' } } }),
      ).forPlugin('sonarqube'),
      cacheTtlMs: 60_000,
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
          id: 'test:search-projects',
          input: input as any,
          credentials,
        })
      ).output as any;
  }

  const instances = () => [
    { name: 'default', baseUrl: fake.url, apiKey: ADMIN },
    { name: 'cloud', baseUrl: fake.url, apiKey: NOTIFICATIONS },
  ];

  it("lists every instance's projects with the annotation's ref, by query and up to limit", async () => {
    const search = actions(instances());
    const all = await search();
    expect(all.errors).toEqual([]);
    expect(all.truncated).toBe(false);
    expect(all.projects.map((p: any) => p.ref)).toEqual([
      'cloud/comet-examples_notification-api',
      'cloud/comet-examples_notification-mailer',
      'comet-examples_ledger-worker',
      'comet-examples_new-service',
      'comet-examples_notification-api',
      'comet-examples_notification-mailer',
      'comet-examples_payments-api',
      'comet-examples_product-catalog',
      'comet-examples_storefront-web',
    ]);
    expect(all.projects[2]).toEqual({
      key: 'comet-examples_ledger-worker',
      name: 'Ledger worker',
      instance: 'default',
      ref: 'comet-examples_ledger-worker',
      url: `${fake.url}/dashboard?id=comet-examples_ledger-worker`,
    });
    expect(JSON.stringify(all)).not.toContain('squ_');

    expect(
      await search({ instance: 'default', query: 'Catalogue', limit: 5 }),
    ).toEqual({
      projects: [
        expect.objectContaining({
          key: 'comet-examples_product-catalog',
          name: 'Product catalogue',
        }),
      ],
      truncated: false,
      errors: [],
    });

    const two = await search({ limit: 2 });
    expect(two.projects).toHaveLength(2);
    expect(two.truncated).toBe(true);
    await expect(search({ limit: 0 })).rejects.toThrow(/limit/);
  });

  it("shows only what the scopes of the caller's groups allow", async () => {
    const search = actions(instances(), {
      'team-a': {
        sonarqube: [
          'comet-examples_payments-*',
          'cloud/comet-examples_notification-mailer',
        ],
      },
    });
    expect((await search()).projects.map((p: any) => p.ref)).toEqual([
      'cloud/comet-examples_notification-mailer',
      'comet-examples_payments-api',
    ]);
    expect((await search({}, mockCredentials.user(BOB))).projects).toEqual([]);
    await expect(search({}, mockCredentials.service() as any)).rejects.toThrow(
      'Listing SonarQube projects is for signed-in users',
    );
  });

  it('names an unknown instance, and reports one that fails while the others answer', async () => {
    const search = actions([
      { name: 'default', baseUrl: fake.url, apiKey: ADMIN },
      { name: 'down', baseUrl: downUrl, apiKey: ADMIN },
    ]);
    await expect(search({ instance: 'nowhere' })).rejects.toThrow(
      'instance: "nowhere" is not a SonarQube instance of sonarqube.instances (configured: default, down)',
    );
    const listed = await search();
    expect(listed.projects).toHaveLength(7);
    expect(listed.errors).toEqual([
      {
        instance: 'down',
        message: expect.stringContaining(
          'SonarQube instance "down": GET api/projects/search failed',
        ),
      },
    ]);
    await expect(search({ instance: 'down' })).rejects.toThrow(
      'SonarQube instance "down"',
    );
  });

  it('says how to turn SonarQube on when it is not configured', async () => {
    await expect(actions([])()).rejects.toThrow(/SonarQube is not configured/);
  });
});
