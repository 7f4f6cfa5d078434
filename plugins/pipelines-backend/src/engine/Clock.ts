/** A timer a {@link Clock} started; only that clock can clear it. */
export type ClockTimer = { readonly clockTimer: unknown };

/**
 * Time and timers for the engine's job timing (lease heartbeats, the lease watchdog, job
 * timeouts), injected so tests can move time instead of waiting for it.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): ClockTimer;
  setInterval(callback: () => void, ms: number): ClockTimer;
  /** Stops a timeout or an interval; nothing for undefined or one that already ran. */
  clear(timer: ClockTimer | undefined): void;
}

/** The real clock: `Date.now()` and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => ({ clockTimer: setTimeout(callback, ms) }),
  setInterval: (callback, ms) => ({ clockTimer: setInterval(callback, ms) }),
  clear: timer => {
    if (timer) clearTimeout(timer.clockTimer as NodeJS.Timeout);
  },
};
