import express from 'express';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SigV4Error, verifySigV4 } from './sigV4';
import { compareKeys, md5Etag, S3FakeState } from './S3FakeState';

export { S3FakeState };
export type { S3FakeObject, S3FakeUpload } from './S3FakeState';

/** A key pair the fake accepts; a `readOnly` one may read and list but not write or delete. */
export type S3FakeCredentials = {
  accessKeyId: string;
  secretAccessKey: string;
  readOnly?: boolean;
};

/** The key pair the fake accepts when given none. */
export const S3_FAKE_CREDENTIALS: S3FakeCredentials = {
  accessKeyId: 'COMETFAKEACCESSKEY01',
  secretAccessKey: 'comet-fake-secret-access-key-for-tests',
};

export type S3FakeOptions = {
  /** Buckets that exist. Default `['comet']`. */
  buckets?: string[];
  /** Key pairs it accepts. Default {@link S3_FAKE_CREDENTIALS}. */
  credentials?: S3FakeCredentials[];
  /** The region requests must be signed for. Default `us-east-1`. */
  region?: string;
  /** Now, for objects' LastModified: tests of retention move it. Default the real time. */
  clock?: () => Date;
  /** Milliseconds to wait before each answer, as a network would. Default 0. */
  latencyMs?: number;
  /** The largest request body it takes (a part or an object). Default 64 MiB. */
  maxBodyBytes?: number;
};

/** One request the fake answered. */
export type S3FakeCall = {
  method: string;
  operation: string;
  bucket?: string;
  key?: string;
  status: number;
  /** The request's headers (lower case), to check what a client sends. */
  headers: Record<string, string>;
};

class S3FakeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_KEYS = 1000;

