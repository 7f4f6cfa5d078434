import type { DeliveryHealthRating } from './types';

/**
 * The two bounds of a figure: past `warn` it is rated `warn`, past `bad` it is `bad`. For a
 * figure where more is better (success rate, pass rate) "past" means below; for the others
 * (time to recovery, flaky tests, pull request age, open bugs) above.
 */
export type DeliveryHealthThreshold = { warn: number; bad: number };

export type DeliveryHealthThresholds = {
  /** Percent of pipeline runs that succeeded; lower is worse. */
  successRate: DeliveryHealthThreshold;
  /** Hours from a failure to the next success; higher is worse. */
  timeToRecoveryHours: DeliveryHealthThreshold;
  /** Percent of tests that passed; lower is worse. */
  testPassRate: DeliveryHealthThreshold;
  /** Flaky tests; higher is worse. */
  flakyTests: DeliveryHealthThreshold;
  /** Age in days of the oldest open pull request; higher is worse. */
  pullRequestAgeDays: DeliveryHealthThreshold;
  /** Open bugs; higher is worse. */
  openBugs: DeliveryHealthThreshold;
};

export type DeliveryHealthThresholdName = keyof DeliveryHealthThresholds;

/** Which figures are better when higher. */
export const HIGHER_IS_BETTER: Record<DeliveryHealthThresholdName, boolean> = {
  successRate: true,
  timeToRecoveryHours: false,
  testPassRate: true,
  flakyTests: false,
  pullRequestAgeDays: false,
  openBugs: false,
};

/** What applies when `deliveryHealth.thresholds` does not say. */
export const DEFAULT_DELIVERY_HEALTH_THRESHOLDS: DeliveryHealthThresholds = {
  successRate: { warn: 90, bad: 75 },
  timeToRecoveryHours: { warn: 24, bad: 72 },
  testPassRate: { warn: 98, bad: 90 },
  flakyTests: { warn: 1, bad: 5 },
  pullRequestAgeDays: { warn: 7, bad: 30 },
  openBugs: { warn: 5, bad: 20 },
};

/**
 * `value` rated against the threshold of `name`: `bad` at or past `bad`, `warn` at or past
 * `warn`, `good` otherwise.
 */
export function rateFigure(
  name: DeliveryHealthThresholdName,
  value: number,
  thresholds: DeliveryHealthThresholds,
): DeliveryHealthRating {
  const { warn, bad } = thresholds[name];
  if (HIGHER_IS_BETTER[name]) {
    if (value <= bad) return 'bad';
    if (value <= warn) return 'warn';
    return 'good';
  }
  if (value >= bad) return 'bad';
  if (value >= warn) return 'warn';
  return 'good';
}
