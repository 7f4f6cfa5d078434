import type { PipelineRun } from '@internal/plugin-pipelines-common';
import type { PipelineRunEvent } from '@internal/plugin-pipelines-node';
import type { RunOwnersEvent } from '../service/RunOwnersNotifier';
import { RunOwnersEventListener } from './RunOwnersEventListener';

const run = { runId: 'run-1', status: 'failed' } as PipelineRun;

function event(overrides: Partial<PipelineRunEvent>): PipelineRunEvent {
  return {
    eventId: '1',
    type: 'run.queued',
    occurredAt: '2026-12-04T12:00:00.000Z',
    runId: 'run-1',
    entityRef: 'component:default/comet',
    pipeline: 'ci',
    runNumber: 1,
    status: 'queued',
    trigger: { type: 'manual' },
    createdAt: '2026-12-04T12:00:00.000Z',
    links: [],
    ...overrides,
  };
}

describe('RunOwnersEventListener', () => {
  function setUp(stored: PipelineRun | undefined = run) {
    const notified: RunOwnersEvent[] = [];
    const listener = RunOwnersEventListener.create({
      notifier: { notify: async e => void notified.push(e) },
      store: {
        getRun: async runId => (runId === 'run-1' ? stored : undefined),
      },
    });
    return { listener, notified };
  }

  it('tells the owners about a failed run and a waiting gate, with the run as stored', async () => {
    const { listener, notified } = setUp();
    await listener.onEvent(event({ type: 'run.failed', status: 'failed' }));
    await listener.onEvent(
      event({
        type: 'job.waiting',
        status: 'waiting',
        job: {
          jobRunId: 'approve',
          jobId: 'approve',
          name: 'approve',
          status: 'waiting',
          attempt: 0,
        },
      }),
    );
    expect(notified).toEqual([
      { type: 'failed', run },
      { type: 'waiting', run, jobRunId: 'approve' },
    ]);
  });

  it('ignores other events and runs that are gone', async () => {
    const { listener, notified } = setUp();
    for (const type of [
      'run.queued',
      'run.started',
      'run.waiting',
      'run.succeeded',
      'run.cancelled',
      'job.started',
      'job.finished',
    ] as const) {
      await listener.onEvent(event({ type }));
    }
    await listener.onEvent(
      event({ type: 'run.failed', runId: 'deleted-run', status: 'failed' }),
    );
    expect(notified).toEqual([]);
  });

  it('fails when the notification fails, so the event comes again', async () => {
    const listener = RunOwnersEventListener.create({
      notifier: {
        notify: async () => {
          throw new Error('notifications are down');
        },
      },
      store: { getRun: async () => run },
    });
    await expect(
      listener.onEvent(event({ type: 'run.failed', status: 'failed' })),
    ).rejects.toThrow('notifications are down');
  });
});
