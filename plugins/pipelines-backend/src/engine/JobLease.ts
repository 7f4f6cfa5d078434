import type { LoggerService } from '@backstage/backend-plugin-api';
import type { PipelineStore } from '../store/PipelineStore';
import type { Clock, ClockTimer } from './Clock';
import type { JobStopReason } from './JobStopReason';

/** Slack for clocks and timers between aborting a job that lost its lease and the lease's end. */
export const LEASE_MARGIN_MS = 2_000;

export type JobLeaseOptions = {
  store: Pick<PipelineStore, 'heartbeat'>;
  runId: string;
  jobRunId: string;
  workerId: string;
  leaseMs: number;
  heartbeatMs: number;
  /** How long a stopped step's processes get after SIGTERM before SIGKILL. */
  killGraceMs: number;
  /** When the claim was asked for: the lease runs from (no earlier than) then. */
  claimedAt: number;
  clock: Clock;
  logger: LoggerService;
  /** The job's signal: once it is aborted (for any reason) the lease stops acting. */
  signal: AbortSignal;
  /**
   * Stops the job. `replace` is false when the store said the job is no longer ours: a reason
   * given earlier (a cancel) is kept then.
   */
  stop: (reason: JobStopReason, replace: boolean) => void;
};

/**
 * Keeps a claimed job's lease with heartbeats and stops the job when the lease is lost:
 *
 * - a heartbeat the store refuses (the job was cancelled or taken over) stops it at once;
 * - when heartbeats stop reaching the database (it is unreachable, or this replica hangs), a
 *   watchdog stops it early enough that its processes are gone (SIGTERM, then SIGKILL after the
 *   kill grace period) before the lease expires and another replica runs it again: at
 *   `lease - kill grace - margin` after the last heartbeat that held;
 * - with a lease too short for that, the first failed heartbeat past half the lease stops it.
 */
export class JobLease {
  private lost = false;
  private lastHeld: number;
  private readonly watchdogMs: number | undefined;
  private heartbeatTimer?: ClockTimer;
  private watchdogTimer?: ClockTimer;

  static start(options: JobLeaseOptions): JobLease {
    const lease = new JobLease(options);
    lease.armWatchdog();
    lease.heartbeatTimer = options.clock.setInterval(
      () => void lease.heartbeat(),
      options.heartbeatMs,
    );
    return lease;
  }

  private constructor(private readonly options: JobLeaseOptions) {
    this.lastHeld = options.claimedAt;
    const budgetMs = options.leaseMs - options.killGraceMs - LEASE_MARGIN_MS;
    this.watchdogMs = budgetMs > options.heartbeatMs ? budgetMs : undefined;
  }

  /** Whether the lease was lost: then the job's state is no longer this worker's to set. */
  get isLost(): boolean {
    return this.lost;
  }

  /** Stops heartbeating (the job is over). */
  release() {
    this.options.clock.clear(this.heartbeatTimer);
    this.options.clock.clear(this.watchdogTimer);
  }

  private async heartbeat() {
    const { store, clock, signal, logger } = this.options;
    const started = clock.now();
    try {
      const held = await store.heartbeat({
        runId: this.options.runId,
        jobRunId: this.options.jobRunId,
        workerId: this.options.workerId,
        leaseMs: this.options.leaseMs,
      });
      if (!held && !signal.aborted) {
        this.lost = true;
        this.options.stop(
          {
            kind: 'leaseLost',
            message: 'The job was cancelled or taken over by another worker',
          },
          false,
        );
      } else if (held && !signal.aborted) {
        // The lease now runs from (no earlier than) when this heartbeat was sent
        this.lastHeld = Math.max(this.lastHeld, started);
        this.armWatchdog();
      }
    } catch (error) {
      logger.warn(`Heartbeat for ${this.options.jobRunId} failed: ${error}`);
      if (
        this.watchdogMs === undefined &&
        clock.now() - this.lastHeld > this.options.leaseMs / 2
      ) {
        this.lose();
      }
    }
  }

  private armWatchdog() {
    const { clock } = this.options;
    if (this.watchdogMs === undefined) return;
    clock.clear(this.watchdogTimer);
    this.watchdogTimer = clock.setTimeout(
      () => this.lose(),
      Math.max(0, this.lastHeld + this.watchdogMs - clock.now()),
    );
  }

  private lose() {
    const { clock, signal, logger } = this.options;
    if (signal.aborted) return;
    const seconds = Math.round((clock.now() - this.lastHeld) / 1000);
    this.lost = true;
    const message = `The job lost its lease: no heartbeat reached the database for ${seconds} s, so it was stopped here before another worker could take it over`;
    logger.warn(
      `Pipeline job ${this.options.jobRunId} of run ${this.options.runId}: ${message}`,
    );
    clock.clear(this.heartbeatTimer);
    this.options.stop({ kind: 'leaseLost', message }, true);
  }
}
