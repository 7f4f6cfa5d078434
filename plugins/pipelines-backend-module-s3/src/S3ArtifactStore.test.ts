/*
 * The S3 artifact store with the real AWS SDK against the S3 fake on loopback (Signature
 * Version 4, multipart, paging, S3's XML errors): what the local store's tests assert, and
 * what object storage adds.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { S3ArtifactStore } from './S3ArtifactStore';
import type { S3ArtifactConfig } from './S3ArtifactConfig';
import { S3Fake, S3_FAKE_CREDENTIALS } from './testUtils';

const DAY = 24 * 60 * 60 * 1000;
const PREFIX = 'comet/artifacts/';

async function bytesOf(stream: NodeJS.ReadableStream) {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const sha256 = (data: Buffer) =>
  createHash('sha256').update(data).digest('hex');

/** What a store's promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('S3ArtifactStore', () => {
  let fake: S3Fake;
  let fakeNow: Date;
  let tmp: string;
  const stores: S3ArtifactStore[] = [];
  const logger = mockServices.logger.mock();

  function settings(
    overrides: Partial<S3ArtifactConfig> = {},
  ): S3ArtifactConfig {
    return {
      bucket: 'comet',
      prefix: PREFIX,
      endpoint: fake.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: S3_FAKE_CREDENTIALS,
      ...overrides,
    };
  }

  function storeFor(
    overrides: Partial<S3ArtifactConfig> = {},
    options: {
      clock?: () => Date;
      fileConcurrency?: number;
      endpoint?: string;
    } = {},
  ) {
    const config = settings(overrides);
    const store = S3ArtifactStore.create({
      client: S3ArtifactStore.createClient(config),
      bucket: config.bucket,
      prefix: config.prefix,
      endpoint: options.endpoint ?? config.endpoint,
      region: config.region,
      credentialsFromConfig: config.credentials !== undefined,
      retentionDays: config.retentionDays,
      logger,
      clock: options.clock,
      stagingRoot: tmp,
      fileConcurrency: options.fileConcurrency,
    });
    stores.push(store);
    return store;
  }

  async function commitFiles(
    store: S3ArtifactStore,
    runId: string,
    jobRunId: string,
    files: Record<string, string | Buffer>,
  ) {
    const staged = await store.stage(runId, jobRunId);
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(staged.dir, file)), {
        recursive: true,
      });
      fs.writeFileSync(path.join(staged.dir, file), content);
    }
    await staged.commit();
    return staged.dir;
  }

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-s3-store-'));
    fakeNow = new Date('2026-01-01T00:00:00Z');
    fake = await S3Fake.start({ clock: () => fakeNow });
  });

  afterEach(() => jest.clearAllMocks());

  afterAll(async () => {
    for (const store of stores) store.close();
    await fake.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('reads its settings from pipelines.artifacts.s3, and is off without a bucket', async () => {
    const store = S3ArtifactStore.fromConfig(
      new ConfigReader({
        pipelines: {
          dataDir: path.join(tmp, 'data'),
          artifacts: {
            s3: {
              bucket: 'comet',
              endpoint: fake.url,
              ...S3_FAKE_CREDENTIALS,
              retentionDays: 7,
            },
          },
        },
      }),
      { logger },
    )!;
    stores.push(store);
    expect(store.location).toBe(
      `bucket "comet" at ${fake.url} under "comet/artifacts/"`,
    );
    expect(store.retentionDays).toBe(7);
    await store.check();
    // Staged next to the workspaces, under pipelines.dataDir
    const staged = await store.stage('run-config', 'build');
    expect(path.dirname(staged.dir)).toBe(
      path.join(tmp, 'data', 'artifacts-staging'),
    );
    fs.writeFileSync(path.join(staged.dir, 'a.txt'), 'a');
    await staged.commit();
    expect(fake.state.keys('comet', 'comet/artifacts/run-config/')).toEqual([
      'comet/artifacts/run-config/build/a.txt',
    ]);
    expect(
      S3ArtifactStore.fromConfig(new ConfigReader({}), { logger }),
    ).toBeUndefined();
  });

  it('lists and reads what a job staged, and nothing outside it', async () => {
    const store = storeFor();
    const staged = await store.stage('run-1', 'test (shard=1)');
    fs.mkdirSync(path.join(staged.dir, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(staged.dir, 'dist', 'out.txt'), 'hello');
    fs.writeFileSync(path.join(staged.dir, 'empty.txt'), '');
    await staged.commit();
    // The staging folder is gone once the files are in the bucket
    expect(fs.existsSync(staged.dir)).toBe(false);
    expect(fake.state.keys('comet', 'comet/artifacts/run-1/')).toEqual([
      'comet/artifacts/run-1/test_shard=1_/dist/out.txt',
      'comet/artifacts/run-1/test_shard=1_/empty.txt',
    ]);
    // Someone else's objects, in the bucket and in another run
    fake.state.putObject('comet', 'secret.txt', 'not yours');
    fake.state.putObject('comet', 'comet/secret.txt', 'not yours');
    fake.state.putObject(
      'comet',
      'comet/artifacts/run-theirs/build/secret.txt',
      'theirs',
    );

    expect(await store.list('run-1')).toEqual([
      { jobRunId: 'test_shard=1_', path: 'dist/out.txt', size: 5 },
      { jobRunId: 'test_shard=1_', path: 'empty.txt', size: 0 },
    ]);
    // By the job's id, or by the name the list gives it
    for (const jobRunId of ['test (shard=1)', 'test_shard=1_']) {
      const file = await store.read('run-1', jobRunId, 'dist/out.txt');
      expect(file!.size).toBe(5);
      expect((await bytesOf(file!.stream)).toString()).toBe('hello');
    }
    const empty = await store.read('run-1', 'test_shard=1_', 'empty.txt');
    expect(empty!.size).toBe(0);
    expect((await bytesOf(empty!.stream)).length).toBe(0);
    expect(
      await store.read('run-1', 'test (shard=1)', '../../secret.txt'),
    ).toBeUndefined();
    expect(await store.read('run-1', 'test (shard=1)', 'dist')).toBeUndefined();
    expect(
      await store.read('run-1', 'test (shard=1)', 'nope.txt'),
    ).toBeUndefined();
    expect(await store.list('no-such-run')).toEqual([]);
  });

  it('never builds a key outside the run: the path is checked before any request', async () => {
    const store = storeFor();
    await commitFiles(store, 'run-mine', 'build', { 'out.txt': 'mine' });
    fake.resetCalls();
    for (const [runId, jobRunId, relativePath] of [
      ['run-mine', '..', 'run-theirs/build/secret.txt'],
      ['run-mine', '.', '../run-theirs/build/secret.txt'],
      ['run-mine', 'build', '../../run-theirs/build/secret.txt'],
      ['run-mine', 'build', './out.txt'],
      ['run-mine', 'build', '/etc/hostname'],
      ['run-mine', 'build', 'a//out.txt'],
      ['run-mine', 'build', 'out.txt/'],
      ['run-mine', 'build', ''],
      ['run-mine', 'build', 'dist\\out.txt'],
      ['run-mine', 'build', 'out.txt\0'],
      ['run-mine', 'build', '%2E%2E/%2E%2E/run-theirs/build/secret.txt'],
      ['run-mine', 'build', 'dist/..%2Fsecret.txt'],
      ['run-mine', 'build', 'C:\\secret.txt'],
    ]) {
      expect(await store.read(runId, jobRunId, relativePath)).toBeUndefined();
    }
    // Only the first was asked for, inside this run's prefix: the job id `..` becomes `_..`,
    // a folder name like any other
    expect(fake.calls.map(call => call.key)).toEqual([
      'comet/artifacts/run-mine/_../run-theirs/build/secret.txt',
    ]);
    // A run id of `..` is a name in the prefix, not its parent
    expect(
      await store.read('..', 'run-theirs', 'build/secret.txt'),
    ).toBeUndefined();
    expect(fake.calls[1].key).toBe(
      'comet/artifacts/_../run-theirs/build/secret.txt',
    );
    expect(await store.list('..')).toEqual([]);
  });

  it('uploads a 12 MB file in parts, streams it back equal, and sends no flexible checksums', async () => {
    const store = storeFor();
    const big = randomBytes(12 * 1024 * 1024);
    fake.resetCalls();
    await commitFiles(store, 'run-big', 'package', {
      'dist/app.tar': big,
      'dist/notes.txt': 'small',
    });
    const calls = fake.calls.map(call => [
      call.operation,
      call.key,
      call.status,
    ]);
    const key = 'comet/artifacts/run-big/package/dist/app.tar';
    expect(calls).toEqual(
      expect.arrayContaining([
        ['CreateMultipartUpload', key, 200],
        ['UploadPart', key, 200],
        ['CompleteMultipartUpload', key, 200],
        ['PutObject', 'comet/artifacts/run-big/package/dist/notes.txt', 200],
      ]),
    );
    // 8 MiB parts: 8 + 4
    expect(
      calls.filter(([operation]) => operation === 'UploadPart'),
    ).toHaveLength(2);
    expect(fake.state.getObject('comet', key)!.etag).toMatch(/-2"$/);
    for (const call of fake.calls) {
      expect(
        Object.keys(call.headers).filter(h =>
          /^x-amz-(sdk-)?checksum|^x-amz-trailer$/.test(h),
        ),
      ).toEqual([]);
      // Each body's SHA-256 is in the signature, and the server checks it
      expect(call.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
    }

    const file = await store.read('run-big', 'package', 'dist/app.tar');
    expect(file!.size).toBe(big.length);
    expect(sha256(await bytesOf(file!.stream))).toBe(sha256(big));
    expect(await store.list('run-big')).toEqual([
      { jobRunId: 'package', path: 'dist/app.tar', size: big.length },
      { jobRunId: 'package', path: 'dist/notes.txt', size: 5 },
    ]);
  });

  it('aborts a multipart upload whose part fails, leaving no parts behind', async () => {
    // A server that takes at most 6 MiB a request refuses the first 8 MiB part
    const small = await S3Fake.start({ maxBodyBytes: 6 * 1024 * 1024 });
    try {
      const store = storeFor({ endpoint: small.url });
      const staged = await store.stage('run-part', 'build');
      fs.writeFileSync(
        path.join(staged.dir, 'big.bin'),
        randomBytes(9 * 1024 * 1024),
      );
      expect((await rejection(staged.commit())).message).toContain(
        'uploading comet/artifacts/run-part/build/big.bin failed: EntityTooLarge (HTTP 400)',
      );
      expect(small.calls.map(call => call.operation)).toEqual(
        expect.arrayContaining([
          'CreateMultipartUpload',
          'UploadPart',
          'AbortMultipartUpload',
        ]),
      );
      expect(small.state.uploads.size).toBe(0);
      expect(small.state.keys('comet')).toEqual([]);
      expect(fs.existsSync(staged.dir)).toBe(false);
    } finally {
      await small.close();
    }
  });

  it('uploads a job’s files a few at a time', async () => {
    const slow = await S3Fake.start({ latencyMs: 25 });
    try {
      const store = storeFor({ endpoint: slow.url }, { fileConcurrency: 3 });
      const files = Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => [`file-${i}.txt`, `content ${i}`]),
      );
      await commitFiles(store, 'run-many', 'build', files);
      expect(slow.state.keys('comet')).toHaveLength(12);
      expect(slow.peakConcurrency('PutObject')).toBeLessThanOrEqual(3);
      expect(slow.peakConcurrency('PutObject')).toBeGreaterThanOrEqual(2);
    } finally {
      await slow.close();
    }
  });

  it('lists more than 1000 objects page by page, and deletes a run of more than 1000 in batches', async () => {
    const store = storeFor();
    const runPrefix = 'comet/artifacts/run-huge/';
    const expected = [];
    for (let i = 0; i < 1205; i++) {
      const artifactPath = `reports/${String(i).padStart(4, '0')}.xml`;
      fake.state.putObject(
        'comet',
        `${runPrefix}test/${artifactPath}`,
        `<r${i}/>`,
      );
      expected.push({
        jobRunId: 'test',
        path: artifactPath,
        size: `<r${i}/>`.length,
      });
    }
    // A neighbour whose id starts the same
    fake.state.putObject('comet', 'comet/artifacts/run-huge-2/test/a.xml', 'x');
    fake.resetCalls();

    expect(await store.list('run-huge')).toEqual(expected);
    expect(fake.calls.map(call => call.operation)).toEqual([
      'ListObjectsV2',
      'ListObjectsV2',
    ]);

    fake.resetCalls();
    await store.delete('run-huge');
    expect(fake.state.keys('comet', runPrefix)).toEqual([]);
    expect(
      fake.state.keys('comet', 'comet/artifacts/run-huge-2/'),
    ).toHaveLength(1);
    const deletes = fake.calls.filter(
      call => call.operation === 'DeleteObjects',
    );
    expect(deletes.map(call => call.status)).toEqual([200, 200]);
    // Content-MD5, which S3-compatible servers require, and no CRC32 headers
    for (const call of deletes) {
      expect(call.headers['content-md5']).toMatch(/==$/);
      expect(call.headers['x-amz-checksum-crc32']).toBeUndefined();
    }
    expect(await store.list('run-huge')).toEqual([]);
    // Nothing to delete is not an error, and `..` is a name, not the prefix's parent
    await store.delete('no-such-run');
    await store.delete('..');
    expect(
      fake.state.keys('comet', 'comet/artifacts/run-huge-2/'),
    ).toHaveLength(1);
  });

  it('deletes objects older than retentionDays under its prefix only, by an injected clock', async () => {
    const retention = await S3Fake.start({ clock: () => fakeNow });
    try {
      const t0 = new Date('2026-03-01T00:00:00Z');
      let storeNow = t0;
      const store = storeFor(
        { endpoint: retention.url, retentionDays: 30 },
        { clock: () => storeNow },
      );
      fakeNow = t0;
      await commitFiles(store, 'run-old', 'build', {
        'a.txt': 'a',
        'b/c.txt': 'c',
      });
      for (let i = 0; i < 1001; i++) {
        retention.state.putObject(
          'comet',
          `comet/artifacts/run-older/x/${i}`,
          'x',
          {
            lastModified: new Date(t0.getTime() - DAY),
          },
        );
      }
      // Not Comet's: outside the prefix, however old
      retention.state.putObject('comet', 'backups/db.dump', 'x', {
        lastModified: new Date(t0.getTime() - 400 * DAY),
      });
      fakeNow = new Date(t0.getTime() + 20 * DAY);
      await commitFiles(store, 'run-new', 'build', { 'a.txt': 'a' });

      // Day 29 after the old run: nothing is old enough yet
      storeNow = new Date(t0.getTime() + 29 * DAY);
      expect(await store.deleteExpired()).toBe(0);
      // Day 31: the old runs go, the newer one stays
      storeNow = new Date(t0.getTime() + 31 * DAY);
      expect(await store.deleteExpired()).toBe(1003);
      expect(retention.state.keys('comet')).toEqual([
        'backups/db.dump',
        'comet/artifacts/run-new/build/a.txt',
      ]);
      // Without retentionDays it deletes nothing
      storeNow = new Date(t0.getTime() + 1000 * DAY);
      const keepsAll = storeFor(
        { endpoint: retention.url },
        { clock: () => storeNow },
      );
      expect(await keepsAll.deleteExpired()).toBe(0);
      expect(retention.state.keys('comet')).toHaveLength(2);
    } finally {
      await retention.close();
    }
  });

  it('says which credentials to fix when the server refuses them, never showing the secret', async () => {
    const secretAccessKey = 'wrong-secret-that-must-not-leak';
    const wrongSecret = storeFor({
      credentials: { ...S3_FAKE_CREDENTIALS, secretAccessKey },
    });
    const staged = await wrongSecret.stage('run-denied', 'build');
    fs.writeFileSync(path.join(staged.dir, 'out.txt'), 'x');
    const error = await rejection(staged.commit());
    expect(error.name).toBe('ServiceUnavailableError');
    expect(error.message).toBe(
      `S3 artifact store, bucket "comet" at ${fake.url}: uploading comet/artifacts/run-denied/build/out.txt failed: the server refused the credentials (SignatureDoesNotMatch): check pipelines.artifacts.s3.accessKeyId and pipelines.artifacts.s3.secretAccessKey`,
    );
    expect(error.message).not.toContain(secretAccessKey);
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain(
      secretAccessKey,
    );
    // The staged files are removed also when the upload fails
    expect(fs.existsSync(staged.dir)).toBe(false);

    const unknownKey = storeFor({
      credentials: { accessKeyId: 'NOSUCHKEY', secretAccessKey },
    });
    expect((await rejection(unknownKey.list('run-1'))).message).toBe(
      `S3 artifact store, bucket "comet" at ${fake.url}: listing comet/artifacts/run-1/ failed: the server refused the credentials (InvalidAccessKeyId): check pipelines.artifacts.s3.accessKeyId and pipelines.artifacts.s3.secretAccessKey`,
    );
    const noCredentials = S3ArtifactStore.create({
      client: S3ArtifactStore.createClient(
        settings({
          credentials: { accessKeyId: 'NOSUCHKEY', secretAccessKey },
        }),
      ),
      bucket: 'comet',
      prefix: PREFIX,
      endpoint: fake.url,
      logger,
    });
    stores.push(noCredentials);
    expect((await rejection(noCredentials.list('run-1'))).message).toContain(
      "(InvalidAccessKeyId): check pipelines.artifacts.s3.accessKeyId and pipelines.artifacts.s3.secretAccessKey (not set, so the AWS SDK's default credentials were used)",
    );
    // HEAD answers have no body: the status alone says it
    expect((await rejection(wrongSecret.check())).message).toBe(
      `S3 artifact store, bucket "comet" at ${fake.url}: checking the bucket failed: the server answered 403 Forbidden: check pipelines.artifacts.s3.accessKeyId, pipelines.artifacts.s3.secretAccessKey and their access to the bucket`,
    );
  });

  it('says the bucket does not exist, for every operation', async () => {
    const store = storeFor({ bucket: 'no-such-bucket' });
    const where = `S3 artifact store, bucket "no-such-bucket" at ${fake.url}`;
    const fix =
      'the bucket does not exist (NoSuchBucket): create it, or fix pipelines.artifacts.s3.bucket';
    expect((await rejection(store.list('run-1'))).message).toBe(
      `${where}: listing comet/artifacts/run-1/ failed: ${fix}`,
    );
    // Not "no such artifact": the store cannot answer at all
    expect(
      (await rejection(store.read('run-1', 'build', 'out.txt'))).message,
    ).toBe(
      `${where}: reading comet/artifacts/run-1/build/out.txt failed: ${fix}`,
    );
    expect((await rejection(store.delete('run-1'))).message).toBe(
      `${where}: deleting comet/artifacts/run-1/ failed: ${fix}`,
    );
    const staged = await store.stage('run-1', 'build');
    fs.writeFileSync(path.join(staged.dir, 'out.txt'), 'x');
    expect((await rejection(staged.commit())).message).toBe(
      `${where}: uploading comet/artifacts/run-1/build/out.txt failed: ${fix}`,
    );
    // HEAD answers have no body: the 404 alone says it
    expect((await rejection(store.check())).message).toBe(
      `${where}: checking the bucket failed: the bucket does not exist (NotFound): create it, or fix pipelines.artifacts.s3.bucket`,
    );
  });

  it('says what access is missing for read-only credentials', async () => {
    const readOnly = await S3Fake.start({
      credentials: [{ ...S3_FAKE_CREDENTIALS, readOnly: true }],
    });
    try {
      readOnly.state.putObject(
        'comet',
        'comet/artifacts/run-1/build/a.txt',
        'a',
      );
      const store = storeFor({ endpoint: readOnly.url });
      expect(await store.list('run-1')).toHaveLength(1);
      const staged = await store.stage('run-2', 'build');
      fs.writeFileSync(path.join(staged.dir, 'out.txt'), 'x');
      expect((await rejection(staged.commit())).message).toBe(
        `S3 artifact store, bucket "comet" at ${readOnly.url}: uploading comet/artifacts/run-2/build/out.txt failed: access denied (AccessDenied): the credentials need read, write, list and delete access to "comet/artifacts/*" in the bucket (pipelines.artifacts.s3.accessKeyId)`,
      );
      expect((await rejection(store.delete('run-1'))).message).toBe(
        `S3 artifact store, bucket "comet" at ${readOnly.url}: deleting comet/artifacts/run-1/ failed: 1 of 1 objects were not deleted, e.g. "comet/artifacts/run-1/build/a.txt": AccessDenied Access Denied`,
      );
    } finally {
      await readOnly.close();
    }
  });

  it('names the endpoint it cannot reach, and the region it signs for', async () => {
    const closed = net.createServer();
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise(resolve => closed.close(resolve));
    const unreachable = storeFor({ endpoint: `http://127.0.0.1:${port}` });
    expect((await rejection(unreachable.list('run-1'))).message).toBe(
      `S3 artifact store, bucket "comet" at http://127.0.0.1:${port}: listing comet/artifacts/run-1/ failed: cannot reach http://127.0.0.1:${port} (ECONNREFUSED): check pipelines.artifacts.s3.endpoint and the network`,
    );

    const wrongRegion = storeFor({ region: 'eu-central-1' });
    expect((await rejection(wrongRegion.list('run-1'))).message).toBe(
      `S3 artifact store, bucket "comet" at ${fake.url}: listing comet/artifacts/run-1/ failed: the bucket is in another region (AuthorizationHeaderMalformed): check pipelines.artifacts.s3.region`,
    );
  });

  it("says how to give credentials when the SDK's default chain finds none", async () => {
    const saved = { ...process.env };
    for (const name of Object.keys(process.env)) {
      if (name.startsWith('AWS_')) delete process.env[name];
    }
    Object.assign(process.env, {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SHARED_CREDENTIALS_FILE: path.join(tmp, 'no-credentials'),
      AWS_CONFIG_FILE: path.join(tmp, 'no-config'),
    });
    try {
      const store = storeFor({ credentials: undefined });
      expect((await rejection(store.list('run-1'))).message).toBe(
        `S3 artifact store, bucket "comet" at ${fake.url}: listing comet/artifacts/run-1/ failed: no credentials: set pipelines.artifacts.s3.accessKeyId and pipelines.artifacts.s3.secretAccessKey, or give the backend AWS credentials (environment, profile, role)`,
      );
    } finally {
      process.env = saved;
    }
  });

  it("passes on what else the server says, with S3's code and status", async () => {
    const small = await S3Fake.start({ maxBodyBytes: 10 });
    try {
      const store = storeFor({ endpoint: small.url });
      const staged = await store.stage('run-1', 'build');
      fs.writeFileSync(path.join(staged.dir, 'big.txt'), 'more than ten bytes');
      expect((await rejection(staged.commit())).message).toBe(
        `S3 artifact store, bucket "comet" at ${small.url}: uploading comet/artifacts/run-1/build/big.txt failed: EntityTooLarge (HTTP 400): Your proposed upload exceeds the maximum allowed object size.`,
      );
    } finally {
      await small.close();
    }
  });

  it('keeps only regular files with plain names, and says what it left out', async () => {
    const store = storeFor();
    const staged = await store.stage('run-links', 'build');
    fs.writeFileSync(path.join(staged.dir, 'real.txt'), 'real');
    fs.symlinkSync('/etc/hostname', path.join(staged.dir, 'link-out'));
    fs.symlinkSync('real.txt', path.join(staged.dir, 'link-in'));
    fs.writeFileSync(path.join(staged.dir, 'back\\slash.txt'), 'x');
    await staged.commit();
    expect(await store.list('run-links')).toEqual([
      { jobRunId: 'build', path: 'real.txt', size: 4 },
    ]);
    expect(logger.warn).toHaveBeenCalledWith(
      'Artifacts of run run-links job build not kept in S3 (only regular files with plain names are): "back\\\\slash.txt", "link-in", "link-out"',
    );
    // Committing again does nothing: the files went up once
    await staged.commit();
    expect(fake.state.keys('comet', 'comet/artifacts/run-links/')).toHaveLength(
      1,
    );
  });

  it('removes staging folders a day old, and only those', async () => {
    const root = path.join(tmp, 'staging');
    const store = S3ArtifactStore.create({
      client: S3ArtifactStore.createClient(settings()),
      bucket: 'comet',
      prefix: PREFIX,
      logger,
      stagingRoot: root,
    });
    stores.push(store);
    expect(await store.removeStaleStaging()).toBe(0); // no folder yet
    const old = await store.stage('run-1', 'build');
    const current = await store.stage('run-2', 'build');
    const twoDaysAgo = new Date(Date.now() - 2 * DAY);
    fs.utimesSync(old.dir, twoDaysAgo, twoDaysAgo);
    fs.mkdirSync(path.join(root, 'not-ours'));
    fs.utimesSync(path.join(root, 'not-ours'), twoDaysAgo, twoDaysAgo);
    expect(await store.removeStaleStaging()).toBe(1);
    expect(fs.existsSync(old.dir)).toBe(false);
    expect(fs.existsSync(current.dir)).toBe(true);
    expect(fs.existsSync(path.join(root, 'not-ours'))).toBe(true);
    await current.commit();
    expect(fs.existsSync(current.dir)).toBe(false);
  });

  it('lists only what it can read back', async () => {
    const store = storeFor();
    for (const key of [
      'comet/artifacts/run-odd/loose.txt', // no job folder
      'comet/artifacts/run-odd/build/', // a folder marker
      'comet/artifacts/run-odd/build/a//b.txt',
      'comet/artifacts/run-odd/%2E%2E/x.txt',
      'comet/artifacts/run-odd/build/ok.txt',
    ]) {
      fake.state.putObject('comet', key, 'x');
    }
    expect(await store.list('run-odd')).toEqual([
      { jobRunId: 'build', path: 'ok.txt', size: 1 },
    ]);
  });
});
