/*
 * PipelinesService with the real store (SQLite and PostgreSQL) and the real engine (not
 * started: approval gates and failed triggers need no worker): notifications after decisions,
 * audit events, the approvers check, permission denials and hidden entities.
 */
import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  PipelineDefinition,
  PipelineRun,
  pipelinesRunApprovePermission,
  pipelinesRunCancelPermission,
  pipelinesRunCreatePermission,
} from '@internal/plugin-pipelines-common';
import { PipelineEngine } from '../engine/PipelineEngine';
import { DatabasePipelineStore } from '../store/DatabasePipelineStore';
import { formatPipelineIssues, PipelinesService } from './PipelinesService';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const entityRef = 'component:default/shop';
const hiddenRef = 'component:default/secret-project';
const alice = mockCredentials.user('user:default/alice');
const bob = mockCredentials.user('user:default/bob');

/** build -> staging gate -> production gate (only the release group decides) -> deploy. */
const twoGates: PipelineDefinition = {
  name: 'release',
  on: { manual: {} },
  params: {},
  env: {},
  jobs: [
    {
      id: 'staging',
      name: 'Staging',
      needs: [],
      retry: 0,
      env: {},
      steps: [],
      artifacts: [],
      approval: { description: 'To staging?' },
    },
    {
      id: 'production',
      name: 'Production',
      needs: ['staging'],
      retry: 0,
      env: {},
      steps: [],
      artifacts: [],
      approval: {
        description: 'To production?',
        approvers: ['group:default/release'],
      },
    },
    {
      id: 'deploy',
      name: 'Deploy',
      needs: ['production'],
      retry: 0,
      env: {},
      steps: [{ name: 'deploy', run: 'echo deploy', env: {} } as any],
      artifacts: [],
    },
  ],
};

