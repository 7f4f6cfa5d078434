import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type {
  PipelineDefinition,
  PipelineRun,
} from '@internal/plugin-pipelines-common';
import { DatabasePipelineStore } from '../store/DatabasePipelineStore';
import { makePipelineRun } from '../testing/pipelineRun';
import { computePipelineStats, readPipelineStats } from './pipelineStats';

jest.setTimeout(60_000);

function run(
  runId: string,
  status: PipelineRun['status'],
  finishedAt: string,
  durationMs = 1000,
): PipelineRun {
  return makePipelineRun({
    runId,
    entityRef: 'component:default/x',
    pipeline: 'ci',
    status,
    createdAt: finishedAt,
    finishedAt,
    durationMs,
  });
}

describe('computePipelineStats', () => {
  it('computes success rate and time to recovery, oldest run first', () => {
    // newest first, as the store lists them
    const stats = computePipelineStats('ci', [
      run('r6', 'succeeded', '2026-01-01T06:00:00Z'),
      run('r5', 'failed', '2026-01-01T05:00:00Z'),
      run('r4', 'succeeded', '2026-01-01T04:00:00Z', 3000),
      run('r3', 'cancelled', '2026-01-01T03:30:00Z'),
      run('r2', 'failed', '2026-01-01T03:00:00Z'),
      run('r1', 'failed', '2026-01-01T02:00:00Z'),
      run('r0', 'succeeded', '2026-01-01T01:00:00Z'),
    ]);
    expect(stats.runs.map(r => r.runId)).toEqual([
      'r0',
      'r1',
      'r2',
      'r3',
      'r4',
      'r5',
      'r6',
    ]);
    // cancelled runs do not count: 3 of 6
    expect(stats.successRate).toBe(0.5);
    expect(stats.recoveries).toEqual([
      { failedRunId: 'r1', recoveredRunId: 'r4', ms: 2 * 3600_000 },
      { failedRunId: 'r5', recoveredRunId: 'r6', ms: 3600_000 },
    ]);
    expect(stats.meanTimeToRecoveryMs).toBe(1.5 * 3600_000);
  });

  it('has no rate or recovery without decided runs', () => {
    const stats = computePipelineStats('ci', [
      run('r1', 'cancelled', '2026-01-01T01:00:00Z'),
    ]);
    expect(stats.successRate).toBeUndefined();
    expect(stats.meanTimeToRecoveryMs).toBeUndefined();
  });
});

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const definition: PipelineDefinition = {
  name: 'ci',
  on: { manual: {} },
  params: {},
  env: {},
  jobs: [],
};

describe.each(databases.eachSupportedId())(
  'readPipelineStats on %p',
  databaseId => {
    it('reads the last N finished runs of each pipeline of the entity', async () => {
      const knex = await databases.init(databaseId);
      const store = await DatabasePipelineStore.create({
        database: mockServices.database({ knex }),
      });
      const finish = async (
        pipeline: string,
        state: 'succeeded' | 'failed' | undefined,
        entityRef = 'component:default/x',
      ) => {
        const created = await store.createRun({
          entityRef,
          pipeline,
          pipelinePath: `.comet/${pipeline}.yaml`,
          trigger: { type: 'manual' },
          params: {},
          definition: { ...definition, name: pipeline },
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
        });
        if (state) {
          await store.setJobState({
            runId: created.runId,
            jobRunId: 'build',
            state,
          });
          await store.refreshRunStatus(created.runId);
        }
        return created.runId;
      };
      const ci = [
        await finish('ci', 'succeeded'),
        await finish('ci', 'failed'),
        await finish('ci', 'failed'),
        await finish('ci', 'succeeded'),
      ];
      await finish('ci', undefined); // still queued: not in the stats
      await finish('release', 'succeeded');
      await finish('ci', 'failed', 'component:default/other');

      const all = await readPipelineStats(store, {
        entityRef: 'component:default/x',
        last: 10,
      });
      expect(all.map(s => s.pipeline)).toEqual(['ci', 'release']);
      const [stats] = all;
      expect(stats.runs.map(r => r.runId)).toEqual(ci);
      expect(stats.runs.map(r => r.status)).toEqual([
        'succeeded',
        'failed',
        'failed',
        'succeeded',
      ]);
      expect(stats.successRate).toBe(0.5);
      expect(stats.recoveries).toEqual([
        expect.objectContaining({ failedRunId: ci[1], recoveredRunId: ci[3] }),
      ]);

      const lastTwo = await readPipelineStats(store, {
        entityRef: 'component:default/x',
        pipeline: 'ci',
        last: 2,
      });
      expect(lastTwo).toHaveLength(1);
      expect(lastTwo[0].runs.map(r => r.runId)).toEqual([ci[2], ci[3]]);
    });
  },
);
