import { ConfigReader } from '@backstage/config';
import {
  readJobTimeoutLimits,
  readPipelineLimits,
  readRetentionPolicy,
} from './limitsConfig';

const config = (pipelines: object) => new ConfigReader({ pipelines });
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

describe('readJobTimeoutLimits', () => {
  it('defaults to 60 minutes and at most 360', () => {
    expect(readJobTimeoutLimits(new ConfigReader({}))).toEqual({
      defaultMs: 60 * MINUTE,
      maxMs: 360 * MINUTE,
    });
  });

  it('reads both keys, and lifts the default maximum to a larger default', () => {
    expect(
      readJobTimeoutLimits(
        config({ jobTimeout: { defaultMinutes: 10, maxMinutes: 30 } }),
      ),
    ).toEqual({ defaultMs: 10 * MINUTE, maxMs: 30 * MINUTE });
    expect(
      readJobTimeoutLimits(config({ jobTimeout: { defaultMinutes: 600 } })),
    ).toEqual({ defaultMs: 600 * MINUTE, maxMs: 600 * MINUTE });
  });

  it('refuses a default above the maximum, and values that are not above 0, naming the key', () => {
    expect(() =>
      readJobTimeoutLimits(
        config({ jobTimeout: { defaultMinutes: 90, maxMinutes: 30 } }),
      ),
    ).toThrow(
      'Invalid pipelines.jobTimeout: defaultMinutes (90) is above maxMinutes (30)',
    );
    expect(() =>
      readJobTimeoutLimits(config({ jobTimeout: { maxMinutes: 0 } })),
    ).toThrow(
      'Invalid pipelines.jobTimeout.maxMinutes: expected a number above 0, got 0',
    );
    expect(() =>
      readJobTimeoutLimits(config({ jobTimeout: { defaultMinutes: 'soon' } })),
    ).toThrow(/pipelines\.jobTimeout\.defaultMinutes/);
  });
});

describe('readPipelineLimits', () => {
  it('has defaults', () => {
    expect(readPipelineLimits(new ConfigReader({}))).toEqual({
      maxActiveRunsPerUser: 20,
      maxActiveRunsPerEntity: 50,
      maxLiveStreams: 200,
      maxLiveStreamsPerUser: 10,
      slowReaderTimeoutMs: 30_000,
    });
  });

  it('reads every key and refuses fractions and negatives', () => {
    expect(
      readPipelineLimits(
        config({
          limits: {
            maxActiveRunsPerUser: 1,
            maxActiveRunsPerEntity: 2,
            maxLiveStreams: 3,
            maxLiveStreamsPerUser: 4,
            slowReaderSeconds: 0.5,
          },
        }),
      ),
    ).toEqual({
      maxActiveRunsPerUser: 1,
      maxActiveRunsPerEntity: 2,
      maxLiveStreams: 3,
      maxLiveStreamsPerUser: 4,
      slowReaderTimeoutMs: 500,
    });
    expect(() =>
      readPipelineLimits(config({ limits: { maxActiveRunsPerUser: 1.5 } })),
    ).toThrow(
      'Invalid pipelines.limits.maxActiveRunsPerUser: expected a whole number above 0, got 1.5',
    );
    expect(() =>
      readPipelineLimits(config({ limits: { maxLiveStreams: -1 } })),
    ).toThrow(/pipelines\.limits\.maxLiveStreams/);
  });
});

describe('readRetentionPolicy', () => {
  it('has defaults', () => {
    expect(readRetentionPolicy(new ConfigReader({}))).toEqual({
      runMs: 180 * DAY,
      maxRunsPerPipeline: 1000,
      logMs: 90 * DAY,
      artifactMs: 30 * DAY,
      sweepIntervalMs: 60 * MINUTE,
    });
  });

  it('turns a kind off with 0, and refuses a sweep interval of 0', () => {
    expect(
      readRetentionPolicy(
        config({
          retention: {
            runDays: 0,
            maxRunsPerPipeline: 0,
            logDays: 0.5,
            artifactDays: 0,
            sweepIntervalMinutes: 5,
          },
        }),
      ),
    ).toEqual({
      runMs: undefined,
      maxRunsPerPipeline: undefined,
      logMs: DAY / 2,
      artifactMs: undefined,
      sweepIntervalMs: 5 * MINUTE,
    });
    expect(() =>
      readRetentionPolicy(config({ retention: { sweepIntervalMinutes: 0 } })),
    ).toThrow(
      'Invalid pipelines.retention.sweepIntervalMinutes: expected a number above 0, got 0',
    );
    expect(() =>
      readRetentionPolicy(config({ retention: { maxRunsPerPipeline: 2.5 } })),
    ).toThrow(
      'Invalid pipelines.retention.maxRunsPerPipeline: expected a whole number (0 or more), got 2.5',
    );
  });
});