function escapeXml(text: string) {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function element(name: string, value: string | number | boolean | undefined) {
  return value === undefined
    ? ''
    : `<${name}>${escapeXml(String(value))}</${name}>`;
}

function xmlDocument(root: string, content: string) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${content}</${root}>`;
}

function decodeSegment(text: string) {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3FakeError(
      400,
      'InvalidURI',
      "Couldn't parse the specified URI.",
    );
  }
}

const xmlParser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  isArray: name => name === 'Part' || name === 'Object',
});

function parseXml(body: Buffer): any {
  const text = body.toString('utf8');
  if (!text.trim() || XMLValidator.validate(text) !== true) {
    throw new S3FakeError(
      400,
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema.',
    );
  }
  return xmlParser.parse(text);
}

function continuationToken(afterKey: string) {
  return Buffer.from(JSON.stringify({ fake: 's3', after: afterKey })).toString(
    'base64url',
  );
}

function afterKeyOf(token: string) {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed?.fake === 's3' && typeof parsed.after === 'string') {
      return parsed.after as string;
    }
  } catch {
    // Not one of ours
  }
  throw new S3FakeError(
    400,
    'InvalidArgument',
    'The continuation token provided is incorrect',
  );
}

/**
 * A local S3-compatible server that answers as the Amazon S3 API reference says, for what an
 * artifact store uses, with path-style addressing (`<url>/<bucket>/<key>`):
 * PutObject, multipart uploads (CreateMultipartUpload, UploadPart, CompleteMultipartUpload with
 * part order, ETag and 5 MiB minimum checks, AbortMultipartUpload), GetObject with an optional
 * `Range`, HeadObject, HeadBucket, DeleteObject, ListObjectsV2 (prefix, start-after, max-keys
 * up to 1,000, continuation tokens, `encoding-type=url`) and DeleteObjects (at most 1,000
 * keys). Every request must carry an AWS Signature Version 4 made with one of its key pairs;
 * the payload hash and Content-MD5 are checked. Errors are S3's XML `<Error>` documents
 * (NoSuchKey, NoSuchBucket, NoSuchUpload, AccessDenied, InvalidAccessKeyId,
 * SignatureDoesNotMatch, …); HEAD errors have no body, as S3's.
 *
 * Like many S3-compatible servers (MinIO before 2025, Ceph RGW) it predates the flexible
 * checksums that AWS SDKs send by default since 2025: an `aws-chunked` upload with trailing
 * checksums is refused (501 NotImplemented), `x-amz-checksum-*` headers are ignored, and
 * DeleteObjects needs Content-MD5 (400 MissingContentMD5). Not implemented (501): versioning,
 * ListObjects v1, `delimiter`, copies, ACLs, bucket management.
 *
 * `await S3Fake.start()` listens on 127.0.0.1 on a free port and gives its `url` (the
 * endpoint); `new S3Fake().router` serves the same without listening.
 */
export class S3Fake {
  readonly state: S3FakeState;
  readonly calls: S3FakeCall[] = [];
  readonly router: express.Router;
  readonly region: string;
  readonly credentials: S3FakeCredentials[];
  private readonly latencyMs: number;
  private readonly maxBodyBytes: number;
  private readonly inFlight = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  private server?: Server;
  private baseUrl?: string;

  /** A fake listening on 127.0.0.1 on a free port; `close()` it when done. */
  static async start(options: S3FakeOptions = {}): Promise<S3Fake> {
    const fake = new S3Fake(options);
    const app = express();
    app.use(fake.router);
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    fake.server = server;
    fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  constructor(options: S3FakeOptions = {}) {
    const clock = options.clock ?? (() => new Date());
    this.state = new S3FakeState(clock);
    for (const bucket of options.buckets ?? ['comet']) {
      this.state.createBucket(bucket);
    }
    this.credentials = options.credentials ?? [S3_FAKE_CREDENTIALS];
    this.region = options.region ?? 'us-east-1';
    this.latencyMs = options.latencyMs ?? 0;
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
    this.router = express.Router();
    this.router.use((req, res) => {
      this.handle(req, res).catch(error => {
        res.status(500).type('application/xml');
        res.end(
          xmlDocument(
            'Error',
            element('Code', 'InternalError') +
              element('Message', String(error?.message ?? error)),
          ),
        );
      });
    });
  }

  /** The endpoint to give a client. */
  get url(): string {
    if (!this.baseUrl) throw new Error('The S3 fake is not listening');
    return this.baseUrl;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>(resolve => server.close(() => resolve()));
  }

  /** The most requests of an operation (`UploadPart`, `PutObject`) it served at once. */
  peakConcurrency(operation: string): number {
    return this.peaks.get(operation) ?? 0;
  }

  resetCalls() {
    this.calls.length = 0;
    this.peaks.clear();
  }

  private async readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > this.maxBodyBytes) {
        throw new S3FakeError(
          400,
          'EntityTooLarge',
          'Your proposed upload exceeds the maximum allowed object size.',
        );
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  /** The payload checks S3 makes after the signature: declared SHA-256, Content-MD5. */
  private checkPayload(req: express.Request, body: Buffer) {
    const declared = req.headers['x-amz-content-sha256'];
    if (typeof declared !== 'string') {
      throw new S3FakeError(
        400,
        'InvalidRequest',
        'Missing required header for this request: x-amz-content-sha256',
      );
    }
    if (
      declared.startsWith('STREAMING-') ||
      /aws-chunked/i.test(String(req.headers['content-encoding'] ?? ''))
    ) {
      throw new S3FakeError(
        501,
        'NotImplemented',
        `A header you provided implies functionality that is not implemented: aws-chunked uploads (${declared}) with trailing checksums`,
        { Header: 'x-amz-content-sha256' },
      );
    }
    if (declared !== 'UNSIGNED-PAYLOAD') {
      const actual = createHash('sha256').update(body).digest('hex');
      if (declared !== actual) {
        throw new S3FakeError(
          400,
          'XAmzContentSHA256Mismatch',
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
        );
      }
    }
    const md5 = req.headers['content-md5'];
    if (typeof md5 === 'string') {
      if (!/^[A-Za-z0-9+/]{22}==$/.test(md5)) {
        throw new S3FakeError(
          400,
          'InvalidDigest',
          'The Content-MD5 you specified was invalid.',
        );
      }
      if (createHash('md5').update(body).digest('base64') !== md5) {
        throw new S3FakeError(
          400,
          'BadDigest',
          'The Content-MD5 you specified did not match what we received.',
        );
      }
    }
  }

  private operationOf(
    method: string,
    query: URLSearchParams,
    hasKey: boolean,
    headers: express.Request['headers'],
  ): string {
    if (!hasKey) {
      if (method === 'HEAD') return 'HeadBucket';
      if (method === 'GET' && query.get('list-type') === '2') {
        return 'ListObjectsV2';
      }
      if (method === 'POST' && query.has('delete')) return 'DeleteObjects';
      return `${method} bucket`;
    }
    if (method === 'PUT') {
      if (headers['x-amz-copy-source']) return 'CopyObject';
      return query.has('uploadId') ? 'UploadPart' : 'PutObject';
    }
    if (method === 'POST') {
      if (query.has('uploads')) return 'CreateMultipartUpload';
      if (query.has('uploadId')) return 'CompleteMultipartUpload';
    }
    if (method === 'DELETE') {
      return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    }
    if (method === 'GET' && !query.has('uploadId') && !query.has('acl')) {
      return 'GetObject';
    }
    if (method === 'HEAD') return 'HeadObject';
    return `${method} object`;
  }

  private async handle(req: express.Request, res: express.Response) {
    const question = req.url.indexOf('?');
    const rawPath = question < 0 ? req.url : req.url.slice(0, question);
    const query = new URLSearchParams(
      question < 0 ? '' : req.url.slice(question + 1),
    );
    const slash = rawPath.indexOf('/', 1);
    const bucket = decodeSegment(
      slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash),
    );
    const key =
      slash < 0 || slash === rawPath.length - 1
        ? undefined
        : decodeSegment(rawPath.slice(slash + 1));
    const operation = bucket
      ? this.operationOf(req.method, query, key !== undefined, req.headers)
      : `${req.method} service`;
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(',') : String(value),
      ]),
    );
    const inFlight = (this.inFlight.get(operation) ?? 0) + 1;
    this.inFlight.set(operation, inFlight);
    this.peaks.set(
      operation,
      Math.max(this.peaks.get(operation) ?? 0, inFlight),
    );
    let status = 500;
    try {
      if (this.latencyMs > 0) {
        await new Promise(resolve => setTimeout(resolve, this.latencyMs));
      }
      const body = await this.readBody(req);
      try {
        const accessKeyId = verifySigV4(
          { method: req.method, rawUrl: req.originalUrl, headers: req.headers },
          id =>
            this.credentials.find(c => c.accessKeyId === id)?.secretAccessKey,
          this.region,
        );
        this.checkPayload(req, body);
        const readOnly = this.credentials.find(
          c => c.accessKeyId === accessKeyId,
        )?.readOnly;
        status = await this.serve(operation, {
          req,
          res,
          body,
          bucket,
          key,
          query,
          readOnly: readOnly ?? false,
        });
      } catch (error) {
        if (error instanceof SigV4Error) {
          throw new S3FakeError(error.status, error.code, error.message);
        }
        throw error;
      }
    } catch (error) {
      if (!(error instanceof S3FakeError)) throw error;
      status = error.status;
      res.status(error.status);
      res.setHeader('x-amz-request-id', randomBytes(8).toString('hex'));
      if (req.method === 'HEAD') {
        res.end();
      } else {
        res.type('application/xml');
        res.end(
          xmlDocument(
            'Error',
            element('Code', error.code) +
              element('Message', error.message) +
              Object.entries(error.extra)
                .map(([name, value]) => element(name, value))
                .join('') +
              element('Resource', req.originalUrl.split('?')[0]) +
              element('RequestId', randomBytes(8).toString('hex')),
          ),
        );
      }
    } finally {
      this.inFlight.set(operation, (this.inFlight.get(operation) ?? 1) - 1);
      this.calls.push({
        method: req.method,
        operation,
        bucket: bucket || undefined,
        key,
        status,
        headers,
      });
    }
  }

  private objectsOf(bucket: string) {
    const objects = this.state.buckets.get(bucket);
    if (!objects) {
      throw new S3FakeError(
        404,
        'NoSuchBucket',
        'The specified bucket does not exist',
        { BucketName: bucket },
      );
    }
    return objects;
  }

  private uploadOf(bucket: string, key: string, query: URLSearchParams) {
    const upload = this.state.uploads.get(query.get('uploadId') ?? '');
    if (!upload || upload.bucket !== bucket || upload.key !== key) {
      throw new S3FakeError(
        404,
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      );
    }
    return upload;
  }

  private denyWrite(readOnly: boolean) {
    if (readOnly) throw new S3FakeError(403, 'AccessDenied', 'Access Denied');
  }

  /** Answers one authenticated request; returns the status sent. */
  private async serve(
    operation: string,
    request: {
      req: express.Request;
      res: express.Response;
      body: Buffer;
      bucket: string;
      key?: string;
      query: URLSearchParams;
      readOnly: boolean;
    },
  ): Promise<number> {
    const { req, res, body, bucket, query, readOnly } = request;
    const key = request.key ?? '';
    const send = (status: number, xml?: string) => {
      res.status(status);
      res.setHeader('x-amz-request-id', randomBytes(8).toString('hex'));
      if (xml !== undefined) {
        res.type('application/xml');
        res.end(xml);
      } else {
        res.end();
      }
      return status;
    };
    if (!bucket) {
      throw new S3FakeError(
        501,
        'NotImplemented',
        `${operation} is not implemented by this fake`,
      );
    }
    const objects = this.objectsOf(bucket);

    switch (operation) {
      case 'HeadBucket':
        res.setHeader('x-amz-bucket-region', this.region);
        return send(200);

      case 'ListObjectsV2':
        return send(200, this.listObjectsV2(bucket, query));

      case 'DeleteObjects':
        return send(200, this.deleteObjects(objects, req, body, readOnly));

      case 'PutObject': {
        this.denyWrite(readOnly);
        this.state.putObject(bucket, key, body, {
          contentType: req.headers['content-type'],
        });
        res.setHeader('ETag', this.state.getObject(bucket, key)!.etag);
        return send(200);
      }

      case 'CreateMultipartUpload': {
        this.denyWrite(readOnly);
        const uploadId = randomBytes(24).toString('base64url');
        this.state.uploads.set(uploadId, {
          bucket,
          key,
          initiated: new Date(),
          contentType: req.headers['content-type'] ?? 'binary/octet-stream',
          parts: new Map(),
        });
        return send(
          200,
          xmlDocument(
            'InitiateMultipartUploadResult',
            element('Bucket', bucket) +
              element('Key', key) +
              element('UploadId', uploadId),
          ),
        );
      }

      case 'UploadPart': {
        this.denyWrite(readOnly);
        const upload = this.uploadOf(bucket, key, query);
        const partNumber = Number(query.get('partNumber'));
        if (
          !Number.isInteger(partNumber) ||
          partNumber < 1 ||
          partNumber > 10_000
        ) {
          throw new S3FakeError(
            400,
            'InvalidArgument',
            'Part number must be an integer between 1 and 10000, inclusive',
          );
        }
        const etag = md5Etag(body);
        upload.parts.set(partNumber, { body, etag });
        res.setHeader('ETag', etag);
        return send(200);
      }

      case 'CompleteMultipartUpload': {
        this.denyWrite(readOnly);
        const upload = this.uploadOf(bucket, key, query);
        const parsed = parseXml(body)?.CompleteMultipartUpload;
        const listed: Array<{ PartNumber?: string; ETag?: string }> =
          parsed?.Part ?? [];
        if (listed.length === 0) {
          throw new S3FakeError(
            400,
            'MalformedXML',
            'The XML you provided was not well-formed or did not validate against our published schema.',
          );
        }
        const numbers = listed.map(part => Number(part.PartNumber));
        if (numbers.some((number, i) => i > 0 && !(number > numbers[i - 1]))) {
          throw new S3FakeError(
            400,
            'InvalidPartOrder',
            'The list of parts was not in ascending order. Parts must be ordered by part number.',
          );
        }
        const parts = listed.map((part, index) => {
          const stored = upload.parts.get(numbers[index]);
          const etag = `"${String(part.ETag ?? '').replace(/"/g, '')}"`;
          if (!stored || stored.etag !== etag) {
            throw new S3FakeError(
              400,
              'InvalidPart',
              "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
            );
          }
          return stored;
        });
        if (
          parts.some(
            (part, i) =>
              i < parts.length - 1 && part.body.length < MIN_PART_BYTES,
          )
        ) {
          throw new S3FakeError(
            400,
            'EntityTooSmall',
            'Your proposed upload is smaller than the minimum allowed object size.',
          );
        }
        const md5s = Buffer.concat(
          parts.map(part => Buffer.from(part.etag.replace(/"/g, ''), 'hex')),
        );
        const etag = `"${createHash('md5').update(md5s).digest('hex')}-${
          parts.length
        }"`;
        this.state.putObject(
          bucket,
          key,
          Buffer.concat(parts.map(part => part.body)),
          { etag, contentType: upload.contentType },
        );
        this.state.uploads.delete(query.get('uploadId')!);
        return send(
          200,
          xmlDocument(
            'CompleteMultipartUploadResult',
            element(
              'Location',
              `${req.protocol}://${req.get('host')}${
                req.originalUrl.split('?')[0]
              }`,
            ) +
              element('Bucket', bucket) +
              element('Key', key) +
              element('ETag', etag),
          ),
        );
      }

      case 'AbortMultipartUpload': {
        this.denyWrite(readOnly);
        this.uploadOf(bucket, key, query);
        this.state.uploads.delete(query.get('uploadId')!);
        return send(204);
      }

      case 'DeleteObject': {
        this.denyWrite(readOnly);
        objects.delete(key);
        return send(204);
      }

      case 'GetObject':
      case 'HeadObject': {
        const object = objects.get(key);
        if (!object) {
          throw new S3FakeError(
            404,
            'NoSuchKey',
            'The specified key does not exist.',
            { Key: key },
          );
        }
        res.setHeader('Content-Type', object.contentType);
        res.setHeader('ETag', object.etag);
        res.setHeader('Last-Modified', object.lastModified.toUTCString());
        res.setHeader('Accept-Ranges', 'bytes');
        const size = object.body.length;
        const range = /^bytes=(\d*)-(\d*)$/.exec(
          String(req.headers.range ?? ''),
        );
        let start = 0;
        let end = size - 1;
        let status = 200;
        if (range && operation === 'GetObject' && (range[1] || range[2])) {
          if (range[1]) {
            start = Number(range[1]);
            end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
          } else {
            start = Math.max(size - Number(range[2]), 0);
          }
          if (start >= size || start > end || (!range[1] && range[2] === '0')) {
            res.setHeader('Content-Range', `bytes */${size}`);
            throw new S3FakeError(
              416,
              'InvalidRange',
              'The requested range is not satisfiable',
              {
                RangeRequested: String(req.headers.range),
                ActualObjectSize: String(size),
              },
            );
          }
          status = 206;
          res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
        }
        res.setHeader('Content-Length', String(end - start + 1));
        res.status(status);
        if (operation === 'HeadObject') {
          res.end();
        } else {
          res.end(object.body.subarray(start, end + 1));
        }
        return status;
      }

      default:
        throw new S3FakeError(
          501,
          'NotImplemented',
          `${operation} is not implemented by this fake`,
        );
    }
  }

  private listObjectsV2(bucket: string, query: URLSearchParams) {
    if (query.has('delimiter')) {
      throw new S3FakeError(
        501,
        'NotImplemented',
        'ListObjectsV2 with a delimiter is not implemented by this fake',
      );
    }
    const prefix = query.get('prefix') ?? '';
    const maxKeysText = query.get('max-keys');
    const maxKeys = maxKeysText === null ? MAX_KEYS : Number(maxKeysText);
    if (!Number.isInteger(maxKeys) || maxKeys < 0) {
      throw new S3FakeError(
        400,
        'InvalidArgument',
        'Provided max-keys not an integer or within integer range',
      );
    }
    const limit = Math.min(maxKeys, MAX_KEYS);
    const token = query.get('continuation-token');
    const startAfter = query.get('start-after') ?? undefined;
    const after = token !== null ? afterKeyOf(token) : startAfter ?? '';
    const keys = this.state
      .keys(bucket, prefix)
      .filter(k => compareKeys(k, after) > 0);
    const page = keys.slice(0, limit);
    const truncated = limit > 0 && keys.length > page.length;
    const urlEncoded = query.get('encoding-type') === 'url';
    const name = (text: string) =>
      urlEncoded ? encodeURIComponent(text).replace(/%2F/g, '/') : text;
    const contents = page
      .map(k => {
        const object = this.state.getObject(bucket, k)!;
        return `<Contents>${
          element('Key', name(k)) +
          element('LastModified', object.lastModified.toISOString()) +
          element('ETag', object.etag) +
          element('Size', object.body.length) +
          element('StorageClass', 'STANDARD')
        }</Contents>`;
      })
      .join('');
    return xmlDocument(
      'ListBucketResult',
      element('Name', bucket) +
        element('Prefix', name(prefix)) +
        element('StartAfter', startAfter && name(startAfter)) +
        element('ContinuationToken', token ?? undefined) +
        element('KeyCount', page.length) +
        element('MaxKeys', limit) +
        element('EncodingType', urlEncoded ? 'url' : undefined) +
        element('IsTruncated', truncated) +
        element(
          'NextContinuationToken',
          truncated ? continuationToken(page[page.length - 1]) : undefined,
        ) +
        contents,
    );
  }

  private deleteObjects(
    objects: Map<string, unknown>,
    req: express.Request,
    body: Buffer,
    readOnly: boolean,
  ) {
    if (typeof req.headers['content-md5'] !== 'string') {
      throw new S3FakeError(
        400,
        'MissingContentMD5',
        'Missing required header for this request: Content-Md5.',
      );
    }
    const parsed = parseXml(body)?.Delete;
    const listed: Array<{ Key?: string }> = parsed?.Object ?? [];
    if (listed.length === 0 || listed.length > MAX_KEYS) {
      throw new S3FakeError(
        400,
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema.',
      );
    }
    const quiet = String(parsed.Quiet ?? 'false').toLowerCase() === 'true';
    let result = '';
    for (const { Key } of listed) {
      const key = String(Key ?? '');
      if (readOnly) {
        result += `<Error>${
          element('Key', key) +
          element('Code', 'AccessDenied') +
          element('Message', 'Access Denied')
        }</Error>`;
      } else {
        objects.delete(key);
        if (!quiet) result += `<Deleted>${element('Key', key)}</Deleted>`;
      }
    }
    return xmlDocument('DeleteResult', result);
  }
}
