/*
 * The module in a test backend: with a mocked extension point (what it registers, the reaper
 * task), then inside the real pipelines plugin, where a run's jobs run as Jobs in the
 * Kubernetes API fake, with the real client and the steps in the pipelines sandbox.
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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import pipelinesModuleKubernetes from './index';
import { KubernetesExecutor } from './KubernetesExecutor';
import { KUBERNETES_REAPER_TASK_ID } from './module';
import { KubernetesFake } from './testUtils';

jest.setTimeout(120_000);

describe('pipelinesModuleKubernetes', () => {
  let fake: KubernetesFake;
  let tmp: string;
  let kubeconfigPath: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-k8s-module-'));
    fs.chmodSync(tmp, 0o755);
    fake = await KubernetesFake.start({ root: path.join(tmp, 'pods') });
    kubeconfigPath = path.join(tmp, 'kubeconfig');
    fs.writeFileSync(kubeconfigPath, fake.kubeconfig());
  });

  afterAll(async () => {
    await fake?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function kubernetesConfig(extra: Record<string, unknown> = {}) {
    return {
      namespace: 'comet-jobs',
      image: 'registry.example.org/comet/runner:1',
      allowedImages: ['registry.example.org/comet/*'],
      kubeconfig: { path: kubeconfigPath },
      terminationGracePeriodSeconds: 1,
      ...extra,
    };
  }

  async function startModule(data: object) {
    const executor = { setArtifactStore: jest.fn(), setExecutor: jest.fn() };
    const logger = mockServices.logger.mock();
    const scheduler = mockServices.scheduler.mock();
    const backend = await startTestBackend({
      extensionPoints: [[pipelineExecutorExtensionPoint, executor]],
      features: [
        pipelinesModuleKubernetes,
        mockServices.rootConfig.factory({ data }),
        logger.factory,
        scheduler.factory,
      ],
    });
    return { backend, executor, logger, scheduler };
  }

  describe('with a mocked extension point', () => {
    it('sets the Kubernetes executor and schedules the reaper', async () => {
      const { backend, executor, logger, scheduler } = await startModule({
        pipelines: { kubernetes: kubernetesConfig() },
      });
      try {
        expect(executor.setExecutor).toHaveBeenCalledTimes(1);
        expect(executor.setExecutor.mock.calls[0][0]).toBeInstanceOf(
          KubernetesExecutor,
        );
        expect(logger.info).toHaveBeenCalledWith(
          `Pipeline jobs run as Kubernetes Jobs in namespace comet-jobs at ${fake.url}`,
        );
        expect(scheduler.scheduleTask).toHaveBeenCalledWith(
          expect.objectContaining({
            id: KUBERNETES_REAPER_TASK_ID,
            frequency: { minutes: 10 },
          }),
        );
      } finally {
        await backend.stop();
      }
    });

    it('stays off without pipelines.kubernetes', async () => {
      const { backend, executor, logger, scheduler } = await startModule({});
      try {
        expect(executor.setExecutor).not.toHaveBeenCalled();
        expect(scheduler.scheduleTask).not.toHaveBeenCalled();
        expect(logger.info).toHaveBeenCalledWith(
          "Pipeline jobs run on the backend's machine: set pipelines.kubernetes to run them as Kubernetes Jobs",
        );
      } finally {
        await backend.stop();
      }
    });

    it('refuses to start with a setting that cannot work, naming the key', async () => {
      await expect(
        startModule({
          pipelines: {
            kubernetes: kubernetesConfig({
              image: 'untrusted.example.net/library/node:22',
            }),
          },
        }),
      ).rejects.toThrow(
        'pipelines.kubernetes.image "untrusted.example.net/library/node:22" is not in pipelines.kubernetes.allowedImages',
      );
      await expect(
        startModule({
          pipelines: {
            kubernetes: kubernetesConfig({
              kubeconfig: { path: kubeconfigPath, context: 'nope' },
            }),
          },
        }),
      ).rejects.toThrow(/nope/);
    });
  });

  describe('inside the pipelines plugin', () => {
    const PIPELINE = `
name: build
jobs:
  build:
    image: registry.example.org/comet/node:22
    steps:
      - run: |
          mkdir -p dist
          echo "built $COMET_JOB" > dist/out.txt
          echo "on stderr" >&2
    artifacts: [dist/]
  denied:
    needs: [build]
    image: untrusted.example.net/library/alpine:3
    steps:
      - run: echo never
`;
    const entityRef = 'component:default/payments-api';
    const user = mockCredentials.user.header();
    let gitServer: GitHttpServer;
    let backend: Awaited<ReturnType<typeof startTestBackend>>;
    const scheduler = mockServices.scheduler.mock();

    beforeAll(async () => {
      fs.mkdirSync(path.join(tmp, 'repos', 'repo'), { recursive: true });
      makeGitRepository(path.join(tmp, 'repos', 'repo'), {
        '.comet/pipeline.yaml': PIPELINE,
      });
      gitServer = await startGitHttpServer({ root: path.join(tmp, 'repos') });
      backend = await startTestBackend({
        features: [
          pipelinesPlugin,
          pipelinesModuleKubernetes,
          scheduler.factory,
          createServiceFactory({
            service: notificationService,
            deps: {},
            factory: () => ({ send: async () => {} }),
          }),
          mockServices.rootConfig.factory({
            data: {
              pipelines: {
                dataDir: path.join(tmp, 'data'),
                git: { allowedHosts: [gitServer.host] },
                heartbeatSeconds: 1,
                killGracePeriodSeconds: 1,
                kubernetes: kubernetesConfig(),
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
    });

    it('runs the jobs as Kubernetes Jobs, keeps artifacts, refuses other images, and the reaper cleans up', async () => {
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
      const lines = logs.body.lines as Array<{
        text: string;
        stream: string;
        jobRunId: string;
      }>;
      expect(run!.status).toBe('failed');
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            jobRunId: 'build',
            stream: 'stderr',
            text: 'on stderr',
          }),
          expect.objectContaining({
            jobRunId: 'denied',
            stream: 'system',
            text: expect.stringContaining(
              'The job\'s image "untrusted.example.net/library/alpine:3" is not allowed',
            ),
          }),
        ]),
      );

      const artifact = await request(backend.server)
        .get(`/api/pipelines/runs/${runId}/artifacts/build/dist/out.txt`)
        .set('Authorization', user);
      expect(artifact.status).toBe(200);
      expect(String(artifact.text ?? artifact.body)).toBe('built build\n');

      // The build job's Job was labelled for the run and removed after it
      expect(
        fake.requests.some(r =>
          r.startsWith('POST /apis/batch/v1/namespaces/comet-jobs/jobs'),
        ),
      ).toBe(true);
      expect(fake.jobs.size).toBe(0);

      // A Job left behind by a backend that died: its job run is finished, so the reaper removes it
      const k8sJob = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: 'comet-leftover',
          labels: { 'app.kubernetes.io/managed-by': 'comet-pipelines' },
          annotations: {
            'comet.dev/run-id': runId,
            'comet.dev/job-run-id': 'build',
          },
        },
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'steps', image: 'x', command: ['true'] }],
            },
          },
        },
      };
      const created = await fetch(
        `${fake.url}/apis/batch/v1/namespaces/comet-jobs/jobs`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${fake.token}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify(k8sJob),
        },
      );
      expect(created.status).toBe(201);
      fake.jobs.get('comet-jobs/comet-leftover')!.metadata.creationTimestamp =
        new Date(Date.now() - 3_600_000).toISOString();
      const task = scheduler.scheduleTask.mock.calls.find(
        ([t]) => t.id === KUBERNETES_REAPER_TASK_ID,
      )![0];
      await task.fn(new AbortController().signal);
      expect(fake.jobs.has('comet-jobs/comet-leftover')).toBe(false);
    });
  });
});
