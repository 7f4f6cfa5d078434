import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import express from 'express';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { LocalArtifactStore } from '../artifacts/LocalArtifactStore';
import { GithubWebhookHandler } from './GithubWebhookHandler';
import { makePipelineRun } from '../testing/pipelineRun';
import type { LiveLogStream } from './LiveLogStream';
import { PipelinesService } from './PipelinesService';
import { createRouter } from './router';

const STATUS_OF_ERROR: Record<string, number> = {
  InputError: 400,
  NotAllowedError: 403,
  NotFoundError: 404,
};

/** What the backend's error middleware does with Backstage errors. */
function withErrorStatus(app: express.Express) {
  return app.use(
    (
      error: Error,
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      res
        .status(STATUS_OF_ERROR[error.name] ?? 500)
        .json({ error: { name: error.name, message: error.message } });
    },
  );
}

function latestRun(pipeline: string, number: number): PipelineRun {
  return makePipelineRun({
    runId: `${pipeline}-${number}`,
    entityRef: 'component:default/a',
    pipeline,
    number,
    status: 'succeeded',
    createdAt: '2026-01-01T00:00:00.000Z',
  });
}

async function createApp(options: { allow: boolean }) {
  const catalogCalls: Array<{ ref: string; credentials: unknown }> = [];
  const permissionCalls: Array<{
    requests: Array<{ permission: { name: string }; resourceRef?: string }>;
    credentials: BackstageCredentials;
  }> = [];
  const storeCalls: string[] = [];
  const service = new PipelinesService({
    store: {
      latestRunPerPipeline: async (entityRef: string) => {
        storeCalls.push(entityRef);
        return [latestRun('ci', 60), latestRun('nightly', 1)];
      },
    },
    providers: [],
    catalog: {
      getEntityByRef: async (
        ref: string,
        { credentials }: { credentials: unknown },
      ) => {
        catalogCalls.push({ ref, credentials });
        // The catalog resolves a short ref to the full one
        return ref === 'component:a' || ref === 'component:default/a'
          ? {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'a', namespace: 'default' },
            }
          : undefined;
      },
    },
    permissions: {
      // One decision per permission, which the service evaluates against the entity it read
      authorizeConditional: async (
        requests: Array<{
          permission: { name: string };
          resourceRef?: string;
        }>,
        { credentials }: { credentials: BackstageCredentials },
      ) => {
        permissionCalls.push({ requests, credentials });
        return requests.map(() => ({
          result: options.allow ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
        }));
      },
    },
    stepTypes: () => [],
    secretNames: () => [],
    readAccessCacheMs: 0,
  } as unknown as ConstructorParameters<typeof PipelinesService>[0]);
  const router = await createRouter({
    service,
    httpAuth: mockServices.httpAuth(),
    logger: mockServices.logger.mock(),
    webhooks: {} as GithubWebhookHandler,
    liveLogStream: {} as LiveLogStream,
  });
  const app = withErrorStatus(express().use(router));
  return { app, catalogCalls, permissionCalls, storeCalls };
}

describe('GET /latest-runs', () => {
  it('looks the entity up as the caller, checks pipelines.run.read on it and returns the latest run per pipeline', async () => {
    const { app, catalogCalls, permissionCalls, storeCalls } = await createApp({
      allow: true,
    });
    const res = await request(app)
      .get('/latest-runs')
      .query({ entityRef: 'component:a' })
      .set('authorization', mockCredentials.user.header('user:default/alice'));
    expect(res.status).toBe(200);
    expect(res.body.runs.map((r: PipelineRun) => r.runId)).toEqual([
      'ci-60',
      'nightly-1',
    ]);
    expect(catalogCalls).toEqual([
      {
        ref: 'component:a',
        credentials: mockCredentials.user('user:default/alice'),
      },
    ]);
    expect(permissionCalls).toHaveLength(1);
    // Decided per permission (no resourceRef): the decision applies to the entity read above
    expect(permissionCalls[0].requests).toEqual([
      {
        permission: expect.objectContaining({ name: 'pipelines.run.read' }),
      },
    ]);
    expect(permissionCalls[0].credentials).toEqual(
      mockCredentials.user('user:default/alice'),
    );
    // The store is asked with the full ref of the entity the catalog returned
    expect(storeCalls).toEqual(['component:default/a']);
  });

  it('refuses without pipelines.run.read, reading nothing', async () => {
    const { app, storeCalls } = await createApp({ allow: false });
    const res = await request(app)
      .get('/latest-runs')
      .query({ entityRef: 'component:default/a' });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(
      /not allowed to pipelines.run.read on component:default\/a/,
    );
    expect(storeCalls).toEqual([]);
  });

  it('answers 404 for an entity the caller cannot see, and 400 without entityRef', async () => {
    const { app, storeCalls } = await createApp({ allow: true });
    const hidden = await request(app)
      .get('/latest-runs')
      .query({ entityRef: 'component:default/hidden' });
    expect(hidden.status).toBe(404);
    const missing = await request(app).get('/latest-runs');
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/entityRef is required/);
    expect(storeCalls).toEqual([]);
  });
});

