import { InputError, NotFoundError } from '@backstage/errors';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a scaffolder action waits for the catalog to ingest a new entity, by default. */
export const DEFAULT_WAIT_FOR_ENTITY_SECONDS = 120;
export const MAX_WAIT_FOR_ENTITY_SECONDS = 600;
/** How often the catalog is asked again while the new entity is not there yet. */
export const ENTITY_RETRY_INTERVAL_MS = 2000;

/** How time passes while waiting for the catalog; tests pass their own. */
export type WaitClock = {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
};

export const systemWaitClock: WaitClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

/**
 * The `waitForEntitySeconds` input: the default when absent; anything but a whole number of
 * seconds from 0 to the maximum is an InputError naming the input.
 */
export function waitForEntitySeconds(value: number | undefined): number {
  const seconds = value ?? DEFAULT_WAIT_FOR_ENTITY_SECONDS;
  if (
    !Number.isInteger(seconds) ||
    seconds < 0 ||
    seconds > MAX_WAIT_FOR_ENTITY_SECONDS
  ) {
    throw new InputError(
      `waitForEntitySeconds: must be a whole number of seconds from 0 to ${MAX_WAIT_FOR_ENTITY_SECONDS}`,
    );
  }
  return seconds;
}

/** One try of the call that needs the entity: its result, or why the entity is not there yet. */
export type EntityAttempt<T> = { value: T } | { missing: string };

/**
 * Calls `attempt` until it gives a value, every `ENTITY_RETRY_INTERVAL_MS` while it says the
 * catalog has not ingested `entityRef` yet (a template registers the entity one step before),
 * for at most `waitSeconds`. Then a NotFoundError says what did not happen (`what`, e.g. "The
 * pipelines plugin did not start …"), the last answer, and what to check. Anything `attempt`
 * throws ends the wait at once.
 */
export async function waitForEntity<T>(options: {
  entityRef: string;
  waitSeconds: number;
  /** What could not be done, the start of the timeout's message. */
  what: string;
  attempt: () => Promise<EntityAttempt<T>>;
  logger: { info(message: string): void };
  clock?: WaitClock;
  signal?: AbortSignal;
}): Promise<T> {
  const { entityRef, waitSeconds, logger } = options;
  const clock = options.clock ?? systemWaitClock;
  const start = clock.now();
  const deadline = start + waitSeconds * 1000;
  for (;;) {
    const attempt = await options.attempt();
    if ('value' in attempt) {
      return attempt.value;
    }
    const now = clock.now();
    if (now >= deadline) {
      throw new NotFoundError(
        `${options.what}: the catalog has not ingested ${entityRef} after waiting ${waitSeconds} s (${attempt.missing}). Check that an earlier step registered it, and the catalog's processing errors for it`,
      );
    }
    logger.info(
      `waiting for the catalog to ingest ${entityRef} (${Math.floor(
        (now - start) / 1000,
      )} s of ${waitSeconds} s)`,
    );
    await clock.sleep(
      Math.min(ENTITY_RETRY_INTERVAL_MS, deadline - now),
      options.signal,
    );
  }
}
