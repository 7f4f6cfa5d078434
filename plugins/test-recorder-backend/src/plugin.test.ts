/*
 * The test recorder backend started as Backstage starts it: config read, store migrated,
 * example suites seeded, routes and auth policies in place, the prune task scheduled. The
 * pipelines sandbox is a fake, so no browser ever starts.
 */
import {
  createServiceFactory,
  type SchedulerService,
  type ServiceFactory,
} from '@backstage/backend-plugin-api';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import {
  mockCredentials,
  mockServices,
  type ServiceMock,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  pipelineSandboxServiceRef,
  type PipelineSandboxService,
} from '@internal/plugin-pipelines-node';
import express from 'express';
import type { Knex } from 'knex';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import testRecorderPlugin from './index';
import { DatabaseTestRecorderStore } from './store/DatabaseTestRecorderStore';
import { SecretsCipher } from './store/SecretsCipher';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const EXAMPLE = path.resolve(
  __dirname,
  '../../../examples/test-suites/storefront-checkout.json',
);
const SECRETS_KEY = 'plugin test key';
const user = mockCredentials.user.header('user:default/ada');

/** Polls `check` until it returns a value (10 s at most). */
async function waitFor<T>(check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('Timed out waiting');
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

function fakeSandbox(available: boolean) {
  const spawn = jest.fn(async () => {
    throw new Error('the test sandbox runs nothing');
  });
  const sandbox: PipelineSandboxService = {
    describe: () => 'fake sandbox',
    available: async () =>
      available
        ? { available: true }
        : { available: false, reason: 'there is no sandbox in tests' },
    spawn,
  };
  return {
    spawn,
    factory: createServiceFactory({
      service: pipelineSandboxServiceRef,
      deps: {},
      factory: () => sandbox,
    }),
  };
}

async function startBackend(options: {
  knex: Knex;
  dataDir: string;
  sandboxAvailable: boolean;
  worker: boolean;
  scheduler?: ServiceMock<SchedulerService>;
  httpRouter?: ServiceFactory;
}) {
  const sandbox = fakeSandbox(options.sandboxAvailable);
  const backend = await startTestBackend({
    features: [
      testRecorderPlugin,
      // a request without a token is anonymous, as in production
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.none(),
      }),
      ...(options.httpRouter ? [options.httpRouter] : []),
      mockServices.rootConfig.factory({
        data: {
          testRecorder: {
            dataDir: options.dataDir,
            secretsKey: SECRETS_KEY,
            seedSuites: [EXAMPLE],
            worker: { enabled: options.worker },
            // never started: any existing file stands in for the browser
            chromiumPath: process.execPath,
            ffmpegPath: path.join(options.dataDir, 'no-ffmpeg'),
            retentionDays: 1,
            suites: {
              'storefront-checkout': {
                secrets: { ACCOUNT_PASSWORD: 'from-config' },
              },
            },
          },
        },
      }),
      mockServices.database.factory({ knex: options.knex }),
      catalogServiceMock.factory({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: {
              name: 'storefront-web',
              namespace: 'default',
              annotations: { 'comet.dev/test-suites': 'storefront-checkout' },
            },
            spec: { type: 'website', owner: 'team-a', lifecycle: 'production' },
          },
        ],
      }),
      sandbox.factory,
      ...(options.scheduler ? [options.scheduler.factory] : []),
    ],
  });
  return { backend, sandbox };
}

