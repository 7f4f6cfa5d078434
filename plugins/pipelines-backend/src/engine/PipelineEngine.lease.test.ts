import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import type {
  PipelineExecutor,
  PipelineScriptRequest,
} from '@internal/plugin-pipelines-node';
import { DatabasePipelineStore } from '../store/DatabasePipelineStore';
import { ManualClock } from './ManualClock';
import { PipelineEngine } from './PipelineEngine';

jest.setTimeout(30_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

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
      retry: 1,
      env: {},
      artifacts: [],
      steps: [
        { name: 'long', run: 'sleep 600', env: {}, continueOnError: false },
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

/** An executor whose step runs until it is cancelled; records when that happened. */
function blockingExecutor(clock: ManualClock) {
  const events: { started?: number; aborted?: number } = {};
  const executor: PipelineExecutor = {
    id: 'fake',
    prepareWorkspace: async () => ({ dir: '/nonexistent', commit: 'abc' }),
    runScript: (request: PipelineScriptRequest) => {
      events.started = clock.now();
      return new Promise(resolve =>
        request.signal.addEventListener('abort', () => {
          events.aborted = clock.now();
          resolve({ exitCode: null, terminatedBy: 'cancel' });
        }),
      );
    },
    collectArtifacts: async () => [],
    cleanupWorkspace: async () => undefined,
  };
  return { executor, events };
}

async function setUp(options: {
  leaseMs: number;
  heartbeatMs: number;
  killGraceMs: number;
  /** Heartbeats that succeed before they start failing. */
  healthyBeats: number;
}) {
  const knex = await databases.init('SQLITE_3');
  const store = await DatabasePipelineStore.create({
    database: mockServices.database({ knex }),
  });
  // The lease's time: it moves only when the test advances it, one heartbeat at a time.
  const clock = new ManualClock(1_000_000);
  const beats: Array<{ at: number; ok: boolean; done: boolean }> = [];
  const heartbeat = store.heartbeat.bind(store);
  jest.spyOn(store, 'heartbeat').mockImplementation(async request => {
    const ok = beats.filter(b => b.ok).length < options.healthyBeats;
    const beat = { at: clock.now(), ok, done: false };
    beats.push(beat);
    try {
      if (!ok) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      return await heartbeat(request);
    } finally {
      beat.done = true;
    }
  });
  const { executor, events } = blockingExecutor(clock);
  const logger = mockServices.logger.mock();
  const engine = new PipelineEngine({
    store,
    executor,
    stepTypes: new Map(),
    logger,
    secrets: {},
    artifacts: {} as any,
    concurrency: 1,
    leaseMs: options.leaseMs,
    heartbeatMs: options.heartbeatMs,
    killGraceMs: options.killGraceMs,
    pollMs: 50,
    logLimitBytes: 1_000_000,
    clock,
  });
  const run = await engine.trigger({
    entityRef: 'component:default/comet',
    entityName: 'comet',
    repositoryUrl: 'https://example.com/comet.git',
    definition,
    trigger: { type: 'manual', actor: 'user:default/alice' },
  });
  const claimedAt = clock.now();
  engine.start();
  await waitFor(() => events.started !== undefined, 'the step to start');
  /**
   * Moves the lease's time on one heartbeat at a time, each time waiting until that
   * heartbeat has been answered, until the job has stopped here (at most `limitMs`).
   */
  const settled = async (limitMs = 60_000) => {
    while (events.aborted === undefined && clock.now() - claimedAt < limitMs) {
      clock.advance(options.heartbeatMs);
      await waitFor(() => beats.every(b => b.done), 'the heartbeat');
      // The engine's own continuation after the heartbeat's answer
      await new Promise(resolve => setImmediate(resolve));
    }
    await waitFor(() => engine.runningJobs === 0, 'the job to end here');
  };
  return {
    store,
    engine,
    clock,
    events,
    beats,
    logger,
    runId: run.runId,
    claimedAt,
    settled,
  };
}

describe('PipelineEngine lease loss', () => {
  it('aborts a job once no heartbeat has reached the database for lease - kill grace - margin', async () => {
    // lease 4 s, kill grace 1 s, margin 2 s: abort 1 s after the last good heartbeat
    const { store, engine, clock, events, beats, logger, runId, settled } =
      await setUp({
        leaseMs: 4_000,
        heartbeatMs: 200,
        killGraceMs: 1_000,
        healthyBeats: 6,
      });
    try {
      await settled();
      expect(events.aborted).toBeDefined();
      const lastGood = beats.filter(b => b.ok).pop()!;
      const firstBad = beats.find(b => !b.ok)!;
      expect(beats.filter(b => b.ok)).toHaveLength(6);
      // Healthy heartbeats kept it running well past the 1 s budget...
      expect(events.aborted! - events.started!).toBeGreaterThan(1_000);
      // ...and failing ones stopped it after the budget, before lease - kill grace: exactly
      // 1 s after the last heartbeat that held
      expect(events.aborted! - lastGood.at).toBe(1_000);
      expect(events.aborted!).toBeGreaterThan(firstBad.at);

      const run = (await store.getRun(runId))!;
      const job = run.jobs[0];
      // Its state is left to the lease recovery (another replica retries or fails it)
      expect(job.status).toBe('running');
      expect(job.steps[0].status).toBe('cancelled');
      expect(job.steps[0].error).toMatch(
        /^The job lost its lease: no heartbeat reached the database for 1 s/,
      );
      const lines = await store.readLogLines(runId, { limit: 100 });
      expect(lines.map(l => l.text)).toContainEqual(
        expect.stringMatching(/^Job stopped: The job lost its lease/),
      );
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringContaining('lost its lease'),
      );
      // No heartbeat after giving up the lease, and no lease timer left
      const count = beats.length;
      clock.advance(5_000);
      expect(beats.length).toBe(count);
      expect(clock.pending).toBe(0);
    } finally {
      await engine.stop(0);
    }
  });

  it('with a lease too short for the kill grace, aborts at the first failed heartbeat past half the lease', async () => {
    // 2 s lease cannot fit a 10 s kill grace: heartbeats every 300 ms all fail
    const { engine, events, beats, claimedAt, settled } = await setUp({
      leaseMs: 2_000,
      heartbeatMs: 300,
      killGraceMs: 10_000,
      healthyBeats: 0,
    });
    try {
      await settled();
      expect(events.aborted).toBeDefined();
      // Failed heartbeats before half the lease did not abort; the first after it did
      const before = beats.filter(b => b.at < events.aborted! - 5);
      expect(before.length).toBeGreaterThanOrEqual(3);
      // The fourth heartbeat (1.2 s) is the first past half the 2 s lease
      expect(events.aborted! - claimedAt).toBe(1_200);
      expect(beats.map(b => b.at - claimedAt)).toEqual([300, 600, 900, 1_200]);
    } finally {
      await engine.stop(0);
    }
  });
});
