import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import { DatabasePipelineStore } from './DatabasePipelineStore';
import type { NewRun } from './PipelineStore';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const definition: PipelineDefinition = {
  name: 'ci',
  on: { manual: {} },
  params: {},
  env: {},
  jobs: [],
};

function newRun(entityRef: string, pipeline: string): NewRun {
  return {
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
  };
}

describe.each(databases.eachSupportedId())(
  'DatabasePipelineStore.latestRunPerPipeline on %p',
  databaseId => {
    it('returns the latest run of every pipeline, however many newer runs others have', async () => {
      const knex = await databases.init(databaseId);
      const store = await DatabasePipelineStore.create({
        database: mockServices.database({ knex }),
      });
      const entityRef = 'component:default/busy';
      const onlyB = await store.createRun(newRun(entityRef, 'nightly'));
      await store.setJobState({
        runId: onlyB.runId,
        jobRunId: 'build',
        state: 'failed',
      });
      await store.refreshRunStatus(onlyB.runId);
      let lastA = onlyB;
      for (let i = 0; i < 60; i++) {
        lastA = await store.createRun(newRun(entityRef, 'ci'));
      }
      // Another entity's newer runs, also of a pipeline called ci, stay out
      const other = await store.createRun(
        newRun('component:default/other', 'ci'),
      );

      // The 50 newest runs of the entity have no nightly run at all
      const newest = await store.listRuns({
        entityRefs: [entityRef],
        limit: 50,
      });
      expect(newest.runs.some(r => r.pipeline === 'nightly')).toBe(false);

      const latest = await store.latestRunPerPipeline(entityRef);
      expect(latest.map(r => [r.pipeline, r.number, r.runId])).toEqual([
        ['ci', 60, lastA.runId],
        ['nightly', 1, onlyB.runId],
      ]);
      // Whole runs, as getRun reads them
      expect(latest[1]).toEqual(await store.getRun(onlyB.runId));
      expect(latest[1].status).toBe('failed');
      expect(latest[1].jobs.map(j => j.jobRunId)).toEqual(['build']);

      expect(
        (await store.latestRunPerPipeline('component:default/other')).map(
          r => r.runId,
        ),
      ).toEqual([other.runId]);
      expect(
        await store.latestRunPerPipeline('component:default/none'),
      ).toEqual([]);
    });
  },
);
