import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import type {
  PipelineExecutor,
  PipelineScriptRequest,
} from '@internal/plugin-pipelines-node';
import { ManualClock } from '../engine/ManualClock';
import { PipelineEngine } from '../engine/PipelineEngine';
import { planJobs } from '../engine/RunPlanner';
import { DatabasePipelineStore } from '../store/DatabasePipelineStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const MINUTE = 60_000;
const HEARTBEAT_MS = 5 * MINUTE;

const definition: PipelineDefinition = {
  name: 'ci',
  on: { manual: {} },
  params: {},
  env: {},
  jobs: [
    {
      id: 'build',
      name: 'Build',
      needs: [],
      retry: 0,
      env: {},
      artifacts: [],
      steps: [
        { name: 'forever', run: 'sleep 1d', env: {}, continueOnError: false },
      ],
    },
  ],
};

/** Waits (up to 5 s of real time) until `condition` holds; fails the test otherwise. */
async function waitFor(condition: () => boolean, what: string) {
  for (let i = 0; i < 1000 && !condition(); i++) {
    await new Promise(resolve => setTimeout(resolve, 5));
  }
  if (!condition()) throw new Error(`Timed out waiting for ${what}`);
}

/**
 * An engine on a manual clock whose only step runs until it is stopped, with
 * `pipelines.jobTimeout` of 60 minutes by default and at most 120.
 */
async function setUp() {
  const knex = await databases.init('SQLITE_3');
  const store = await DatabasePipelineStore.create({
    database: mockServices.database({ knex }),
  });
  const clock = new ManualClock(1_000_000);
  const beats: Array<{ done: boolean }> = [];
  const heartbeat = store.heartbeat.bind(store);
  jest.spyOn(store, 'heartbeat').mockImplementation(async request => {
    const beat = { done: false };
    beats.push(beat);
    try {
      return await heartbeat(request);
    } finally {
      beat.done = true;
    }
  });
  const events: { started?: number; stopped?: number } = {};
  const executor: PipelineExecutor = {
    id: 'fake',
    prepareWorkspace: async () => ({ dir: '/nonexistent', commit: 'abc' }),
    runScript: (request: PipelineScriptRequest) => {
      events.started = clock.now();
      return new Promise(resolve =>
        request.signal.addEventListener('abort', () => {
          events.stopped = clock.now();
          resolve({ exitCode: null, terminatedBy: 'cancel' });
        }),
      );
    },
    collectArtifacts: async () => [],
    cleanupWorkspace: async () => undefined,
  };
  const engine = new PipelineEngine({
    store,
    executor,
    stepTypes: new Map(),
    logger: mockServices.logger.mock(),
    secrets: {},
    artifacts: {} as any,
    concurrency: 1,
    // Far longer than any test here: only the job timeout may stop the job
    leaseMs: 24 * 60 * MINUTE,
    heartbeatMs: HEARTBEAT_MS,
    killGraceMs: 1_000,
    pollMs: 20,
    logLimitBytes: 1_000_000,
    clock,
    jobTimeout: { defaultMs: 60 * MINUTE, maxMs: 120 * MINUTE },
  });
  /** Moves time on a heartbeat at a time (each answered) until the job stops or `limitMs`. */
  const runFor = async (limitMs: number) => {
    const from = clock.now();
    while (events.stopped === undefined && clock.now() - from < limitMs) {
      clock.advance(HEARTBEAT_MS);
      await waitFor(() => beats.every(b => b.done), 'the heartbeat');
      await new Promise(resolve => setImmediate(resolve));
    }
  };
  return { store, engine, clock, events, runFor };
}

describe('pipelines.jobTimeout', () => {
  it('stops a job without a timeout of its own after the default, failing it as timed out', async () => {
    const { store, engine, events, runFor } = await setUp();
    try {
      const run = await engine.trigger({
        entityRef: 'component:default/comet',
        entityName: 'comet',
        repositoryUrl: 'https://example.com/comet.git',
        definition,
        trigger: { type: 'manual', actor: 'user:default/alice' },
      });
      engine.start();
      await waitFor(() => events.started !== undefined, 'the step to start');

      await runFor(55 * MINUTE);
      expect(events.stopped).toBeUndefined();
      await runFor(10 * MINUTE);
      expect(events.stopped! - events.started!).toBe(60 * MINUTE);

      await waitFor(() => engine.runningJobs === 0, 'the job to end');
      const job = (await store.getRun(run.runId))!.jobs[0];
      expect(job.status).toBe('failed');
      expect(job.steps[0].error).toBe(`Job timed out after ${60 * MINUTE} ms`);
    } finally {
      await engine.stop(0);
    }
  });

  it('holds a stored job that asks for more than the maximum to the maximum', async () => {
    const { store, engine, events, runFor } = await setUp();
    try {
      // As stored before the maximum existed: planned without limits, 10 hours
      const [job] = planJobs({
        ...definition,
        jobs: [{ ...definition.jobs[0], timeoutMs: 600 * MINUTE }],
      });
      expect(job.timeoutMs).toBe(600 * MINUTE);
      const run = await store.createRun({
        entityRef: 'component:default/comet',
        pipeline: 'ci',
        repositoryUrl: 'https://example.com/comet.git',
        trigger: { type: 'manual' },
        params: {},
        definition,
        jobs: [job],
      });
      engine.start();
      await waitFor(() => events.started !== undefined, 'the step to start');
      await runFor(180 * MINUTE);
      expect(events.stopped! - events.started!).toBe(120 * MINUTE);
      await waitFor(() => engine.runningJobs === 0, 'the job to end');
      expect((await store.getRun(run.runId))!.jobs[0].status).toBe('failed');
    } finally {
      await engine.stop(0);
    }
  });
});
