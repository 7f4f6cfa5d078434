/*
 * The module in a test backend: first with a mocked extension point (what it registers, the
 * retention task, the start-up check), then inside the real pipelines plugin, where a run's
 * jobs keep artifacts in the S3 fake and the REST API lists and serves them from there.
 */
/* eslint-disable @backstage/no-mixed-plugin-imports */
import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import pipelinesPlugin from '@internal/plugin-pipelines-backend';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import { pipelineExecutorExtensionPoint } from '@internal/plugin-pipelines-node';
import {
  GitHttpServer,
  makeGitRepository,
  startGitHttpServer,
} from '@internal/plugin-pipelines-node/testUtils';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import pipelinesModuleS3 from './index';
import { S3_RETENTION_TASK_ID } from './module';
import { S3ArtifactStore } from './S3ArtifactStore';
import { S3Fake, S3_FAKE_CREDENTIALS } from './testUtils';

jest.setTimeout(120_000);

const DAY = 24 * 60 * 60 * 1000;

/** Waits until `check` stops throwing (or fails with its last error after 10 s). */
async function eventually(check: () => void) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise(resolve => setTimeout(resolve, 20));
    }
  }
}

describe('pipelinesModuleS3', () => {
  let fake: S3Fake;

  beforeAll(async () => {
    fake = await S3Fake.start();
  });

  afterAll(async () => {
    await fake.close();
  });

  function s3Config(extra: Record<string, unknown> = {}) {
    return {
      pipelines: {
        artifacts: {
          s3: {
            bucket: 'comet',
            endpoint: fake.url,
            ...S3_FAKE_CREDENTIALS,
            ...extra,
          },
        },
      },
    };
  }

  async function startModule(data: object) {
    const executor = { setArtifactStore: jest.fn(), setExecutor: jest.fn() };
    const logger = mockServices.logger.mock();
    const scheduler = mockServices.scheduler.mock();
    const backend = await startTestBackend({
      extensionPoints: [[pipelineExecutorExtensionPoint, executor]],
      features: [
        pipelinesModuleS3,
        mockServices.rootConfig.factory({ data }),
        logger.factory,
        scheduler.factory,
      ],
    });
    return { backend, executor, logger, scheduler };
  }

  describe('with a mocked extension point', () => {
    it('replaces the artifact store and deletes old objects on a schedule', async () => {
      fake.state.putObject(
        'comet',
        'comet/artifacts/run-old/build/a.txt',
        'a',
        {
          lastModified: new Date(Date.now() - 40 * DAY),
        },
      );
      fake.state.putObject('comet', 'comet/artifacts/run-new/build/a.txt', 'a');
      const { backend, executor, logger, scheduler } = await startModule(
        s3Config({ retentionDays: 30 }),
      );
      try {
        expect(executor.setExecutor).not.toHaveBeenCalled();
        expect(executor.setArtifactStore).toHaveBeenCalledTimes(1);
        const store = executor.setArtifactStore.mock.calls[0][0];
        expect(store).toBeInstanceOf(S3ArtifactStore);
        expect(await store.list('run-new')).toEqual([
          { jobRunId: 'build', path: 'a.txt', size: 1 },
        ]);
        expect(logger.info).toHaveBeenCalledWith(
          `Pipeline artifacts go to S3: bucket "comet" at ${fake.url} under "comet/artifacts/"`,
        );

        expect(scheduler.scheduleTask).toHaveBeenCalledTimes(1);
        const task = scheduler.scheduleTask.mock.calls[0][0];
        expect(task).toMatchObject({
          id: S3_RETENTION_TASK_ID,
          frequency: { hours: 1 },
          timeout: { minutes: 30 },
        });
        await task.fn(new AbortController().signal);
        expect(fake.state.keys('comet', 'comet/artifacts/')).toEqual([
          'comet/artifacts/run-new/build/a.txt',
        ]);
        expect(logger.info).toHaveBeenCalledWith(
          'Deleted 1 pipeline artifact object(s) older than 30 days from S3 (pipelines.artifacts.s3.retentionDays)',
        );
        // The start-up check found the bucket
        await eventually(() =>
          expect(fake.calls.some(call => call.operation === 'HeadBucket')).toBe(
            true,
          ),
        );
        expect(logger.warn).not.toHaveBeenCalled();
      } finally {
        await backend.stop();
      }
    });

    it('stays off, saying which key turns it on, without a bucket', async () => {
      const { backend, executor, logger, scheduler } = await startModule({
        pipelines: { artifacts: { s3: { region: 'eu-west-1' } } },
      });
      try {
        expect(executor.setArtifactStore).not.toHaveBeenCalled();
        expect(scheduler.scheduleTask).not.toHaveBeenCalled();
        expect(logger.info).toHaveBeenCalledWith(
          'Pipeline artifacts stay on the local disk: set pipelines.artifacts.s3.bucket to keep them in S3-compatible object storage',
        );
      } finally {
        await backend.stop();
      }
    });

    it('warns at start-up when the bucket cannot be used, and schedules nothing without retentionDays', async () => {
      const { backend, executor, logger, scheduler } = await startModule(
        s3Config({ bucket: 'missing-bucket' }),
      );
      try {
        expect(executor.setArtifactStore).toHaveBeenCalledTimes(1);
        expect(scheduler.scheduleTask).not.toHaveBeenCalled();
        await eventually(() =>
          expect(logger.warn).toHaveBeenCalledWith(
            `S3 artifact store, bucket "missing-bucket" at ${fake.url}: checking the bucket failed: the bucket does not exist (NotFound): create it, or fix pipelines.artifacts.s3.bucket`,
          ),
        );
      } finally {
        await backend.stop();
      }
    });

    it('refuses to start with a setting that cannot work, naming the key', async () => {
      await expect(
        startModule(s3Config({ retentionDays: -1 })),
      ).rejects.toThrow(
        'Invalid pipelines.artifacts.s3.retentionDays: must be a whole number of days, at least 1, not -1',
      );
    });
  });

  describe('inside the pipelines plugin', () => {
    const PIPELINE = `
name: build
jobs:
  build:
    steps:
      - run: |
          mkdir -p dist
          echo built > dist/out.txt
          head -c 9437184 /dev/urandom > dist/big.bin
          echo "big.bin sha256 $(sha256sum dist/big.bin | cut -c1-64)"
    artifacts: [dist/]
  test:
    matrix:
      shard: ['1', '2']
    steps:
      - run: mkdir -p out && echo "shard \${{ matrix.shard }}" > out/result.txt
    artifacts: [out/]
`;
    const entityRef = 'component:default/payments-api';
    const user = mockCredentials.user.header();
    let tmp: string;
    let gitServer: GitHttpServer;
    let backend: Awaited<ReturnType<typeof startTestBackend>>;

    beforeAll(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-s3-module-'));
      fs.mkdirSync(path.join(tmp, 'repo'));
      makeGitRepository(path.join(tmp, 'repo'), {
        '.comet/pipeline.yaml': PIPELINE,
      });
      gitServer = await startGitHttpServer({ root: tmp });
      backend = await startTestBackend({
        features: [
          pipelinesPlugin,
          pipelinesModuleS3,
          createServiceFactory({
            service: notificationService,
            deps: {},
            factory: () => ({ send: async () => {} }),
          }),
          mockServices.rootConfig.factory({
            data: {
              pipelines: {
                ...s3Config().pipelines,
                dataDir: path.join(tmp, 'data'),
                git: { allowedHosts: [gitServer.host] },
                heartbeatSeconds: 1,
                killGracePeriodSeconds: 1,
              },
            },
          }),
          catalogServiceMock.factory({
            entities: [
              {
                apiVersion: 'backstage.io/v1alpha1',
                kind: 'Component',
                metadata: {
                  name: 'payments-api',
                  namespace: 'default',
                  annotations: {
                    'backstage.io/source-location': `url:${gitServer.url(
                      'repo',
                    )}`,
                  },
                },
                spec: {
                  type: 'service',
                  owner: 'team-a',
                  lifecycle: 'production',
                },
              },
            ],
          }),
        ],
      });
    });

    afterAll(async () => {
      await backend?.stop();
      await gitServer?.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    function download(url: string) {
      return request(backend.server)
        .get(url)
        .set('Authorization', user)
        .buffer(true)
        .parse((res, callback) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => callback(null, Buffer.concat(chunks)));
        });
    }

    it('keeps a run’s artifacts in the bucket and serves them through the REST API', async () => {
      const started = await request(backend.server)
        .post('/api/pipelines/runs')
        .set('Authorization', user)
        .send({ entityRef, pipelinePath: '.comet/pipeline.yaml' });
      expect(started.status).toBe(201);
      const runId: string = started.body.runId;
      let run: PipelineRun | undefined;
      const deadline = Date.now() + 90_000;
      for (;;) {
        const got = await request(backend.server)
          .get(`/api/pipelines/runs/${runId}`)
          .set('Authorization', user);
        run = got.body;
        if (['succeeded', 'failed', 'cancelled'].includes(run!.status)) break;
        if (Date.now() > deadline) throw new Error(`run stuck: ${run!.status}`);
        await new Promise(resolve => setTimeout(resolve, 200));
      }
      const logs = await request(backend.server)
        .get(`/api/pipelines/runs/${runId}/logs?limit=10000`)
        .set('Authorization', user);
      const log = (logs.body.lines as Array<{ text: string }>)
        .map(line => line.text)
        .join('\n');
      expect({ status: run!.status, log }).toMatchObject({
        status: 'succeeded',
      });
      const bigSha = /big\.bin sha256 ([0-9a-f]{64})/.exec(log)![1];

      // In the bucket, not on the backend's disk
      expect(fake.state.keys('comet', `comet/artifacts/${runId}/`)).toEqual([
        `comet/artifacts/${runId}/build/dist/big.bin`,
        `comet/artifacts/${runId}/build/dist/out.txt`,
        `comet/artifacts/${runId}/test_shard=1_/out/result.txt`,
        `comet/artifacts/${runId}/test_shard=2_/out/result.txt`,
      ]);
      expect(fs.existsSync(path.join(tmp, 'data', 'artifacts', runId))).toBe(
        false,
      );

      const listed = await request(backend.server)
        .get(`/api/pipelines/runs/${runId}/artifacts`)
        .set('Authorization', user);
      expect(listed.status).toBe(200);
      expect(listed.body.artifacts).toEqual([
        { jobRunId: 'build', path: 'dist/big.bin', size: 9437184 },
        { jobRunId: 'build', path: 'dist/out.txt', size: 6 },
        { jobRunId: 'test_shard=1_', path: 'out/result.txt', size: 8 },
        { jobRunId: 'test_shard=2_', path: 'out/result.txt', size: 8 },
      ]);

      const big = await download(
        `/api/pipelines/runs/${runId}/artifacts/build/dist/big.bin`,
      );
      expect(big.status).toBe(200);
      expect(big.body.length).toBe(9437184);
      expect(createHash('sha256').update(big.body).digest('hex')).toBe(bigSha);
      // By the listed name and by the job's own id
      for (const jobRunId of ['test_shard=2_', 'test (shard=2)']) {
        const result = await download(
          `/api/pipelines/runs/${runId}/artifacts/${encodeURIComponent(
            jobRunId,
          )}/out/result.txt`,
        );
        expect(result.status).toBe(200);
        expect(result.body.toString()).toBe('shard 2\n');
      }
      for (const escape of [
        `/api/pipelines/runs/${runId}/artifacts/build/..%2F..%2Fsecret`,
        `/api/pipelines/runs/${runId}/artifacts/build/dist/missing.txt`,
        `/api/pipelines/runs/${runId}/artifacts/%2E%2E/build/dist/out.txt`,
      ]) {
        expect((await download(escape)).status).toBe(404);
      }

      // A store that cannot answer is a 503 that says why, not an empty list
      const objects = fake.state.buckets.get('comet')!;
      fake.state.buckets.delete('comet');
      try {
        const unavailable = await request(backend.server)
          .get(`/api/pipelines/runs/${runId}/artifacts`)
          .set('Authorization', user);
        expect(unavailable.status).toBe(503);
        expect(unavailable.body.error.message).toBe(
          `S3 artifact store, bucket "comet" at ${fake.url}: listing comet/artifacts/${runId}/ failed: the bucket does not exist (NoSuchBucket): create it, or fix pipelines.artifacts.s3.bucket`,
        );
      } finally {
        fake.state.buckets.set('comet', objects);
      }
    });
  });
});
