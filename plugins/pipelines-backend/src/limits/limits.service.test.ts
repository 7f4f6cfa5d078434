/*
 * The caps at trigger time, end to end through PipelinesService with the real store (SQLite
 * and PostgreSQL) and engine (not started, so runs stay queued): a manual trigger and a re-run
 * over a cap answer 429 through the router and the backend's error handler; a webhook and a
 * schedule over the entity's cap are skipped with a reason; a job timeout over the maximum is
 * a validation issue.
 */
import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import request from 'supertest';
import { PipelineEngine } from '../engine/PipelineEngine';
import { ScheduledPipelines } from '../service/ScheduledPipelines';
import { WebhookPipelineTrigger } from '../service/WebhookPipelineTrigger';
import { PipelinesService } from '../service/PipelinesService';
import { createRouter } from '../service/router';
import type { GithubWebhookHandler } from '../service/GithubWebhookHandler';
import type { LiveLogStream } from '../service/LiveLogStream';
import { DatabasePipelineStore } from '../store/DatabasePipelineStore';
import { ActiveRunLimiter } from './ActiveRunLimiter';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const ENTITY_REF = 'component:default/shop';
const PIPELINE = `name: ci
on:
  manual: {}
  push:
    branches: [main]
  schedule:
    - cron: '* * * * *'
jobs:
  build:
    timeout: 30m
    steps:
      - run: make
`;
const TOO_LONG = `name: ci
on:
  manual: {}
jobs:
  build:
    timeout: 10h
    steps:
      - run: make
`;