describe('GET /runs/:runId/artifacts/:jobRunId/*', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-router-artifacts-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  /** Two runs with a `build` job each: `run-mine` of an entity the caller sees, `run-theirs` of one they cannot. */
  async function createArtifactApp() {
    const artifacts = new LocalArtifactStore(root);
    const runs = [
      { runId: 'run-mine', entityRef: 'component:default/mine' },
      { runId: 'run-theirs', entityRef: 'component:default/theirs' },
    ].map(run =>
      makePipelineRun({
        ...run,
        jobs: [
          {
            jobRunId: 'build',
            jobId: 'build',
            name: 'build',
            needs: [],
            status: 'succeeded',
            attempt: 1,
            steps: [],
          },
        ],
      }),
    );
    for (const run of runs) {
      const staged = await artifacts.stage(run.runId, 'build');
      fs.mkdirSync(path.join(staged.dir, 'dist'));
      fs.writeFileSync(
        path.join(staged.dir, 'dist', 'report.txt'),
        `report of ${run.runId}`,
      );
      await staged.commit();
    }
    const service = new PipelinesService({
      store: {
        getRun: async (runId: string) => runs.find(r => r.runId === runId),
      },
      artifacts,
      providers: [],
      catalog: {
        getEntityByRef: async (ref: string) =>
          ref === 'component:default/mine'
            ? {
                apiVersion: 'backstage.io/v1alpha1',
                kind: 'Component',
                metadata: { name: 'mine', namespace: 'default' },
              }
            : undefined,
      },
      permissions: {
        authorizeConditional: async (requests: unknown[]) =>
          requests.map(() => ({ result: AuthorizeResult.ALLOW })),
      },
      stepTypes: () => [],
      secretNames: () => [],
      readAccessCacheMs: 0,
    } as unknown as ConstructorParameters<typeof PipelinesService>[0]);
    const router = await createRouter({
      service,
      httpAuth: mockServices.httpAuth(),
      logger: mockServices.logger.mock(),
      webhooks: {} as GithubWebhookHandler,
      liveLogStream: {} as LiveLogStream,
    });
    return withErrorStatus(express().use(router));
  }

  it('serves an artifact of a run the caller may read', async () => {
    const app = await createArtifactApp();
    const res = await request(app)
      .get('/runs/run-mine/artifacts/build/dist/report.txt')
      .buffer(true)
      .parse((response, done) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk));
        response.on('end', () => done(null, body));
      });
    expect(res.status).toBe(200);
    expect(res.body).toBe('report of run-mine');
  });

  it.each([
    // Through a readable run to another entity's run
    '/runs/run-mine/artifacts/%2E%2E/run-theirs/build/dist/report.txt',
    '/runs/run-mine/artifacts/..%2F..%2Frun-theirs/build/dist/report.txt',
    '/runs/run-mine/artifacts/build/..%2F..%2Frun-theirs%2Fbuild%2Fdist%2Freport.txt',
    '/runs/run-mine/artifacts/build/%2E%2E/%2E%2E/run-theirs/build/dist/report.txt',
    '/runs/run-mine/artifacts/build/%252E%252E/%252E%252E/run-theirs/build/dist/report.txt',
    '/runs/run-mine/artifacts/build/dist%5C..%5Creport.txt',
    '/runs/run-mine/artifacts/build/dist/report.txt%00',
    '/runs/run-mine/artifacts/%2Ftmp/report.txt',
    // A job that is not one of the run's
    '/runs/run-mine/artifacts/deploy/dist/report.txt',
    // The other run itself
    '/runs/run-theirs/artifacts/build/dist/report.txt',
  ])('answers 404 for %s', async url => {
    const app = await createArtifactApp();
    const res = await request(app).get(url);
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('report of run-theirs');
  });
});

