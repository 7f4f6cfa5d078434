import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { ServiceUnavailableError } from '@backstage/errors';
import type {
  PipelineArtifact,
  PipelineArtifactStore,
} from '@internal/plugin-pipelines-node';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  artifactPathSegments,
  isSafeArtifactSegment,
} from '@internal/plugin-pipelines-node';
import { idSegment } from './artifactKeys';
import {
  readS3ArtifactConfig,
  S3_ARTIFACTS_CONFIG_KEY,
  S3ArtifactConfig,
} from './S3ArtifactConfig';

/** S3 deletes at most this many keys per DeleteObjects request. */
const DELETE_BATCH = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const STAGING_FOLDER_PREFIX = 'comet-s3-artifacts-';

export type S3ArtifactStoreOptions = {
  client: S3Client;
  bucket: string;
  /** Ends with `/`. */
  prefix: string;
  /** For messages: the server the client talks to (absent: AWS S3). */
  endpoint?: string;
  region?: string;
  /** Whether credentials came from config (otherwise the SDK's default chain), for messages. */
  credentialsFromConfig?: boolean;
  logger: LoggerService;
  /** Objects under the prefix older than this are deleted by {@link S3ArtifactStore.deleteExpired}. */
  retentionDays?: number;
  /** Now, for retention. */
  clock?: () => Date;
  /** Where staging folders are made. Default: the OS's temp folder; from config `<pipelines.dataDir>/artifacts-staging`. */
  stagingRoot?: string;
  /** Files larger than this are uploaded in parts of this size (at least 5 MiB). Default 8 MiB. */
  partSizeBytes?: number;
  /** Files uploaded at once per job. Default 4. */
  fileConcurrency?: number;
  /** Parts of one file uploaded at once. Default 2. */
  partConcurrency?: number;
};

type StagedFile = { relativePath: string; fullPath: string; size: number };

/**
 * Computes Content-MD5 for DeleteObjects in place of the CRC32 checksum headers the SDK adds
 * since 2025: S3 requires one of them, and many S3-compatible servers (older MinIO, Ceph RGW,
 * and others) know only Content-MD5. It runs before signing, so the signature covers it.
 */
function contentMd5ForDeleteObjects(client: S3Client) {
  client.middlewareStack.add(
    (next: any, context: any) => async (args: any) => {
      const request = args.request as
        | { headers?: Record<string, string>; body?: unknown }
        | undefined;
      if (
        context.commandName === 'DeleteObjectsCommand' &&
        request?.headers &&
        (typeof request.body === 'string' || Buffer.isBuffer(request.body))
      ) {
        for (const header of Object.keys(request.headers)) {
          if (/^x-amz-(sdk-)?checksum-/i.test(header)) {
            delete request.headers[header];
          }
        }
        request.headers['content-md5'] = createHash('md5')
          .update(request.body)
          .digest('base64');
      }
      return next(args);
    },
    // Low priority in the build step: after the SDK's checksum middleware added its headers
    { step: 'build', priority: 'low', name: 'cometContentMd5ForDeleteObjects' },
  );
  return client;
}

/** Runs `task` for every item, at most `limit` at a time; the first failure rejects. */
async function forEachLimited<T>(
  items: T[],
  limit: number,
  task: (item: T) => Promise<void>,
) {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await task(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  const rejected = results.find(
    (result): result is PromiseRejectedResult => result.status === 'rejected',
  );
  if (rejected) throw rejected.reason;
}

/** Regular files under `dir`, and what is left out (links, special files, unusable names). */
async function stagedFiles(dir: string) {
  const files: StagedFile[] = [];
  const skipped: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await fs.readdir(folder, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const fullPath = path.join(folder, entry.name);
      const relativePath = path
        .relative(dir, fullPath)
        .split(path.sep)
        .join('/');
      if (entry.isDirectory()) {
        await walk(fullPath);
      } else if (entry.isFile() && artifactPathSegments(relativePath)) {
        files.push({
          relativePath,
          fullPath,
          size: (await fs.lstat(fullPath)).size,
        });
      } else {
        skipped.push(relativePath);
      }
    }
  };
  await walk(dir);
  return { files, skipped };
}

function errorFields(error: unknown) {
  const e = (error ?? {}) as {
    name?: string;
    code?: string;
    Code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  return {
    code: e.Code ?? (e.name && e.name !== 'Error' ? e.name : e.code) ?? 'Error',
    errno: e.code,
    status: e.$metadata?.httpStatusCode,
    message: e.message ?? String(error),
  };
}

const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'TimeoutError',
  'RequestTimeout',
]);

