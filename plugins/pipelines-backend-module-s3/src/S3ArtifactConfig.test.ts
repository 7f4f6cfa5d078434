import { ConfigReader } from '@backstage/config';
import { readS3ArtifactConfig } from './S3ArtifactConfig';

const read = (s3: Record<string, string | number | boolean> | undefined) =>
  readS3ArtifactConfig(
    new ConfigReader(s3 ? { pipelines: { artifacts: { s3 } } } : {}),
  );

describe('readS3ArtifactConfig', () => {
  it('is off without a bucket', () => {
    expect(read(undefined)).toBeUndefined();
    expect(read({})).toBeUndefined();
    expect(
      read({ bucket: ' ', endpoint: 'http://minio:9000' }),
    ).toBeUndefined();
  });

  it('fills in the defaults: AWS S3 with the SDK’s credentials', () => {
    expect(read({ bucket: 'comet-artifacts' })).toEqual({
      bucket: 'comet-artifacts',
      prefix: 'comet/artifacts/',
      endpoint: undefined,
      region: 'us-east-1',
      forcePathStyle: false,
      credentials: undefined,
      retentionDays: undefined,
    });
  });

  it('reads an S3-compatible server: path style by default, a prefix made a folder', () => {
    expect(
      read({
        bucket: 'ci',
        prefix: 'portal/artifacts',
        endpoint: 'http://minio.internal:9000/',
        region: 'eu-central-1',
        accessKeyId: 'minio-user',
        secretAccessKey: 'minio-secret',
        retentionDays: 14,
      }),
    ).toEqual({
      bucket: 'ci',
      prefix: 'portal/artifacts/',
      endpoint: 'http://minio.internal:9000',
      region: 'eu-central-1',
      forcePathStyle: true,
      credentials: {
        accessKeyId: 'minio-user',
        secretAccessKey: 'minio-secret',
      },
      retentionDays: 14,
    });
    expect(
      read({
        bucket: 'ci',
        endpoint: 'https://r2.example.com',
        forcePathStyle: false,
      })?.forcePathStyle,
    ).toBe(false);
  });

  it.each([
    [
      { bucket: 'a/b' },
      'Invalid pipelines.artifacts.s3.bucket: "a/b" is not a bucket name (letters, digits, ".", "-" and "_", at least 2 characters)',
    ],
    [
      { bucket: 'ci', accessKeyId: 'only-the-id' },
      "Invalid pipelines.artifacts.s3: set both pipelines.artifacts.s3.accessKeyId and pipelines.artifacts.s3.secretAccessKey, or neither to use the AWS SDK's default credentials",
    ],
    [
      { bucket: 'ci', secretAccessKey: 'only-the-secret' },
      "Invalid pipelines.artifacts.s3: set both pipelines.artifacts.s3.accessKeyId and pipelines.artifacts.s3.secretAccessKey, or neither to use the AWS SDK's default credentials",
    ],
    [
      { bucket: 'ci', retentionDays: 0 },
      'Invalid pipelines.artifacts.s3.retentionDays: must be a whole number of days, at least 1, not 0',
    ],
    [
      { bucket: 'ci', retentionDays: 1.5 },
      'Invalid pipelines.artifacts.s3.retentionDays: must be a whole number of days, at least 1, not 1.5',
    ],
    [
      { bucket: 'ci', endpoint: 'minio:9000' },
      'Invalid pipelines.artifacts.s3.endpoint: must be an http(s) URL, not minio:',
    ],
    [
      { bucket: 'ci', endpoint: 'not a url' },
      'Invalid pipelines.artifacts.s3.endpoint: "not a url" is not a URL; expected e.g. http://minio:9000',
    ],
    [
      { bucket: 'ci', endpoint: 'http://user:pass@minio:9000' },
      'Invalid pipelines.artifacts.s3.endpoint: must not contain credentials; set pipelines.artifacts.s3.accessKeyId and pipelines.artifacts.s3.secretAccessKey',
    ],
    [
      { bucket: 'ci', region: 'eu west' },
      'Invalid pipelines.artifacts.s3.region: "eu west" is not a region name',
    ],
    [
      { bucket: 'ci', prefix: '/' },
      'Invalid pipelines.artifacts.s3.prefix: must not be empty: everything under it is deleted by retention, so give Comet a folder of its own such as comet/artifacts/',
    ],
    [
      { bucket: 'ci', prefix: '/abs/' },
      'Invalid pipelines.artifacts.s3.prefix: "/abs/" must be a relative folder such as comet/artifacts/, without a leading "/", empty, "." or ".." segments, backslashes or NUL',
    ],
    [
      { bucket: 'ci', prefix: 'a/../b' },
      'Invalid pipelines.artifacts.s3.prefix: "a/../b" must be a relative folder such as comet/artifacts/, without a leading "/", empty, "." or ".." segments, backslashes or NUL',
    ],
    [
      { bucket: 'ci', prefix: 'a//b/' },
      'Invalid pipelines.artifacts.s3.prefix: "a//b/" must be a relative folder such as comet/artifacts/, without a leading "/", empty, "." or ".." segments, backslashes or NUL',
    ],
    [
      { bucket: 'ci', prefix: 'a\\b' },
      'Invalid pipelines.artifacts.s3.prefix: "a\\\\b" must be a relative folder such as comet/artifacts/, without a leading "/", empty, "." or ".." segments, backslashes or NUL',
    ],
  ])('refuses %j, naming the key', (s3, message) => {
    expect(() => read(s3)).toThrow(message);
  });

  it("leaves an empty string to the config reader's own error, naming the key", () => {
    expect(() => read({ bucket: 'ci', prefix: '' })).toThrow(
      "Invalid type in config for key 'pipelines.artifacts.s3.prefix'",
    );
  });

  it('never puts a secret in its messages', () => {
    let message = '';
    try {
      read({ bucket: 'ci', secretAccessKey: 'very-secret-value' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('pipelines.artifacts.s3.secretAccessKey');
    expect(message).not.toContain('very-secret-value');
  });
});
