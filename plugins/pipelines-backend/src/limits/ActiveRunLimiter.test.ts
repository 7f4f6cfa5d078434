import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import { DatabasePipelineStore } from '../store/DatabasePipelineStore';
import type { NewRun } from '../store/PipelineStore';
import { ActiveRunLimiter } from './ActiveRunLimiter';
import { LimitExceededError } from './LimitExceededError';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const definition: PipelineDefinition = {
  name: 'ci',
  on: { manual: {} },
  params: {},
  env: {},
  jobs: [],
};

function newRun(entityRef: string, actor?: string): NewRun {
  return {
    entityRef,
    pipeline: 'ci',
    trigger: { type: 'manual', actor },
    params: {},
    definition,
    jobs: [
      {
        jobRunId: 'build',
        jobId: 'build',
        name: 'build',
        needs: [],
        steps: [{ name: 'make' }],
        maxAttempts: 1,
      },
    ],
  };
}

const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';

describe.each(databases.eachSupportedId())(
  'ActiveRunLimiter on %p',
  databaseId => {
    async function setUp(limits: {
      maxActiveRunsPerUser: number;
      maxActiveRunsPerEntity: number;
    }) {
      const knex = await databases.init(databaseId);
      const store = await DatabasePipelineStore.create({
        database: mockServices.database({ knex }),
      });
      const limiter = ActiveRunLimiter.create({ store, limits });
      const start = (entityRef: string, actor?: string) =>
        limiter.admit({ entityRef, user: actor }, () =>
          store.createRun(newRun(entityRef, actor)),
        );
      return { store, limiter, start };
    }

    it('counts queued, running and waiting runs per entity and per user, not finished ones', async () => {
      const { store } = await setUp({
        maxActiveRunsPerUser: 10,
        maxActiveRunsPerEntity: 10,
      });
      const queued = await store.createRun(
        newRun('component:default/a', ALICE),
      );
      const running = await store.createRun(
        newRun('component:default/a', ALICE),
      );
      await store.setJobState({
        runId: running.runId,
        jobRunId: 'build',
        state: 'running',
      });
      await store.refreshRunStatus(running.runId);
      await store.createRun({
        ...newRun('component:default/b', ALICE),
        jobs: [{ ...newRun('x').jobs[0], approval: { description: 'ok?' } }],
      });
      const done = await store.createRun(newRun('component:default/a', ALICE));
      await store.cancelRun(done.runId, 'Cancelled by test');
      await store.createRun(newRun('component:default/a', BOB));
      await store.createRun(newRun('component:default/a'));

      expect(
        await store.countActiveRuns({ entityRef: 'component:default/a' }),
      ).toBe(4);
      expect(await store.countActiveRuns({ triggeredBy: ALICE })).toBe(3);
      expect(await store.countActiveRuns({ triggeredBy: BOB })).toBe(1);
      expect(
        await store.countActiveRuns({
          entityRef: 'component:default/b',
          triggeredBy: ALICE,
        }),
      ).toBe(1);
      expect(queued.status).toBe('queued');
    });

    it('refuses a user over maxActiveRunsPerUser with a 429 naming the cap, and admits again once a run finishes', async () => {
      const { store, start } = await setUp({
        maxActiveRunsPerUser: 2,
        maxActiveRunsPerEntity: 50,
      });
      const first = await start('component:default/a', ALICE);
      await start('component:default/b', ALICE);
      const refused = await start('component:default/c', ALICE).catch(e => e);
      expect(LimitExceededError.is(refused)).toBe(true);
      expect(refused.statusCode).toBe(429);
      expect(refused.limitKey).toBe('pipelines.limits.maxActiveRunsPerUser');
      expect(refused.message).toBe(
        'user:default/alice already has 2 runs queued, running or waiting; pipelines.limits.maxActiveRunsPerUser allows 2. Wait for one to finish, or cancel one',
      );
      // Another user is not affected
      await expect(start('component:default/c', BOB)).resolves.toBeDefined();

      await store.cancelRun(first.runId, 'Cancelled by alice');
      await expect(start('component:default/c', ALICE)).resolves.toBeDefined();
    });

    it('refuses an entity over maxActiveRunsPerEntity, for users and for user-less triggers alike', async () => {
      const { start } = await setUp({
        maxActiveRunsPerUser: 50,
        maxActiveRunsPerEntity: 2,
      });
      await start('component:default/a', ALICE);
      await start('component:default/a'); // a schedule
      for (const actor of [BOB, undefined]) {
        const refused = await start('component:default/a', actor).catch(e => e);
        expect(refused.statusCode).toBe(429);
        expect(refused.message).toContain(
          'component:default/a already has 2 runs queued, running or waiting; pipelines.limits.maxActiveRunsPerEntity allows 2',
        );
      }
      await expect(start('component:default/b', BOB)).resolves.toBeDefined();
    });

    it('admits concurrent triggers one at a time, so they cannot all slip under the cap', async () => {
      const { store, start } = await setUp({
        maxActiveRunsPerUser: 3,
        maxActiveRunsPerEntity: 50,
      });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          start(`component:default/e${i}`, ALICE),
        ),
      );
      expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(3);
      expect(
        results
          .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
          .every(r => LimitExceededError.is(r.reason)),
      ).toBe(true);
      expect(await store.countActiveRuns({ triggeredBy: ALICE })).toBe(3);
    });

    it('releases the admission when creating the run fails', async () => {
      const { limiter } = await setUp({
        maxActiveRunsPerUser: 1,
        maxActiveRunsPerEntity: 1,
      });
      await expect(
        limiter.admit({ entityRef: 'component:default/a', user: ALICE }, () =>
          Promise.reject(new Error('database down')),
        ),
      ).rejects.toThrow('database down');
      await expect(
        limiter.admit(
          { entityRef: 'component:default/a', user: ALICE },
          async () => 'started',
        ),
      ).resolves.toBe('started');
    });
  },
);