describe('test recorder backend', () => {
  describe('without a sandbox', () => {
    let dataDir: string;
    let knex: Knex;
    let backend: Awaited<ReturnType<typeof startTestBackend>>;
    const scheduler = mockServices.scheduler.mock();

    beforeAll(async () => {
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tr-plugin-'));
      knex = await databases.init('SQLITE_3');
      ({ backend } = await startBackend({
        knex,
        dataDir,
        sandboxAvailable: false,
        worker: false,
        scheduler,
      }));
    });

    afterAll(async () => {
      await backend?.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    });

    it('answers /config, saying why recording and video are off', async () => {
      const res = await request(backend.server)
        .get('/api/test-recorder/config')
        .set('Authorization', user);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        enabled: true,
        allowedOrigins: [],
        testIdAttribute: 'data-testid',
        sandboxAvailable: false,
        sandboxUnavailableReason:
          'the pipelines sandbox is not available: there is no sandbox in tests',
        videoAvailable: false,
        videoUnavailableReason: expect.stringContaining(
          '(testRecorder.ffmpegPath)',
        ),
        maxConcurrentRuns: 2,
      });
      expect(res.body.devices).toContain('Desktop Chrome');
      expect(
        (await request(backend.server).get('/api/test-recorder/config')).status,
      ).toBe(401);
    });

    it('seeds the example suite for its entity', async () => {
      const listed = await request(backend.server)
        .get('/api/test-recorder/suites')
        .query({ entityRef: 'component:default/storefront-web' })
        .set('Authorization', user);
      expect(listed.status).toBe(200);
      expect(listed.body).toMatchObject({
        suites: [
          {
            name: 'storefront-checkout',
            entityRef: 'component:default/storefront-web',
            version: 1,
          },
        ],
        annotated: ['storefront-checkout'],
        missing: [],
      });
      const suite = await request(backend.server)
        .get('/api/test-recorder/suites/storefront-checkout')
        .set('Authorization', user);
      expect(suite.status).toBe(200);
      expect(suite.body).toMatchObject({
        updatedBy: 'comet:seed',
        secretsSet: ['ACCOUNT_PASSWORD'],
      });
      expect(suite.text).not.toContain('from-config');
    });

    it('serves the trace viewer without credentials, and artifacts only with them', async () => {
      const viewer = await request(backend.server).get(
        '/api/test-recorder/trace-viewer/index.html',
      );
      expect(viewer.status).toBe(200);
      expect(viewer.headers['content-type']).toMatch(/^text\/html/);

      const anonymous = await request(backend.server).get(
        '/api/test-recorder/artifacts/x',
      );
      expect(anonymous.status).toBe(401);
      const unknown = await request(backend.server)
        .get('/api/test-recorder/artifacts/x')
        .set('Authorization', user);
      expect(unknown.status).toBe(404);
      const forged = await request(backend.server).get(
        '/api/test-recorder/artifacts/x?expires=99999999999&sig=forged',
      );
      expect(forged.status).toBe(401);
    });

    it('queues runs for a worker elsewhere when this instance runs none', async () => {
      const queued = await request(backend.server)
        .post('/api/test-recorder/suites/storefront-checkout/runs')
        .set('Authorization', user)
        .send({});
      expect(queued.status).toBe(202);
      const run = await request(backend.server)
        .get(`/api/test-recorder/runs/${queued.body.runId}`)
        .set('Authorization', user);
      expect(run.body.status).toBe('queued');
    });

    it('refuses recordings while the sandbox is missing', async () => {
      const res = await request(backend.server)
        .post('/api/test-recorder/recordings')
        .set('Authorization', user)
        .send({
          entityRef: 'component:default/storefront-web',
          baseUrl: 'http://127.0.0.1:4173',
          viewport: { width: 1280, height: 720 },
        });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(
        'Recording is not available on this backend',
      );
    });

    it('prunes artifacts older than the retention days every hour', async () => {
      const [task] = scheduler.scheduleTask.mock.calls.find(
        ([scheduled]) => scheduled.id === 'test-recorder-prune-artifacts',
      )!;
      expect(task).toMatchObject({
        frequency: { hours: 1 },
        timeout: { minutes: 10 },
      });
      const prune = () => task.fn(new AbortController().signal);
      // the plugin's tables, through a second store on the same database and folder
      const store = await DatabaseTestRecorderStore.create({
        database: mockServices.database({ knex }),
        artifactsDir: path.join(dataDir, 'artifacts'),
        cipher: SecretsCipher.fromSecret(SECRETS_KEY),
        clock: () => new Date(Date.now() - 3 * 24 * 60 * 60_000),
      });
      const run = await store.createRun({
        suiteName: 'storefront-checkout',
        suiteVersion: 1,
        entityRef: 'component:default/storefront-web',
        trigger: 'manual',
        triggeredBy: 'user:default/ada',
        baseUrl: 'http://127.0.0.1:4173',
        retries: 0,
      });
      const { artifactId } = await store.addArtifact({
        runId: run.runId,
        kind: 'screenshot',
        contentType: 'image/png',
        content: Buffer.from('old'),
      });
      await store.finishRun(run.runId, { status: 'passed' });
      const signed = await request(backend.server)
        .post(`/api/test-recorder/artifacts/${artifactId}/url`)
        .set('Authorization', user);
      const viaLink = await request(backend.server).get(
        `/api/test-recorder${signed.body.url}`,
      );
      expect(viaLink.status).toBe(200);

      await prune();
      expect(await store.getArtifact(artifactId)).toBeUndefined();
      // nothing left to prune: the task runs quietly again
      await prune();
    });
  });

  describe('with a sandbox', () => {
    it('starts the run worker and recording sessions, and stops them with the backend', async () => {
      const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tr-plugin-'));
      // The test backend's root router (backend-defaults 0.18 inside backend-test-utils)
      // has no WebSocket support, so the plugin's router is recorded instead of served
      const httpRouter = mockServices.httpRouter.mock();
      const addWebSocketHandler = jest.fn();
      Object.assign(httpRouter, { addWebSocketHandler });
      try {
        const { backend, sandbox } = await startBackend({
          knex: await databases.init('SQLITE_3'),
          dataDir,
          sandboxAvailable: true,
          worker: true,
          httpRouter: httpRouter.factory,
        });
        // the mock is shared by every plugin of the test backend: mount what each added
        const app = express().use(
          ...httpRouter.use.mock.calls.map(([handler]) => handler),
          MiddlewareFactory.create({
            config: mockServices.rootConfig(),
            logger: mockServices.logger.mock(),
          }).error(),
        );
        const config = await request(app)
          .get('/config')
          .set('Authorization', user);
        expect(config.status).toBe(200);
        expect(config.body).toMatchObject({ sandboxAvailable: true });
        expect(config.body).not.toHaveProperty('sandboxUnavailableReason');
        expect(httpRouter.addAuthPolicy.mock.calls).toEqual([
          [{ path: '/trace-viewer', allow: 'unauthenticated' }],
          [{ path: '/artifacts', allow: 'unauthenticated' }],
        ]);
        expect(addWebSocketHandler).toHaveBeenCalledWith(
          expect.objectContaining({ path: '/recordings/socket' }),
        );
        // The seeded suite starts a web server from the repository, and the entity names
        // none: the run fails saying so, before any browser or checkout
        const queued = await request(app)
          .post('/suites/storefront-checkout/runs')
          .set('Authorization', user)
          .send({});
        expect(queued.status).toBe(202);
        const run = await waitFor(async () => {
          const res = await request(app)
            .get(`/runs/${queued.body.runId}`)
            .set('Authorization', user);
          return res.body.status === 'failed' ? res.body : undefined;
        });
        expect(run.reason).toBe(
          'the suite starts a web server from the repository, but component:default/storefront-web has no backstage.io/source-location annotation',
        );
        // the same for a recording of it
        const recording = await request(app)
          .post('/recordings')
          .set('Authorization', user)
          .send({
            entityRef: 'component:default/storefront-web',
            suiteName: 'storefront-checkout',
            viewport: { width: 1280, height: 720 },
          });
        expect(recording.status).toBe(400);
        expect(recording.body.error.message).toContain(
          'has no backstage.io/source-location annotation',
        );
        await backend.stop();
        expect(sandbox.spawn).not.toHaveBeenCalled();
      } finally {
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    });
  });
});
