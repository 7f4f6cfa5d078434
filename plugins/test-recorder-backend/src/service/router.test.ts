import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import express from 'express';
import JSZip from 'jszip';
import request from 'supertest';
import { traceViewerDir } from './config';
import { JiraBugs } from './JiraBugs';
import { createRouter } from './router';
import {
  ADA,
  BOB,
  createServiceHarness,
  PAYMENTS,
  plainDefinition,
  type ServiceHarness,
  STOREFRONT,
  suiteDefinition,
} from './__testUtils__/serviceHarness';
import { MAX_SUITE_FILE_BYTES } from './TestRecorderService';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const asAda = mockCredentials.user.header(ADA);
const asBob = mockCredentials.user.header(BOB);
const asPipelines = mockCredentials.service.header({
  onBehalfOf: mockCredentials.service('plugin:pipelines'),
  targetPluginId: 'test-recorder',
});

/** A binary response body as a Buffer, whatever its content type. */
function binary(
  res: any,
  callback: (error: Error | null, body: Buffer) => void,
) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

describe('createRouter', () => {
  let h: ServiceHarness;
  let app: express.Express;
  let now: number;

  beforeEach(async () => {
    now = Date.parse('2026-12-05T10:00:00.000Z');
    h = await createServiceHarness(await databases.init('SQLITE_3'), {
      now: () => now,
    });
    const router = await createRouter({
      service: h.service,
      httpAuth: mockServices.httpAuth({
        pluginId: 'test-recorder',
        defaultCredentials: mockCredentials.none(),
      }),
      signer: h.signer,
      traceViewerDir: traceViewerDir(),
    });
    app = express();
    app.use(router);
    app.use(
      MiddlewareFactory.create({
        config: mockServices.rootConfig(),
        logger: mockServices.logger.mock(),
      }).error(),
    );
  });

  afterEach(() => h.cleanup());

  const createSuite = (name = 'storefront-checkout', entityRef = STOREFRONT) =>
    request(app)
      .post('/suites')
      .set('Authorization', asAda)
      .send({ entityRef, definition: suiteDefinition(name) });

  const setPassword = () =>
    request(app)
      .put('/suites/storefront-checkout/secrets/ACCOUNT_PASSWORD')
      .set('Authorization', asAda)
      .send({ value: 'hunter2-secret' });

  it('answers /config to users and services, not to anonymous callers', async () => {
    const res = await request(app).get('/config').set('Authorization', asAda);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      enabled: true,
      allowedOrigins: ['https://staging.shop.example.com'],
      sandboxAvailable: true,
    });
    expect(
      (await request(app).get('/config').set('Authorization', asPipelines))
        .status,
    ).toBe(200);
    const anonymous = await request(app).get('/config');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.name).toBe('AuthenticationError');
  });

  describe('suites', () => {
    it('creates, reads, updates and deletes a suite', async () => {
      const created = await createSuite();
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'storefront-checkout',
        entityRef: STOREFRONT,
        version: 1,
        secretsSet: ['CONFIG_TOKEN'],
      });

      const listed = await request(app)
        .get('/suites')
        .query({ entityRef: STOREFRONT })
        .set('Authorization', asAda);
      expect(listed.status).toBe(200);
      expect(listed.body.suites.map((s: any) => s.name)).toEqual([
        'storefront-checkout',
      ]);
      expect(listed.body.missing).toEqual([
        { name: 'payments-smoke', reason: 'not-found' },
        { name: 'ghost-suite', reason: 'not-found' },
      ]);

      const got = await request(app)
        .get('/suites/storefront-checkout')
        .set('Authorization', asBob);
      expect(got.status).toBe(200);
      expect(got.body.definition.tests).toHaveLength(2);

      const updated = await request(app)
        .put('/suites/storefront-checkout')
        .set('Authorization', asAda)
        .send({
          definition: suiteDefinition('storefront-checkout', { title: 'v2' }),
          baseVersion: 1,
          message: 'retitled',
        });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ version: 2, updatedBy: ADA });

      const stale = await request(app)
        .put('/suites/storefront-checkout')
        .set('Authorization', asBob)
        .send({
          definition: suiteDefinition('storefront-checkout'),
          baseVersion: 1,
        });
      expect(stale.status).toBe(409);
      expect(stale.body.error).toMatchObject({
        name: 'ConflictError',
        message: expect.stringContaining('is at version 2'),
      });

      const deleted = await request(app)
        .delete('/suites/storefront-checkout')
        .set('Authorization', asAda);
      expect(deleted.status).toBe(204);
      const gone = await request(app)
        .get('/suites/storefront-checkout')
        .set('Authorization', asAda);
      expect(gone.status).toBe(404);
    });

    it('names the field of a bad request', async () => {
      const noRef = await request(app)
        .get('/suites')
        .set('Authorization', asAda);
      expect(noRef.status).toBe(400);
      expect(noRef.body.error.message).toBe(
        'Invalid query field "entityRef": entityRef is required, e.g. component:default/storefront-web',
      );

      const noDefinition = await request(app)
        .post('/suites')
        .set('Authorization', asAda)
        .send({ entityRef: STOREFRONT });
      expect(noDefinition.status).toBe(400);
      expect(noDefinition.body.error.message).toMatch(
        /^Invalid body field "definition": definition is required/,
      );

      const badDefinition = await request(app)
        .post('/suites')
        .set('Authorization', asAda)
        .send({
          entityRef: STOREFRONT,
          definition: { ...plainDefinition('x'), baseUrl: 'ftp://x' },
        });
      expect(badDefinition.status).toBe(400);
      expect(badDefinition.body.error.message).toMatch(
        /^definition: .*baseUrl/s,
      );

      await createSuite();
      const noBase = await request(app)
        .put('/suites/storefront-checkout')
        .set('Authorization', asAda)
        .send({ definition: suiteDefinition('storefront-checkout') });
      expect(noBase.status).toBe(400);
      expect(noBase.body.error.message).toMatch(
        /^Invalid body field "baseVersion": baseVersion is required/,
      );

      const badName = await request(app)
        .get('/suites/Bad_Name')
        .set('Authorization', asAda);
      expect(badName.status).toBe(400);

      const taken = await createSuite('storefront-checkout', PAYMENTS);
      expect(taken.status).toBe(409);
    });

    it('answers 403 without permission and 404 for unknown entities', async () => {
      h.denied.add('test-recorder.suite.edit');
      const refused = await createSuite();
      expect(refused.status).toBe(403);
      expect(refused.body.error.name).toBe('NotAllowedError');
      const unknown = await request(app)
        .get('/suites')
        .query({ entityRef: 'component:default/nope' })
        .set('Authorization', asAda);
      expect(unknown.status).toBe(404);
      const service = await request(app)
        .get('/suites')
        .query({ entityRef: STOREFRONT })
        .set('Authorization', asPipelines);
      expect(service.status).toBe(403);
    });

    it('serves versions, code and the export zip', async () => {
      await createSuite();
      const versions = await request(app)
        .get('/suites/storefront-checkout/versions')
        .set('Authorization', asAda);
      expect(versions.status).toBe(200);
      expect(versions.body.versions).toEqual([
        expect.objectContaining({ version: 1, createdBy: ADA }),
      ]);

      const version = await request(app)
        .get('/suites/storefront-checkout/versions/1')
        .set('Authorization', asAda);
      expect(version.status).toBe(200);
      expect(version.body.definition.name).toBe('storefront-checkout');
      const missing = await request(app)
        .get('/suites/storefront-checkout/versions/7')
        .set('Authorization', asAda);
      expect(missing.status).toBe(404);
      const bad = await request(app)
        .get('/suites/storefront-checkout/versions/first')
        .set('Authorization', asAda);
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/^Invalid path field "version"/);

      const code = await request(app)
        .get('/suites/storefront-checkout/code')
        .query({ version: 1 })
        .set('Authorization', asAda);
      expect(code.status).toBe(200);
      expect(code.body.files.map((f: any) => f.path)).toContain(
        'tests/storefront-checkout.spec.ts',
      );
      const badCode = await request(app)
        .get('/suites/storefront-checkout/code')
        .query({ version: 0 })
        .set('Authorization', asAda);
      expect(badCode.status).toBe(400);
      expect(badCode.body.error.message).toMatch(
        /^Invalid query field "version"/,
      );

      const exported = await request(app)
        .get('/suites/storefront-checkout/export')
        .set('Authorization', asAda)
        .buffer(true)
        .parse(binary);
      expect(exported.status).toBe(200);
      expect(exported.headers['content-type']).toBe('application/zip');
      expect(exported.headers['content-disposition']).toBe(
        'attachment; filename="storefront-checkout-v1.zip"',
      );
      const zip = await JSZip.loadAsync(exported.body);
      expect(
        zip.file('storefront-checkout-v1/tests/storefront-checkout.spec.ts'),
      ).not.toBeNull();
    });

    it('sets and deletes secrets without ever answering their values', async () => {
      await createSuite();
      expect((await setPassword()).status).toBe(204);
      const suite = await request(app)
        .get('/suites/storefront-checkout')
        .set('Authorization', asAda);
      expect(suite.body.secretsSet).toEqual([
        'ACCOUNT_PASSWORD',
        'CONFIG_TOKEN',
      ]);
      expect(suite.text).not.toContain('hunter2-secret');

      const noValue = await request(app)
        .put('/suites/storefront-checkout/secrets/ACCOUNT_PASSWORD')
        .set('Authorization', asAda)
        .send({});
      expect(noValue.status).toBe(400);
      expect(noValue.body.error.message).toBe(
        'Invalid body field "value": value is required',
      );
      const badName = await request(app)
        .put('/suites/storefront-checkout/secrets/password')
        .set('Authorization', asAda)
        .send({ value: 'x' });
      expect(badName.status).toBe(400);

      const deleted = await request(app)
        .delete('/suites/storefront-checkout/secrets/ACCOUNT_PASSWORD')
        .set('Authorization', asAda);
      expect(deleted.status).toBe(204);
    });

    it('takes upload files as raw bytes', async () => {
      await createSuite();
      const put = await request(app)
        .put('/suites/storefront-checkout/files/data.csv')
        .set('Authorization', asAda)
        .set('Content-Type', 'text/csv')
        .send('a,b\n1,2\n');
      expect(put.status).toBe(204);
      const binaryPut = await request(app)
        .put('/suites/storefront-checkout/files/logo.png')
        .set('Authorization', asAda)
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      expect(binaryPut.status).toBe(204);
      const suite = await request(app)
        .get('/suites/storefront-checkout')
        .set('Authorization', asAda);
      expect(suite.body.files).toEqual([
        { name: 'data.csv', size: 8 },
        { name: 'logo.png', size: 4 },
      ]);
      expect(
        (await h.store.getFile('storefront-checkout', 'logo.png'))!.toString(
          'hex',
        ),
      ).toBe('89504e47');

      const empty = await request(app)
        .put('/suites/storefront-checkout/files/empty.txt')
        .set('Authorization', asAda);
      expect(empty.status).toBe(400);
      expect(empty.body.error.message).toBe('File empty.txt is empty');

      const tooBig = await request(app)
        .put('/suites/storefront-checkout/files/big.bin')
        .set('Authorization', asAda)
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.alloc(MAX_SUITE_FILE_BYTES + 1));
      expect(tooBig.status).toBe(413);

      const badName = await request(app)
        .put('/suites/storefront-checkout/files/.hidden')
        .set('Authorization', asAda)
        .send('x');
      expect(badName.status).toBe(400);
      expect(badName.body.error.message).toMatch(/^fileName: "\.hidden"/);

      const anonymous = await request(app)
        .put('/suites/storefront-checkout/files/data.csv')
        .send('x');
      expect(anonymous.status).toBe(401);

      const deleted = await request(app)
        .delete('/suites/storefront-checkout/files/data.csv')
        .set('Authorization', asAda);
      expect(deleted.status).toBe(204);
    });

    it('quarantines tests and tells their history', async () => {
      await createSuite();
      const quarantined = await request(app)
        .post('/suites/storefront-checkout/tests/search/quarantine')
        .set('Authorization', asAda)
        .send({ quarantined: true });
      expect(quarantined.status).toBe(204);
      const bad = await request(app)
        .post('/suites/storefront-checkout/tests/search/quarantine')
        .set('Authorization', asAda)
        .send({ quarantined: 'yes' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(
        /^Invalid body field "quarantined"/,
      );
      const unknown = await request(app)
        .post('/suites/storefront-checkout/tests/nope/quarantine')
        .set('Authorization', asAda)
        .send({ quarantined: true });
      expect(unknown.status).toBe(404);

      const history = await request(app)
        .get('/suites/storefront-checkout/tests/search/history')
        .set('Authorization', asAda);
      expect(history.status).toBe(200);
      expect(history.body).toMatchObject({
        testId: 'search',
        testName: 'Search',
        runs: [],
        quarantined: true,
      });
      const badLimit = await request(app)
        .get('/suites/storefront-checkout/tests/search/history')
        .query({ limit: 500 })
        .set('Authorization', asAda);
      expect(badLimit.status).toBe(400);
      expect(badLimit.body.error.message).toMatch(
        /^Invalid query field "limit"/,
      );
    });
  });

  describe('runs', () => {
    beforeEach(async () => {
      await createSuite();
      await setPassword();
    });

    it('queues runs, lists, reads and cancels them', async () => {
      const queued = await request(app)
        .post('/suites/storefront-checkout/runs')
        .set('Authorization', asAda)
        .send({ testIds: ['checkout'], retries: 1 });
      expect(queued.status).toBe(202);
      expect(queued.body).toMatchObject({
        status: 'queued',
        trigger: 'manual',
        triggeredBy: ADA,
      });
      expect(h.wakes.count).toBe(1);
      const { runId } = queued.body;

      const bySuite = await request(app)
        .get('/runs')
        .query({ suite: 'storefront-checkout' })
        .set('Authorization', asAda);
      expect(bySuite.status).toBe(200);
      expect(bySuite.body.runs.map((r: any) => r.runId)).toEqual([runId]);
      const byEntity = await request(app)
        .get('/runs')
        .query({ entityRef: STOREFRONT, limit: 5 })
        .set('Authorization', asAda);
      expect(byEntity.body.runs).toHaveLength(1);

      const run = await request(app)
        .get(`/runs/${runId}`)
        .set('Authorization', asAda);
      expect(run.status).toBe(200);
      expect(run.body).toMatchObject({ runId, retries: 1, results: [] });
      const missing = await request(app)
        .get('/runs/00000000-0000-4000-8000-000000000000')
        .set('Authorization', asAda);
      expect(missing.status).toBe(404);

      const cancelled = await request(app)
        .post(`/runs/${runId}/cancel`)
        .set('Authorization', asAda);
      expect(cancelled.status).toBe(202);
      const again = await request(app)
        .post(`/runs/${runId}/cancel`)
        .set('Authorization', asAda);
      expect(again.status).toBe(409);
    });

    it('refuses bad run requests naming the field', async () => {
      const unknownKey = await request(app)
        .post('/suites/storefront-checkout/runs')
        .set('Authorization', asAda)
        .send({ retries: 1, speed: 'fast' });
      expect(unknownKey.status).toBe(400);
      expect(unknownKey.body.error.message).toContain("'speed'");
      const retries = await request(app)
        .post('/suites/storefront-checkout/runs')
        .set('Authorization', asAda)
        .send({ retries: 9 });
      expect(retries.status).toBe(400);
      expect(retries.body.error.message).toMatch(
        /^Invalid body field "retries"/,
      );
      const origin = await request(app)
        .post('/suites/storefront-checkout/runs')
        .set('Authorization', asAda)
        .send({ baseUrl: 'https://evil.example.com' });
      expect(origin.status).toBe(400);
      expect(origin.body.error.message).toMatch(/^baseUrl: /);
      const noFilter = await request(app)
        .get('/runs')
        .set('Authorization', asAda);
      expect(noFilter.status).toBe(400);
      const limit = await request(app)
        .get('/runs')
        .query({ suite: 'storefront-checkout', limit: 1000 })
        .set('Authorization', asAda);
      expect(limit.status).toBe(400);
      expect(limit.body.error.message).toMatch(/^Invalid query field "limit"/);
    });

    it('starts pipeline runs for the pipelines plugin, which reads and cancels them', async () => {
      const body = {
        entityRef: STOREFRONT,
        suite: 'storefront-checkout',
        commit: 'abc123',
        pipelineRunId: 'prun-1',
      };
      const started = await request(app)
        .post('/pipeline-runs')
        .set('Authorization', asPipelines)
        .send(body);
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({
        trigger: 'pipeline',
        pipelineRunId: 'prun-1',
        commit: 'abc123',
      });
      const read = await request(app)
        .get(`/runs/${started.body.runId}`)
        .set('Authorization', asPipelines);
      expect(read.status).toBe(200);
      expect(read.body.status).toBe('queued');
      const cancelled = await request(app)
        .post(`/runs/${started.body.runId}/cancel`)
        .set('Authorization', asPipelines);
      expect(cancelled.status).toBe(202);

      const asUser = await request(app)
        .post('/pipeline-runs')
        .set('Authorization', asAda)
        .send(body);
      expect(asUser.status).toBe(403);
      const otherEntity = await request(app)
        .post('/pipeline-runs')
        .set('Authorization', asPipelines)
        .send({ ...body, entityRef: PAYMENTS });
      expect(otherEntity.status).toBe(403);
      const noRun = await request(app)
        .post('/pipeline-runs')
        .set('Authorization', asPipelines)
        .send({ entityRef: STOREFRONT, suite: 'storefront-checkout' });
      expect(noRun.status).toBe(400);
      expect(noRun.body.error.message).toMatch(
        /^Invalid body field "pipelineRunId"/,
      );
    });
  });

  describe('artifacts and baselines', () => {
    let runId: string;
    let artifactId: string;
    let traceId: string;

    beforeEach(async () => {
      await createSuite();
      await setPassword();
      runId = (
        await request(app)
          .post('/suites/storefront-checkout/runs')
          .set('Authorization', asAda)
          .send({})
      ).body.runId;
      artifactId = (
        await h.store.addArtifact({
          runId,
          kind: 'visual-actual',
          contentType: 'image/png',
          content: Buffer.from('actual png'),
        })
      ).artifactId;
      traceId = (
        await h.store.addArtifact({
          runId,
          kind: 'trace',
          contentType: 'application/zip',
          content: Buffer.from('trace zip'),
        })
      ).artifactId;
      await h.store.saveTestResult(runId, {
        testId: 'checkout',
        testName: 'Checkout',
        status: 'failed',
        quarantined: false,
        durationMs: 12,
        attempts: [
          {
            attempt: 1,
            status: 'failed',
            durationMs: 12,
            traceArtifactId: traceId,
            steps: [
              {
                stepId: 's3',
                index: 2,
                action: 'assertScreenshot',
                status: 'failed',
                durationMs: 5,
                visual: {
                  name: 'cart',
                  status: 'new',
                  actualArtifactId: artifactId,
                },
              },
            ],
          },
        ],
      });
    });

    it('serves an artifact to a reader with a bearer token', async () => {
      const res = await request(app)
        .get(`/artifacts/${artifactId}`)
        .set('Authorization', asAda)
        .buffer(true)
        .parse(binary);
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe('actual png');
      expect(res.headers).toMatchObject({
        'content-type': 'image/png',
        'content-length': '10',
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
        'content-disposition': `inline; filename="visual-actual-${artifactId}.png"`,
      });
      const trace = await request(app)
        .get(`/artifacts/${traceId}`)
        .set('Authorization', asAda)
        .buffer(true)
        .parse(binary);
      expect(trace.headers['content-disposition']).toBe(
        `attachment; filename="trace-${traceId}.zip"`,
      );

      expect((await request(app).get(`/artifacts/${artifactId}`)).status).toBe(
        401,
      );
      expect(
        (
          await request(app)
            .get('/artifacts/00000000-0000-4000-8000-000000000000')
            .set('Authorization', asAda)
        ).status,
      ).toBe(404);
      h.denied.add('test-recorder.artifact.read');
      expect(
        (
          await request(app)
            .get(`/artifacts/${artifactId}`)
            .set('Authorization', asAda)
        ).status,
      ).toBe(403);
    });

    it('serves an artifact on a signed link until it expires, and never on a tampered one', async () => {
      const signed = await request(app)
        .post(`/artifacts/${traceId}/url`)
        .set('Authorization', asAda);
      expect(signed.status).toBe(200);
      const url: string = signed.body.url;
      expect(url).toMatch(
        new RegExp(`^/artifacts/${traceId}\\?expires=\\d+&sig=[\\w-]+$`),
      );

      const res = await request(app).get(url).buffer(true).parse(binary);
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe('trace zip');

      const tampered = url.replace(
        /sig=(.)/,
        (_m, c) => `sig=${c === 'A' ? 'B' : 'A'}`,
      );
      const refused = await request(app).get(tampered);
      expect(refused.status).toBe(401);
      expect(refused.body.error.message).toMatch(
        /^The artifact link has expired or is not valid/,
      );
      const otherArtifact = url.replace(traceId, artifactId);
      expect((await request(app).get(otherArtifact)).status).toBe(401);
      const noSig = url.replace(/&sig=.*$/, '');
      expect((await request(app).get(noSig)).status).toBe(401);

      now += 2 * 60 * 60_000;
      const expired = await request(app).get(url);
      expect(expired.status).toBe(401);

      h.denied.add('test-recorder.artifact.read');
      expect(
        (
          await request(app)
            .post(`/artifacts/${traceId}/url`)
            .set('Authorization', asAda)
        ).status,
      ).toBe(403);
    });

    it('accepts a baseline', async () => {
      const accepted = await request(app)
        .post(`/runs/${runId}/baselines`)
        .set('Authorization', asAda)
        .send({ testId: 'checkout', stepId: 's3' });
      expect(accepted.status).toBe(204);
      expect(await h.store.listBaselines('storefront-checkout')).toEqual([
        expect.objectContaining({ name: 'cart', artifactId }),
      ]);
      const noStep = await request(app)
        .post(`/runs/${runId}/baselines`)
        .set('Authorization', asAda)
        .send({ testId: 'checkout' });
      expect(noStep.status).toBe(400);
      expect(noStep.body.error.message).toMatch(/^Invalid body field "stepId"/);
      const wrongStep = await request(app)
        .post(`/runs/${runId}/baselines`)
        .set('Authorization', asAda)
        .send({ testId: 'checkout', stepId: 's1' });
      expect(wrongStep.status).toBe(404);
    });

    it('files a Jira bug for a failed test through the Jira action, and says when Jira is off', async () => {
      const invoked: any[] = [];
      const withJira = await createRouter({
        service: h.service,
        httpAuth: mockServices.httpAuth({
          pluginId: 'test-recorder',
          defaultCredentials: mockCredentials.none(),
        }),
        signer: h.signer,
        jiraBugs: new JiraBugs({
          actions: {
            list: async () => ({
              actions: [{ id: 'jira:create-issue' } as any],
            }),
            invoke: async call => {
              invoked.push(call);
              return { output: { key: 'SHOP-7', url: 'https://jira/SHOP-7' } };
            },
          },
          getRun: (credentials, id) => h.service.getRun(credentials, id),
          secretsOf: async () => ['hunter2-secret'],
          appBaseUrl: 'http://localhost:3000',
        }),
      });
      const jiraApp = express();
      jiraApp.use(withJira);
      jiraApp.use(
        MiddlewareFactory.create({
          config: mockServices.rootConfig(),
          logger: mockServices.logger.mock(),
        }).error(),
      );

      const config = await request(jiraApp)
        .get('/config')
        .set('Authorization', asAda);
      expect(config.body.jiraBugs).toBe(true);
      expect(
        (await request(app).get('/config').set('Authorization', asAda)).body
          .jiraBugs,
      ).toBe(false);

      const filed = await request(jiraApp)
        .post(`/runs/${runId}/tests/checkout/jira-bug`)
        .set('Authorization', asAda)
        .send({ projectKey: 'SHOP' });
      expect(filed.status).toBe(201);
      expect(filed.body).toEqual({ key: 'SHOP-7', url: 'https://jira/SHOP-7' });
      expect(invoked).toHaveLength(1);
      expect(invoked[0].input).toMatchObject({
        entityRef: STOREFRONT,
        projectKey: 'SHOP',
        issueType: 'Bug',
      });
      expect(invoked[0].input.description).toContain(
        `[Playwright trace](http://localhost:3000/test-recorder/runs/${runId}?test=checkout&artifact=${traceId})`,
      );

      const bad = await request(jiraApp)
        .post(`/runs/${runId}/tests/checkout/jira-bug`)
        .set('Authorization', asAda)
        .send({ projectKey: 'SHOP', assignee: 'bob' });
      expect(bad.status).toBe(400);
      const anonymous = await request(jiraApp)
        .post(`/runs/${runId}/tests/checkout/jira-bug`)
        .send({});
      expect(anonymous.status).toBe(401);

      const off = await request(app)
        .post(`/runs/${runId}/tests/checkout/jira-bug`)
        .set('Authorization', asAda)
        .send({});
      expect(off.status).toBe(404);
      expect(off.body.error.message).toBe(
        'Jira is not configured in this portal (jira.instances in app-config.yaml)',
      );
      expect(invoked).toHaveLength(1);
    });
  });

  describe('recordings', () => {
    const viewport = { width: 1280, height: 720 };

    it('opens, saves secrets of and closes a recording', async () => {
      await createSuite();
      const opened = await request(app)
        .post('/recordings')
        .set('Authorization', asAda)
        .send({
          entityRef: STOREFRONT,
          suiteName: 'storefront-checkout',
          viewport,
        });
      expect(opened.status).toBe(201);
      expect(opened.body).toEqual({
        sessionId: 'session-1',
        baseUrl: 'http://127.0.0.1:4173',
        expiresAt: '2026-12-05T10:10:00.000Z',
      });

      h.recordings.pending = { ACCOUNT_PASSWORD: 'typed' };
      const saved = await request(app)
        .post('/recordings/session-1/secrets')
        .set('Authorization', asAda)
        .send({ suiteName: 'storefront-checkout' });
      expect(saved.status).toBe(200);
      expect(saved.body).toEqual({ saved: ['ACCOUNT_PASSWORD'] });
      const noSuite = await request(app)
        .post('/recordings/session-1/secrets')
        .set('Authorization', asAda)
        .send({});
      expect(noSuite.status).toBe(400);

      const notYours = await request(app)
        .delete('/recordings/session-1')
        .set('Authorization', asBob);
      expect(notYours.status).toBe(404);
      const closed = await request(app)
        .delete('/recordings/session-1')
        .set('Authorization', asAda);
      expect(closed.status).toBe(204);
      expect(h.recordings.closed).toEqual(['session-1']);
    });

    it('refuses a missing viewport and origins not allowed, naming the field', async () => {
      const noViewport = await request(app)
        .post('/recordings')
        .set('Authorization', asAda)
        .send({ entityRef: STOREFRONT, baseUrl: 'http://127.0.0.1:3000' });
      expect(noViewport.status).toBe(400);
      expect(noViewport.body.error.message).toMatch(
        /^Invalid body field "viewport"/,
      );
      const tiny = await request(app)
        .post('/recordings')
        .set('Authorization', asAda)
        .send({
          entityRef: STOREFRONT,
          baseUrl: 'http://127.0.0.1:3000',
          viewport: { width: 10, height: 720 },
        });
      expect(tiny.body.error.message).toMatch(
        /^Invalid body field "viewport.width"/,
      );
      const origin = await request(app)
        .post('/recordings')
        .set('Authorization', asAda)
        .send({
          entityRef: STOREFRONT,
          baseUrl: 'file:///etc/passwd',
          viewport,
        });
      expect(origin.status).toBe(400);
      expect(origin.body.error.message).toMatch(/^baseUrl: /);
      expect(h.recordings.opened).toEqual([]);
    });
  });

  describe('trace viewer', () => {
    it("serves Playwright's Trace Viewer without credentials", async () => {
      const index = await request(app).get('/trace-viewer/index.html');
      expect(index.status).toBe(200);
      expect(index.headers['content-type']).toMatch(/^text\/html/);
      // the viewer's service worker stays scoped to its own folder
      expect(index.headers['service-worker-allowed']).toBeUndefined();
      expect(index.text).toContain('<html');
      const root = await request(app).get('/trace-viewer/');
      expect(root.status).toBe(200);
      const worker = await request(app).get('/trace-viewer/sw.bundle.js');
      expect(worker.status).toBe(200);
      expect(worker.headers['content-type']).toMatch(/javascript/);
      const missing = await request(app).get('/trace-viewer/nope.js');
      expect(missing.status).toBe(404);
      const escape = await request(app).get(
        '/trace-viewer/..%2f..%2fpackage.json',
      );
      expect(escape.status).toBe(403);
    });

    it('is not served without a build', async () => {
      const router = await createRouter({
        service: h.service,
        httpAuth: mockServices.httpAuth(),
        signer: h.signer,
      });
      const bare = express().use(router);
      expect((await request(bare).get('/trace-viewer/index.html')).status).toBe(
        404,
      );
    });
  });
});
