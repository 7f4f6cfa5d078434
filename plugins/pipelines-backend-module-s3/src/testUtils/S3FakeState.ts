import { createHash } from 'node:crypto';

/** One stored object. */
export type S3FakeObject = {
  body: Buffer;
  /** Quoted, as S3 sends it: `"<md5>"`, or `"<md5 of part md5s>-<parts>"` for multipart. */
  etag: string;
  lastModified: Date;
  contentType: string;
};

/** A multipart upload in progress. */
export type S3FakeUpload = {
  bucket: string;
  key: string;
  initiated: Date;
  contentType: string;
  parts: Map<number, { body: Buffer; etag: string }>;
};

/** Keys compare as S3 lists them: by their UTF-8 bytes. */
export function compareKeys(a: string, b: string) {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function md5Etag(body: Buffer) {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/** What the S3 fake holds; tests seed and inspect it. */
export class S3FakeState {
  readonly buckets = new Map<string, Map<string, S3FakeObject>>();
  readonly uploads = new Map<string, S3FakeUpload>();

  constructor(private readonly now: () => Date) {}

  createBucket(name: string) {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
  }

  /** Stores an object as PutObject does; `lastModified` defaults to the fake's now. */
  putObject(
    bucket: string,
    key: string,
    body: Buffer | string,
    options: { lastModified?: Date; contentType?: string; etag?: string } = {},
  ) {
    const objects = this.buckets.get(bucket);
    if (!objects) throw new Error(`No bucket ${bucket} in the S3 fake`);
    const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
    objects.set(key, {
      body: data,
      etag: options.etag ?? md5Etag(data),
      lastModified: options.lastModified ?? this.now(),
      contentType: options.contentType ?? 'binary/octet-stream',
    });
  }

  getObject(bucket: string, key: string): S3FakeObject | undefined {
    return this.buckets.get(bucket)?.get(key);
  }

  /** The keys of a bucket under `prefix`, in the order S3 lists them. */
  keys(bucket: string, prefix = ''): string[] {
    return [...(this.buckets.get(bucket)?.keys() ?? [])]
      .filter(key => key.startsWith(prefix))
      .sort(compareKeys);
  }
}
