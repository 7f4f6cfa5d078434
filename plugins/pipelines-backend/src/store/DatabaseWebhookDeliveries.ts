import { Knex } from 'knex';
import { isUniqueViolation } from './databaseErrors';

const DELIVERIES = 'pipeline_webhook_deliveries';

/** How long webhook delivery ids are remembered for de-duplication. */
const DELIVERY_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * GitHub webhook delivery ids already handled, in `pipeline_webhook_deliveries`, so a
 * redelivery (or one delivery reaching two replicas) triggers runs only once.
 */
export class DatabaseWebhookDeliveries {
  constructor(private readonly db: Knex, private readonly now: () => number) {}

  /** Records a delivery id; false when it was recorded before (by any replica). */
  async record(deliveryId: string): Promise<boolean> {
    const now = this.now();
    await this.db(DELIVERIES)
      .where('received_at', '<', new Date(now - DELIVERY_RETENTION_MS))
      .delete();
    try {
      await this.db(DELIVERIES).insert({
        delivery_id: deliveryId,
        received_at: new Date(now),
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Forgets a recorded delivery whose work failed, so its redelivery is not a duplicate. */
  async forget(deliveryId: string): Promise<void> {
    await this.db(DELIVERIES).where({ delivery_id: deliveryId }).delete();
  }
}
