import type { PipelineRunEvent } from '@internal/plugin-pipelines-node';
import { Knex } from 'knex';

const EVENTS = 'pipeline_run_events';
const DELIVERIES = 'pipeline_run_event_deliveries';
/** Events deleted per prune transaction. */
export const PRUNE_BATCH = 1000;

/** An event as the store writes it; the outbox gives it its id. */
export type NewRunEvent = Omit<PipelineRunEvent, 'eventId'>;

/** A delivery this dispatcher holds the lease of. */
export type ClaimedDelivery = {
  event: PipelineRunEvent;
  listenerId: string;
  /** Failed attempts before this one. */
  attempts: number;
};

type EventRow = {
  event_id: number | string;
  payload: string;
};

type DeliveryRow = {
  event_id: number | string;
  attempts: number | string;
};

/**
 * The run event outbox on the plugin's database: events are appended inside the transaction
 * of the status change they describe (so a change that rolls back leaves no event), then
 * fanned out to one delivery row per listener, which dispatchers claim with a lease
 * (compare-and-set, like job claims), so two replicas never deliver one row at the same time
 * and a replica that dies mid-delivery only delays it until the lease runs out.
 */
export class DatabaseRunEventOutbox {
  private readonly written = new Set<() => void>();

  constructor(private readonly db: Knex) {}

  /** Calls `callback` after a transaction that appended events commits (on this replica). */
  onWritten(callback: () => void): () => void {
    this.written.add(callback);
    return () => this.written.delete(callback);
  }

  /** Appends events within `trx`; they exist only if it commits. */
  async append(trx: Knex.Transaction, events: NewRunEvent[]): Promise<void> {
    if (events.length === 0) return;
    await trx(EVENTS).insert(
      events.map(event => ({
        run_id: event.runId,
        type: event.type,
        payload: JSON.stringify(event),
        created_at: new Date(event.occurredAt),
      })),
    );
    trx.executionPromise.then(
      () => {
        for (const callback of this.written) callback();
      },
      () => undefined,
    );
  }

  /**
   * Creates the delivery rows a listener lacks, up to `limit` events at a time; the number
   * created. A NOT EXISTS scan rather than a cursor: on PostgreSQL ids are not committed in
   * order, so a cursor could skip an event that commits late.
   */
  async fanOut(listenerId: string, now: Date, limit = 500): Promise<number> {
    const missing = (await this.db<EventRow>({ e: EVENTS })
      .whereNotExists(
        this.db({ d: DELIVERIES })
          .whereRaw('?? = ??', ['d.event_id', 'e.event_id'])
          .where('d.listener_id', listenerId)
          .select(this.db.raw('1')),
      )
      .orderBy('e.event_id')
      .limit(limit)
      .select('e.event_id')) as EventRow[];
    if (missing.length === 0) return 0;
    for (let i = 0; i < missing.length; i += 100) {
      await this.db(DELIVERIES)
        .insert(
          missing.slice(i, i + 100).map(row => ({
            event_id: Number(row.event_id),
            listener_id: listenerId,
            state: 'pending',
            attempts: 0,
            next_attempt_at: now,
          })),
        )
        .onConflict(['event_id', 'listener_id'])
        .ignore();
    }
    return missing.length;
  }

  /** Claims up to `limit` due deliveries of a listener, oldest event first. */
  async claim(options: {
    listenerId: string;
    owner: string;
    now: Date;
    leaseMs: number;
    limit: number;
  }): Promise<ClaimedDelivery[]> {
    const { listenerId, now } = options;
    const due = () =>
      this.db(DELIVERIES)
        .where({ listener_id: listenerId, state: 'pending' })
        .where('next_attempt_at', '<=', now)
        .where(builder =>
          builder
            .whereNull('lease_expires_at')
            .orWhere('lease_expires_at', '<', now),
        );
    const candidates = (await due()
      .orderBy('event_id')
      .limit(options.limit)
      .select('event_id', 'attempts')) as DeliveryRow[];
    const claimed: DeliveryRow[] = [];
    for (const candidate of candidates) {
      const updated = await due()
        .where('event_id', candidate.event_id)
        .update({
          lease_owner: options.owner,
          lease_expires_at: new Date(now.getTime() + options.leaseMs),
        });
      if (updated > 0) claimed.push(candidate);
    }
    if (claimed.length === 0) return [];
    const events = (await this.db<EventRow>(EVENTS)
      .whereIn(
        'event_id',
        claimed.map(row => row.event_id),
      )
      .select('event_id', 'payload')) as EventRow[];
    const payloads = new Map(
      events.map(row => [String(row.event_id), row.payload]),
    );
    return claimed.flatMap(row => {
      const payload = payloads.get(String(row.event_id));
      if (payload === undefined) return []; // pruned meanwhile
      return [
        {
          event: {
            ...(JSON.parse(payload) as NewRunEvent),
            eventId: String(row.event_id),
          },
          listenerId,
          attempts: Number(row.attempts),
        },
      ];
    });
  }

  /** Records a delivery done; false when this owner no longer held its lease. */
  async markDelivered(
    delivery: ClaimedDelivery,
    owner: string,
    now: Date,
  ): Promise<boolean> {
    const updated = await this.held(delivery, owner).update({
      state: 'delivered',
      delivered_at: now,
      lease_owner: null,
      lease_expires_at: null,
      last_error: null,
    });
    return updated > 0;
  }

  /** Records a failed attempt: again at `nextAttemptAt`, or never when `abandon`. */
  async markFailed(
    delivery: ClaimedDelivery,
    owner: string,
    options: { error: string; nextAttemptAt: Date; abandon: boolean },
  ): Promise<boolean> {
    const updated = await this.held(delivery, owner).update({
      state: options.abandon ? 'abandoned' : 'pending',
      attempts: delivery.attempts + 1,
      next_attempt_at: options.nextAttemptAt,
      lease_owner: null,
      lease_expires_at: null,
      last_error: options.error.slice(0, 2000),
    });
    return updated > 0;
  }

  /**
   * Deletes events written before `before` that no listener still waits for (every delivery
   * row delivered or abandoned), and any event written before `hardBefore`; the number
   * deleted.
   */
  async prune(options: { before: Date; hardBefore: Date }): Promise<number> {
    return this.db.transaction(async trx => {
      const pending = trx({ d: DELIVERIES })
        .whereRaw('?? = ??', ['d.event_id', 'e.event_id'])
        .where('d.state', 'pending')
        .select(trx.raw('1'));
      const old = (await trx<EventRow>({ e: EVENTS })
        .where(builder =>
          builder
            .where(inner =>
              inner
                .where('e.created_at', '<', options.before)
                .whereNotExists(pending),
            )
            .orWhere('e.created_at', '<', options.hardBefore),
        )
        .limit(PRUNE_BATCH)
        .select('e.event_id')) as EventRow[];
      if (old.length === 0) return 0;
      const ids = old.map(row => Number(row.event_id));
      await trx(DELIVERIES).whereIn('event_id', ids).delete();
      await trx(EVENTS).whereIn('event_id', ids).delete();
      return ids.length;
    });
  }

  private held(delivery: ClaimedDelivery, owner: string) {
    return this.db(DELIVERIES).where({
      event_id: Number(delivery.event.eventId),
      listener_id: delivery.listenerId,
      state: 'pending',
      lease_owner: owner,
    });
  }
}
