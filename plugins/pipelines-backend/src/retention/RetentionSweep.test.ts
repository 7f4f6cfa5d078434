import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import { Knex } from 'knex';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalArtifactStore } from '../artifacts/LocalArtifactStore';
import { readRetentionPolicy } from '../limits/limitsConfig';
import { DatabasePipelineStore } from '../store/DatabasePipelineStore';
import type { NewRun } from '../store/PipelineStore';
import { RetentionSweep } from './RetentionSweep';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const DAY = 24 * 60 * 60_000;
const START = Date.parse('2026-01-01T00:00:00.000Z');

const definition: PipelineDefinition = {
  name: 'ci',
  on: { manual: {} },
  params: {},
  env: {},
  jobs: [],
};

function newRun(
  pipeline = 'ci',
  entityRef = 'component:default/comet',
): NewRun {
  return {
    entityRef,
    pipeline,
    trigger: { type: 'manual', actor: 'user:default/alice' },
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

async function setUp(databaseId: string) {
  const knex = await databases.init(databaseId as 'SQLITE_3');
  // The injected clock: every timestamp the store writes, and the sweep's "now"
  let now = START;
  const store = await DatabasePipelineStore.create({
    database: mockServices.database({ knex }),
    now: () => now,
  });
  const artifactDir = await fs.mkdtemp(path.join(os.tmpdir(), 'retention-'));
  const artifacts = new LocalArtifactStore(artifactDir);
  const logger = mockServices.logger.mock();
  const clock = {
    at: (ms: number) => {
      now = ms;
    },
    now: () => now,
  };

  /** A run created and finished at `at` with a log line, an artifact and its events. */
  const finishedRun = async (
    at: number,
    options: { pipeline?: string; entityRef?: string } = {},
  ) => {
    clock.at(at);
    const run = await store.createRun(
      newRun(options.pipeline, options.entityRef),
    );
    await store.appendLogLines(run.runId, [
      {
        jobRunId: 'build',
        stepIndex: 0,
        stream: 'stdout',
        text: `log of ${run.runId}`,
        timestamp: new Date(at).toISOString(),
      },
    ]);
    const staged = await artifacts.stage(run.runId, 'build');
    await fs.writeFile(path.join(staged.dir, 'report.txt'), run.runId);
    await staged.commit();
    await store.setJobState({
      runId: run.runId,
      jobRunId: 'build',
      state: 'succeeded',
    });
    await store.refreshRunStatus(run.runId);
    return run.runId;
  };

  const sweep = (policy: Record<string, number>) =>
    RetentionSweep.create({
      store,
      artifacts,
      policy: readRetentionPolicy(
        mockServices.rootConfig({
          data: {
            pipelines: {
              retention: {
                runDays: 0,
                maxRunsPerPipeline: 0,
                logDays: 0,
                artifactDays: 0,
                ...policy,
              },
            },
          },
        }),
      ),
      logger,
      now: clock.now,
      batchSize: 2,
    }).sweep();

  const artifactsOf = async (runId: string) =>
    (await artifacts.list(runId)).map(a => a.path);

  return {
    knex,
    store,
    artifacts,
    logger,
    clock,
    finishedRun,
    sweep,
    artifactsOf,
    cleanUp: () => fs.rm(artifactDir, { recursive: true, force: true }),
  };
}

async function rowsOf(knex: Knex, table: string, runId: string) {
  const [{ count }] = await knex(table)
    .where('run_id', runId)
    .count({ count: '*' });
  return Number(count);
}

describe.each(databases.eachSupportedId())(
  'RetentionSweep on %p',
  databaseId => {
    it('deletes finished runs older than runDays with everything stored for them, never an active run or the newest of a pipeline', async () => {
      const t = await setUp(databaseId);
      try {
        const old1 = await t.finishedRun(START);
        const old2 = await t.finishedRun(START + 1 * DAY);
        const old3 = await t.finishedRun(START + 2 * DAY);
        // Old, but still running: never deleted
        t.clock.at(START + 3 * DAY);
        const running = (await t.store.createRun(newRun())).runId;
        await t.store.setJobState({
          runId: running,
          jobRunId: 'build',
          state: 'running',
        });
        await t.store.refreshRunStatus(running);
        // Waiting for an approval: never deleted either
        const waiting = (
          await t.store.createRun({
            ...newRun(),
            jobs: [
              { ...newRun().jobs[0], approval: { description: 'Release?' } },
            ],
          })
        ).runId;
        const recent = await t.finishedRun(START + 40 * DAY);
        // The only (so newest) run of another pipeline, as old as the oldest: kept
        const onlyNightly = await t.finishedRun(START, { pipeline: 'nightly' });

        t.clock.at(START + 45 * DAY);
        const first = await t.sweep({ runDays: 30 });
        expect(first.runsDeleted).toBe(3);

        for (const runId of [old1, old2, old3]) {
          expect(await t.store.getRun(runId)).toBeUndefined();
          for (const table of [
            'pipeline_jobs',
            'pipeline_steps',
            'pipeline_log_chunks',
            'pipeline_run_events',
          ]) {
            expect(await rowsOf(t.knex, table, runId)).toBe(0);
          }
          expect(await t.artifactsOf(runId)).toEqual([]);
        }
        expect((await t.store.getRun(running))?.status).toBe('running');
        expect((await t.store.getRun(waiting))?.status).toBe('waiting');
        expect((await t.store.getRun(recent))?.status).toBe('succeeded');
        expect(await t.artifactsOf(recent)).toEqual(['report.txt']);
        expect((await t.store.getRun(onlyNightly))?.status).toBe('succeeded');
        // Deliveries of the deleted runs' events went with them
        const [{ orphans }] = await t
          .knex('pipeline_run_event_deliveries as d')
          .leftJoin('pipeline_run_events as e', 'e.event_id', 'd.event_id')
          .whereNull('e.event_id')
          .count({ orphans: '*' });
        expect(Number(orphans)).toBe(0);
        expect(t.logger.info).toHaveBeenCalledWith(
          expect.stringContaining('deleted 3 finished runs'),
        );

        // Idempotent: a second sweep at the same time finds nothing
        expect(await t.sweep({ runDays: 30 })).toEqual({
          runsDeleted: 0,
          logsDeleted: 0,
          artifactsDeleted: 0,
          artifactFailures: 0,
        });

        // Run numbers go on from the newest run kept, never repeating a deleted one's
        const next = await t.store.createRun(newRun());
        expect(next.number).toBe(7);
      } finally {
        await t.cleanUp();
      }
    });

    it('keeps only the newest maxRunsPerPipeline runs of each pipeline of each entity', async () => {
      const t = await setUp(databaseId);
      try {
        const ci: string[] = [];
        for (let i = 0; i < 5; i++) ci.push(await t.finishedRun(START + i));
        const other: string[] = [];
        for (let i = 0; i < 2; i++) {
          other.push(
            await t.finishedRun(START + i, {
              entityRef: 'component:default/other',
            }),
          );
        }
        t.clock.at(START + DAY);
        const result = await t.sweep({ maxRunsPerPipeline: 2 });
        expect(result.runsDeleted).toBe(3);
        const left = await t.store.listRuns({ limit: 50 });
        expect(left.runs.map(r => r.runId).sort()).toEqual(
          [ci[3], ci[4], ...other].sort(),
        );
        expect((await t.sweep({ maxRunsPerPipeline: 2 })).runsDeleted).toBe(0);
      } finally {
        await t.cleanUp();
      }
    });

    it('deletes logs after logDays and artifacts after artifactDays, keeping the runs, once', async () => {
      const t = await setUp(databaseId);
      try {
        const old = await t.finishedRun(START);
        const middle = await t.finishedRun(START + 20 * DAY);
        const fresh = await t.finishedRun(START + 29 * DAY);
        t.clock.at(START + 30 * DAY);

        const first = await t.sweep({ logDays: 25, artifactDays: 5 });
        expect(first).toEqual({
          runsDeleted: 0,
          logsDeleted: 1,
          artifactsDeleted: 2,
          artifactFailures: 0,
        });
        expect(await t.store.readLogLines(old, { limit: 10 })).toEqual([]);
        expect(
          (await t.store.readLogLines(middle, { limit: 10 })).map(l => l.text),
        ).toEqual([`log of ${middle}`]);
        expect(await t.artifactsOf(old)).toEqual([]);
        expect(await t.artifactsOf(middle)).toEqual([]);
        expect(await t.artifactsOf(fresh)).toEqual(['report.txt']);
        // The runs themselves stay
        expect((await t.store.getRun(old))?.status).toBe('succeeded');

        expect(await t.sweep({ logDays: 25, artifactDays: 5 })).toEqual({
          runsDeleted: 0,
          logsDeleted: 0,
          artifactsDeleted: 0,
          artifactFailures: 0,
        });
      } finally {
        await t.cleanUp();
      }
    });

    it('keeps a run whose artifacts cannot be deleted and tries again next sweep', async () => {
      const t = await setUp(databaseId);
      try {
        const a = await t.finishedRun(START);
        const b = await t.finishedRun(START + 1);
        await t.finishedRun(START + 2);
        t.clock.at(START + 100 * DAY);
        const deleteArtifacts = jest
          .spyOn(t.artifacts, 'delete')
          .mockImplementation(async runId => {
            if (runId === a) throw new Error('EACCES: permission denied');
          });
        const first = await t.sweep({ runDays: 30 });
        expect(first.runsDeleted).toBe(1);
        expect(first.artifactFailures).toBe(1);
        expect(await t.store.getRun(a)).toBeDefined();
        expect(await t.store.getRun(b)).toBeUndefined();
        expect(t.logger.warn).toHaveBeenCalledWith(
          expect.stringContaining(`cannot delete the artifacts of run ${a}`),
        );

        deleteArtifacts.mockRestore();
        expect((await t.sweep({ runDays: 30 })).runsDeleted).toBe(1);
        expect(await t.store.getRun(a)).toBeUndefined();
      } finally {
        await t.cleanUp();
      }
    });

    it('does nothing when every retention is off', async () => {
      const t = await setUp(databaseId);
      try {
        const runId = await t.finishedRun(START);
        await t.finishedRun(START + 1);
        t.clock.at(START + 1000 * DAY);
        expect(await t.sweep({})).toEqual({
          runsDeleted: 0,
          logsDeleted: 0,
          artifactsDeleted: 0,
          artifactFailures: 0,
        });
        expect(await t.store.getRun(runId)).toBeDefined();
        expect(t.logger.debug).toHaveBeenCalledWith(
          'Retention: nothing to delete',
        );
      } finally {
        await t.cleanUp();
      }
    });
  },
);
