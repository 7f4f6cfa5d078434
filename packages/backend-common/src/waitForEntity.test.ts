import {
  ENTITY_RETRY_INTERVAL_MS,
  systemWaitClock,
  waitForEntity,
  waitForEntitySeconds,
  type WaitClock,
} from './waitForEntity';

/** A clock whose sleeps pass at once and move its time on. */
class FakeClock implements WaitClock {
  time = 1_000_000;
  readonly sleeps: number[] = [];
  now() {
    return this.time;
  }
  async sleep(ms: number) {
    this.sleeps.push(ms);
    this.time += ms;
  }
}

const ENTITY = 'component:default/payouts';

describe('waitForEntitySeconds', () => {
  it('defaults to 120 and takes whole seconds up to 600', () => {
    expect(waitForEntitySeconds(undefined)).toBe(120);
    expect(waitForEntitySeconds(0)).toBe(0);
    expect(waitForEntitySeconds(600)).toBe(600);
  });

  it('refuses anything else, naming the input', () => {
    for (const value of [-1, 601, 1.5, Number.NaN]) {
      expect(() => waitForEntitySeconds(value)).toThrow(
        'waitForEntitySeconds: must be a whole number of seconds from 0 to 600',
      );
    }
  });
});

describe('waitForEntity', () => {
  it('returns the first value without waiting', async () => {
    const clock = new FakeClock();
    const logs: string[] = [];
    const value = await waitForEntity({
      entityRef: ENTITY,
      waitSeconds: 120,
      what: 'The thing did not happen',
      attempt: async () => ({ value: 'run-1' }),
      logger: { info: message => logs.push(message) },
      clock,
    });
    expect(value).toBe('run-1');
    expect(clock.sleeps).toEqual([]);
    expect(logs).toEqual([]);
  });

  it('asks again every 2 s while the entity is missing, saying how long it waited', async () => {
    const clock = new FakeClock();
    const logs: string[] = [];
    let calls = 0;
    const value = await waitForEntity({
      entityRef: ENTITY,
      waitSeconds: 120,
      what: 'The thing did not happen',
      attempt: async () =>
        ++calls < 4 ? { missing: `No entity ${ENTITY}` } : { value: calls },
      logger: { info: message => logs.push(message) },
      clock,
    });
    expect(value).toBe(4);
    expect(clock.sleeps).toEqual([
      ENTITY_RETRY_INTERVAL_MS,
      ENTITY_RETRY_INTERVAL_MS,
      ENTITY_RETRY_INTERVAL_MS,
    ]);
    expect(logs).toEqual([
      `waiting for the catalog to ingest ${ENTITY} (0 s of 120 s)`,
      `waiting for the catalog to ingest ${ENTITY} (2 s of 120 s)`,
      `waiting for the catalog to ingest ${ENTITY} (4 s of 120 s)`,
    ]);
  });

  it('gives up at the deadline with a NotFoundError naming what to check', async () => {
    const clock = new FakeClock();
    const error = await waitForEntity({
      entityRef: ENTITY,
      waitSeconds: 5,
      what: 'The pipelines plugin did not start the pipeline',
      attempt: async () => ({ missing: `No entity ${ENTITY} in the catalog` }),
      logger: { info: () => {} },
      clock,
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    // The last sleep stops at the deadline
    expect(clock.sleeps).toEqual([2000, 2000, 1000]);
    expect(error?.name).toBe('NotFoundError');
    expect(error?.message).toBe(
      `The pipelines plugin did not start the pipeline: the catalog has not ingested ${ENTITY} after waiting 5 s (No entity ${ENTITY} in the catalog). Check that an earlier step registered it, and the catalog's processing errors for it`,
    );
  });

  it('ends at once on anything the attempt throws', async () => {
    const clock = new FakeClock();
    await expect(
      waitForEntity({
        entityRef: ENTITY,
        waitSeconds: 120,
        what: 'x',
        attempt: async () => {
          throw new Error('refused');
        },
        logger: { info: () => {} },
        clock,
      }),
    ).rejects.toThrow('refused');
    expect(clock.sleeps).toEqual([]);
  });

  it('waits for real time with the system clock, and stops when aborted', async () => {
    const before = systemWaitClock.now();
    await systemWaitClock.sleep(5);
    expect(systemWaitClock.now()).toBeGreaterThanOrEqual(before + 4);
    const controller = new AbortController();
    const sleeping = systemWaitClock.sleep(60_000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toThrow(/aborted/i);
  });
});
