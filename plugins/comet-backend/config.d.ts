export interface Config {
  /**
   * Delivery health (docs/delivery-health.md): an entity's pipelines, quality gate, tests, bugs
   * and pull requests, read through the other plugins' actions as the caller. Works without any
   * of these keys; they only tune it.
   */
  deliveryHealth?: {
    /**
     * Where each figure turns `warn` and `bad`. A figure where more is better (successRate,
     * testPassRate) is rated at or below a bound; the others at or above it.
     */
    thresholds?: {
      /** Percent of finished pipeline runs that succeeded. Default warn 90, bad 75. */
      successRate?: { warn?: number; bad?: number };
      /** Mean hours from a failed run to the next successful one. Default warn 24, bad 72. */
      timeToRecoveryHours?: { warn?: number; bad?: number };
      /** Percent of tests passed in the suites' latest runs. Default warn 98, bad 90. */
      testPassRate?: { warn?: number; bad?: number };
      /** Flaky tests in the suites' latest runs. Default warn 1, bad 5. */
      flakyTests?: { warn?: number; bad?: number };
      /** Age in days of the oldest open pull request. Default warn 7, bad 30. */
      pullRequestAgeDays?: { warn?: number; bad?: number };
      /** Open Jira bugs. Default warn 5, bad 20. */
      openBugs?: { warn?: number; bad?: number };
    };
    /** How long one section may take before it is reported as an error. Default 10000. */
    sectionTimeoutMs?: number;
    /** How many pipeline runs the success rate and time to recovery are computed from. Default 100. */
    runSampleSize?: number;
    /** The group table. */
    group?: {
      /** At most this many components of a group are shown. Default 50, at most 200. */
      maxEntities?: number;
      /** How many components are computed at once. Default 4. */
      concurrency?: number;
    };
  };
}
