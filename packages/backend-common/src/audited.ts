import type { AuditorService } from '@backstage/backend-plugin-api';
import type { JsonObject } from '@backstage/types';

/** What an audited write records before it runs. Never put secret values in `meta`. */
export type AuditedEvent = Parameters<AuditorService['createEvent']>[0];

/**
 * Runs `action` as one audit event: `success` (with `successMeta` of its result, if given) or
 * `fail` with the error, which is then thrown on. Writes are `medium` unless the event says
 * otherwise.
 */
export async function audited<T>(
  auditor: AuditorService,
  event: AuditedEvent,
  action: () => Promise<T>,
  successMeta?: (result: T) => JsonObject,
): Promise<T> {
  const audit = await auditor.createEvent({
    severityLevel: 'medium',
    ...event,
  });
  try {
    const result = await action();
    await audit.success(
      successMeta ? { meta: successMeta(result) } : undefined,
    );
    return result;
  } catch (error) {
    await audit.fail({ error: error as Error });
    throw error;
  }
}
