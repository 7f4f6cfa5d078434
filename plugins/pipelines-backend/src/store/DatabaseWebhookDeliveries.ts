import { Knex } from 'knex';
import { createHash } from 'node:crypto';
import { isUniqueViolation } from './databaseErrors';

const DELIVERIES = 'pipeline_webhook_deliveries';
const TRIGGER_KEYS = 'pipeline_webhook_trigger_keys';

/** How long webhook delivery ids and trigger keys are remembered for de-duplication. */
const DELIVERY_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * GitHub webhook deliveries already handled, so a redelivery (or one delivery reaching two
 * replicas) triggers runs only once: by delivery id in `pipeline_webhook_deliveries`, and by
 * what the delivery asks to build in `pipeline_webhook_trigger_keys`, so a signed body replayed
 * under a new delivery id is a duplicate too.
 */
export class DatabaseWebhookDeliveries {
  constructor(private readonly db: Knex, private readonly now: () => number) {}

  /**
   * Records a delivery id and, when it builds something, its trigger key (repository, event,
   * ref, commit); false when either was recorded before (by any replica), and then nothing is
   * recorded.
   */
  async record(deliveryId: string, triggerKey?: string): Promise<boolean> {
    const now = this.now();
    const expired = new Date(now - DELIVERY_RETENTION_MS);
    await this.db(DELIVERIES).where('received_at', '<', expired).delete();
    await this.db(TRIGGER_KEYS).where('received_at', '<', expired).delete();
    try {
      await this.db.transaction(async tx => {
        await tx(DELIVERIES).insert({
          delivery_id: deliveryId,
          received_at: new Date(now),
        });
        if (triggerKey !== undefined) {
          await tx(TRIGGER_KEYS).insert({
            trigger_key: hashTriggerKey(triggerKey),
            delivery_id: deliveryId,
            received_at: new Date(now),
          });
        }
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /**
   * Forgets a recorded delivery whose work failed, with its trigger key, so its redelivery is
   * not a duplicate.
   */
  async forget(deliveryId: string): Promise<void> {
    await this.db.transaction(async tx => {
      await tx(TRIGGER_KEYS).where({ delivery_id: deliveryId }).delete();
      await tx(DELIVERIES).where({ delivery_id: deliveryId }).delete();
    });
  }
}

/** Fixed-length: a key holds a repository name and refs of any length. */
function hashTriggerKey(triggerKey: string) {
  return createHash('sha256').update(triggerKey).digest('hex');
}
