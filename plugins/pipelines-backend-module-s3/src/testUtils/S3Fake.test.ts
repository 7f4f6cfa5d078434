/*
 * The S3 fake answered by the real AWS SDK over HTTP: what it accepts, and every refusal a
 * client of S3 must be ready for, as S3's XML errors.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import express from 'express';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { S3Fake, S3_FAKE_CREDENTIALS } from './index';

const READ_ONLY = {
  accessKeyId: 'COMETFAKEREADONLY001',
  secretAccessKey: 'comet-fake-read-only-secret',
  readOnly: true,
};

describe('S3Fake', () => {
  let fake: S3Fake;
  const clients: S3Client[] = [];

  function client(overrides: Partial<S3ClientConfig> = {}) {
    const created = new S3Client({
      endpoint: fake.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: S3_FAKE_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
      ...overrides,
    });
    clients.push(created);
    return created;
  }

  /** Adds Content-MD5 to DeleteObjects, as the artifact store's client does. */
  function withContentMd5(s3: S3Client) {
    s3.middlewareStack.add(
      (next: any, context: any) => async (args: any) => {
        if (context.commandName === 'DeleteObjectsCommand') {
          args.request.headers['content-md5'] = createHash('md5')
            .update(args.request.body)
            .digest('base64');
        }
        return next(args);
      },
      { step: 'build', priority: 'low', name: 'md5' },
    );
    return s3;
  }

  /** The S3 error a command fails with: its code, HTTP status and message. */
  async function failure(promise: Promise<unknown>) {
    try {
      await promise;
    } catch (error: any) {
      return {
        code: error.Code ?? error.name,
        status: error.$metadata?.httpStatusCode,
        message: error.message,
      };
    }
    throw new Error('expected the request to fail');
  }

  beforeAll(async () => {
    fake = await S3Fake.start({
      buckets: ['comet', 'other'],
      credentials: [S3_FAKE_CREDENTIALS, READ_ONLY],
    });
  });

  afterAll(async () => {
    for (const created of clients) created.destroy();
    await fake.close();
  });

  it('stores, lists and reads objects whose keys need encoding', async () => {
    const s3 = client();
    const keys = [
      'plain.txt',
      'a b+c/(1)!*.txt',
      'ünï/çødé €.txt',
      'pct%41.txt',
    ];
    for (const Key of keys) {
      await s3.send(
        new PutObjectCommand({ Bucket: 'other', Key, Body: `body of ${Key}` }),
      );
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'other' }));
    expect(listed.Contents?.map(o => o.Key)).toEqual(
      [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
    for (const Key of keys) {
      const object = await s3.send(
        new GetObjectCommand({ Bucket: 'other', Key }),
      );
      expect(await object.Body!.transformToString()).toBe(`body of ${Key}`);
      expect(object.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    }
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'other', Key: 'plain.txt' }),
    );
    expect(head.ContentLength).toBe('body of plain.txt'.length);
    expect(
      (await s3.send(new HeadBucketCommand({ Bucket: 'other' }))).$metadata
        .httpStatusCode,
    ).toBe(200);
    await s3.send(
      new DeleteObjectCommand({ Bucket: 'other', Key: 'plain.txt' }),
    );
    expect(fake.state.keys('other')).not.toContain('plain.txt');
  });

  it('serves byte ranges, and refuses ranges past the end', async () => {
    const s3 = client();
    fake.state.putObject('comet', 'range.txt', 'hello world');
    const range = async (Range: string) => {
      const object = await s3.send(
        new GetObjectCommand({ Bucket: 'comet', Key: 'range.txt', Range }),
      );
      return [
        object.$metadata.httpStatusCode,
        object.ContentRange,
        await object.Body!.transformToString(),
      ];
    };
    expect(await range('bytes=0-4')).toEqual([206, 'bytes 0-4/11', 'hello']);
    expect(await range('bytes=6-')).toEqual([206, 'bytes 6-10/11', 'world']);
    expect(await range('bytes=-3')).toEqual([206, 'bytes 8-10/11', 'rld']);
    expect(await range('bytes=4-400')).toEqual([
      206,
      'bytes 4-10/11',
      'o world',
    ]);
    expect(
      await failure(
        s3.send(
          new GetObjectCommand({
            Bucket: 'comet',
            Key: 'range.txt',
            Range: 'bytes=11-',
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidRange', status: 416 });
  });

  it('answers NoSuchKey, NoSuchBucket and a bodiless 404 for HEAD', async () => {
    const s3 = client();
    expect(
      await failure(
        s3.send(new GetObjectCommand({ Bucket: 'comet', Key: 'nope' })),
      ),
    ).toEqual({
      code: 'NoSuchKey',
      status: 404,
      message: 'The specified key does not exist.',
    });
    expect(
      await failure(
        s3.send(new HeadObjectCommand({ Bucket: 'comet', Key: 'nope' })),
      ),
    ).toMatchObject({ code: 'NotFound', status: 404 });
    expect(
      await failure(s3.send(new ListObjectsV2Command({ Bucket: 'missing' }))),
    ).toEqual({
      code: 'NoSuchBucket',
      status: 404,
      message: 'The specified bucket does not exist',
    });
    expect(
      await failure(s3.send(new HeadBucketCommand({ Bucket: 'missing' }))),
    ).toMatchObject({ code: 'NotFound', status: 404 });
  });

  it('checks Signature Version 4: key id, secret, region and the payload hash', async () => {
    expect(
      await failure(
        client({
          credentials: { ...S3_FAKE_CREDENTIALS, secretAccessKey: 'wrong' },
        }).send(new ListObjectsV2Command({ Bucket: 'comet' })),
      ),
    ).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
    expect(
      await failure(
        client({
          credentials: { accessKeyId: 'NOBODY', secretAccessKey: 'x' },
        }).send(new ListObjectsV2Command({ Bucket: 'comet' })),
      ),
    ).toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });
    expect(
      await failure(
        client({ region: 'eu-west-1' }).send(
          new ListObjectsV2Command({ Bucket: 'comet' }),
        ),
      ),
    ).toMatchObject({
      code: 'AuthorizationHeaderMalformed',
      status: 400,
      message: expect.stringContaining("expecting 'us-east-1'"),
    });

    // A body changed after signing
    const tampering = client();
    tampering.middlewareStack.addRelativeTo(
      (next: any) => async (args: any) => {
        args.request.body = 'tampered';
        args.request.headers['content-length'] = '8';
        return next(args);
      },
      { relation: 'after', toMiddleware: 'awsAuthMiddleware', name: 'tamper' },
    );
    expect(
      await failure(
        tampering.send(
          new PutObjectCommand({ Bucket: 'comet', Key: 'x', Body: 'original' }),
        ),
      ),
    ).toMatchObject({ code: 'XAmzContentSHA256Mismatch', status: 400 });

    // Anonymous
    const anonymous = await fetch(`${fake.url}/comet?list-type=2`);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>');
    const malformed = await fetch(`${fake.url}/comet?list-type=2`, {
      headers: { authorization: 'AWS AKID:signature' },
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain(
      '<Code>AuthorizationHeaderMalformed</Code>',
    );
    expect(fake.state.getObject('comet', 'x')).toBeUndefined();
  });

  it('assembles multipart uploads and refuses bad part lists', async () => {
    const s3 = client();
    const MiB = 1024 * 1024;
    const start = () =>
      s3.send(new CreateMultipartUploadCommand({ Bucket: 'comet', Key: 'mp' }));
    const part = (UploadId: string, PartNumber: number, Body: Buffer) =>
      s3.send(
        new UploadPartCommand({
          Bucket: 'comet',
          Key: 'mp',
          UploadId,
          PartNumber,
          Body,
        }),
      );
    const complete = (
      UploadId: string,
      Parts: Array<{ PartNumber: number; ETag?: string }>,
    ) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'comet',
          Key: 'mp',
          UploadId,
          MultipartUpload: { Parts },
        }),
      );

    const { UploadId } = await start();
    const first = await part(UploadId!, 1, Buffer.alloc(5 * MiB, 'a'));
    const second = await part(UploadId!, 2, Buffer.from('tail'));
    expect(
      await failure(
        complete(UploadId!, [
          { PartNumber: 2, ETag: second.ETag },
          { PartNumber: 1, ETag: first.ETag },
        ]),
      ),
    ).toMatchObject({ code: 'InvalidPartOrder', status: 400 });
    expect(
      await failure(
        complete(UploadId!, [
          { PartNumber: 1, ETag: first.ETag },
          { PartNumber: 2, ETag: '"0123456789abcdef0123456789abcdef"' },
        ]),
      ),
    ).toMatchObject({ code: 'InvalidPart', status: 400 });
    expect(
      await failure(part(UploadId!, 10_001, Buffer.from('x'))),
    ).toMatchObject({ code: 'InvalidArgument', status: 400 });
    const done = await complete(UploadId!, [
      { PartNumber: 1, ETag: first.ETag },
      { PartNumber: 2, ETag: second.ETag },
    ]);
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(fake.state.getObject('comet', 'mp')!.body.length).toBe(5 * MiB + 4);
    expect(fake.state.uploads.size).toBe(0);

    // Parts below 5 MiB but the last
    const small = await start();
    const a = await part(small.UploadId!, 1, Buffer.from('a'));
    const b = await part(small.UploadId!, 2, Buffer.from('b'));
    expect(
      await failure(
        complete(small.UploadId!, [
          { PartNumber: 1, ETag: a.ETag },
          { PartNumber: 2, ETag: b.ETag },
        ]),
      ),
    ).toMatchObject({ code: 'EntityTooSmall', status: 400 });
    await s3.send(
      new AbortMultipartUploadCommand({
        Bucket: 'comet',
        Key: 'mp',
        UploadId: small.UploadId,
      }),
    );
    expect(
      await failure(part(small.UploadId!, 3, Buffer.from('c'))),
    ).toMatchObject({ code: 'NoSuchUpload', status: 404 });
    expect(await failure(complete(small.UploadId!, []))).toMatchObject({
      code: 'NoSuchUpload',
    });
  });

  it('pages ListObjectsV2 with continuation tokens, prefix and start-after', async () => {
    const s3 = client();
    for (const name of ['a/1', 'a/2', 'a/3', 'a/4', 'a/5', 'b/1']) {
      fake.state.putObject('other', `list/${name}`, name);
    }
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: 'other',
          Prefix: 'list/a/',
          MaxKeys: 2,
          ContinuationToken: token,
        }),
      );
      pages.push(page.Contents!.map(o => o.Key!));
      expect(page.KeyCount).toBe(page.Contents!.length);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(pages).toEqual([
      ['list/a/1', 'list/a/2'],
      ['list/a/3', 'list/a/4'],
      ['list/a/5'],
    ]);
    const after = await s3.send(
      new ListObjectsV2Command({
        Bucket: 'other',
        Prefix: 'list/',
        StartAfter: 'list/a/4',
      }),
    );
    expect(after.Contents!.map(o => o.Key)).toEqual(['list/a/5', 'list/b/1']);
    expect(after.Contents![0]).toMatchObject({
      Size: 3,
      StorageClass: 'STANDARD',
      LastModified: expect.any(Date),
    });
    const encoded = await s3.send(
      new ListObjectsV2Command({
        Bucket: 'other',
        Prefix: 'a b',
        EncodingType: 'url',
      }),
    );
    expect(encoded.Contents!.map(o => o.Key)).toEqual(['a%20b%2Bc/(1)!*.txt']);
    expect(
      await failure(
        s3.send(
          new ListObjectsV2Command({
            Bucket: 'other',
            ContinuationToken: 'bogus',
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidArgument', status: 400 });
    expect(
      await failure(
        s3.send(new ListObjectsV2Command({ Bucket: 'other', Delimiter: '/' })),
      ),
    ).toMatchObject({ code: 'NotImplemented', status: 501 });
  });

  it('deletes in batches of at most 1000 keys, with Content-MD5', async () => {
    const s3 = client();
    for (let i = 0; i < 3; i++) fake.state.putObject('comet', `del/${i}`, 'x');
    // Content-MD5 is what this server (like many S3-compatible ones) requires
    const plain = await failure(
      s3.send(
        new DeleteObjectsCommand({
          Bucket: 'comet',
          Delete: { Objects: [{ Key: 'del/0' }] },
        }),
      ),
    );
    expect(plain).toEqual({
      code: 'MissingContentMD5',
      status: 400,
      message: 'Missing required header for this request: Content-Md5.',
    });
    const withMd5 = withContentMd5(client());
    const deleted = await withMd5.send(
      new DeleteObjectsCommand({
        Bucket: 'comet',
        Delete: {
          Objects: [{ Key: 'del/0' }, { Key: 'del/1' }, { Key: 'never' }],
        },
      }),
    );
    expect(deleted.Deleted!.map(d => d.Key)).toEqual([
      'del/0',
      'del/1',
      'never',
    ]);
    expect(fake.state.keys('comet', 'del/')).toEqual(['del/2']);
    expect(
      await failure(
        withMd5.send(
          new DeleteObjectsCommand({
            Bucket: 'comet',
            Delete: {
              Objects: Array.from({ length: 1001 }, (_, i) => ({
                Key: `k${i}`,
              })),
            },
          }),
        ),
      ),
    ).toMatchObject({ code: 'MalformedXML', status: 400 });
  });

  it('lets read-only keys read but not write or delete', async () => {
    fake.state.putObject('comet', 'ro/kept', 'kept');
    const readOnly = client({ credentials: READ_ONLY });
    const object = await readOnly.send(
      new GetObjectCommand({ Bucket: 'comet', Key: 'ro/kept' }),
    );
    expect(await object.Body!.transformToString()).toBe('kept');
    expect(
      await failure(
        readOnly.send(
          new PutObjectCommand({ Bucket: 'comet', Key: 'ro/new', Body: 'x' }),
        ),
      ),
    ).toEqual({ code: 'AccessDenied', status: 403, message: 'Access Denied' });
    withContentMd5(readOnly);
    const result = await readOnly.send(
      new DeleteObjectsCommand({
        Bucket: 'comet',
        Delete: { Objects: [{ Key: 'ro/kept' }], Quiet: true },
      }),
    );
    expect(result.Errors).toEqual([
      { Key: 'ro/kept', Code: 'AccessDenied', Message: 'Access Denied' },
    ]);
    expect(fake.state.getObject('comet', 'ro/kept')).toBeDefined();
  });

  it("refuses the SDK's default aws-chunked uploads with trailing checksums", async () => {
    // The SDK says it will not retry a streamed body; that is expected here
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    // The SDK's default since 2025, which S3-compatible servers of that time refuse
    const defaults = client({
      requestChecksumCalculation: 'WHEN_SUPPORTED',
      responseChecksumValidation: 'WHEN_SUPPORTED',
    });
    const refused = await failure(
      defaults.send(
        new PutObjectCommand({
          Bucket: 'comet',
          Key: 'chunked',
          Body: Readable.from([Buffer.from('streamed')]),
          ContentLength: 8,
        }),
      ),
    );
    expect(refused).toMatchObject({ code: 'NotImplemented', status: 501 });
    expect(refused.message).toContain('aws-chunked');
    warn.mockRestore();
    const call = fake.calls.find(c => c.key === 'chunked')!;
    expect(call.headers['x-amz-trailer']).toBe('x-amz-checksum-crc32');

    // The same upload with checksums only where required goes through
    await client().send(
      new PutObjectCommand({
        Bucket: 'comet',
        Key: 'chunked',
        Body: Readable.from([Buffer.from('streamed')]),
        ContentLength: 8,
      }),
    );
    expect(fake.state.getObject('comet', 'chunked')!.body.toString()).toBe(
      'streamed',
    );
  });

  it('says what it does not implement', async () => {
    expect(
      await failure(
        client().send(
          new CopyObjectCommand({
            Bucket: 'comet',
            Key: 'copy',
            CopySource: 'comet/chunked',
          }),
        ),
      ),
    ).toMatchObject({ code: 'NotImplemented', status: 501 });
  });

  it('serves the same API mounted under a path, without listening itself', async () => {
    const mounted = new S3Fake({ buckets: ['mounted'] });
    const app = express();
    app.use('/api/fakes/s3', mounted.router);
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const s3 = client({
        endpoint: `http://127.0.0.1:${
          (server.address() as AddressInfo).port
        }/api/fakes/s3`,
      });
      await s3.send(
        new PutObjectCommand({ Bucket: 'mounted', Key: 'a/b.txt', Body: 'ok' }),
      );
      const object = await s3.send(
        new GetObjectCommand({ Bucket: 'mounted', Key: 'a/b.txt' }),
      );
      expect(await object.Body!.transformToString()).toBe('ok');
      expect(() => mounted.url).toThrow('not listening');
      s3.destroy();
    } finally {
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
    }
  });
});
