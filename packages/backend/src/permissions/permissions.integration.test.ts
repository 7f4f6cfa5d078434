/*
 * Comet's policy and permissions service in a test backend with the real catalog, permission
 * backend, Jenkins plugin and MCP actions endpoint: who gets a 403 from real routes.
 */
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import {
  coreServices,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { actionsServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import mcpActionsPlugin from '@backstage/plugin-mcp-actions-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import jenkinsPlugin from '@internal/plugin-jenkins-backend';
import { createJenkinsFakeRouter } from '@internal/plugin-jenkins-node/testUtils';
import express from 'express';
import Router from 'express-promise-router';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import YAML from 'yaml';
import { cometPermissionsServiceFactory, permissionModuleComet } from '.';

jest.setTimeout(120_000);

const entityRef = 'component:default/payments-api';
const job = 'payments/payments-api';
const alan = 'user:default/alan';
const margaret = 'user:default/margaret';

const GROUPS: Record<string, string[]> = {
  [alan]: ['group:default/payments-team'],
  [margaret]: ['group:default/storefront-team'],
};

/** Group membership as the catalog sign-in resolver would put it in the user's token. */
const userInfoFactory = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials: any) {
      const ref = credentials.principal.userEntityRef as string;
      return {
        userEntityRef: ref,
        ownershipEntityRefs: [ref, ...(GROUPS[ref] ?? [])],
      };
    },
  }),
});

/** Calls the actions service as the AI assistant would, for the user of the request. */
const assistantPlugin = createBackendPlugin({
  pluginId: 'ai-assistant',
  register(reg) {
    reg.registerInit({
      deps: {
        actions: actionsServiceRef,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
      },
      async init({ actions, httpAuth, httpRouter }) {
        const router = Router();
        router.use(express.json());
        router.post('/invoke/:id', async (req, res) => {
          const { output } = await actions.invoke({
            id: req.params.id,
            input: req.body,
            credentials: await httpAuth.credentials(req),
          });
          res.json(output);
        });
        httpRouter.use(router);
      },
    });
  },
});

const user = (ref: string, actor?: string) =>
  `Bearer ${mockCredentials.user.token(
    ref,
    actor ? { actor: { subject: actor } } : undefined,
  )}`;

/**
 * The mock auth service, except that a plugin calling another for a user is seen as that
 * user with the calling plugin as actor, as Backstage's DefaultAuthService does (the mock
 * drops the actor, which the permission backend then refuses for resource permissions).
 */
const actorAuthFactory = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const inner = mockServices.auth({ pluginId: plugin.getId() });
    return Object.assign(Object.create(inner), {
      async getPluginRequestToken(options: any) {
        const principal = options.onBehalfOf.principal;
        if (principal.type === 'user') {
          return {
            token: mockCredentials.user.token(principal.userEntityRef, {
              actor: { subject: `plugin:${plugin.getId()}` },
            }),
          };
        }
        return inner.getPluginRequestToken(options);
      },
    });
  },
});

/** app-config.yaml's own backend.actions, so the test checks the shipped switch. */
function shippedActionsConfig() {
  const file = path.resolve(__dirname, '../../../../app-config.yaml');
  return YAML.parse(fs.readFileSync(file, 'utf8')).backend.actions;
}

/** One JSON-RPC call to the MCP endpoint; the answer may come as a server-sent event. */
async function mcp(server: any, auth: string, method: string, params: object) {
  const res = await request(server)
    .post('/api/mcp-actions/v1')
    .set('Authorization', auth)
    .set('Accept', 'application/json, text/event-stream')
    .send({ jsonrpc: '2.0', id: 1, method, params });
  expect(res.status).toBe(200);
  const text = res.text;
  const data = text.startsWith('{')
    ? text
    : text
        .split('\n')
        .find(line => line.startsWith('data: '))!
        .slice('data: '.length);
  return JSON.parse(data);
}

