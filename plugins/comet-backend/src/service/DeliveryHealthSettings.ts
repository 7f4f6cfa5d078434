import { Config, ConfigReader } from '@backstage/config';
import {
  DEFAULT_DELIVERY_HEALTH_THRESHOLDS,
  DELIVERY_HEALTH_CONFIG_KEY,
  DeliveryHealthThresholdName,
  DeliveryHealthThresholds,
  HIGHER_IS_BETTER,
} from '@internal/plugin-comet-common';

export type DeliveryHealthSettings = {
  thresholds: DeliveryHealthThresholds;
  sectionTimeoutMs: number;
  runSampleSize: number;
  group: { maxEntities: number; concurrency: number };
};

/** A config value that is not what the key needs: names the key and says why. */
export class DeliveryHealthConfigError extends Error {
  name = 'DeliveryHealthConfigError' as const;
}

const PERCENTS: DeliveryHealthThresholdName[] = ['successRate', 'testPassRate'];

function integer(
  config: Config,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = config.getOptionalNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DeliveryHealthConfigError(
      `${DELIVERY_HEALTH_CONFIG_KEY}.${key} must be a whole number from ${min} to ${max}, got ${value}`,
    );
  }
  return value;
}

/**
 * Every `deliveryHealth.*` key, checked once at start-up: a bad value stops the backend with
 * an error naming the key and what is wrong with it.
 */
export function readDeliveryHealthSettings(
  root: Config,
): DeliveryHealthSettings {
  const config =
    root.getOptionalConfig(DELIVERY_HEALTH_CONFIG_KEY) ?? new ConfigReader({});
  const thresholds = { ...DEFAULT_DELIVERY_HEALTH_THRESHOLDS };
  for (const name of Object.keys(thresholds) as DeliveryHealthThresholdName[]) {
    const key = `${DELIVERY_HEALTH_CONFIG_KEY}.thresholds.${name}`;
    const warn =
      config.getOptionalNumber(`thresholds.${name}.warn`) ??
      thresholds[name].warn;
    const bad =
      config.getOptionalNumber(`thresholds.${name}.bad`) ??
      thresholds[name].bad;
    for (const [bound, value] of [
      ['warn', warn],
      ['bad', bad],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) {
        throw new DeliveryHealthConfigError(
          `${key}.${bound} must be a number of at least 0, got ${value}`,
        );
      }
      if (PERCENTS.includes(name) && value > 100) {
        throw new DeliveryHealthConfigError(
          `${key}.${bound} is a percent, from 0 to 100, got ${value}`,
        );
      }
    }
    if (HIGHER_IS_BETTER[name] ? bad > warn : bad < warn) {
      throw new DeliveryHealthConfigError(
        `${key}: bad (${bad}) must be ${
          HIGHER_IS_BETTER[name] ? 'at most' : 'at least'
        } warn (${warn}), since ${
          HIGHER_IS_BETTER[name] ? 'lower' : 'higher'
        } is worse`,
      );
    }
    thresholds[name] = { warn, bad };
  }
  return {
    thresholds,
    sectionTimeoutMs: integer(config, 'sectionTimeoutMs', 10_000, 100, 120_000),
    runSampleSize: integer(config, 'runSampleSize', 100, 1, 100),
    group: {
      maxEntities: integer(config, 'group.maxEntities', 50, 1, 200),
      concurrency: integer(config, 'group.concurrency', 4, 1, 16),
    },
  };
}
