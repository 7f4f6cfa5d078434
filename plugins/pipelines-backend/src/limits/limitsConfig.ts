import type { Config } from '@backstage/config';

/** `pipelines.jobTimeout`: how long a job may run. */
export type JobTimeoutLimits = {
  /** For jobs whose pipeline file sets no `timeout`. */
  defaultMs: number;
  /** The longest `timeout` a job may ask for; longer is a validation issue. */
  maxMs: number;
};

/** `pipelines.limits`: caps on what users and entities may keep busy at once. */
export type PipelineLimits = {
  /** Queued, running and waiting runs one user may have started. */
  maxActiveRunsPerUser: number;
  /** Queued, running and waiting runs of one entity, however they were triggered. */
  maxActiveRunsPerEntity: number;
  /** Live log streams open on one backend replica. */
  maxLiveStreams: number;
  /** Live log streams one user may have open on one backend replica. */
  maxLiveStreamsPerUser: number;
  /**
   * How long a live-log reader that stopped reading may stay connected before the stream
   * closes; the client resumes from its last line when it reconnects.
   */
  slowReaderTimeoutMs: number;
};

/** `pipelines.retention`: how long finished runs, their logs and artifacts are kept. */
export type RetentionPolicy = {
  /** Finished runs older than this are deleted; undefined keeps them. */
  runMs?: number;
  /** Only the newest runs of each pipeline are kept; undefined keeps them all. */
  maxRunsPerPipeline?: number;
  /** Logs of runs finished longer ago than this are deleted; undefined keeps them. */
  logMs?: number;
  /** Artifacts of runs finished longer ago than this are deleted; undefined keeps them. */
  artifactMs?: number;
  /** How often the sweep runs. */
  sweepIntervalMs: number;
};

export const DEFAULT_JOB_TIMEOUT_MINUTES = 60;
export const DEFAULT_MAX_JOB_TIMEOUT_MINUTES = 360;

export const DEFAULT_LIMITS: PipelineLimits = {
  maxActiveRunsPerUser: 20,
  maxActiveRunsPerEntity: 50,
  maxLiveStreams: 200,
  maxLiveStreamsPerUser: 10,
  slowReaderTimeoutMs: 30_000,
};

export const DEFAULT_RETENTION = {
  runDays: 180,
  maxRunsPerPipeline: 1000,
  logDays: 90,
  artifactDays: 30,
  sweepIntervalMinutes: 60,
};

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A config number that must be above zero (or zero, where `allowZero`), whole if `integer`. */
function readNumber(
  config: Config | undefined,
  key: string,
  fullKey: string,
  fallback: number,
  rules: { integer?: boolean; allowZero?: boolean } = {},
): number {
  const value = config?.getOptionalNumber(key) ?? fallback;
  const wrong =
    !Number.isFinite(value) ||
    value < 0 ||
    (value === 0 && !rules.allowZero) ||
    (rules.integer && !Number.isInteger(value));
  if (wrong) {
    throw new Error(
      `Invalid ${fullKey}: expected ${
        rules.integer ? 'a whole number' : 'a number'
      } ${rules.allowZero ? '(0 or more)' : 'above 0'}, got ${value}`,
    );
  }
  return value;
}

/** Reads `pipelines.jobTimeout`; a default above the maximum is a configuration error. */
export function readJobTimeoutLimits(root: Config): JobTimeoutLimits {
  const config = root.getOptionalConfig('pipelines.jobTimeout');
  const defaultMinutes = readNumber(
    config,
    'defaultMinutes',
    'pipelines.jobTimeout.defaultMinutes',
    DEFAULT_JOB_TIMEOUT_MINUTES,
  );
  const maxMinutes = readNumber(
    config,
    'maxMinutes',
    'pipelines.jobTimeout.maxMinutes',
    Math.max(DEFAULT_MAX_JOB_TIMEOUT_MINUTES, defaultMinutes),
  );
  if (defaultMinutes > maxMinutes) {
    throw new Error(
      `Invalid pipelines.jobTimeout: defaultMinutes (${defaultMinutes}) is above maxMinutes (${maxMinutes})`,
    );
  }
  return { defaultMs: defaultMinutes * MINUTE, maxMs: maxMinutes * MINUTE };
}

/** Reads `pipelines.limits`. */
export function readPipelineLimits(root: Config): PipelineLimits {
  const config = root.getOptionalConfig('pipelines.limits');
  const whole = (key: keyof PipelineLimits) =>
    readNumber(
      config,
      key,
      `pipelines.limits.${key}`,
      DEFAULT_LIMITS[key] as number,
      { integer: true },
    );
  return {
    maxActiveRunsPerUser: whole('maxActiveRunsPerUser'),
    maxActiveRunsPerEntity: whole('maxActiveRunsPerEntity'),
    maxLiveStreams: whole('maxLiveStreams'),
    maxLiveStreamsPerUser: whole('maxLiveStreamsPerUser'),
    slowReaderTimeoutMs:
      readNumber(
        config,
        'slowReaderSeconds',
        'pipelines.limits.slowReaderSeconds',
        DEFAULT_LIMITS.slowReaderTimeoutMs / 1000,
      ) * 1000,
  };
}

/** Reads `pipelines.retention`; 0 for any age or count keeps that kind of data forever. */
export function readRetentionPolicy(root: Config): RetentionPolicy {
  const config = root.getOptionalConfig('pipelines.retention');
  const read = (key: keyof typeof DEFAULT_RETENTION, integer = false) =>
    readNumber(
      config,
      key,
      `pipelines.retention.${key}`,
      DEFAULT_RETENTION[key],
      {
        allowZero: key !== 'sweepIntervalMinutes',
        integer,
      },
    );
  const days = (value: number) => (value > 0 ? value * DAY : undefined);
  const maxRunsPerPipeline = read('maxRunsPerPipeline', true);
  return {
    runMs: days(read('runDays')),
    maxRunsPerPipeline: maxRunsPerPipeline > 0 ? maxRunsPerPipeline : undefined,
    logMs: days(read('logDays')),
    artifactMs: days(read('artifactDays')),
    sweepIntervalMs: read('sweepIntervalMinutes') * MINUTE,
  };
}