describe.each(databases.eachSupportedId())(
  'pipelines.limits at trigger time on %p',
  databaseId => {
    async function setUp(limits: {
      maxActiveRunsPerUser: number;
      maxActiveRunsPerEntity: number;
    }) {
      const knex = await databases.init(databaseId);
      const store = await DatabasePipelineStore.create({
        database: mockServices.database({ knex }),
      });
      const logger = mockServices.logger.mock();
      const engine = new PipelineEngine({
        store,
        executor: {} as any,
        stepTypes: new Map(),
        logger,
        secrets: {},
        artifacts: {} as any,
        concurrency: 1,
        leaseMs: 10_000,
        heartbeatMs: 1_000,
        logLimitBytes: 1_000_000,
      });
      const files: Record<string, string> = {
        '.comet/pipeline.yaml': PIPELINE,
      };
      const source = {
        readFile: async (options: { filePath: string }) => {
          const text = files[options.filePath];
          if (text === undefined) {
            throw new Error(`Cannot read ${options.filePath}`);
          }
          return { text, commit: 'a'.repeat(40) };
        },
      };
      const catalog = catalogServiceMock({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: {
              name: 'shop',
              namespace: 'default',
              annotations: {
                'backstage.io/source-location':
                  'url:https://github.com/acme/shop/tree/main/',
                'github.com/project-slug': 'acme/shop',
              },
            },
            spec: { type: 'service', owner: 'team-a', lifecycle: 'prod' },
          },
        ],
      });
      const service = new PipelinesService({
        store,
        engine,
        artifacts: {} as any,
        providers: [],
        catalog,
        permissions: {
          authorizeConditional: async (requests: unknown[]) =>
            requests.map(() => ({ result: AuthorizeResult.ALLOW })),
        } as any,
        userInfo: mockServices.userInfo(),
        auditor: mockServices.auditor.mock(),
        source: source as any,
        stepTypes: () => [],
        secretNames: () => [],
        readAccessCacheMs: 0,
        runLimiter: ActiveRunLimiter.create({ store, limits }),
        jobTimeout: { defaultMs: 60 * 60_000, maxMs: 360 * 60_000 },
      });
      const router = await createRouter({
        service,
        httpAuth: mockServices.httpAuth(),
        logger,
        webhooks: {} as GithubWebhookHandler,
        liveLogStream: {} as LiveLogStream,
      });
      const app = express().use(router).use(mockErrorHandler());
      const trigger = (user: string) =>
        request(app)
          .post('/runs')
          .set('authorization', mockCredentials.user.header(user))
          .send({ entityRef: ENTITY_REF });
      return { store, service, app, trigger, files, source, catalog, logger };
    }

    it('answers a user over maxActiveRunsPerUser with 429 naming the cap and its key', async () => {
      const { trigger, store } = await setUp({
        maxActiveRunsPerUser: 2,
        maxActiveRunsPerEntity: 50,
      });
      expect((await trigger('user:default/alice')).status).toBe(201);
      const second = await trigger('user:default/alice');
      expect(second.status).toBe(201);
      // The job's own timeout is kept: it is under the maximum
      expect(second.body.jobs[0].jobRunId).toBe('build');

      const refused = await trigger('user:default/alice');
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatchObject({
        name: 'LimitExceededError',
        message:
          'user:default/alice already has 2 runs queued, running or waiting; pipelines.limits.maxActiveRunsPerUser allows 2. Wait for one to finish, or cancel one',
      });
      expect(await store.countActiveRuns({ entityRef: ENTITY_REF })).toBe(2);
      expect((await trigger('user:default/bob')).status).toBe(201);
    });

    it('answers any user over maxActiveRunsPerEntity with 429, for re-runs too', async () => {
      const { trigger, app, store } = await setUp({
        maxActiveRunsPerUser: 50,
        maxActiveRunsPerEntity: 2,
      });
      const first = await trigger('user:default/alice');
      await trigger('user:default/bob');
      const refused = await trigger('user:default/carol');
      expect(refused.status).toBe(429);
      expect(refused.body.error.message).toContain(
        'pipelines.limits.maxActiveRunsPerEntity allows 2',
      );

      // A re-run of a finished run counts against the same cap
      await store.cancelRun(first.body.runId, 'Cancelled by alice');
      await trigger('user:default/carol');
      const rerun = await request(app)
        .post(`/runs/${first.body.runId}/rerun`)
        .set('authorization', mockCredentials.user.header('user:default/alice'))
        .send({});
      expect(rerun.status).toBe(429);
      expect(rerun.body.error.message).toContain(
        'component:default/shop already has 2 runs queued, running or waiting',
      );
    });

    it('skips a webhook over the entity cap with a logged reason and a failed run that says why', async () => {
      const { service, store, catalog, source, logger } = await setUp({
        maxActiveRunsPerUser: 50,
        maxActiveRunsPerEntity: 1,
      });
      const webhooks = WebhookPipelineTrigger.create({
        catalog,
        auth: mockServices.auth(),
        source,
        service,
        logger,
      });
      const push = {
        repository: 'acme/shop',
        event: 'push' as const,
        ref: 'main',
        refType: 'branch' as const,
        commitSha: 'a'.repeat(40),
        sender: 'octocat',
      };
      await webhooks.trigger(push, { deliveryId: 'd-1' });
      await webhooks.trigger(
        { ...push, commitSha: 'b'.repeat(40) },
        { deliveryId: 'd-2' },
      );
      const { runs } = await store.listRuns({
        entityRefs: [ENTITY_REF],
        limit: 10,
      });
      expect(runs.map(r => r.status)).toEqual(['failed', 'queued']);
      expect(runs[0].error).toContain(
        'pipelines.limits.maxActiveRunsPerEntity allows 1',
      );
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringContaining(
          '.comet/pipeline.yaml of component:default/shop skipped: component:default/shop already has 1 runs queued',
        ),
      );
    });

    it('skips a scheduled run over the entity cap with a logged reason', async () => {
      const { service, store, catalog, source, logger } = await setUp({
        maxActiveRunsPerUser: 50,
        maxActiveRunsPerEntity: 1,
      });
      const scheduled = new ScheduledPipelines({
        catalog,
        auth: mockServices.auth(),
        source,
        trigger: req => service.triggerFromEvent(req),
        recordFailure: req => service.recordFailedTrigger(req),
        logger,
        validate: (text, file) => service.validate(text, file),
      });
      const at = new Date('2026-12-04T10:00:00Z');
      expect(await scheduled.tick(at)).toHaveLength(1);
      expect(await scheduled.tick(new Date(at.getTime() + 60_000))).toEqual([]);
      expect(await store.countActiveRuns({ entityRef: ENTITY_REF })).toBe(1);
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringMatching(
          /Scheduled \.comet\/pipeline\.yaml of component:default\/shop did not start: .*pipelines\.limits\.maxActiveRunsPerEntity allows 1/,
        ),
      );
    });

    it('refuses a pipeline whose job asks for more than pipelines.jobTimeout.maxMinutes', async () => {
      const { service, trigger, files } = await setUp({
        maxActiveRunsPerUser: 50,
        maxActiveRunsPerEntity: 50,
      });
      expect(service.validate(TOO_LONG, 'ci.yaml')).toEqual({
        ok: false,
        issues: [
          {
            message:
              'Job "build" asks for a timeout of 10 h; this backend allows at most 6 h (pipelines.jobTimeout.maxMinutes)',
            path: 'jobs.build.timeout',
            file: 'ci.yaml',
          },
        ],
      });
      files['.comet/pipeline.yaml'] = TOO_LONG;
      const refused = await trigger('user:default/alice');
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toContain(
        'this backend allows at most 6 h (pipelines.jobTimeout.maxMinutes) (at jobs.build.timeout)',
      );
    });
  },
);