const NETWORK_ERROR_IN_TEXT =
  /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)\b/;

/**
 * Pipeline artifacts in S3-compatible object storage, at `<prefix><runId>/<jobRunId>/<path>`
 * (ids as the local store names its folders). A job's artifacts are copied to a local staging
 * folder first and uploaded by `commit()`, large files in parts; reads stream the object.
 */
export class S3ArtifactStore implements PipelineArtifactStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly endpoint?: string;
  private readonly region?: string;
  private readonly credentialsFromConfig: boolean;
  private readonly logger: LoggerService;
  private readonly clock: () => Date;
  private readonly stagingRoot: string;
  private readonly partSizeBytes: number;
  private readonly fileConcurrency: number;
  private readonly partConcurrency: number;
  readonly retentionDays?: number;

  /** The store `pipelines.artifacts.s3` describes, or undefined when its bucket is not set. */
  static fromConfig(
    config: Config,
    options: Pick<S3ArtifactStoreOptions, 'logger' | 'clock' | 'stagingRoot'>,
  ): S3ArtifactStore | undefined {
    const settings = readS3ArtifactConfig(config);
    if (!settings) return undefined;
    // Next to the workspaces the files come from (pipelines.dataDir, as the plugin reads it)
    const dataDir = path.resolve(
      config.getOptionalString('pipelines.dataDir') ??
        path.join(process.cwd(), '.data', 'pipelines'),
    );
    return S3ArtifactStore.create({
      stagingRoot: path.join(dataDir, 'artifacts-staging'),
      ...options,
      client: S3ArtifactStore.createClient(settings),
      bucket: settings.bucket,
      prefix: settings.prefix,
      endpoint: settings.endpoint,
      region: settings.region,
      credentialsFromConfig: settings.credentials !== undefined,
      retentionDays: settings.retentionDays,
    });
  }

  static create(options: S3ArtifactStoreOptions): S3ArtifactStore {
    return new S3ArtifactStore(options);
  }

  /**
   * The SDK client for the settings. Checksums only where the S3 API requires them: since 2025
   * the SDK adds CRC32 checksums to every upload by default (with `aws-chunked` trailers for
   * streams), which many S3-compatible servers refuse.
   */
  static createClient(settings: S3ArtifactConfig): S3Client {
    return contentMd5ForDeleteObjects(
      new S3Client({
        region: settings.region,
        endpoint: settings.endpoint,
        forcePathStyle: settings.forcePathStyle,
        credentials: settings.credentials,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 3,
        requestHandler: {
          connectionTimeout: 10_000,
          // Idle time of the socket, also while a download is streamed to its reader
          requestTimeout: 120_000,
        },
      }),
    );
  }

  private constructor(options: S3ArtifactStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.endpoint = options.endpoint;
    this.region = options.region;
    this.credentialsFromConfig = options.credentialsFromConfig ?? false;
    this.logger = options.logger;
    this.retentionDays = options.retentionDays;
    this.clock = options.clock ?? (() => new Date());
    this.stagingRoot = options.stagingRoot ?? os.tmpdir();
    this.partSizeBytes = Math.max(
      options.partSizeBytes ?? 8 * 1024 * 1024,
      5 * 1024 * 1024,
    );
    this.fileConcurrency = Math.max(options.fileConcurrency ?? 4, 1);
    this.partConcurrency = Math.max(options.partConcurrency ?? 2, 1);
  }

  /** Where the artifacts go, for log lines: bucket, server and prefix (no credentials). */
  get location(): string {
    return `${this.bucketDescription()} under ${JSON.stringify(this.prefix)}`;
  }

  private bucketDescription() {
    return this.endpoint
      ? `bucket "${this.bucket}" at ${this.endpoint}`
      : `bucket "${this.bucket}" (AWS S3, ${this.region ?? 'default region'})`;
  }

  private runPrefix(runId: string) {
    return `${this.prefix}${idSegment(runId)}/`;
  }

  /** An error naming the bucket, the server, what failed and the config key to fix. */
  private failure(action: string, error: unknown): ServiceUnavailableError {
    const { code, errno, status, message } = errorFields(error);
    const key = (name: string) => `${S3_ARTIFACTS_CONFIG_KEY}.${name}`;
    // Node's own code, or its text once the SDK wrapped an error from another realm
    const networkCode =
      [errno, code].find(c => c !== undefined && NETWORK_ERRORS.has(c)) ??
      NETWORK_ERROR_IN_TEXT.exec(message)?.[1];
    let reason: string;
    if (code === 'NoSuchBucket' || (code === 'NotFound' && status === 404)) {
      reason = `the bucket does not exist (${code}): create it, or fix ${key(
        'bucket',
      )}`;
    } else if (
      code === 'InvalidAccessKeyId' ||
      code === 'SignatureDoesNotMatch'
    ) {
      reason = `the server refused the credentials (${code}): check ${key(
        'accessKeyId',
      )} and ${key('secretAccessKey')}${
        this.credentialsFromConfig
          ? ''
          : " (not set, so the AWS SDK's default credentials were used)"
      }`;
    } else if (code === 'AccessDenied') {
      reason = `access denied (${code}): the credentials need read, write, list and delete access to ${JSON.stringify(
        `${this.prefix}*`,
      )} in the bucket (${
        this.credentialsFromConfig
          ? key('accessKeyId')
          : "the AWS SDK's default credentials"
      })`;
    } else if (status === 403) {
      // A HEAD answer has no body to say why
      reason = `the server answered 403 Forbidden: check ${key(
        'accessKeyId',
      )}, ${key('secretAccessKey')} and their access to the bucket`;
    } else if (
      code === 'PermanentRedirect' ||
      code === 'AuthorizationHeaderMalformed' ||
      status === 301
    ) {
      reason = `the bucket is in another region (${code}): check ${key(
        'region',
      )}`;
    } else if (code === 'CredentialsProviderError') {
      reason = `no credentials: set ${key('accessKeyId')} and ${key(
        'secretAccessKey',
      )}, or give the backend AWS credentials (environment, profile, role)`;
    } else if (networkCode) {
      reason = `cannot reach ${
        this.endpoint ?? 'AWS S3'
      } (${networkCode}): check ${key('endpoint')} and the network`;
    } else {
      reason = `${code}${status ? ` (HTTP ${status})` : ''}: ${message}`;
    }
    return new ServiceUnavailableError(
      `S3 artifact store, ${this.bucketDescription()}: ${action} failed: ${reason}`,
    );
  }

  async stage(runId: string, jobRunId: string) {
    await fs.mkdir(this.stagingRoot, { recursive: true });
    const dir = await fs.mkdtemp(
      path.join(this.stagingRoot, STAGING_FOLDER_PREFIX),
    );
    const jobPrefix = `${this.runPrefix(runId)}${idSegment(jobRunId)}/`;
    return {
      dir,
      commit: async () => {
        try {
          await this.uploadStaged(
            dir,
            jobPrefix,
            `run ${runId} job ${jobRunId}`,
          );
        } finally {
          await fs.rm(dir, { recursive: true, force: true });
        }
      },
    };
  }

  private async uploadStaged(dir: string, jobPrefix: string, job: string) {
    let staged: Awaited<ReturnType<typeof stagedFiles>>;
    try {
      staged = await stagedFiles(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // committed already
      throw error;
    }
    if (staged.skipped.length > 0) {
      const shown = staged.skipped.slice(0, 10).map(p => JSON.stringify(p));
      this.logger.warn(
        `Artifacts of ${job} not kept in S3 (only regular files with plain names are): ${shown.join(
          ', ',
        )}${staged.skipped.length > 10 ? ', …' : ''}`,
      );
    }
    await forEachLimited(staged.files, this.fileConcurrency, async file => {
      const key = `${jobPrefix}${file.relativePath}`;
      // Never through a link that replaced the file since it was listed
      const handle = await fs.open(
        file.fullPath,
        constants.O_RDONLY | constants.O_NOFOLLOW,
      );
      const body = handle.createReadStream();
      const upload = new Upload({
        client: this.client,
        params: {
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentLength: file.size,
        },
        partSize: this.partSizeBytes,
        queueSize: this.partConcurrency,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } catch (error) {
        throw this.failure(`uploading ${key}`, error);
      } finally {
        body.destroy(); // closes the file also when the upload stopped early
      }
    });
  }

  /** Every object under `prefix`, in key order, paging ListObjectsV2. */
  private async *objects(prefix: string, action: string) {
    let continuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ContinuationToken: continuationToken,
          }),
        );
      } catch (error) {
        throw this.failure(action, error);
      }
      yield* page.Contents ?? [];
      continuationToken = page.IsTruncated
        ? page.NextContinuationToken
        : undefined;
    } while (continuationToken);
  }

  async list(runId: string): Promise<PipelineArtifact[]> {
    const runPrefix = this.runPrefix(runId);
    const result: PipelineArtifact[] = [];
    for await (const object of this.objects(
      runPrefix,
      `listing ${runPrefix}`,
    )) {
      const rest = object.Key?.slice(runPrefix.length) ?? '';
      const slash = rest.indexOf('/');
      const jobRunId = rest.slice(0, slash);
      const artifactPath = rest.slice(slash + 1);
      // Only what read() can give back: a job folder and a plain relative path
      if (
        slash > 0 &&
        isSafeArtifactSegment(jobRunId) &&
        artifactPathSegments(artifactPath)
      ) {
        result.push({ jobRunId, path: artifactPath, size: object.Size ?? 0 });
      }
    }
    return result;
  }

  async read(runId: string, jobRunId: string, relativePath: string) {
    const segments = artifactPathSegments(relativePath);
    if (!segments) return undefined;
    // idSegment never gives "", "." or ".." nor a "/", and the path's segments are checked:
    // the key is always inside the job's prefix
    const key = `${this.runPrefix(runId)}${idSegment(jobRunId)}/${segments.join(
      '/',
    )}`;
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      return {
        stream: object.Body as NodeJS.ReadableStream,
        size: object.ContentLength ?? 0,
      };
    } catch (error) {
      if (errorFields(error).code === 'NoSuchKey') return undefined;
      throw this.failure(`reading ${key}`, error);
    }
  }

  /** Deletes, 1,000 keys a request, the objects under `prefix` that `select` picks. */
  private async deleteUnder(
    prefix: string,
    action: string,
    select: (object: _Object) => boolean,
  ): Promise<number> {
    let batch: string[] = [];
    let deleted = 0;
    const flush = async () => {
      const keys = batch;
      batch = [];
      if (keys.length === 0) return;
      let result;
      try {
        result = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: keys.map(Key => ({ Key })), Quiet: true },
          }),
        );
      } catch (error) {
        throw this.failure(action, error);
      }
      const errors = result.Errors ?? [];
      deleted += keys.length - errors.length;
      if (errors.length > 0) {
        const [first] = errors;
        throw new ServiceUnavailableError(
          `S3 artifact store, ${this.bucketDescription()}: ${action} failed: ${
            errors.length
          } of ${keys.length} objects were not deleted, e.g. ${JSON.stringify(
            first.Key,
          )}: ${first.Code} ${first.Message ?? ''}`.trim(),
        );
      }
    };
    // Deleting what a page listed does not disturb the next page: the continuation token
    // says where the listing stands by key
    for await (const object of this.objects(prefix, action)) {
      if (object.Key && select(object)) {
        batch.push(object.Key);
        if (batch.length === DELETE_BATCH) await flush();
      }
    }
    await flush();
    return deleted;
  }

  async delete(runId: string): Promise<void> {
    const runPrefix = this.runPrefix(runId);
    await this.deleteUnder(runPrefix, `deleting ${runPrefix}`, () => true);
  }

  /**
   * Retention by age: deletes the objects under the prefix last modified more than
   * `retentionDays` ago; returns how many. Nothing without `retentionDays`.
   */
  async deleteExpired(): Promise<number> {
    if (!this.retentionDays) return 0;
    const cutoff = this.clock().getTime() - this.retentionDays * DAY_MS;
    return this.deleteUnder(
      this.prefix,
      `deleting artifacts older than ${this.retentionDays} days under ${this.prefix}`,
      object =>
        object.LastModified !== undefined &&
        object.LastModified.getTime() < cutoff,
    );
  }

  /**
   * Removes staging folders older than `maxAgeMs`: left by a backend that stopped mid-upload,
   * or by a job whose artifacts could not be collected (then nothing commits them).
   */
  async removeStaleStaging(maxAgeMs = DAY_MS): Promise<number> {
    let entries: string[];
    try {
      entries = await fs.readdir(this.stagingRoot);
    } catch {
      return 0; // nothing staged yet
    }
    const cutoff = Date.now() - maxAgeMs;
    let removed = 0;
    for (const entry of entries) {
      if (!entry.startsWith(STAGING_FOLDER_PREFIX)) continue;
      const folder = path.join(this.stagingRoot, entry);
      const stat = await fs.lstat(folder).catch(() => undefined);
      if (stat?.isDirectory() && stat.mtimeMs < cutoff) {
        await fs.rm(folder, { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }

  /** Checks that the bucket can be reached with the credentials (HeadBucket). */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw this.failure('checking the bucket', error);
    }
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }
}