describe('POST /webhooks/github', () => {
  const secret = 'webhook-secret';
  const push = JSON.stringify({
    ref: 'refs/heads/main',
    after: 'a'.repeat(40),
    repository: { full_name: 'acme/shop' },
  });
  const sign = (body: string) =>
    `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

  async function createWebhookApp(options: {
    secret?: string;
    maxBodyBytes?: number;
  }) {
    const recorded = new Set<string>();
    const triggers: unknown[] = [];
    const webhooks = new GithubWebhookHandler({
      secret: options.secret,
      maxBodyBytes: options.maxBodyBytes,
      logger: mockServices.logger.mock(),
      recordDelivery: async (deliveryId, triggerKey) => {
        const keys = [deliveryId, ...(triggerKey ? [triggerKey] : [])];
        if (keys.some(key => recorded.has(key))) return false;
        keys.forEach(key => recorded.add(key));
        return true;
      },
      onTrigger: async trigger => {
        triggers.push(trigger);
      },
    });
    const router = await createRouter({
      service: {} as PipelinesService,
      httpAuth: mockServices.httpAuth(),
      logger: mockServices.logger.mock(),
      webhooks,
      liveLogStream: {} as LiveLogStream,
    });
    return { app: withErrorStatus(express().use(router)), triggers };
  }

  /**
   * Posts headers and only the first KiB of a body that claims (or streams) much more, and
   * resolves with the answer: the route must answer without waiting for the rest.
   */
  async function postPartially(
    app: express.Express,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: any }> {
    const server = app.listen(0);
    try {
      const { port } = server.address() as AddressInfo;
      return await new Promise((resolve, reject) => {
        const req = http.request(
          {
            port,
            method: 'POST',
            path: '/webhooks/github',
            headers: { 'content-type': 'application/json', ...headers },
          },
          res => {
            let text = '';
            res.on('data', chunk => (text += chunk));
            res.on('end', () => {
              req.destroy();
              resolve({ status: res.statusCode!, body: JSON.parse(text) });
            });
          },
        );
        req.on('error', reject);
        req.write(Buffer.alloc(1024, 'x'));
      });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }

  it('answers 503 while webhooks are off, without reading the body', async () => {
    const { app } = await createWebhookApp({});
    const res = await postPartially(app, {
      'content-length': String(25 * 1024 * 1024),
    });
    expect(res.status).toBe(503);
    expect(res.body.error).toContain('pipelines.github.webhookSecret');
  });

  it('refuses a declared length over the limit before reading', async () => {
    const { app } = await createWebhookApp({ secret });
    const res = await postPartially(app, {
      'content-length': String(1024 * 1024 + 1),
    });
    expect(res.status).toBe(413);
    expect(res.body.error).toContain('pipelines.github.webhookMaxBytes');
  });

  it('stops reading a streamed body at the limit', async () => {
    const { app } = await createWebhookApp({ secret, maxBodyBytes: 512 });
    // No content-length: chunked, so only counting while reading can stop it
    const res = await postPartially(app, { 'transfer-encoding': 'chunked' });
    expect(res.status).toBe(413);
  });

  it('answers 401 to a signature with characters other than hex digits', async () => {
    const { app, triggers } = await createWebhookApp({ secret });
    const res = await request(app)
      .post('/webhooks/github')
      .set('content-type', 'application/json')
      .set('x-github-event', 'push')
      .set('x-github-delivery', 'd-1')
      .set('x-hub-signature-256', `sha256=${'\u00e9'.repeat(64)}`)
      .send(push);
    expect(res.status).toBe(401);
    expect(triggers).toEqual([]);
  });

  it('starts a signed push once, also when it is replayed under a new delivery id', async () => {
    const { app, triggers } = await createWebhookApp({ secret });
    const deliver = (deliveryId: string) =>
      request(app)
        .post('/webhooks/github')
        .set('content-type', 'application/json')
        .set('x-github-event', 'push')
        .set('x-github-delivery', deliveryId)
        .set('x-hub-signature-256', sign(push))
        .send(push);
    expect((await deliver('d-1')).status).toBe(202);
    const replay = await deliver('d-2');
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ duplicate: true, deliveryId: 'd-2' });
    await new Promise(resolve => setImmediate(resolve));
    expect(triggers).toEqual([
      expect.objectContaining({ repository: 'acme/shop', ref: 'main' }),
    ]);
  });
});

describe('POST /validate', () => {
  it('answers an alias bomb with an issue at its place, not a 500', async () => {
    const { app } = await createApp({ allow: true });
    const levels = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    const yaml = [
      'name: bomb',
      'jobs:',
      '  build:',
      '    steps:',
      '      - uses: deploy',
      '        with:',
      ...levels.map(
        (name, index) =>
          `          ${name}: &${name} [${Array(10)
            .fill(index === 0 ? 'x' : `*${levels[index - 1]}`)
            .join(', ')}]`,
      ),
      '',
    ].join('\n');
    const res = await request(app)
      .post('/validate')
      .send({ yaml, file: '.comet/bomb.yaml' });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(false);
    expect(res.body.issues).toContainEqual({
      file: '.comet/bomb.yaml',
      line: 7,
      column: 11,
      path: 'jobs.build.steps[0].with',
      message: expect.stringMatching(/^Too many YAML aliases to expand/),
    });
  });
});
