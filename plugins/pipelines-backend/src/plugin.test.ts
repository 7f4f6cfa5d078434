/*
 * The pipelines plugin end to end inside a test backend: REST API, permissions, the engine,
 * the real database (SQLite and PostgreSQL), the local executor running real bash steps in
 * checkouts of a real git repository.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  PipelineRunEvent,
  pipelinesRunEventsExtensionPoint,
  pipelineStepTypesExtensionPoint,
} from '@internal/plugin-pipelines-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { pipelinesPlugin } from './plugin';
import {
  GitHttpServer,
  startGitHttpServer,
} from '@internal/plugin-pipelines-node/testUtils';
import { makeGitRepository } from '@internal/plugin-pipelines-node/testUtils';

jest.setTimeout(120_000);

const SECRET = 'hunter2-very-secret';
const WEBHOOK_SECRET = 'webhook-secret-for-tests';

const FILES: Record<string, string> = {
  'package.json': '{"name":"demo","version":"1.0.0"}\n',
  '.comet/pipeline.yaml': `
name: build
on:
  manual: {}
  push:
    branches: [main]
  pull_request:
    branches: [main]
params:
  greeting:
    type: string
    default: hello
  loud:
    type: boolean
    default: false
jobs:
  build:
    steps:
      - name: Greet
        run: |
          echo "\${{ params.greeting }} from $COMET_ENTITY_REF"
          echo "token is \${{ secrets.DEPLOY_TOKEN }}"
          echo "$DEPLOY_TOKEN" | base64
          echo "leak=\${LEAKED_FROM_BACKEND:-none}"
        env:
          DEPLOY_TOKEN: \${{ secrets.DEPLOY_TOKEN }}
      - name: Loud
        if: params.loud == 'true'
        run: echo LOUD
      - name: Package
        run: mkdir -p dist && echo built > dist/out.txt
    artifacts: [dist/]
`,
  '.comet/slow.yaml': `
name: slow
jobs:
  wait:
    steps:
      - run: echo started; sleep 60; echo never
`,
  '.comet/gate.yaml': `
name: gated
params:
  what:
    type: string
    default: it
jobs:
  build:
    steps:
      - run: echo building
  approve:
    needs: [build]
    approval:
      description: Ship \${{ params.what }}?
  deploy:
    needs: [approve]
    steps:
      - run: echo deploying
      - name: Smoke check
        run: |
          echo "smoke check failed: /healthz answered 503" >&2
          exit 1
`,
  '.comet/dag.yaml': `
name: dag
jobs:
  lint:
    steps:
      - run: echo lint
  test:
    needs: [lint]
    matrix:
      shard: ['1', '2']
    steps:
      - run: echo "shard \${{ matrix.shard }}"
  package:
    needs: [test]
    steps:
      - run: echo package
`,
  '.comet/broken.yaml': `
name: broken
jobs:
  a:
    needs: [b]
    steps: [{ run: echo a }]
  b:
    needs: [a]
    steps: [{ run: echo b }]
`,
  '.comet/missing-command.yaml': `
name: missing
jobs:
  build:
    retry: 1
    steps:
      - run: definitely-not-a-command --version
`,
};

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())(
  'pipelines plugin on %s',
  databaseId => {
    const sent: Array<{
      recipients: unknown;
      payload: { title: string; description?: string };
    }> = [];
    // What a module listening to run events received
    const runEvents: PipelineRunEvent[] = [];
    let tmp: string;
    let commit: string;
    let server: any;
    let stopBackend: () => Promise<void>;
    let gitServer: GitHttpServer | undefined;
    const entityRef = 'component:default/demo';
    const user = mockCredentials.user.header();
    // Decides gates: nobody decides a gate of a run they triggered, and `user` triggers them
    const approver = mockCredentials.user.header('user:default/approver');

    beforeAll(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-pipelines-'));
      const repo = path.join(tmp, 'repo');
      fs.mkdirSync(repo);
      commit = makeGitRepository(repo, FILES);
      // Served over HTTP as a git host would; `pipelines.git.allowedHosts` allows it
      gitServer = await startGitHttpServer({ root: tmp });
      process.env.LEAKED_FROM_BACKEND = 'backend-secret-env';
      const knex = await databases.init(databaseId);
      const backend = await startTestBackend({
        features: [
          pipelinesPlugin,
          createBackendModule({
            pluginId: 'pipelines',
            moduleId: 'test-run-events',
            register(env) {
              env.registerInit({
                deps: { events: pipelinesRunEventsExtensionPoint },
                async init({ events }) {
                  events.addListener({
                    id: 'test.recorder',
                    onEvent: async event => {
                      runEvents.push(event);
                    },
                  });
                },
              });
            },
          }),
          createServiceFactory({
            service: notificationService,
            deps: {},
            factory: () => ({
              send: async (notification: any) => {
                sent.push(notification);
              },
            }),
          }),
          mockServices.database.factory({ knex }),
          // The default mock user and the approver are in team-a, which owns the demo component.
          createServiceFactory({
            service: coreServices.userInfo,
            deps: {},
            factory: () => ({
              getUserInfo: async (credentials: any) => {
                const userEntityRef = credentials.principal.userEntityRef;
                return {
                  userEntityRef,
                  ownershipEntityRefs:
                    userEntityRef === 'user:default/mock' ||
                    userEntityRef === 'user:default/approver'
                      ? [userEntityRef, 'group:default/team-a']
                      : [userEntityRef],
                };
              },
            }),
          }),
          mockServices.rootConfig.factory({
            data: {
              pipelines: {
                dataDir: path.join(tmp, 'data'),
                git: { allowedHosts: [gitServer.host] },
                heartbeatSeconds: 1,
                killGracePeriodSeconds: 1,
                secrets: { DEPLOY_TOKEN: SECRET },
                github: { webhookSecret: WEBHOOK_SECRET },
              },
            },
          }),
          catalogServiceMock.factory({
            entities: [
              {
                apiVersion: 'backstage.io/v1alpha1',
                kind: 'Component',
                metadata: {
                  name: 'demo',
                  namespace: 'default',
                  annotations: {
                    'backstage.io/source-location': `url:${gitServer.url(
                      'repo',
                    )}`,
                    'comet.dev/pipelines':
                      '.comet/pipeline.yaml,.comet/slow.yaml,.comet/gate.yaml,.comet/dag.yaml,.comet/broken.yaml,.comet/missing-command.yaml',
                    'github.com/project-slug': 'acme/demo',
                  },
                },
                spec: {
                  type: 'service',
                  owner: 'team-a',
                  lifecycle: 'production',
                },
                relations: [
                  { type: 'ownedBy', targetRef: 'group:default/team-a' },
                ],
              },
              {
                apiVersion: 'backstage.io/v1alpha1',
                kind: 'Component',
                metadata: { name: 'no-source', namespace: 'default' },
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
      server = backend.server;
      stopBackend = () => backend.stop();
    });

    afterAll(async () => {
      delete process.env.LEAKED_FROM_BACKEND;
      await stopBackend?.();
      await gitServer?.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    async function trigger(body: object) {
      return request(server)
        .post('/api/pipelines/runs')
        .set('Authorization', user)
        .send(body);
    }

    async function waitFor(runId: string, done: (run: PipelineRun) => boolean) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const res = await request(server)
          .get(`/api/pipelines/runs/${runId}`)
          .set('Authorization', user);
        expect(res.status).toBe(200);
        if (done(res.body)) return res.body as PipelineRun;
        if (Date.now() > deadline) {
          throw new Error(
            `run did not get there: ${JSON.stringify(res.body, null, 1)}`,
          );
        }
        await new Promise(r => setTimeout(r, 200));
      }
    }

    /** Notifications come from the run event outbox, shortly after the change. */
    async function notificationsAbout(titlePart: string, count: number) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const about = sent.filter(n => n.payload.title.includes(titlePart));
        if (about.length >= count || Date.now() > deadline) return about;
        await new Promise(r => setTimeout(r, 50));
      }
    }

    const finished = (run: PipelineRun) =>
      ['succeeded', 'failed', 'cancelled', 'skipped'].includes(run.status);

    async function logText(runId: string) {
      const res = await request(server)
        .get(`/api/pipelines/runs/${runId}/logs?limit=10000`)
        .set('Authorization', user);
      expect(res.status).toBe(200);
      return (res.body.lines as Array<{ text: string }>)
        .map(l => l.text)
        .join('\n');
    }

    it('runs a pipeline from the repository to success, with params, masked secrets and an isolated env', async () => {
      const res = await trigger({ entityRef, params: { greeting: 'hej' } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        provider: 'comet',
        entityRef,
        pipeline: 'build',
        pipelinePath: '.comet/pipeline.yaml',
        number: 1,
        trigger: { type: 'manual', actor: 'user:default/mock' },
        commit: { sha: commit },
        params: { greeting: 'hej', loud: false },
      });
      const run = await waitFor(res.body.runId, finished);
      expect(run.status).toBe('succeeded');
      expect(run.jobs[0].steps.map(s => [s.name, s.status])).toEqual([
        ['Greet', 'succeeded'],
        ['Loud', 'skipped'],
        ['Package', 'succeeded'],
      ]);
      const log = await logText(run.runId);
      expect(log).toContain(`hej from ${entityRef}`);
      expect(log).toContain('token is ***');
      expect(log).not.toContain(SECRET);
      expect(log).not.toContain(
        Buffer.from(`${SECRET}\n`).toString('base64').slice(0, 16),
      );
      expect(log).toContain('leak=none');
      expect(log).toContain('Kept artifacts: dist/');
      const artifact = path.join(
        tmp,
        'data',
        'artifacts',
        run.runId,
        'build',
        'dist',
        'out.txt',
      );
      expect(fs.readFileSync(artifact, 'utf8')).toBe('built\n');

      const listed = await request(server)
        .get(`/api/pipelines/runs/${run.runId}/artifacts`)
        .set('Authorization', user);
      expect(listed.body.artifacts).toEqual([
        { jobRunId: 'build', path: 'dist/out.txt', size: 6 },
      ]);
      const download = await request(server)
        .get(`/api/pipelines/runs/${run.runId}/artifacts/build/dist/out.txt`)
        .set('Authorization', user);
      expect(download.status).toBe(200);
      expect(download.headers['content-disposition']).toBe(
        'attachment; filename="out.txt"',
      );
      expect(String(download.body)).toBe('built\n');
      const escape = await request(server)
        .get(
          `/api/pipelines/runs/${run.runId}/artifacts/build/..%2F..%2F..%2Fsecret`,
        )
        .set('Authorization', user);
      expect(escape.status).toBe(404);

      const all = await request(server)
        .get(
          `/api/pipelines/ci-runs?entityRef=${encodeURIComponent(entityRef)}`,
        )
        .set('Authorization', user);
      expect(all.status).toBe(200);
      expect(all.body.providers).toEqual([{ id: 'comet', title: 'Comet' }]);
      expect(all.body.runs[0]).toMatchObject({
        provider: 'comet',
        runId: run.runId,
      });
      expect(all.body.errors).toEqual([]);
    });

    it('numbers runs per pipeline and lists them newest first', async () => {
      const second = await trigger({ entityRef });
      await waitFor(second.body.runId, finished);
      const list = await request(server)
        .get(
          `/api/pipelines/runs?entityRef=${encodeURIComponent(
            entityRef,
          )}&pipeline=build&limit=1`,
        )
        .set('Authorization', user);
      expect(list.status).toBe(200);
      expect(list.body.runs).toHaveLength(1);
      expect(list.body.runs[0].number).toBe(2);
      expect(list.body.nextCursor).toBeDefined();
      const next = await request(server)
        .get(
          `/api/pipelines/runs?entityRef=${encodeURIComponent(
            entityRef,
          )}&pipeline=build&limit=1&cursor=${encodeURIComponent(
            list.body.nextCursor,
          )}`,
        )
        .set('Authorization', user);
      expect(next.body.runs[0].number).toBe(1);
    });

    it('lists runs across entities: owned by my groups by default, or all I may see', async () => {
      const owned = await request(server)
        .get('/api/pipelines/runs?limit=200')
        .set('Authorization', user);
      expect(owned.status).toBe(200);
      expect(owned.body.entityRefs).toEqual([entityRef]);
      expect(owned.body.runs.length).toBeGreaterThanOrEqual(2);
      expect(
        owned.body.runs.every((r: PipelineRun) => r.entityRef === entityRef),
      ).toBe(true);

      // Another user, in no group that owns anything, sees nothing as "owned"...
      const stranger = mockCredentials.user.header('user:default/stranger');
      const none = await request(server)
        .get('/api/pipelines/runs')
        .set('Authorization', stranger);
      expect(none.status).toBe(200);
      expect(none.body.runs).toEqual([]);
      // ...but every run the catalog lets them see under scope=all.
      const all = await request(server)
        .get('/api/pipelines/runs?scope=all&limit=200')
        .set('Authorization', stranger);
      expect(all.body.runs.length).toBe(owned.body.runs.length);

      const both = await request(server)
        .get(
          `/api/pipelines/runs?scope=all&entityRef=${encodeURIComponent(
            entityRef,
          )}`,
        )
        .set('Authorization', user);
      expect(both.status).toBe(400);
      expect(both.body.error.message).toMatch(/either entityRef .* or scope/);
    });

    it('pages the CI/CD list across providers with one cursor', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 50; page++) {
        const res = await request(server)
          .get(
            `/api/pipelines/ci-runs?entityRef=${encodeURIComponent(
              entityRef,
            )}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          )
          .set('Authorization', user);
        expect(res.status).toBe(200);
        seen.push(...res.body.runs.map((r: PipelineRun) => r.runId));
        cursor = res.body.nextCursor;
        if (!cursor) break;
      }
      const direct = await request(server)
        .get(
          `/api/pipelines/runs?entityRef=${encodeURIComponent(
            entityRef,
          )}&limit=200`,
        )
        .set('Authorization', user);
      expect(seen).toEqual(direct.body.runs.map((r: PipelineRun) => r.runId));

      const unknown = await request(server)
        .get(
          `/api/pipelines/ci-runs?entityRef=${encodeURIComponent(
            entityRef,
          )}&provider=jenkins`,
        )
        .set('Authorization', user);
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toMatch(/Provider "jenkins"/);
    });

    it('runs a DAG with a matrix in dependency order', async () => {
      const res = await trigger({ entityRef, pipelinePath: '.comet/dag.yaml' });
      expect(res.status).toBe(201);
      expect(res.body.jobs.map((j: any) => [j.jobRunId, j.needs])).toEqual([
        ['lint', []],
        ['test (shard=1)', ['lint']],
        ['test (shard=2)', ['lint']],
        ['package', ['test (shard=1)', 'test (shard=2)']],
      ]);
      const run = await waitFor(res.body.runId, finished);
      expect(run.status).toBe('succeeded');
      const byId = Object.fromEntries(run.jobs.map(j => [j.jobRunId, j]));
      expect(Date.parse(byId.package.startedAt!)).toBeGreaterThanOrEqual(
        Date.parse(byId['test (shard=2)'].finishedAt!),
      );
      const log = await logText(run.runId);
      expect(log).toContain('shard 1');
      expect(log).toContain('shard 2');
    });

    it('tells a module listening to run events how a run went', async () => {
      const res = await trigger({ entityRef, pipelinePath: '.comet/dag.yaml' });
      expect(res.status).toBe(201);
      const run = await waitFor(res.body.runId, finished);
      expect(run.status).toBe('succeeded');
      const deadline = Date.now() + 30_000;
      const ofRun = () => runEvents.filter(e => e.runId === run.runId);
      while (
        !ofRun().some(e => e.type === 'run.succeeded') &&
        Date.now() < deadline
      ) {
        await new Promise(r => setTimeout(r, 50));
      }
      const events = ofRun();
      expect(events[0]).toMatchObject({
        type: 'run.queued',
        entityRef,
        pipeline: 'dag',
        runNumber: run.number,
        trigger: { type: 'manual', actor: 'user:default/mock' },
      });
      expect(
        events.filter(e => e.type.startsWith('run.')).map(e => e.type),
      ).toEqual(['run.queued', 'run.started', 'run.succeeded']);
      const jobEvents = (jobRunId: string) =>
        events.filter(e => e.job?.jobRunId === jobRunId).map(e => e.type);
      for (const job of run.jobs) {
        expect(jobEvents(job.jobRunId)).toEqual([
          'job.started',
          'job.finished',
        ]);
      }
      expect(events[events.length - 1]).toMatchObject({
        type: 'run.succeeded',
        status: 'succeeded',
        finishedAt: run.finishedAt,
      });
    });

    it('waits at an approval gate, then reports the failing step', async () => {
      const res = await trigger({
        entityRef,
        pipelinePath: '.comet/gate.yaml',
      });
      const waiting = await waitFor(
        res.body.runId,
        run => run.status === 'waiting',
      );
      expect(waiting.jobs.find(j => j.jobId === 'approve')).toMatchObject({
        status: 'waiting',
        approval: { description: 'Ship it?' },
      });
      expect(waiting.jobs.find(j => j.jobId === 'deploy')!.status).toBe(
        'queued',
      );

      const approved = await request(server)
        .post(`/api/pipelines/runs/${res.body.runId}/jobs/approve/decision`)
        .set('Authorization', approver)
        .send({ decision: 'approve', comment: 'go' });
      expect(approved.status).toBe(200);
      const again = await request(server)
        .post(`/api/pipelines/runs/${res.body.runId}/jobs/approve/decision`)
        .set('Authorization', approver)
        .send({ decision: 'approve' });
      expect(again.status).toBe(400);
      expect(again.body.error.message).toContain('is not waiting for approval');

      const run = await waitFor(res.body.runId, finished);
      expect(run.status).toBe('failed');
      const deploy = run.jobs.find(j => j.jobId === 'deploy')!;
      expect(deploy.steps.map(s => [s.name, s.status, s.exitCode])).toEqual([
        ['echo deploying', 'succeeded', 0],
        ['Smoke check', 'failed', 1],
      ]);
      expect(deploy.error).toBe(
        'Step "Smoke check" failed: Exited with code 1',
      );
      // The owning group heard about the waiting gate and the failure
      const about = await notificationsAbout(`gated #${run.number} `, 2);
      expect(about.map(n => [n.recipients, n.payload.title])).toEqual([
        [
          { type: 'entity', entityRef: 'group:default/team-a' },
          `Pipeline gated #${run.number} of demo waits for approval`,
        ],
        [
          { type: 'entity', entityRef: 'group:default/team-a' },
          `Pipeline gated #${run.number} of demo failed`,
        ],
      ]);
      expect(about[0].payload.description).toBe('Ship it?');
      expect(await logText(run.runId)).toContain(
        'smoke check failed: /healthz answered 503',
      );
    });

    it('cancels a long run and terminates its step', async () => {
      const res = await trigger({
        entityRef,
        pipelinePath: '.comet/slow.yaml',
      });
      await waitFor(
        res.body.runId,
        run => run.jobs[0].steps[0].status === 'running',
      );
      // "running" is recorded before bash has printed anything; cancel once it has.
      for (let i = 0; i < 300; i++) {
        if ((await logText(res.body.runId)).split('\n').includes('started')) {
          break;
        }
        await new Promise(r => setTimeout(r, 100));
      }
      const cancel = await request(server)
        .post(`/api/pipelines/runs/${res.body.runId}/cancel`)
        .set('Authorization', user);
      expect(cancel.status).toBe(200);
      const run = await waitFor(
        res.body.runId,
        r =>
          r.status === 'cancelled' && r.jobs[0].steps[0].status !== 'running',
      );
      expect(run.jobs[0].status).toBe('cancelled');
      expect(run.error ?? run.jobs[0].error).toContain(
        'Cancelled by user:default/mock',
      );
      const log = await logText(run.runId);
      const lines = log.split('\n');
      expect(lines).toContain('started');
      expect(lines).not.toContain('never');
    });

    it('retries a job whose command is not found, then fails it clearly', async () => {
      const res = await trigger({
        entityRef,
        pipelinePath: '.comet/missing-command.yaml',
      });
      const run = await waitFor(res.body.runId, finished);
      expect(run.status).toBe('failed');
      expect(run.jobs[0].attempt).toBe(2);
      expect(run.jobs[0].error).toContain('Command not found (exit code 127)');
      const log = await logText(run.runId);
      expect(log).toContain('definitely-not-a-command: command not found');
      expect(log).toContain('Retrying job build (attempt 2 of 2)');
    });

    it('re-runs only the failed jobs of a run', async () => {
      const res = await trigger({
        entityRef,
        pipelinePath: '.comet/gate.yaml',
      });
      await waitFor(res.body.runId, run => run.status === 'waiting');
      await request(server)
        .post(`/api/pipelines/runs/${res.body.runId}/jobs/approve/decision`)
        .set('Authorization', approver)
        .send({ decision: 'reject', comment: 'not today' });
      const rejected = await waitFor(res.body.runId, finished);
      expect(rejected.status).toBe('failed');
      expect(rejected.jobs.find(j => j.jobId === 'approve')!.error).toContain(
        'not today',
      );
      expect(rejected.jobs.find(j => j.jobId === 'deploy')!.status).toBe(
        'skipped',
      );

      const rerun = await request(server)
        .post(`/api/pipelines/runs/${res.body.runId}/rerun`)
        .set('Authorization', user)
        .send({ failedOnly: true });
      expect(rerun.status).toBe(201);
      expect(rerun.body.trigger).toMatchObject({
        type: 'rerun',
        rerunOf: res.body.runId,
      });
      const build = rerun.body.jobs.find((j: any) => j.jobId === 'build');
      expect(build.status).toBe('succeeded');
      const waiting = await waitFor(
        rerun.body.runId,
        run => run.status === 'waiting',
      );
      expect(waiting.jobs.find(j => j.jobId === 'approve')!.status).toBe(
        'waiting',
      );
      await request(server)
        .post(`/api/pipelines/runs/${rerun.body.runId}/cancel`)
        .set('Authorization', user);
    });

    it('explains bad input', async () => {
      const invalid = await trigger({
        entityRef,
        pipelinePath: '.comet/broken.yaml',
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.message).toMatch(
        /^\.comet\/broken\.yaml:\d+:\d+: Cyclic needs/,
      );

      const unknownPipeline = await trigger({
        entityRef,
        pipelinePath: '.comet/nope.yaml',
      });
      expect(unknownPipeline.status).toBe(400);
      expect(unknownPipeline.body.error.message).toContain(
        'has no pipeline .comet/nope.yaml',
      );

      const noEntity = await trigger({ entityRef: 'component:default/ghost' });
      expect(noEntity.status).toBe(404);
      expect(noEntity.body.error.message).toContain(
        'No entity component:default/ghost',
      );

      const noSource = await trigger({
        entityRef: 'component:default/no-source',
      });
      expect(noSource.status).toBe(400);
      expect(noSource.body.error.message).toContain(
        'has no backstage.io/source-location',
      );

      const badParam = await trigger({ entityRef, params: { loud: 'maybe' } });
      expect(badParam.status).toBe(400);
      expect(badParam.body.error.message).toBe(
        'Parameter "loud" must be true or false, got "maybe"',
      );

      // A string with no maxLength of its own holds at most 1000 characters
      const longParam = await trigger({
        entityRef,
        params: { greeting: 'x'.repeat(1001) },
      });
      expect(longParam.status).toBe(400);
      expect(longParam.body.error).toMatchObject({
        name: 'InputError',
        message: 'param "greeting": must be at most 1000 characters, got 1001',
      });

      const unknownParam = await trigger({
        entityRef,
        params: { colour: 'red' },
      });
      expect(unknownParam.body.error.message).toBe(
        'Unknown parameter "colour"; build takes greeting, loud',
      );

      const missingField = await trigger({});
      expect(missingField.status).toBe(400);
      expect(missingField.body.error.message).toContain(
        'entityRef is required',
      );

      const noRun = await request(server)
        .get('/api/pipelines/runs/nope')
        .set('Authorization', user);
      expect(noRun.status).toBe(404);
    });

    it('validates a pipeline file with line and column', async () => {
      const res = await request(server)
        .post('/api/pipelines/validate')
        .set('Authorization', user)
        .send({
          yaml: 'name: x\njobs:\n  a:\n    steps:\n      - uses: nope/nope\n',
          file: 'p.yaml',
        });
      expect(res.status).toBe(200);
      expect(res.body.ok).toBe(false);
      expect(res.body.issues[0]).toMatchObject({
        file: 'p.yaml',
        line: 5,
        path: 'jobs.a.steps[0].uses',
      });
    });

    it('streams the live log with resume from a cursor', async () => {
      const res = await trigger({ entityRef, pipelinePath: '.comet/dag.yaml' });
      const stream = await request(server)
        .get(`/api/pipelines/runs/${res.body.runId}/logs/stream`)
        .set('Authorization', user)
        .buffer(true)
        .parse((response, callback) => {
          let text = '';
          response.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          response.on('end', () => callback(null, text));
        });
      expect(stream.status).toBe(200);
      const events = String(stream.body);
      expect(events).toContain('event: end');
      const ids = [...events.matchAll(/^id: (\d+)$/gm)].map(m => Number(m[1]));
      expect(ids.length).toBeGreaterThan(5);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);

      // Resuming after the third line gives exactly the rest, no line twice
      const resumed = await request(server)
        .get(`/api/pipelines/runs/${res.body.runId}/logs/stream`)
        .set('Authorization', user)
        .set('Last-Event-ID', String(ids[2]))
        .buffer(true)
        .parse((response, callback) => {
          let text = '';
          response.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          response.on('end', () => callback(null, text));
        });
      const resumedIds = [
        ...String(resumed.body).matchAll(/^id: (\d+)$/gm),
      ].map(m => Number(m[1]));
      expect(resumedIds).toEqual(ids.slice(3));
    });

    it('triggers on a signed GitHub push and refuses a bad signature', async () => {
      const body = JSON.stringify({
        ref: 'refs/heads/main',
        after: commit,
        repository: { full_name: 'acme/demo' },
        sender: { login: 'octocat' },
      });
      const sign = (secret: string) =>
        `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const bad = await request(server)
        .post('/api/pipelines/webhooks/github')
        .set('content-type', 'application/json')
        .set('x-github-event', 'push')
        .set('x-github-delivery', 'd-1')
        .set('x-hub-signature-256', sign('wrong'))
        .send(body);
      expect(bad.status).toBe(401);

      const started = Date.now();
      const good = await request(server)
        .post('/api/pipelines/webhooks/github')
        .set('content-type', 'application/json')
        .set('x-github-event', 'push')
        .set('x-github-delivery', `d-${databaseId}`)
        .set('x-hub-signature-256', sign(WEBHOOK_SECRET))
        .send(body);
      expect(good.status).toBe(202);
      expect(Date.now() - started).toBeLessThan(1000);
      const duplicate = await request(server)
        .post('/api/pipelines/webhooks/github')
        .set('content-type', 'application/json')
        .set('x-github-event', 'push')
        .set('x-github-delivery', `d-${databaseId}`)
        .set('x-hub-signature-256', sign(WEBHOOK_SECRET))
        .send(body);
      expect(duplicate.body).toMatchObject({ duplicate: true });

      // Only the pipeline with `on.push.branches: [main]` runs; the invalid broken.yaml is
      // recorded as a failed run that says why.
      const deadline = Date.now() + 20_000;
      let pushRuns: PipelineRun[] = [];
      while (Date.now() < deadline && pushRuns.length < 2) {
        const list = await request(server)
          .get(
            `/api/pipelines/runs?entityRef=${encodeURIComponent(
              entityRef,
            )}&limit=50`,
          )
          .set('Authorization', user);
        pushRuns = (list.body.runs as PipelineRun[]).filter(
          r => r.trigger.type === 'push',
        );
        await new Promise(r => setTimeout(r, 200));
      }
      expect(
        pushRuns
          .map(r => [r.pipeline, r.branch, r.trigger.actor, r.status])
          .sort(),
      ).toEqual([
        ['.comet/broken.yaml', 'main', 'github:octocat', 'failed'],
        ['build', 'main', 'github:octocat', expect.any(String)],
      ]);
      const broken = pushRuns.find(r => r.pipeline === '.comet/broken.yaml')!;
      expect(broken.commit?.sha).toBe(commit);
      expect(broken.error).toMatch(
        /^Job Pipeline file failed: \.comet\/broken\.yaml is invalid:\n\.comet\/broken\.yaml:\d+:\d+: /,
      );
    });

    it('notifies the owning group when a rejection fails a run', async () => {
      const res = await trigger({
        entityRef,
        pipelinePath: '.comet/gate.yaml',
        params: { what: 'the rejected build' },
      });
      await waitFor(res.body.runId, run => run.status === 'waiting');
      const rejected = await request(server)
        .post(`/api/pipelines/runs/${res.body.runId}/jobs/approve/decision`)
        .set('Authorization', approver)
        .send({ decision: 'reject', comment: 'not today' });
      expect(rejected.status).toBe(200);
      expect(rejected.body.status).toBe('failed');
      const about = await notificationsAbout(
        `gated #${rejected.body.number} `,
        2,
      );
      expect(about.map(n => [n.recipients, n.payload.title])).toEqual([
        [
          { type: 'entity', entityRef: 'group:default/team-a' },
          `Pipeline gated #${rejected.body.number} of demo waits for approval`,
        ],
        [
          { type: 'entity', entityRef: 'group:default/team-a' },
          `Pipeline gated #${rejected.body.number} of demo failed`,
        ],
      ]);
      expect(about[1].payload.description).toBe(
        'Job approve failed: Rejected by user:default/approver: not today',
      );
    });

    it('links the pull request a GitHub pull_request delivery started a run for', async () => {
      const body = JSON.stringify({
        action: 'opened',
        repository: { full_name: 'acme/demo' },
        pull_request: {
          number: 17,
          title: 'Greet louder',
          html_url: 'https://github.com/acme/demo/pull/17',
          head: {
            sha: commit,
            ref: 'feature/loud',
            repo: { full_name: 'acme/demo' },
          },
          base: { ref: 'main' },
        },
        sender: { login: 'octocat' },
      });
      const res = await request(server)
        .post('/api/pipelines/webhooks/github')
        .set('content-type', 'application/json')
        .set('x-github-event', 'pull_request')
        .set('x-github-delivery', `pr-${databaseId}`)
        .set(
          'x-hub-signature-256',
          `sha256=${createHmac('sha256', WEBHOOK_SECRET)
            .update(body)
            .digest('hex')}`,
        )
        .send(body);
      expect(res.status).toBe(202);

      const deadline = Date.now() + 20_000;
      let prRuns: PipelineRun[] = [];
      while (Date.now() < deadline && prRuns.length === 0) {
        const list = await request(server)
          .get(
            `/api/pipelines/runs?entityRef=${encodeURIComponent(
              entityRef,
            )}&limit=50`,
          )
          .set('Authorization', user);
        // (pipeline files that cannot be read or are invalid get failed runs of their own)
        prRuns = (list.body.runs as PipelineRun[]).filter(
          r => r.trigger.type === 'pull_request' && r.pipeline === 'build',
        );
        await new Promise(r => setTimeout(r, 200));
      }
      expect(prRuns).toHaveLength(1);
      expect(prRuns[0]).toMatchObject({
        pipeline: 'build',
        branch: 'feature/loud',
        trigger: {
          type: 'pull_request',
          actor: 'github:octocat',
          pullRequest: {
            number: 17,
            title: 'Greet louder',
            url: 'https://github.com/acme/demo/pull/17',
          },
        },
        links: [
          {
            title: 'Pull request #17',
            url: 'https://github.com/acme/demo/pull/17',
          },
        ],
      });
      // A repository at a one-segment path has no web page for the commit
      expect(prRuns[0].commit).toEqual({ sha: commit, message: 'init' });
      await waitFor(prRuns[0].runId, finished);
      // A re-run still links the pull request
      const rerun = await request(server)
        .post(`/api/pipelines/runs/${prRuns[0].runId}/rerun`)
        .set('Authorization', user)
        .send({});
      expect(rerun.status).toBe(201);
      expect(rerun.body.trigger).toMatchObject({
        type: 'rerun',
        rerunOf: prRuns[0].runId,
        pullRequest: { number: 17 },
      });
      expect(rerun.body.links).toEqual(prRuns[0].links);
      await waitFor(rerun.body.runId, finished);
    });
  },
);

