/** The id of the action that returns an entity's delivery health. */
export const DELIVERY_HEALTH_ACTION_ID = 'comet:get-delivery-health';

/** The config key of the delivery health settings. */
export const DELIVERY_HEALTH_CONFIG_KEY = 'deliveryHealth';

/** How a figure compares with its configured thresholds. */
export type DeliveryHealthRating = 'good' | 'warn' | 'bad';

/**
 * One section of the health, read from one family's actions:
 * - `ok`: read; `value` holds the figures;
 * - `not-configured`: the family is not installed or not configured, or the entity does not
 *   carry its annotation (`message` says which);
 * - `error`: the family could not answer (an instance down, a timeout, a refusal): `message`.
 */
export type DeliveryHealthSection<T> =
  | {
      status: 'ok';
      value: T;
      /** Where the figures come from (a page of the portal or of the external system). */
      link?: string;
      /** Something the reader should know, e.g. one of several projects failed. */
      message?: string;
    }
  | { status: 'not-configured'; message: string; link?: string }
  | { status: 'error'; message: string; link?: string };

/** A figure with its rating (absent when there is nothing to rate, e.g. no runs finished). */
export type RatedFigure<T = number> = {
  value: T;
  rating?: DeliveryHealthRating;
};

export type DeliveryHealthPipelines = {
  lastRun: {
    runId: string;
    provider: string;
    pipeline: string;
    status: string;
    createdAt: string;
    finishedAt?: string;
    durationMs?: number;
    link?: string;
  };
  /** Percent of finished runs (succeeded or failed) that succeeded, of the newest `sampleSize`. */
  successRate?: RatedFigure;
  /** Mean hours from a pipeline's first failed run to its next successful one. */
  timeToRecoveryHours?: RatedFigure;
  /** How many runs the figures are computed from. */
  sampleSize: number;
};

export type DeliveryHealthQualityGate = {
  /** `OK`, `WARN`, `ERROR`, or `NONE` when never analysed; the worst of the projects. */
  status: RatedFigure<string>;
  projects: Array<{
    project: string;
    instance: string;
    status: string;
    link?: string;
    error?: string;
  }>;
};

export type DeliveryHealthTests = {
  /** Percent of the tests of the suites' latest runs that passed (flaky ones included). */
  passRate?: RatedFigure;
  /** Tests that passed only on a retry in the suites' latest runs. */
  flakyCount: RatedFigure;
  suites: Array<{
    suite: string;
    runId?: string;
    status?: string;
    counts?: { passed: number; failed: number; flaky: number; skipped: number };
    link: string;
    error?: string;
  }>;
};

export type DeliveryHealthBugs = {
  /** Open issues of type Bug in the entity's Jira scope. */
  openBugs: RatedFigure;
  /** True when Jira did not give a total and `openBugs` is only what one page held. */
  isLowerBound: boolean;
};

export type DeliveryHealthPullRequests = {
  /** Open pull requests (of the newest 30 the action returns; see `hasMore`). */
  open: number;
  hasMore: boolean;
  /** Age in days of the oldest open pull request. */
  oldestAgeDays?: RatedFigure;
  /** Mean age in days of the open pull requests. */
  averageAgeDays?: number;
};

/** An entity's delivery health: each section read on its own; one failing fails no other. */
export type EntityDeliveryHealth = {
  entityRef: string;
  title: string;
  /** When it was computed (ISO 8601). */
  computedAt: string;
  pipelines: DeliveryHealthSection<DeliveryHealthPipelines>;
  qualityGate: DeliveryHealthSection<DeliveryHealthQualityGate>;
  tests: DeliveryHealthSection<DeliveryHealthTests>;
  bugs: DeliveryHealthSection<DeliveryHealthBugs>;
  pullRequests: DeliveryHealthSection<DeliveryHealthPullRequests>;
};

/** The section names, in the order a card shows them. */
export const DELIVERY_HEALTH_SECTIONS = [
  'pipelines',
  'qualityGate',
  'tests',
  'bugs',
  'pullRequests',
] as const;
export type DeliveryHealthSectionName =
  (typeof DELIVERY_HEALTH_SECTIONS)[number];

/** A group's table: its owned components, each with its health. */
export type GroupDeliveryHealth = {
  groupRef: string;
  entities: EntityDeliveryHealth[];
  /** True when the group owns more components than `limit`: only the first ones are here. */
  truncated: boolean;
  limit: number;
};
