import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import type {
  PipelineRunEvent,
  PipelineRunEventListener,
} from '@internal/plugin-pipelines-node';
import { DatabasePipelineStore } from '../store/DatabasePipelineStore';
import type { NewRun } from '../store/PipelineStore';
import { RunEventDispatcher } from './RunEventDispatcher';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const ids = databases.eachSupportedId();

const definition: PipelineDefinition = {
  name: 'ci',
  on: { manual: {} },
  params: {},
  env: {},
  jobs: [],
};

function newRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    entityRef: 'component:default/comet',
    pipeline: 'ci',
    trigger: { type: 'manual', actor: 'user:default/alice' },
    branch: 'main',
    commitSha: 'abc123',
    repositoryUrl: 'https://github.com/acme/comet',
    params: { token: 'not-in-events' },
    definition,
    jobs: [
      {
        jobRunId: 'build',
        jobId: 'build',
        name: 'build',
        needs: [],
        steps: [{ name: 'compile' }],
        maxAttempts: 1,
      },
    ],
    ...overrides,
  };
}

/** One clock for the store and every dispatcher, moved by the test. */
function testClock() {
  let time = Date.parse('2026-12-04T12:00:00.000Z');
  return {
    now: () => time,
    advance(ms: number) {
      time += ms;
    },
  };
}

/** A listener that records what it got. */
function recorder(id: string, received: Array<[string, PipelineRunEvent]>) {
  return {
    id,
    onEvent: async (event: PipelineRunEvent) => {
      received.push([id, event]);
    },
  } satisfies PipelineRunEventListener;
}

async function setUp(databaseId: string) {
  const knex = await databases.init(databaseId as 'SQLITE_3');
  const clock = testClock();
  const store = await DatabasePipelineStore.create({
    database: mockServices.database({ knex }),
    now: clock.now,
  });
  const replica = (owner: string) =>
    new RunEventDispatcher({
      outbox: store.runEvents,
      logger: mockServices.logger.mock(),
      now: clock.now,
      owner,
      leaseMs: 30_000,
      retryBaseMs: 1_000,
    });
  return { knex, store, clock, replica };
}

/** Runs a run through its whole life: queued, started, job started and finished, succeeded. */
async function runToSuccess(store: DatabasePipelineStore) {
  const run = await store.createRun(newRun());
  await store.claimJob({ workerId: 'w1', leaseMs: 60_000 });
  await store.setJobState({
    runId: run.runId,
    jobRunId: 'build',
    state: 'succeeded',
    from: ['running'],
    workerId: 'w1',
  });
  await store.promoteJobs(run.runId);
  return run;
}

