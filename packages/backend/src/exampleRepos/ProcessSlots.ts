/** What {@link ProcessSlots.acquire} got: a slot, or why not. */
export type SlotResult = 'acquired' | 'full' | 'timeout' | 'closed';

/** One acquirer in the queue. */
type Waiter = {
  signal: AbortSignal;
  timer?: NodeJS.Timeout;
  onAbort(): void;
  resolve(result: SlotResult): void;
};

/**
 * A counting semaphore with a bounded, first-come queue: at most `maxRunning` holders, at most
 * `maxWaiting` waiting for one. Whoever acquires a slot releases it exactly once.
 */
export class ProcessSlots {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly maxRunning: number, readonly maxWaiting: number) {}

  /** Slots held now. */
  get runningCount(): number {
    return this.running;
  }

  /** Acquirers in the queue now. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /**
   * A slot at once if one is free; else a place in the queue until one is, `timeoutMs` has
   * passed (`timeout`), or `signal` aborts (`closed`); `full` when the queue is full too.
   * `onQueued` is called when the caller has to wait.
   */
  acquire(
    signal: AbortSignal,
    timeoutMs: number,
    onQueued?: () => void,
  ): Promise<SlotResult> {
    if (signal.aborted) {
      return Promise.resolve('closed');
    }
    if (this.running < this.maxRunning && this.waiting.length === 0) {
      this.running += 1;
      return Promise.resolve('acquired');
    }
    if (this.waiting.length >= this.maxWaiting) {
      return Promise.resolve('full');
    }
    return new Promise<SlotResult>(resolve => {
      const waiter: Waiter = {
        signal,
        resolve,
        onAbort: () => this.leave(waiter, 'closed'),
      };
      waiter.timer = setTimeout(() => this.leave(waiter, 'timeout'), timeoutMs);
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiting.push(waiter);
      onQueued?.();
    });
  }

  release(): void {
    this.running -= 1;
    const next = this.waiting[0];
    if (next) {
      this.running += 1;
      this.leave(next, 'acquired');
    }
  }

  private leave(waiter: Waiter, result: SlotResult) {
    clearTimeout(waiter.timer);
    waiter.signal.removeEventListener('abort', waiter.onAbort);
    const index = this.waiting.indexOf(waiter);
    if (index >= 0) this.waiting.splice(index, 1);
    waiter.resolve(result);
  }
}