describe('pipelines permissions', () => {
  it('refuses to trigger without pipelines.run.create', async () => {
    const backend = await startTestBackend({
      features: [
        pipelinesPlugin,
        mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'demo', namespace: 'default' },
              spec: { type: 'service', owner: 'a', lifecycle: 'x' },
            },
          ],
        }),
      ],
    });
    const res = await request(backend.server)
      .post('/api/pipelines/runs')
      .set('Authorization', mockCredentials.user.header())
      .send({ entityRef: 'component:default/demo' });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe(
      'You are not allowed to pipelines.run.create on component:default/demo',
    );
    const list = await request(backend.server)
      .get('/api/pipelines/runs?entityRef=component:default/demo')
      .set('Authorization', mockCredentials.user.header());
    expect(list.status).toBe(403);
    await backend.stop();
  });

  it('refuses a uses: step without the inputs its step type requires', async () => {
    const backend = await startTestBackend({
      features: [
        pipelinesPlugin,
        createBackendModule({
          pluginId: 'pipelines',
          moduleId: 'test-step-types',
          register(env) {
            env.registerInit({
              deps: { stepTypes: pipelineStepTypesExtensionPoint },
              async init({ stepTypes }) {
                stepTypes.addStepType({
                  id: 'docker/build',
                  description: 'Builds an image',
                  requiredInputs: ['image'],
                  run: async () => {},
                });
              },
            });
          },
        }),
        catalogServiceMock.factory({ entities: [] }),
      ],
    });
    const validate = (yaml: string) =>
      request(backend.server)
        .post('/api/pipelines/validate')
        .set('Authorization', mockCredentials.user.header())
        .send({ yaml, file: 'p.yaml' });
    const missing = await validate(
      'name: x\njobs:\n  a:\n    steps:\n      - uses: docker/build\n        with: { tag: v1 }\n',
    );
    expect(missing.status).toBe(200);
    expect(missing.body).toMatchObject({
      ok: false,
      issues: [
        {
          message:
            'Step type "docker/build" requires the input "image" in "with"',
          path: 'jobs.a.steps[0].with.image',
          file: 'p.yaml',
          line: 6,
          column: 9,
        },
      ],
    });
    const given = await validate(
      'name: x\njobs:\n  a:\n    steps:\n      - uses: docker/build\n        with: { image: shop }\n',
    );
    expect(given.body.ok).toBe(true);
    // Every answer names the registered step types (the editor completes uses: from them)
    expect(given.body.stepTypes).toEqual(['docker/build']);
    expect(missing.body.stepTypes).toEqual(['docker/build']);
    await backend.stop();
  });
});