describe('RunEventDispatcher', () => {
  it.each(ids)(
    'delivers the events written with each status change, %p',
    async databaseId => {
      const { store, replica } = await setUp(databaseId);
      const received: Array<[string, PipelineRunEvent]> = [];
      const dispatcher = replica('r1');
      dispatcher.addListener(recorder('audit', received));

      const run = await runToSuccess(store);
      expect(await dispatcher.deliverDue()).toBe(5);

      expect(
        received.map(([, e]) => [
          e.type,
          e.status,
          e.previousStatus,
          e.job?.status,
        ]),
      ).toEqual([
        ['run.queued', 'queued', undefined, undefined],
        ['run.started', 'running', 'queued', undefined],
        ['job.started', 'running', undefined, 'running'],
        ['job.finished', 'running', undefined, 'succeeded'],
        ['run.succeeded', 'succeeded', 'running', undefined],
      ]);
      const [, finished] = received[4];
      expect(finished).toEqual({
        eventId: expect.any(String),
        type: 'run.succeeded',
        occurredAt: '2026-12-04T12:00:00.000Z',
        runId: run.runId,
        entityRef: 'component:default/comet',
        pipeline: 'ci',
        runNumber: 1,
        status: 'succeeded',
        previousStatus: 'running',
        trigger: { type: 'manual', actor: 'user:default/alice' },
        branch: 'main',
        commit: {
          sha: 'abc123',
          url: 'https://github.com/acme/comet/commit/abc123',
        },
        createdAt: '2026-12-04T12:00:00.000Z',
        startedAt: '2026-12-04T12:00:00.000Z',
        finishedAt: '2026-12-04T12:00:00.000Z',
        links: [],
      });
      // Parameters are not part of events
      expect(JSON.stringify(received)).not.toContain('not-in-events');
      expect(new Set(received.map(([, e]) => e.eventId)).size).toBe(5);
      // Nothing is delivered twice
      expect(await dispatcher.deliverDue()).toBe(0);
    },
  );

  it.each(ids)(
    'announces cancellation, approval gates and rejected decisions, %p',
    async databaseId => {
      const { store, replica } = await setUp(databaseId);
      const received: Array<[string, PipelineRunEvent]> = [];
      const dispatcher = replica('r1');
      dispatcher.addListener(recorder('audit', received));

      const gated = await store.createRun(
        newRun({
          jobs: [
            {
              jobRunId: 'approve',
              jobId: 'approve',
              name: 'approve',
              needs: [],
              steps: [],
              maxAttempts: 1,
              approval: { description: 'Ship it?' },
            },
          ],
        }),
      );
      await store.decideApproval({
        runId: gated.runId,
        jobRunId: 'approve',
        decision: 'rejected',
        decidedBy: 'user:default/bob',
      });
      await store.promoteJobs(gated.runId);
      const cancelled = await store.createRun(newRun());
      await store.cancelRun(cancelled.runId, 'stop');

      await dispatcher.deliverDue();
      expect(
        received.map(([, e]) => [e.runId, e.type, e.job?.jobRunId, e.status]),
      ).toEqual([
        [gated.runId, 'run.waiting', undefined, 'waiting'],
        [gated.runId, 'job.waiting', 'approve', 'waiting'],
        [gated.runId, 'job.finished', 'approve', 'waiting'],
        [gated.runId, 'run.failed', undefined, 'failed'],
        [cancelled.runId, 'run.queued', undefined, 'queued'],
        [cancelled.runId, 'run.cancelled', undefined, 'cancelled'],
        [cancelled.runId, 'job.finished', 'build', 'cancelled'],
      ]);
      expect(received[2][1].job?.status).toBe('failed');
    },
  );

  it.each(ids)(
    'two replicas deliver each event once per listener, and again after a replica dies mid-delivery, %p',
    async databaseId => {
      const { store, clock, replica } = await setUp(databaseId);
      const received: Array<[string, PipelineRunEvent]> = [];
      const replicas = [replica('r1'), replica('r2')];
      for (const dispatcher of replicas) {
        dispatcher.addListener(recorder('audit', received));
        dispatcher.addListener(recorder('chat', received));
      }
      await runToSuccess(store);
      await Promise.all([
        ...replicas.map(d => d.deliverDue()),
        ...replicas.map(d => d.deliverDue()),
      ]);
      await Promise.all(replicas.map(d => d.deliverDue()));
      const delivered = (listenerId: string) =>
        received
          .filter(([id]) => id === listenerId)
          .map(([, e]) => e.eventId)
          .sort();
      expect(delivered('audit')).toHaveLength(5);
      expect(new Set(delivered('audit')).size).toBe(5);
      expect(delivered('chat')).toEqual(delivered('audit'));

      // A replica takes an event and dies before it is done: its lease keeps the other
      // replica off until it runs out, then the other one delivers it.
      const run = await store.createRun(newRun());
      let taken!: () => void;
      const takenByDyingReplica = new Promise<void>(resolve => {
        taken = resolve;
      });
      const dying = replica('dying');
      dying.addListener({
        id: 'audit',
        onEvent: () => {
          taken();
          return new Promise<void>(() => {}); // never finishes
        },
      });
      void dying.deliverDue();
      await takenByDyingReplica;
      received.length = 0;
      const survivor = replicas[0];
      await survivor.deliverDue();
      expect(received.map(([id, e]) => [id, e.runId, e.type])).toEqual([
        ['chat', run.runId, 'run.queued'],
      ]);

      clock.advance(30_001);
      await survivor.deliverDue();
      expect(received.map(([id, e]) => [id, e.runId, e.type])).toEqual([
        ['chat', run.runId, 'run.queued'],
        ['audit', run.runId, 'run.queued'],
      ]);
      expect(await survivor.deliverDue()).toBe(0);
    },
  );

  it.each(ids)(
    'retries a failing listener with backoff without holding up another, %p',
    async databaseId => {
      const { store, clock, replica } = await setUp(databaseId);
      const received: Array<[string, PipelineRunEvent]> = [];
      const dispatcher = replica('r1');
      let failures = 0;
      dispatcher.addListener({
        id: 'flaky',
        onEvent: async event => {
          if (failures < 2) {
            failures++;
            throw new Error('chat service is down');
          }
          received.push(['flaky', event]);
        },
      });
      dispatcher.addListener(recorder('steady', received));
      const run = await store.createRun(newRun());

      await dispatcher.deliverDue();
      expect(received.map(([id]) => id)).toEqual(['steady']);
      expect(failures).toBe(1);

      // Not again before its backoff (1 s after the first failure) has passed
      clock.advance(999);
      await dispatcher.deliverDue();
      expect(failures).toBe(1);
      clock.advance(1);
      await dispatcher.deliverDue();
      expect(failures).toBe(2);
      // The second backoff is twice as long
      clock.advance(1_999);
      await dispatcher.deliverDue();
      expect(received.map(([id]) => id)).toEqual(['steady']);
      clock.advance(1);
      await dispatcher.deliverDue();
      expect(received.map(([id, e]) => [id, e.runId, e.type])).toEqual([
        ['steady', run.runId, 'run.queued'],
        ['flaky', run.runId, 'run.queued'],
      ]);
      expect(received[0][1].eventId).toBe(received[1][1].eventId);
    },
  );

  it.each(ids)(
    'delivers at once when this replica writes an event, without waiting for a poll, %p',
    async databaseId => {
      const knex = await databases.init(databaseId as 'SQLITE_3');
      // Real time here: the nudge is what is tested, and the poll is an hour away
      const store = await DatabasePipelineStore.create({
        database: mockServices.database({ knex }),
      });
      const received: Array<[string, PipelineRunEvent]> = [];
      const dispatcher = new RunEventDispatcher({
        outbox: store.runEvents,
        logger: mockServices.logger.mock(),
        pollMs: 60 * 60_000,
      });
      dispatcher.addListener(recorder('audit', received));
      const receivedRun = async (runId: string) => {
        const deadline = Date.now() + 10_000;
        while (!received.some(([, e]) => e.runId === runId)) {
          if (Date.now() > deadline) throw new Error(`no event of ${runId}`);
          await new Promise(resolve => setTimeout(resolve, 10));
        }
      };
      dispatcher.start();
      try {
        const first = await store.createRun(newRun());
        await receivedRun(first.runId);
        const second = await store.createRun(newRun());
        await receivedRun(second.runId);
        expect(received.map(([, e]) => [e.runId, e.type])).toEqual([
          [first.runId, 'run.queued'],
          [second.runId, 'run.queued'],
        ]);
      } finally {
        await dispatcher.stop();
      }
      expect(
        (await knex('pipeline_run_event_deliveries').select('state')).map(
          row => row.state,
        ),
      ).toEqual(['delivered', 'delivered']);
    },
  );

  it.each(ids)(
    'never delivers an event whose transaction rolled back, %p',
    async databaseId => {
      const { knex, store, clock, replica } = await setUp(databaseId);
      const received: Array<[string, PipelineRunEvent]> = [];
      const dispatcher = replica('r1');
      dispatcher.addListener(recorder('audit', received));
      const event = (runId: string) => ({
        type: 'run.queued' as const,
        occurredAt: new Date(clock.now()).toISOString(),
        runId,
        entityRef: 'component:default/comet',
        pipeline: 'ci',
        runNumber: 1,
        status: 'queued' as const,
        trigger: { type: 'manual' as const },
        createdAt: new Date(clock.now()).toISOString(),
        links: [],
      });
      await expect(
        knex.transaction(async trx => {
          await store.runEvents.append(trx, [event('rolled-back')]);
          throw new Error('the status change failed');
        }),
      ).rejects.toThrow('the status change failed');
      await knex.transaction(trx =>
        store.runEvents.append(trx, [event('committed')]),
      );

      await dispatcher.deliverDue();
      expect(received.map(([, e]) => e.runId)).toEqual(['committed']);
    },
  );

  it.each(ids)(
    'prunes events every listener has had once they are old, %p',
    async databaseId => {
      const { knex, store, clock, replica } = await setUp(databaseId);
      const dispatcher = replica('r1');
      dispatcher.addListener(recorder('audit', []));
      let failing = true;
      dispatcher.addListener({
        id: 'stuck',
        onEvent: async () => {
          if (failing) throw new Error('down');
        },
      });
      await store.createRun(newRun());
      await dispatcher.deliverDue();
      const count = async () =>
        Number(
          (await knex('pipeline_run_events').count({ count: '*' }))[0].count,
        );
      expect(await count()).toBe(1);

      // An hour later one listener still waits for it: kept
      clock.advance(60 * 60_000 + 1);
      failing = true;
      await dispatcher.deliverDue();
      expect(await count()).toBe(1);

      failing = false;
      clock.advance(60 * 60_000);
      await dispatcher.deliverDue();
      clock.advance(60_001);
      await dispatcher.deliverDue();
      expect(await count()).toBe(0);
      expect(
        Number(
          (await knex('pipeline_run_event_deliveries').count({ count: '*' }))[0]
            .count,
        ),
      ).toBe(0);

      // A listener that never takes an event does not keep it for more than a week
      failing = true;
      await store.createRun(newRun());
      await dispatcher.deliverDue();
      clock.advance(7 * 24 * 60 * 60_000 - 1);
      await dispatcher.deliverDue();
      expect(await count()).toBe(1);
      clock.advance(60_001);
      await dispatcher.deliverDue();
      expect(await count()).toBe(0);
    },
  );
});
