import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type {
  PipelineDefinition,
  PipelineStepReport,
} from '@internal/plugin-pipelines-common';
import { RunEventContexts } from '../events/RunEventContexts';
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

function newRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    entityRef: 'component:default/payments-api',
    pipeline: 'ci',
    trigger: { type: 'manual' },
    params: {},
    definition,
    commitSha: 'a'.repeat(40),
    jobs: [
      {
        jobRunId: 'build',
        jobId: 'build',
        name: 'Build',
        needs: [],
        steps: [{ name: 'install' }, { name: 'gate' }],
        maxAttempts: 2,
      },
      {
        jobRunId: 'test',
        jobId: 'test',
        name: 'Test',
        needs: [],
        steps: [{ name: 'suite' }],
        maxAttempts: 1,
      },
    ],
    ...overrides,
  };
}

function report(
  title: string,
  overrides: Partial<PipelineStepReport> = {},
): PipelineStepReport {
  return {
    kind: 'sonarqube.quality-gate',
    title,
    status: 'passed',
    summary: `${title} passed`,
    ...overrides,
  };
}

describe.each(databases.eachSupportedId())(
  'DatabasePipelineStore step reports on %p',
  databaseId => {
    let now = Date.parse('2026-12-06T10:00:00.000Z');

    async function createStore() {
      const knex = await databases.init(databaseId);
      const store = await DatabasePipelineStore.create({
        database: mockServices.database({ knex }),
        now: () => now,
      });
      return { store, knex };
    }

    /** Creates the run and claims its jobs, so both run their first attempt. */
    async function runningRun(
      store: DatabasePipelineStore,
      overrides?: Partial<NewRun>,
    ) {
      const run = await store.createRun(newRun(overrides));
      await store.promoteJobs(run.runId);
      for (const _job of run.jobs) {
        await store.claimJob({ workerId: 'w1', leaseMs: 60_000 });
      }
      return run.runId;
    }

    it('keeps reports with their job and step, in order, and shows them on the run only', async () => {
      const { store } = await createStore();
      const runId = await runningRun(store);
      // Written out of order: read in job, step and report order
      await store.addStepReport({
        runId,
        jobRunId: 'test',
        stepIndex: 0,
        attempt: 1,
        report: report('Test suite checkout', {
          kind: 'test-recorder.suite',
          status: 'failed',
          summary: '12 passed, 1 failed, 1 flaky',
          url: 'http://portal.test/test-recorder/runs/r1',
          data: { passed: 12, failed: 1, flaky: 1, skipped: 0 },
        }),
      });
      await store.addStepReport({
        runId,
        jobRunId: 'build',
        stepIndex: 1,
        attempt: 1,
        report: report('SonarQube gate of payments-api', {
          url: 'https://sonar.test/dashboard?id=payments-api',
        }),
      });
      now += 1000;
      await store.addStepReport({
        runId,
        jobRunId: 'build',
        stepIndex: 1,
        attempt: 1,
        report: report('SonarQube gate of ledger'),
      });

      const run = (await store.getRun(runId))!;
      expect(run.reports).toEqual([
        {
          jobRunId: 'build',
          jobName: 'Build',
          stepIndex: 1,
          stepName: 'gate',
          kind: 'sonarqube.quality-gate',
          title: 'SonarQube gate of payments-api',
          status: 'passed',
          summary: 'SonarQube gate of payments-api passed',
          url: 'https://sonar.test/dashboard?id=payments-api',
          reportedAt: '2026-12-06T10:00:00.000Z',
        },
        {
          jobRunId: 'build',
          jobName: 'Build',
          stepIndex: 1,
          stepName: 'gate',
          kind: 'sonarqube.quality-gate',
          title: 'SonarQube gate of ledger',
          status: 'passed',
          summary: 'SonarQube gate of ledger passed',
          reportedAt: '2026-12-06T10:00:01.000Z',
        },
        {
          jobRunId: 'test',
          jobName: 'Test',
          stepIndex: 0,
          stepName: 'suite',
          kind: 'test-recorder.suite',
          title: 'Test suite checkout',
          status: 'failed',
          summary: '12 passed, 1 failed, 1 flaky',
          url: 'http://portal.test/test-recorder/runs/r1',
          data: { passed: 12, failed: 1, flaky: 1, skipped: 0 },
          reportedAt: '2026-12-06T10:00:00.000Z',
        },
      ]);
      expect(await store.listStepReports(runId)).toEqual(run.reports);

      // Run lists leave reports out; a run without any has none
      const page = await store.listRuns({
        entityRefs: ['component:default/payments-api'],
        limit: 10,
      });
      expect(page.runs[0].runId).toBe(runId);
      expect(page.runs[0].reports).toBeUndefined();
      const bare = await store.createRun(newRun());
      expect((await store.getRun(bare.runId))!.reports).toBeUndefined();

      // Listeners read them through their context
      const context = RunEventContexts.create({ store }).for('github', {
        runId,
      } as any);
      expect(await context.reports()).toEqual(run.reports);
    });

    it('replaces a report of the same kind and title, keeping its place', async () => {
      const { store } = await createStore();
      const runId = await runningRun(store);
      const add = (r: PipelineStepReport) =>
        store.addStepReport({
          runId,
          jobRunId: 'build',
          stepIndex: 1,
          attempt: 1,
          report: r,
        });
      await add(report('Gate', { status: 'info', summary: 'waiting' }));
      await add(report('Other'));
      now += 5000;
      await add(
        report('Gate', {
          status: 'failed',
          summary: 'new_coverage 42.3 < 80',
          url: 'https://sonar.test/dashboard?id=x',
          data: { failed: 1 },
        }),
      );
      // Same title, other kind: another report
      await add(report('Gate', { kind: 'test-recorder.suite' }));
      const reports = (await store.getRun(runId))!.reports!;
      expect(reports.map(r => [r.kind, r.title, r.status, r.summary])).toEqual([
        ['sonarqube.quality-gate', 'Gate', 'failed', 'new_coverage 42.3 < 80'],
        ['sonarqube.quality-gate', 'Other', 'passed', 'Other passed'],
        ['test-recorder.suite', 'Gate', 'passed', 'Gate passed'],
      ]);
      expect(reports[0]).toMatchObject({
        url: 'https://sonar.test/dashboard?id=x',
        data: { failed: 1 },
        reportedAt: new Date(now).toISOString(),
      });
      // Replacing without a URL or data drops them
      await add(report('Gate', { status: 'passed', summary: 'ok' }));
      const [first] = (await store.getRun(runId))!.reports!;
      expect(first.url).toBeUndefined();
      expect(first.data).toBeUndefined();
    });

    it('caps reports per step and per run, with errors that say so', async () => {
      const { store } = await createStore();
      const runId = await runningRun(
        store,
        newRun({
          jobs: [
            {
              jobRunId: 'many',
              jobId: 'many',
              name: 'Many',
              needs: [],
              steps: Array.from({ length: 11 }, (_, i) => ({
                name: `step ${i}`,
              })),
              maxAttempts: 1,
            },
          ],
        }),
      );
      const add = (stepIndex: number, title: string) =>
        store.addStepReport({
          runId,
          jobRunId: 'many',
          stepIndex,
          attempt: 1,
          report: report(title),
        });
      for (let i = 0; i < 10; i++) await add(0, `r${i}`);
      await expect(add(0, 'r10')).rejects.toThrow(
        'A step keeps at most 10 reports (one with the kind and title of an earlier one replaces it); "r10" is one too many',
      );
      // Replacing one is still fine at the cap
      await expect(add(0, 'r3')).resolves.toBeUndefined();
      for (let step = 1; step < 10; step++) {
        for (let i = 0; i < 10; i++) await add(step, `r${i}`);
      }
      await expect(add(10, 'one more')).rejects.toMatchObject({
        name: 'InputError',
        message:
          'A run keeps at most 100 step reports; "one more" is one too many',
      });
      expect((await store.getRun(runId))!.reports).toHaveLength(100);
      await expect(add(11, 'nowhere')).rejects.toMatchObject({
        name: 'InputError',
        message: `Job many of run ${runId} has no step 11`,
      });
    });

    it('holds the run cap when jobs report at the same time', async () => {
      const { store } = await createStore();
      const job = (id: string) => ({
        jobRunId: id,
        jobId: id,
        name: id,
        needs: [],
        steps: Array.from({ length: 10 }, (_, i) => ({ name: `step ${i}` })),
        maxAttempts: 1,
      });
      const runId = await runningRun(
        store,
        newRun({ jobs: [job('a'), job('b'), job('c'), job('d'), job('e')] }),
      );
      const add = (jobRunId: string, stepIndex: number, title: string) =>
        store.addStepReport({
          runId,
          jobRunId,
          stepIndex,
          attempt: 1,
          report: report(title),
        });
      // 95 of 100 kept
      for (const jobRunId of ['a', 'b', 'c', 'd']) {
        for (let step = 0; step < 10; step++) {
          for (let i = 0; i < (jobRunId === 'd' && step > 4 ? 1 : 2); i++) {
            await add(jobRunId, step, `${jobRunId}${step}-${i}`);
          }
        }
      }
      expect(await store.listStepReports(runId)).toHaveLength(75);
      for (let step = 0; step < 10; step++) {
        await add('e', step, `e${step}-0`);
        await add('e', step, `e${step}-1`);
      }
      expect(await store.listStepReports(runId)).toHaveLength(95);
      // Ten at once from two jobs: exactly five fit
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          add(i % 2 ? 'd' : 'e', 5 + (i % 5), `late ${i}`),
        ),
      );
      expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(5);
      expect(await store.listStepReports(runId)).toHaveLength(100);
    });

    it('keeps only the last attempt of a retried job, and refuses a stale attempt', async () => {
      const { store } = await createStore();
      const run = newRun();
      run.jobs[0].maxAttempts = 3;
      const runId = await runningRun(store, run);
      const add = (attempt: number, title: string, jobRunId = 'build') =>
        store.addStepReport({
          runId,
          jobRunId,
          stepIndex: 1,
          attempt,
          report: report(title),
        });
      await add(1, 'first attempt');
      await store.addStepReport({
        runId,
        jobRunId: 'test',
        stepIndex: 0,
        attempt: 1,
        report: report('other job'),
      });
      // The first attempt fails and the job is retried: back to the queue, reports gone
      expect(
        await store.setJobState({
          runId,
          jobRunId: 'build',
          state: 'queued',
          from: ['running'],
          workerId: 'w1',
        }),
      ).toBe(true);
      expect((await store.getRun(runId))!.reports!.map(r => r.title)).toEqual([
        'other job',
      ]);
      // Nothing is kept for a job that is not running
      await expect(add(1, 'while queued')).rejects.toMatchObject({
        name: 'ConflictError',
        message: `Job build of run ${runId} is not running attempt 1 any more; its report "while queued" is not kept`,
      });
      const claimed = await store.claimJob({ workerId: 'w2', leaseMs: 60_000 });
      expect(claimed).toMatchObject({ jobRunId: 'build', attempt: 2 });
      // The first attempt's worker, late: refused
      await expect(add(1, 'late')).rejects.toMatchObject({
        name: 'ConflictError',
      });
      await add(2, 'second attempt');
      expect(
        (await store.getRun(runId))!.reports!.map(r => [r.jobRunId, r.title]),
      ).toEqual([
        ['build', 'second attempt'],
        ['test', 'other job'],
      ]);

      // A job whose worker died goes back to the queue the same way
      now += 120_000;
      const [expired] = (await store.findExpiredJobs(new Date(now))).filter(
        job => job.jobRunId === 'build',
      );
      expect(expired).toMatchObject({ workerId: 'w2', attempt: 2 });
      expect(await store.recoverExpiredJob(expired, 'The worker stopped')).toBe(
        true,
      );
      expect((await store.getRun(runId))!.reports!.map(r => r.title)).toEqual([
        'other job',
      ]);
      expect(
        await store.claimJob({ workerId: 'w3', leaseMs: 60_000 }),
      ).toMatchObject({ jobRunId: 'build', attempt: 3 });
      await add(3, 'third attempt');
      expect((await store.getRun(runId))!.reports!.map(r => r.title)).toEqual([
        'third attempt',
        'other job',
      ]);
    });

    it('keeps the reports of a finished job, and deletes them with the run', async () => {
      const { store, knex } = await createStore();
      const runId = await runningRun(store);
      await store.addStepReport({
        runId,
        jobRunId: 'test',
        stepIndex: 0,
        attempt: 1,
        report: report('Suite'),
      });
      for (const jobRunId of ['build', 'test']) {
        await store.setJobState({
          runId,
          jobRunId,
          state: 'succeeded',
          from: ['running'],
        });
      }
      await store.refreshRunStatus(runId);
      // Finished: nothing more is kept, what is there stays
      await expect(
        store.addStepReport({
          runId,
          jobRunId: 'test',
          stepIndex: 0,
          attempt: 1,
          report: report('After the end'),
        }),
      ).rejects.toMatchObject({ name: 'ConflictError' });
      expect((await store.getRun(runId))!.reports!.map(r => r.title)).toEqual([
        'Suite',
      ]);
      expect(await store.deleteRuns([runId])).toEqual([runId]);
      expect(
        await knex('pipeline_step_reports').where({ run_id: runId }),
      ).toEqual([]);
    });
  },
);
