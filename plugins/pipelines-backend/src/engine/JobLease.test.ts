import { mockServices } from '@backstage/backend-test-utils';
import { JobLease } from './JobLease';
import type { JobStopReason } from './JobStopReason';
import { ManualClock } from './ManualClock';

/** A lease whose heartbeats answer from `answers` (true: held, false: lost, Error: failed). */
function leaseWith(
  answers: Array<boolean | Error>,
  timing: { leaseMs: number; heartbeatMs: number; killGraceMs: number },
) {
  const clock = new ManualClock(0);
  const abort = new AbortController();
  const stops: Array<{ reason: JobStopReason; replace: boolean; at: number }> =
    [];
  const heartbeat = jest.fn(async () => {
    const answer = answers.shift() ?? new Error('no answer');
    if (answer instanceof Error) throw answer;
    return answer;
  });
  const lease = JobLease.start({
    store: { heartbeat },
    runId: 'run-1',
    jobRunId: 'build',
    workerId: 'worker-1',
    ...timing,
    claimedAt: 0,
    clock,
    logger: mockServices.logger.mock(),
    signal: abort.signal,
    stop: (reason, replace) => {
      stops.push({ reason, replace, at: clock.now() });
      abort.abort();
    },
  });
  /** Advances one heartbeat and lets its answer be handled. */
  const beat = async () => {
    clock.advance(timing.heartbeatMs);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { clock, lease, stops, heartbeat, beat };
}

describe('JobLease', () => {
  it('stops the job, keeping an earlier reason, when the store refuses a heartbeat', async () => {
    const { lease, stops, beat } = leaseWith([true, false], {
      leaseMs: 30_000,
      heartbeatMs: 1_000,
      killGraceMs: 10_000,
    });
    await beat();
    expect(stops).toEqual([]);
    await beat();
    expect(stops).toEqual([
      {
        reason: {
          kind: 'leaseLost',
          message: 'The job was cancelled or taken over by another worker',
        },
        replace: false,
        at: 2_000,
      },
    ]);
    expect(lease.isLost).toBe(true);
    lease.release();
  });

  it('stops the job lease - kill grace - margin after the last heartbeat that held', async () => {
    // 10 s lease, 3 s kill grace, 2 s margin: a 5 s budget
    const { clock, lease, stops, heartbeat, beat } = leaseWith(
      [true, true, new Error('ECONNREFUSED')],
      { leaseMs: 10_000, heartbeatMs: 1_000, killGraceMs: 3_000 },
    );
    for (let i = 0; i < 8 && stops.length === 0; i++) await beat();
    expect(stops).toHaveLength(1);
    expect(stops[0].at).toBe(7_000);
    expect(stops[0].reason).toEqual({
      kind: 'leaseLost',
      message:
        'The job lost its lease: no heartbeat reached the database for 5 s, so it was stopped here before another worker could take it over',
    });
    expect(lease.isLost).toBe(true);
    // The heartbeat interval stopped with the lease
    const calls = heartbeat.mock.calls.length;
    clock.advance(10_000);
    expect(heartbeat.mock.calls.length).toBe(calls);
  });

  it('does nothing once released', async () => {
    const { clock, lease, stops, heartbeat } = leaseWith([], {
      leaseMs: 10_000,
      heartbeatMs: 1_000,
      killGraceMs: 3_000,
    });
    lease.release();
    clock.advance(60_000);
    expect(heartbeat).not.toHaveBeenCalled();
    expect(stops).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});
