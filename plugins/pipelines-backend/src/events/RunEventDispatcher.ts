import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  PipelineRunEvent,
  PipelineRunEventContext,
  PipelineRunEventListener,
} from '@internal/plugin-pipelines-node';
import { randomUUID } from 'node:crypto';
import {
  ClaimedDelivery,
  DatabaseRunEventOutbox,
  PRUNE_BATCH,
} from './DatabaseRunEventOutbox';

export type RunEventDispatcherOptions = {
  outbox: DatabaseRunEventOutbox;
  logger: LoggerService;
  /** What a listener may read and do about an event's run (see `RunEventContexts`). */
  context?: (
    listenerId: string,
    event: PipelineRunEvent,
  ) => PipelineRunEventContext;
  /** Milliseconds since the epoch; injected by tests to expire leases and backoffs. */
  now?: () => number;
  /** Names this replica in lease rows. */
  owner?: string;
  /** How often the outbox is read when nothing nudged it. */
  pollMs?: number;
  /** How long a claimed delivery is this replica's before another may deliver it again. */
  leaseMs?: number;
  /** Deliveries claimed per listener and round; past `leaseMs` another replica may take the rest. */
  batchSize?: number;
  /** Backoff after a failed attempt: `retryBaseMs * 2^(attempt - 1)`, at most `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Attempts before a delivery is abandoned (logged as an error). */
  maxAttempts?: number;
  /** Events every listener has had are deleted once this old. */
  retentionMs?: number;
  /** Any event is deleted once this old, delivered or not. */
  maxAgeMs?: number;
};

/** For dispatchers built without a store (tests of delivery alone). */
const noContext: PipelineRunEventContext = {
  failures: async () => [],
  reports: async () => [],
  addRunLinks: async () => {
    throw new Error('This dispatcher cannot add links to runs');
  },
};

/**
 * Delivers the run event outbox to this replica's listeners, each event at least once per
 * listener across all replicas. Each round fans new events out to one delivery row per
 * listener, then delivers each listener's due rows in event order under a lease; listeners
 * run side by side, so a failing or slow one does not hold up another. It runs every `pollMs`
 * and at once when this replica writes an event.
 */
export class RunEventDispatcher {
  private readonly listeners = new Map<string, PipelineRunEventListener>();
  private readonly now: () => number;
  private readonly owner: string;
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private round?: Promise<void>;
  private again = false;
  private lastPrune = 0;

  constructor(private readonly options: RunEventDispatcherOptions) {
    this.now = options.now ?? Date.now;
    this.owner = options.owner ?? `pipelines-events-${randomUUID()}`;
  }

  addListener(listener: PipelineRunEventListener) {
    if (!listener.id || this.listeners.has(listener.id)) {
      throw new Error(
        `Pipeline run event listener id "${listener.id}" is empty or taken`,
      );
    }
    this.listeners.set(listener.id, listener);
  }

  get listenerIds(): string[] {
    return [...this.listeners.keys()];
  }

  start() {
    if (this.timer) return;
    this.unsubscribe = this.options.outbox.onWritten(() => this.nudge());
    this.timer = setInterval(() => this.nudge(), this.options.pollMs ?? 1000);
    this.timer.unref?.();
    this.nudge();
  }

  /** Stops polling and waits for the round under way. */
  async stop() {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.again = false;
    await this.round;
  }

  /** Runs a round soon; one more after the current round if one is under way. */
  nudge() {
    if (this.round) {
      this.again = true;
      return;
    }
    this.round = this.runRounds().finally(() => {
      this.round = undefined;
    });
  }

  /**
   * One round: fan out, deliver what is due, prune now and then; the number of deliveries
   * attempted. Tests call it directly instead of waiting for the timer.
   */
  async deliverDue(): Promise<number> {
    const results = await Promise.all(
      [...this.listeners.values()].map(listener =>
        this.deliverTo(listener).catch(error => {
          this.options.logger.warn(
            `Pipeline run events for listener ${listener.id} failed: ${error}`,
          );
          return 0;
        }),
      ),
    );
    await this.pruneNowAndThen();
    return results.reduce((sum, count) => sum + count, 0);
  }

  private async runRounds() {
    do {
      this.again = false;
      try {
        // Rounds that delivered something go on until the backlog is empty.
        while ((await this.deliverDue()) > 0 && this.timer);
      } catch (error) {
        this.options.logger.warn(
          `Pipeline run event delivery failed: ${error}`,
        );
      }
    } while (this.again && this.timer);
  }

  private async deliverTo(listener: PipelineRunEventListener): Promise<number> {
    const { outbox } = this.options;
    await outbox.fanOut(listener.id, new Date(this.now()));
    const claimed = await outbox.claim({
      listenerId: listener.id,
      owner: this.owner,
      now: new Date(this.now()),
      leaseMs: this.options.leaseMs ?? 60_000,
      limit: this.options.batchSize ?? 10,
    });
    for (const delivery of claimed) {
      await this.deliverOne(listener, delivery);
    }
    return claimed.length;
  }

  private async deliverOne(
    listener: PipelineRunEventListener,
    delivery: ClaimedDelivery,
  ) {
    const { outbox, logger } = this.options;
    try {
      await listener.onEvent(
        delivery.event,
        this.options.context?.(listener.id, delivery.event) ?? noContext,
      );
    } catch (error) {
      const attempt = delivery.attempts + 1;
      const maxAttempts = this.options.maxAttempts ?? 12;
      const abandon = attempt >= maxAttempts;
      const backoff = Math.min(
        this.options.retryMaxMs ?? 10 * 60_000,
        (this.options.retryBaseMs ?? 1000) * 2 ** (attempt - 1),
      );
      const message = String((error as Error)?.message ?? error);
      const what = `Pipeline run event ${delivery.event.eventId} (${delivery.event.type} of run ${delivery.event.runId}) to listener ${listener.id}`;
      if (abandon) {
        logger.error(`${what} failed ${attempt} times; giving up: ${message}`);
      } else {
        logger.warn(
          `${what} failed (attempt ${attempt}); trying again in ${backoff} ms: ${message}`,
        );
      }
      await outbox.markFailed(delivery, this.owner, {
        error: message,
        nextAttemptAt: new Date(this.now() + backoff),
        abandon,
      });
      return;
    }
    await outbox.markDelivered(delivery, this.owner, new Date(this.now()));
  }

  private async pruneNowAndThen() {
    const now = this.now();
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    const bounds = {
      before: new Date(now - (this.options.retentionMs ?? 60 * 60_000)),
      hardBefore: new Date(
        now - (this.options.maxAgeMs ?? 7 * 24 * 60 * 60_000),
      ),
    };
    // Batches of PRUNE_BATCH keep each transaction short; a busy hour may need several.
    for (let batch = 0; batch < 20; batch++) {
      const pruned = await this.options.outbox.prune(bounds);
      if (pruned < PRUNE_BATCH) break;
    }
  }
}
