import type { Config } from '@backstage/config';

/** The config key of the S3 artifact store; `.bucket` turns it on. */
export const S3_ARTIFACTS_CONFIG_KEY = 'pipelines.artifacts.s3';

export const DEFAULT_S3_ARTIFACT_PREFIX = 'comet/artifacts/';
export const DEFAULT_S3_REGION = 'us-east-1';

/** `pipelines.artifacts.s3`, checked and with its defaults. */
export type S3ArtifactConfig = {
  bucket: string;
  /** Ends with `/`. */
  prefix: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Absent: the AWS SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  retentionDays?: number;
};

const key = (name: string) => `${S3_ARTIFACTS_CONFIG_KEY}.${name}`;

function invalid(name: string, problem: string): Error {
  return new Error(`Invalid ${key(name)}: ${problem}`);
}

function readPrefix(config: Config): string {
  const given = config.getOptionalString('prefix');
  if (given === undefined) return DEFAULT_S3_ARTIFACT_PREFIX;
  const prefix = given.endsWith('/') ? given : `${given}/`;
  if (prefix === '/') {
    throw invalid(
      'prefix',
      'must not be empty: everything under it is deleted by retention, so give Comet a folder of its own such as comet/artifacts/',
    );
  }
  const segments = prefix.slice(0, -1).split('/');
  if (
    prefix.startsWith('/') ||
    segments.some(s => s === '' || s === '.' || s === '..') ||
    /[\\\0]/.test(prefix)
  ) {
    throw invalid(
      'prefix',
      `${JSON.stringify(
        given,
      )} must be a relative folder such as comet/artifacts/, without a leading "/", empty, "." or ".." segments, backslashes or NUL`,
    );
  }
  return prefix;
}

function readEndpoint(config: Config): string | undefined {
  const given = config.getOptionalString('endpoint');
  if (given === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw invalid(
      'endpoint',
      `${JSON.stringify(given)} is not a URL; expected e.g. http://minio:9000`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid('endpoint', `must be an http(s) URL, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    // The URL would end up in log lines and error messages
    throw invalid(
      'endpoint',
      `must not contain credentials; set ${key('accessKeyId')} and ${key(
        'secretAccessKey',
      )}`,
    );
  }
  return given.replace(/\/+$/, '');
}

/**
 * Reads `pipelines.artifacts.s3`: undefined when `bucket` is not set (the store is off), an
 * error naming the key for a value that cannot work.
 */
export function readS3ArtifactConfig(
  rootConfig: Config,
): S3ArtifactConfig | undefined {
  const config = rootConfig.getOptionalConfig(S3_ARTIFACTS_CONFIG_KEY);
  const bucket = config?.getOptionalString('bucket')?.trim();
  if (!config || !bucket) return undefined;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(bucket)) {
    throw invalid(
      'bucket',
      `${JSON.stringify(
        bucket,
      )} is not a bucket name (letters, digits, ".", "-" and "_", at least 2 characters)`,
    );
  }

  const accessKeyId = config.getOptionalString('accessKeyId');
  const secretAccessKey = config.getOptionalString('secretAccessKey');
  if (!accessKeyId !== !secretAccessKey) {
    throw new Error(
      `Invalid ${S3_ARTIFACTS_CONFIG_KEY}: set both ${key(
        'accessKeyId',
      )} and ${key(
        'secretAccessKey',
      )}, or neither to use the AWS SDK's default credentials`,
    );
  }

  const retentionDays = config.getOptionalNumber('retentionDays');
  if (
    retentionDays !== undefined &&
    !(Number.isInteger(retentionDays) && retentionDays >= 1)
  ) {
    throw invalid(
      'retentionDays',
      `must be a whole number of days, at least 1, not ${retentionDays}`,
    );
  }

  const endpoint = readEndpoint(config);
  const region = config.getOptionalString('region') ?? DEFAULT_S3_REGION;
  if (!/^[a-z0-9-]+$/i.test(region)) {
    throw invalid('region', `${JSON.stringify(region)} is not a region name`);
  }
  return {
    bucket,
    prefix: readPrefix(config),
    endpoint,
    region,
    forcePathStyle:
      config.getOptionalBoolean('forcePathStyle') ?? endpoint !== undefined,
    credentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey }
        : undefined,
    retentionDays,
  };
}
