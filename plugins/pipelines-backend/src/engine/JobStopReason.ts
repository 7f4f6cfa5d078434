/**
 * Why a running job was stopped before it finished. The kind decides the job's final state;
 * the message is what the job's log, step and error show.
 */
export type JobStopReason =
  /** The job ran past its `timeout`: it fails (and is not retried). */
  | { kind: 'timeout'; message: string }
  /**
   * No heartbeat reached the database in time, or the store says the job is no longer this
   * worker's (cancelled, or taken over): whoever holds it now decides its state.
   */
  | { kind: 'leaseLost'; message: string }
  /** Its run was cancelled. */
  | { kind: 'cancelled'; message: string }
  /** This backend replica shut down before the job finished. */
  | { kind: 'shutdown'; message: string };

/** The message of a stop reason, `Cancelled` when the job was stopped without one. */
export function stopMessage(reason: JobStopReason | undefined): string {
  return reason?.message ?? 'Cancelled';
}
