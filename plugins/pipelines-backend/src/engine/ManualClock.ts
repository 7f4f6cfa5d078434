import type { Clock, ClockTimer } from './Clock';

type ScheduledTimer = {
  timer: ClockTimer;
  due: number;
  /** For intervals: the period after which it runs again. */
  every?: number;
  callback: () => void;
};

/**
 * A clock that moves only when told to, for tests of timing rules (lease heartbeats,
 * watchdogs, timeouts): `advance` runs every timer that falls due, in order of time.
 */
export class ManualClock implements Clock {
  private time: number;
  private timers: ScheduledTimer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now() {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    return this.schedule(callback, ms);
  }

  setInterval(callback: () => void, ms: number): ClockTimer {
    return this.schedule(callback, ms, Math.max(1, ms));
  }

  clear(timer: ClockTimer | undefined) {
    this.timers = this.timers.filter(t => t.timer !== timer);
  }

  /** Timers still waiting to run. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time on by `ms`, running each timer when its time comes. */
  advance(ms: number) {
    const end = this.time + ms;
    for (;;) {
      const next = this.timers
        .filter(t => t.due <= end)
        .sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.time = next.due;
      if (next.every === undefined) this.clear(next.timer);
      else next.due += next.every;
      next.callback();
    }
    this.time = end;
  }

  private schedule(callback: () => void, ms: number, every?: number) {
    const timer: ClockTimer = { clockTimer: Symbol('timer') };
    this.timers.push({
      timer,
      due: this.time + Math.max(every ?? 0, ms, 0),
      every,
      callback,
    });
    return timer;
  }
}
