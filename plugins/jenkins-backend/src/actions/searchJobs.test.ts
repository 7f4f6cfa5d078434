import type { UserInfoService } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { JsonObject } from '@backstage/types';
import { ResourceScopes } from '@internal/backend-common';
import {
  JenkinsClient,
  type JenkinsInstance,
} from '@internal/plugin-jenkins-node';
import { JenkinsFake } from '@internal/plugin-jenkins-node/testUtils';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { JenkinsService } from '../service/JenkinsService';
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
      ownershipEntityRefs:
        user === ADA
          ? [ADA, 'group:default/team-a']
          : [user, 'group:default/team-b'],
    };
  },
};

async function closedPort() {
  const server = http.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}

describe('jenkins:search-jobs', () => {
  let fake: JenkinsFake;
  let downUrl: string;

  beforeAll(async () => {
    fake = await JenkinsFake.start({ buildsPerJob: 1 });
    downUrl = `http://127.0.0.1:${await closedPort()}`;
  });

  afterAll(() => fake.close());

  function instance(
    name: string,
    overrides: Partial<JenkinsInstance> = {},
  ): JenkinsInstance {
    return {
      name,
      baseUrl: fake.url,
      username: 'comet',
      apiKey: 'comet-fake-jenkins-token',
      projectCountLimit: 50,
      extraRequestHeaders: {},
      crumbIssuer: true,
      ...overrides,
    };
  }

  function actions(
    instances: JenkinsInstance[],
    resourceScopes?: JsonObject,
    groups: UserInfoService | null = userInfo,
  ) {
    const service = new JenkinsService({
      client: JenkinsClient.create({
        logger: mockServices.logger.mock(),
        maxRetries: 0,
        cacheTtlMs: 0,
      }),
      instances,
      catalog: catalogServiceMock({ entities: [] }),
      permissions: mockServices.permissions(),
      auditor: mockServices.auditor.mock(),
      scopes: ResourceScopes.fromConfig(
        mockServices.rootConfig({
          data: resourceScopes ? { comet: { resourceScopes } } : {},
        }),
      ),
      userInfo: groups ?? undefined,
    });
    const registry = actionsRegistryServiceMock();
    registerActions(registry, service);
    return {
      search: async (
        input: Record<string, unknown> = {},
        credentials = mockCredentials.user(ADA),
      ) =>
        (
          await registry.invoke({
            id: 'test:search-jobs',
            input: input as any,
            credentials,
          })
        ).output as any,
    };
  }

  it("lists every instance's jobs with the annotation's ref, filtered by query and bounded by limit", async () => {
    const { search } = actions([
      instance('default'),
      instance('legacy', {
        username: 'legacy-bot',
        apiKey: 'legacy-fake-jenkins-token',
      }),
    ]);
    const all = await search();
    expect(all.errors).toEqual([]);
    expect(all.truncated).toBe(false);
    expect(all.jobs.map((j: any) => j.ref)).toEqual([
      'payments/payments-api',
      'payments/payments-api-nightly',
      'storefront/notification-service',
      'storefront/storefront-web',
      'legacy:payments/payments-api',
      'legacy:payments/payments-api-nightly',
      'legacy:storefront/notification-service',
      'legacy:storefront/storefront-web',
    ]);
    expect(all.jobs[0]).toEqual({
      fullName: 'payments/payments-api',
      url: `${fake.url}/job/payments/job/payments-api/`,
      instance: 'default',
      ref: 'payments/payments-api',
    });
    // No credential of any instance in the answer
    expect(JSON.stringify(all)).not.toMatch(/token|apiKey|legacy-bot/);

    const nightly = await search({ query: ' NIGHTLY ', instance: 'legacy' });
    expect(nightly).toEqual({
      jobs: [
        {
          fullName: 'payments/payments-api-nightly',
          url: `${fake.url}/job/payments/job/payments-api-nightly/`,
          instance: 'legacy',
          ref: 'legacy:payments/payments-api-nightly',
        },
      ],
      truncated: false,
      errors: [],
    });

    const two = await search({ limit: 2 });
    expect(two.jobs.map((j: any) => j.ref)).toEqual([
      'payments/payments-api',
      'payments/payments-api-nightly',
    ]);
    expect(two.truncated).toBe(true);
    await expect(search({ limit: 101 })).rejects.toThrow(/limit/);
  });

  it("shows only what the scopes of the caller's groups allow", async () => {
    const { search } = actions(
      [
        instance('default'),
        instance('legacy', {
          username: 'legacy-bot',
          apiKey: 'legacy-fake-jenkins-token',
        }),
      ],
      {
        'team-a': {
          jenkins: ['payments/*', 'legacy:payments/payments-api-nightly'],
        },
      },
    );
    const ada = await search();
    expect(ada.jobs.map((j: any) => j.ref)).toEqual([
      'payments/payments-api',
      'payments/payments-api-nightly',
      'legacy:payments/payments-api-nightly',
    ]);
    const bob = await search({}, mockCredentials.user(BOB));
    expect(bob.jobs).toEqual([]);
  });

  it('refuses rather than guess when scopes are set and the groups cannot be read', async () => {
    const { search } = actions(
      [instance('default')],
      { 'team-a': { jenkins: ['payments/*'] } },
      null,
    );
    await expect(search()).rejects.toThrow(
      "Listing Jenkins jobs needs the caller's groups while comet.resourceScopes is set",
    );
  });

  it('is for signed-in users only', async () => {
    const { search } = actions([instance('default')]);
    await expect(search({}, mockCredentials.service() as any)).rejects.toThrow(
      "Listing Jenkins jobs is for signed-in users: the list comes from Comet's jenkins account and is narrowed by the user's groups (comet.resourceScopes)",
    );
  });

  it('names an unknown instance, reports a failing one by name and still lists the others', async () => {
    const { search } = actions([
      instance('ci'),
      instance('down', { baseUrl: downUrl }),
    ]);
    await expect(search({ instance: 'nowhere' })).rejects.toThrow(
      'instance: "nowhere" is not a Jenkins instance of jenkins.instances (configured: ci, down)',
    );
    const listed = await search();
    // Two instances, none called default: every ref names its instance
    expect(listed.jobs[0].ref).toBe('ci:payments/payments-api');
    expect(listed.errors).toEqual([
      {
        instance: 'down',
        message: expect.stringContaining(
          'Jenkins instance "down" is unreachable: GET /api/json failed',
        ),
      },
    ]);
    await expect(search({ instance: 'down' })).rejects.toThrow(
      'Jenkins instance "down" is unreachable',
    );
  });

  it('says how to turn Jenkins on when it is not configured', async () => {
    const { search } = actions([]);
    await expect(search()).rejects.toThrow('Jenkins is not configured');
  });
});