describe('Comet permissions in a backend', () => {
  let fakeServer: http.Server;
  let server: any;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const app = express().use(
      '/jenkins',
      createJenkinsFakeRouter({ queueDelayMs: 50, buildDurationMs: 60_000 }),
    );
    fakeServer = http.createServer(app);
    await new Promise<void>(resolve =>
      fakeServer.listen(0, '127.0.0.1', resolve),
    );
    const { port } = fakeServer.address() as AddressInfo;
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        permissionPlugin,
        jenkinsPlugin,
        mcpActionsPlugin,
        permissionModuleComet,
        cometPermissionsServiceFactory,
        userInfoFactory,
        actorAuthFactory,
        actionsRegistryServiceFactory,
        actionsServiceFactory,
        assistantPlugin,
        mockServices.rootConfig.factory({
          data: {
            permission: {
              enabled: true,
              comet: {
                admins: [],
                services: { 'deploy-bot': ['jenkins.build.trigger'] },
              },
            },
            backend: { actions: shippedActionsConfig() },
            comet: {
              resourceScopes: { 'payments-team': { jenkins: ['payments/*'] } },
            },
            catalog: {
              rules: [{ allow: ['Component', 'Group', 'Location'] }],
              locations: [
                {
                  type: 'file',
                  target: path.resolve(__dirname, '__fixtures__/catalog.yaml'),
                },
              ],
            },
            jenkins: {
              requestTimeoutSeconds: 5,
              maxRetries: 0,
              triggerWaitSeconds: 5,
              instances: [
                {
                  name: 'default',
                  baseUrl: `http://127.0.0.1:${port}/jenkins`,
                  username: 'comet',
                  apiKey: 'comet-fake-jenkins-token',
                },
              ],
            },
          },
        }),
      ],
    });
    server = backend.server;
    stop = () => backend.stop();
    // Wait for the catalog to have processed the fixture (ownership relations included)
    for (let attempt = 0; ; attempt++) {
      const res = await request(server)
        .get(`/api/catalog/entities/by-name/component/default/payments-api`)
        .set('Authorization', mockCredentials.service.header());
      if (res.status === 200 && res.body.relations?.length) break;
      if (attempt > 600)
        throw new Error('the catalog never processed the fixture');
      await new Promise(resolve => setImmediate(resolve));
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  });

  afterAll(async () => {
    await stop?.();
    await new Promise(resolve => fakeServer?.close(resolve));
  });

  it('lets the owner group trigger a build and refuses another team', async () => {
    await request(server)
      .post('/api/jenkins/builds')
      .set('Authorization', user(margaret))
      .send({ entityRef, job })
      .expect(403);
    const triggered = await request(server)
      .post('/api/jenkins/builds')
      .set('Authorization', user(alan))
      .send({ entityRef, job });
    expect(triggered.status).toBe(201);
  });

  // eslint-disable-next-line jest/expect-expect -- supertest's .expect(status) asserts
  it('lets everyone signed in read builds', async () => {
    await request(server)
      .get('/api/jenkins/entity-builds')
      .query({ entityRef })
      .set('Authorization', user(margaret))
      .expect(200);
  });

  // eslint-disable-next-line jest/expect-expect -- supertest's .expect(status) asserts
  it('gives static tokens read only, unless permission.comet.services grants more', async () => {
    const releaseBot = mockCredentials.service.header({
      onBehalfOf: mockCredentials.service('release-bot'),
      targetPluginId: 'jenkins',
    });
    await request(server)
      .get('/api/jenkins/entity-builds')
      .query({ entityRef })
      .set('Authorization', releaseBot)
      .expect(200);
    await request(server)
      .post('/api/jenkins/builds')
      .set('Authorization', releaseBot)
      .send({ entityRef, job })
      .expect(403);
    const deployBot = mockCredentials.service.header({
      onBehalfOf: mockCredentials.service('deploy-bot'),
      targetPluginId: 'jenkins',
    });
    await request(server)
      .post('/api/jenkins/builds')
      .set('Authorization', deployBot)
      .send({ entityRef, job })
      .expect(201);
  });

  // eslint-disable-next-line jest/expect-expect -- supertest's .expect(status) asserts
  it('keeps catalog locations for admins, but lets the scaffolder register for a user', async () => {
    const location = {
      type: 'url',
      target: 'http://127.0.0.1:1/new-service/catalog-info.yaml',
    };
    await request(server)
      .post('/api/catalog/locations')
      .set('Authorization', user(alan))
      .send(location)
      .expect(403);
    // How the scaffolder's catalog:register reaches the catalog: a plugin token for the user,
    // which the catalog sees as the user with the scaffolder as actor
    await request(server)
      .post('/api/catalog/locations')
      .set('Authorization', user(alan, 'plugin:scaffolder'))
      .send(location)
      .expect(201);
    await request(server)
      .post('/api/catalog/locations')
      .set('Authorization', user(alan, 'plugin:mcp-actions'))
      .send({ ...location, target: `${location.target}?2` })
      .expect(403);
  });

  it('refuses to abort a build for a user through MCP or the AI assistant', async () => {
    const triggered = await request(server)
      .post('/api/jenkins/builds')
      .set('Authorization', user(alan))
      .send({ entityRef, job })
      .expect(201);
    const number = triggered.body.buildNumber as number;
    expect(number).toBeGreaterThan(0);
    for (const actor of ['plugin:mcp-actions', 'plugin:ai-assistant']) {
      await request(server)
        .post(`/api/jenkins/builds/${number}/abort`)
        .set('Authorization', user(alan, actor))
        .send({ entityRef, job })
        .expect(403);
    }
    await request(server)
      .post(`/api/jenkins/builds/${number}/abort`)
      .set('Authorization', user(margaret))
      .send({ entityRef, job })
      .expect(403);
    const aborted = await request(server)
      .post(`/api/jenkins/builds/${number}/abort`)
      .set('Authorization', user(alan))
      .send({ entityRef, job });
    expect(aborted.status).not.toBe(403);
    expect(aborted.status).toBeLessThan(300);
  });

  it('leaves destructive actions out of MCP and refuses to invoke them', async () => {
    const listed = await mcp(server, user(alan), 'tools/list', {});
    const names = listed.result.tools.map((t: { name: string }) => t.name);
    expect(names).toContain('jenkins.list-builds');
    expect(names).not.toContain('jenkins.abort-build');

    const called = await mcp(server, user(alan), 'tools/call', {
      name: 'jenkins.abort-build',
      arguments: { entityRef, job, number: 1 },
    });
    const answer = JSON.stringify(called);
    expect(called.result.isError).toBe(true);
    expect(answer).toMatch(/Action \\"jenkins.abort-build\\" not found/);
    expect(answer).not.toMatch(/aborted/);

    // The actions service (what the AI assistant calls) reaches the plugin's endpoint,
    // which refuses the excluded action too
    const invoked = await request(server)
      .post('/api/ai-assistant/invoke/jenkins:abort-build')
      .set('Authorization', user(alan))
      .send({ entityRef, job, number: 1 });
    expect(invoked.status).toBe(404);
    expect(invoked.body.error.cause.message).toBe(
      'Action "jenkins:abort-build" not found',
    );
    // A read-only action goes through the same path
    const read = await request(server)
      .post('/api/ai-assistant/invoke/jenkins:list-builds')
      .set('Authorization', user(alan))
      .send({ entityRef });
    expect(read.status).toBe(200);
  });
});
