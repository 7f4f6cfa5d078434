import { ConfigReader } from '@backstage/config';
import { DEFAULT_DELIVERY_HEALTH_THRESHOLDS } from '@internal/plugin-comet-common';
import { readDeliveryHealthSettings } from './DeliveryHealthSettings';

const read = (deliveryHealth?: object) =>
  readDeliveryHealthSettings(
    new ConfigReader(deliveryHealth ? { deliveryHealth } : {}),
  );

describe('readDeliveryHealthSettings', () => {
  it('has defaults for every key', () => {
    expect(read()).toEqual({
      thresholds: DEFAULT_DELIVERY_HEALTH_THRESHOLDS,
      sectionTimeoutMs: 10_000,
      runSampleSize: 100,
      group: { maxEntities: 50, concurrency: 4 },
    });
  });

  it('takes one bound of a threshold and keeps the other default', () => {
    const settings = read({
      thresholds: { openBugs: { warn: 10 } },
      group: { maxEntities: 20 },
    });
    expect(settings.thresholds.openBugs).toEqual({ warn: 10, bad: 20 });
    expect(settings.group).toEqual({ maxEntities: 20, concurrency: 4 });
  });

  it.each([
    [
      { thresholds: { successRate: { warn: 70, bad: 80 } } },
      'deliveryHealth.thresholds.successRate: bad (80) must be at most warn (70), since lower is worse',
    ],
    [
      { thresholds: { openBugs: { warn: 30 } } },
      'deliveryHealth.thresholds.openBugs: bad (20) must be at least warn (30), since higher is worse',
    ],
    [
      { thresholds: { testPassRate: { warn: 120 } } },
      'deliveryHealth.thresholds.testPassRate.warn is a percent, from 0 to 100, got 120',
    ],
    [
      { thresholds: { flakyTests: { bad: -1 } } },
      'deliveryHealth.thresholds.flakyTests.bad must be a number of at least 0, got -1',
    ],
    [
      { sectionTimeoutMs: 10 },
      'deliveryHealth.sectionTimeoutMs must be a whole number from 100 to 120000, got 10',
    ],
    [
      { group: { maxEntities: 500 } },
      'deliveryHealth.group.maxEntities must be a whole number from 1 to 200, got 500',
    ],
    [
      { group: { concurrency: 1.5 } },
      'deliveryHealth.group.concurrency must be a whole number from 1 to 16, got 1.5',
    ],
  ])('refuses %j naming the key', (config, message) => {
    expect(() => read(config)).toThrow(message);
  });

  it('refuses a value of the wrong type naming the key', () => {
    expect(() => read({ runSampleSize: 'many' })).toThrow(
      /deliveryHealth\.runSampleSize/,
    );
  });
});