describe.each(databases.eachSupportedId())(
  'PipelinesService events on %s',
  databaseId => {
    async function create(options: { deny?: string[] } = {}) {
      const knex = await databases.init(databaseId);
      const store = await DatabasePipelineStore.create({
        database: mockServices.database({ knex }),
      });
      const events: Array<{ type: string; runId: string; jobRunId?: string }> =
        [];
      const engine = new PipelineEngine({
        store,
        executor: {} as any,
        stepTypes: new Map(),
        logger: mockServices.logger.mock(),
        secrets: {},
        artifacts: {} as any,
        concurrency: 1,
        leaseMs: 10_000,
        heartbeatMs: 1_000,
        logLimitBytes: 1_000_000,
        onRunEvent: async event => {
          events.push({
            type: event.type,
            runId: event.run.runId,
            jobRunId: event.jobRunId,
          });
        },
      });
      const auditor = mockServices.auditor.mock();
      const audited: Array<{
        eventId: string;
        meta?: unknown;
        outcome?: 'success' | 'fail';
        outcomeMeta?: unknown;
        error?: string;
      }> = [];
      auditor.createEvent.mockImplementation(async event => {
        const entry: (typeof audited)[number] = {
          eventId: event.eventId,
          meta: event.meta,
        };
        audited.push(entry);
        return {
          success: async result => {
            entry.outcome = 'success';
            entry.outcomeMeta = result?.meta;
          },
          fail: async result => {
            entry.outcome = 'fail';
            entry.outcomeMeta = result.meta;
            entry.error = result.error.message;
          },
        };
      });
      const deny = new Set(options.deny ?? []);
      const service = new PipelinesService({
        store,
        engine,
        artifacts: {
          list: async () => [],
          read: async () => undefined,
        } as any,
        providers: [],
        catalog: catalogServiceMock({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'shop', namespace: 'default' },
              spec: { type: 'service', owner: 'team-a', lifecycle: 'prod' },
            },
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'User',
              metadata: { name: 'alice', namespace: 'default' },
              spec: {},
              relations: [
                { type: 'memberOf', targetRef: 'group:default/release' },
                { type: 'memberOf', targetRef: 'group:default/team-a' },
              ],
            },
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'User',
              metadata: { name: 'bob', namespace: 'default' },
              spec: {},
              relations: [
                { type: 'memberOf', targetRef: 'group:default/team-a' },
              ],
            },
          ],
        }),
        permissions: {
          authorizeConditional: async (
            requests: Array<{ permission: { name: string } }>,
          ) =>
            requests.map(r => ({
              result: deny.has(r.permission.name)
                ? AuthorizeResult.DENY
                : AuthorizeResult.ALLOW,
            })),
        } as any,
        userInfo: mockServices.userInfo(),
        auditor,
        source: {} as any,
        stepTypes: () => [],
        secretNames: () => [],
        readAccessCacheMs: 0,
      });
      const start = (ref = entityRef, definition = twoGates) =>
        engine.trigger({
          entityRef: ref,
          entityName: ref.split('/')[1],
          repositoryUrl: 'https://github.com/acme/shop.git',
          pipelinePath: '.comet/release.yaml',
          definition,
          // Not alice nor bob: nobody decides a gate of a run they triggered
          trigger: { type: 'manual', actor: 'user:default/carol' },
        });
      return { service, store, events, audited, start };
    }

    const job = (run: PipelineRun, id: string) =>
      run.jobs.find(j => j.jobRunId === id)!;

    it('notifies when an approval starts the next gate and when a rejection fails the run', async () => {
      const { service, events, audited, start } = await create();
      const run = await start();
      expect(events).toEqual([
        { type: 'waiting', runId: run.runId, jobRunId: 'staging' },
      ]);

      const approved = await service.decide(alice, {
        runId: run.runId,
        jobRunId: 'staging',
        decision: 'approve',
      });
      expect(job(approved, 'production').status).toBe('waiting');
      expect(events.slice(1)).toEqual([
        { type: 'waiting', runId: run.runId, jobRunId: 'production' },
      ]);

      const rejected = await service.decide(alice, {
        runId: run.runId,
        jobRunId: 'production',
        decision: 'reject',
        comment: 'not on a Friday',
      });
      expect(rejected.status).toBe('failed');
      expect(job(rejected, 'deploy').status).toBe('skipped');
      expect(events.slice(2)).toEqual([{ type: 'failed', runId: run.runId }]);

      expect(audited).toEqual([
        {
          eventId: 'run-approve',
          meta: { runId: run.runId, jobRunId: 'staging' },
          outcome: 'success',
          outcomeMeta: undefined,
        },
        {
          eventId: 'run-reject',
          meta: { runId: run.runId, jobRunId: 'production' },
          outcome: 'success',
          outcomeMeta: undefined,
        },
      ]);
    });

    it('lets only the approvers group decide on a gate that names one', async () => {
      const { service, audited, start } = await create();
      const run = await start();
      // The staging gate names no environment and no approvers: the owner group decides.
      await service.decide(bob, {
        runId: run.runId,
        jobRunId: 'staging',
        decision: 'approve',
      });
      await expect(
        service.decide(bob, {
          runId: run.runId,
          jobRunId: 'production',
          decision: 'approve',
        }),
      ).rejects.toMatchObject({
        name: 'NotAllowedError',
        message:
          'Only members of group:default/team-a (the owner of shop), narrowed by the pipeline file to group:default/release, may decide gate production; user:default/bob is not one of them',
      });
      expect(audited[1]).toMatchObject({
        eventId: 'run-approve',
        outcome: 'fail',
        error: expect.stringMatching(/^Only members of group:default\/team-a/),
      });
      const decided = await service.decide(alice, {
        runId: run.runId,
        jobRunId: 'production',
        decision: 'approve',
      });
      expect(job(decided, 'production')).toMatchObject({
        status: 'succeeded',
        approval: { decision: 'approved', decidedBy: 'user:default/alice' },
      });
    });

    it('audits a cancel', async () => {
      const { service, audited, start } = await create();
      const run = await start();
      const cancelled = await service.cancel(alice, run.runId);
      expect(cancelled.status).toBe('cancelled');
      expect(audited).toEqual([
        {
          eventId: 'run-cancel',
          meta: { runId: run.runId },
          outcome: 'success',
          outcomeMeta: undefined,
        },
      ]);
    });

    it('audits a run started by a webhook with its delivery id, and one the backend could not start', async () => {
      const { service, audited, events } = await create();
      const run = await service.triggerFromEvent(
        {
          entityRef,
          entityName: 'shop',
          pipelinePath: '.comet/release.yaml',
          definition: twoGates,
          branch: 'main',
          commitSha: 'abc',
          trigger: { type: 'push', actor: 'github:octocat' },
        },
        { deliveryId: 'delivery-1' },
      );
      expect(audited[0]).toEqual({
        eventId: 'run-trigger',
        meta: {
          entityRef,
          pipelinePath: '.comet/release.yaml',
          branch: 'main',
          trigger: 'push',
          actor: 'github:octocat',
          deliveryId: 'delivery-1',
        },
        outcome: 'success',
        outcomeMeta: { runId: run.runId },
      });

      const reason = `.comet/ci.yaml is invalid:\n${formatPipelineIssues([
        {
          file: '.comet/ci.yaml',
          line: 7,
          column: 9,
          path: 'jobs.build.needs',
          message: 'Job "build" needs itself',
        },
      ])}`;
      const failed = await service.recordFailedTrigger({
        entityRef,
        pipelinePath: '.comet/ci.yaml',
        commitSha: 'def',
        trigger: { type: 'schedule' },
        reason,
      });
      expect(failed).toMatchObject({
        status: 'failed',
        pipelinePath: '.comet/ci.yaml',
        trigger: { type: 'schedule' },
        error: `Job Pipeline file failed: .comet/ci.yaml is invalid:\n.comet/ci.yaml:7:9: Job "build" needs itself (at jobs.build.needs)`,
      });
      expect(failed.jobs.map(j => [j.jobRunId, j.status])).toEqual([
        ['pipeline-file', 'failed'],
      ]);
      expect(events).toContainEqual({ type: 'failed', runId: failed.runId });
      expect(audited[1]).toEqual({
        eventId: 'run-trigger',
        meta: {
          entityRef,
          pipelinePath: '.comet/ci.yaml',
          branch: null,
          trigger: 'schedule',
          actor: null,
        },
        outcome: 'fail',
        outcomeMeta: { runId: failed.runId },
        error: reason,
      });
    });

    it('refuses cancel, approve and re-run without their permissions', async () => {
      const { service, start, store } = await create({
        deny: [
          pipelinesRunCancelPermission.name,
          pipelinesRunApprovePermission.name,
          pipelinesRunCreatePermission.name,
        ],
      });
      const run = await start();
      await expect(service.cancel(alice, run.runId)).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: `You are not allowed to pipelines.run.cancel on ${entityRef}`,
      });
      await expect(
        service.decide(alice, {
          runId: run.runId,
          jobRunId: 'staging',
          decision: 'reject',
        }),
      ).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: `You are not allowed to pipelines.run.approve on ${entityRef}`,
      });
      await store.cancelRun(run.runId, 'test');
      await store.refreshRunStatus(run.runId);
      await expect(service.rerun(alice, run.runId, {})).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: `You are not allowed to pipelines.run.create on ${entityRef}`,
      });
      // Nothing changed
      expect(job((await store.getRun(run.runId))!, 'staging').status).toBe(
        'cancelled',
      );
    });

    it('answers 404, not 403, for runs of an entity the catalog hides', async () => {
      const { service, start } = await create();
      const run = await start(hiddenRef);
      const notFound = {
        name: 'NotFoundError',
        message: `No pipeline run ${run.runId}`,
      };
      await expect(service.getRun(alice, run.runId)).rejects.toMatchObject(
        notFound,
      );
      await expect(service.getLogs(alice, run.runId, {})).rejects.toMatchObject(
        notFound,
      );
      await expect(
        service.listArtifacts(alice, run.runId),
      ).rejects.toMatchObject(notFound);
      await expect(
        service.readArtifact(alice, run.runId, 'staging', 'dist/out.txt'),
      ).rejects.toMatchObject(notFound);
      await expect(service.cancel(alice, run.runId)).rejects.toMatchObject(
        notFound,
      );
    });
  },
);
