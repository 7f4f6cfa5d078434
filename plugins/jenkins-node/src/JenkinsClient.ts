import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { ExternalApiMetrics } from '@internal/backend-common';
import {
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { Readable } from 'node:stream';
import {
  JenkinsInstance,
  readJenkinsInstances,
  selectJenkinsInstance,
} from './JenkinsInstances';

/** Where a job lives: an instance and the job's full name, `folder/job`. */
export type JenkinsJobLocation = {
  instance: JenkinsInstance;
  jobFullName: string;
};

/** Fields of a build in lists (one `tree` for every list, so answers are shared). */
export const BUILD_SUMMARY_TREE =
  'number,url,result,building,duration,estimatedDuration,timestamp,displayName,queueId,' +
  'actions[parameters[name,value],causes[_class,shortDescription,userId,userName],' +
  'lastBuiltRevision[SHA1,branch[name]],failCount,skipCount,totalCount],' +
  'changeSets[items[commitId,msg,author[fullName],timestamp]],changeSet[items[commitId,msg,author[fullName],timestamp]]';

const BUILD_DETAIL_TREE = `${BUILD_SUMMARY_TREE},artifacts[fileName,relativePath]`;

const PARAMETERS_TREE =
  'property[parameterDefinitions[name,type,description,choices,defaultParameterValue[value]]]';

const JOB_TREE = `name,fullName,displayName,description,url,buildable,color,inQueue,nextBuildNumber,${PARAMETERS_TREE}`;

export type JenkinsRawBuild = {
  _class?: string;
  number: number;
  url?: string;
  result?: string | null;
  building?: boolean;
  duration?: number;
  estimatedDuration?: number;
  timestamp?: number;
  displayName?: string;
  queueId?: number;
  actions?: Array<Record<string, any> | null>;
  changeSets?: Array<{ items?: any[] }>;
  changeSet?: { items?: any[] };
  artifacts?: Array<{ fileName: string; relativePath: string }>;
};

export type JenkinsRawJob = {
  _class?: string;
  name?: string;
  fullName?: string;
  displayName?: string;
  description?: string | null;
  url?: string;
  buildable?: boolean;
  color?: string;
  inQueue?: boolean;
  nextBuildNumber?: number;
  property?: Array<{ _class?: string; parameterDefinitions?: any[] }>;
  builds?: JenkinsRawBuild[];
  jobs?: JenkinsRawJob[];
};

/** A job `listJobs` found; `url` is built from the configured base URL. */
export type JenkinsJobListItem = {
  fullName: string;
  url: string;
  /** Jenkins' `_class`, e.g. `org.jenkinsci.plugins.workflow.job.WorkflowJob`. */
  class?: string;
};

/** Folder levels `listJobs` reads by default (the root's items are level 1). */
export const DEFAULT_JOB_LIST_DEPTH = 4;
/** Items per folder `listJobs` reads by default. */
export const DEFAULT_JOB_LIST_PER_FOLDER = 500;
/** Folders `listJobs` opens at most by default (one call each). */
export const DEFAULT_JOB_LIST_MAX_FOLDERS = 100;

/** Folders `listJobs` reads at the same time. */
const JOB_LIST_CONCURRENCY = 4;

/**
 * Item groups `listJobs` opens: CloudBees folders and organization folders (GitHub, Bitbucket,
 * ...). Multibranch projects are item groups too, but an entity names the project, not a branch.
 */
const FOLDER_CLASSES =
  /^(com\.cloudbees\.hudson\.plugins\.folder\.Folder|jenkins\.branch\.OrganizationFolder)$/;

export type JenkinsRawStageView = {
  id: string;
  status: string;
  startTimeMillis?: number;
  durationMillis?: number;
  stages?: Array<{
    id: string;
    name: string;
    status: string;
    startTimeMillis?: number;
    durationMillis?: number;
  }>;
};

export type JenkinsRawQueueItem = {
  _class?: string;
  id: number;
  why?: string | null;
  cancelled?: boolean;
  executable?: { number: number; url?: string } | null;
  /** The job the item builds; `url` is absolute, under Jenkins' own root URL. */
  task?: { name?: string; url?: string } | null;
};

/** The most console text one `getProgressiveText` answer carries, by default (1 MiB). */
export const DEFAULT_JENKINS_CONSOLE_CHUNK_BYTES = 1024 * 1024;

/**
 * Whether a queue item builds the job `jobFullName`: its `task.url` must end in exactly that
 * job's `/job/a/job/b/` path (segments compared decoded, since Jenkins encodes names its own
 * way), with no further `job/x` before it, and `task.name`, when given, is the last segment.
 * Jenkins' root URL may differ from Comet's configured base URL, so the prefix is not compared.
 */
export function queueItemBelongsTo(
  item: JenkinsRawQueueItem,
  jobFullName: string,
): boolean {
  const url = item.task?.url;
  if (!url) return false;
  let segments: string[];
  try {
    segments = new URL(url, 'http://jenkins.invalid/').pathname
      .split('/')
      .filter(Boolean)
      .map(segment => decodeURIComponent(segment));
  } catch {
    return false;
  }
  const names = jobFullName.split('/');
  const tail = names.flatMap(name => ['job', name]);
  if (segments.length < tail.length) return false;
  const prefix = segments.slice(0, segments.length - tail.length);
  if (tail.some((segment, i) => segments[prefix.length + i] !== segment)) {
    return false;
  }
  // `/job/x/job/a/job/b/` is the job x/a/b, not a/b
  if (prefix.length >= 2 && prefix[prefix.length - 2] === 'job') return false;
  const name = item.task?.name;
  return name === undefined || name === names[names.length - 1];
}

/** The longest prefix of `bytes` that ends on a UTF-8 character boundary. */
function utf8Prefix(bytes: Buffer, maxBytes: number): Buffer {
  let end = Math.min(maxBytes, bytes.length);
  if (end === bytes.length) return bytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/** `job/a/job/b` with every segment URL-encoded, so a name never becomes a path. */
export function jobPath(jobFullName: string): string {
  return jobFullName
    .split('/')
    .map(segment => `/job/${encodeURIComponent(segment)}`)
    .join('');
}

/** The job's page on its instance, built from the configured base URL (not Jenkins' own idea of its URL). */
export function jobUrl(instance: JenkinsInstance, jobFullName: string) {
  return `${instance.baseUrl}${jobPath(jobFullName)}/`;
}

type RequestOptions = {
  method?: 'GET' | 'POST';
  query?: Record<string, string | number | undefined>;
  body?: string;
  contentType?: string;
  /** Statuses the caller handles itself instead of an error. */
  accept?: number[];
  /** Reuse a cached answer younger than the cache TTL (GET only). */
  cache?: boolean;
};

type CachedResponse = { status: number; headers: Headers; text: string };

/** A successful answer whose body is still unread; `abort()` stops it. */
type OpenResponse = {
  status: number;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
  abort(reason?: Error): void;
};

export type JenkinsClientOptions = {
  logger: LoggerService;
  /** The instances `instance()` chooses from (calls take an instance each). */
  instances?: JenkinsInstance[];
  timeoutMs?: number;
  maxRetries?: number;
  cacheTtlMs?: number;
  /** The most console text one progressive read returns (default 1 MiB). */
  consoleChunkBytes?: number;
  /** `comet.external.*` metrics of every call (system `jenkins`, per instance). */
  metrics?: ExternalApiMetrics;
};

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Jenkins' REST API (`api/json` with `tree=`) over fetch, for every configured instance:
 * a timeout on every call, retries of GETs with backoff on 429/5xx that honour Retry-After
 * (never of POSTs: a POST that may have reached Jenkins is not repeated, so a build never
 * starts twice), CSRF
 * crumbs for POSTs, a short cache that also coalesces identical concurrent GETs, and errors
 * that name the instance and the URL path (never credentials). Redirects are not followed,
 * so nothing reaches a host other than the configured instance.
 */
export class JenkinsClient {
  private readonly cache = new Map<
    string,
    { expires: number; response: Promise<CachedResponse> }
  >();
  private readonly crumbs = new Map<
    string,
    Promise<{ field: string; crumb: string } | undefined>
  >();
  /** Calls made to Jenkins since start, per instance (for the benchmark and metrics). */
  readonly callCounts = new Map<string, number>();

  /**
   * The client of the configured instances (`jenkins.instances` or the single-instance
   * shorthand), with `jenkins.requestTimeoutSeconds`, `jenkins.maxRetries` and
   * `jenkins.cacheTtlSeconds`.
   */
  static fromConfig(
    config: Config,
    options: { logger: LoggerService },
  ): JenkinsClient {
    return new JenkinsClient({
      logger: options.logger,
      instances: readJenkinsInstances(config),
      timeoutMs:
        (config.getOptionalNumber('jenkins.requestTimeoutSeconds') ?? 10) *
        1000,
      maxRetries: config.getOptionalNumber('jenkins.maxRetries') ?? 2,
      cacheTtlMs:
        (config.getOptionalNumber('jenkins.cacheTtlSeconds') ?? 5) * 1000,
      consoleChunkBytes:
        config.getOptionalNumber('jenkins.consoleChunkBytes') ??
        DEFAULT_JENKINS_CONSOLE_CHUNK_BYTES,
      metrics: ExternalApiMetrics.forRootService('jenkins'),
    });
  }

  static create(options: JenkinsClientOptions) {
    return new JenkinsClient(options);
  }

  private constructor(private readonly options: JenkinsClientOptions) {}

  /** The configured instances; empty when Jenkins is not configured. */
  get instances(): readonly JenkinsInstance[] {
    return this.options.instances ?? [];
  }

  /**
   * The named instance, or without a name the default one (`default`, else the only one);
   * see `selectJenkinsInstance`.
   */
  instance(name?: string): JenkinsInstance {
    return selectJenkinsInstance(this.instances, name);
  }

  get totalCalls() {
    let total = 0;
    for (const count of this.callCounts.values()) total += count;
    return total;
  }

  /**
   * Forgets cached answers of an instance, after a trigger, abort or new job: a folder's or
   * multibranch project's answer embeds its jobs' builds, so the whole instance goes.
   */
  invalidate(instance: JenkinsInstance) {
    const prefix = `${instance.name}|`;
    for (const key of this.cache.keys()) {
      if (key.startsWith(prefix)) this.cache.delete(key);
    }
  }

  /** A job with its builds `{from,to}` and, for folders and multibranch projects, its jobs with theirs. */
  async getJobWithBuilds(
    location: JenkinsJobLocation,
    range: { from: number; to: number },
  ): Promise<JenkinsRawJob> {
    const { instance, jobFullName } = location;
    const builds = `builds[${BUILD_SUMMARY_TREE}]`;
    const tree =
      `_class,${JOB_TREE},${builds}{${range.from},${range.to}},` +
      `jobs[_class,name,fullName,displayName,url,color,buildable,${builds}{0,${range.to}}]{0,${instance.projectCountLimit}}`;
    return this.getJson(instance, `${jobPath(jobFullName)}/api/json`, { tree });
  }

  async getJob(location: JenkinsJobLocation): Promise<JenkinsRawJob> {
    const { instance, jobFullName } = location;
    return this.getJson(instance, `${jobPath(jobFullName)}/api/json`, {
      tree: `_class,${JOB_TREE},jobs[_class,name,fullName,url]{0,${instance.projectCountLimit}}`,
    });
  }

  /**
   * The jobs an entity can name: the root's items and those of its folders (organization
   * folders included), one `api/json` call per folder, down to `depth` levels and at most
   * `maxFolders` folders, `perFolder` items each. Multibranch projects are listed as
   * themselves and not opened (their branch jobs are not read); plain folders are opened, not
   * listed. `truncated` says that Jenkins holds more than was read.
   */
  async listJobs(
    instance: JenkinsInstance,
    options: { depth?: number; perFolder?: number; maxFolders?: number } = {},
  ): Promise<{ jobs: JenkinsJobListItem[]; truncated: boolean }> {
    const depth = Math.max(1, options.depth ?? DEFAULT_JOB_LIST_DEPTH);
    const perFolder = Math.max(
      1,
      options.perFolder ?? DEFAULT_JOB_LIST_PER_FOLDER,
    );
    const maxFolders = Math.max(
      0,
      options.maxFolders ?? DEFAULT_JOB_LIST_MAX_FOLDERS,
    );
    const tree = `jobs[_class,name]{0,${perFolder}}`;
    const jobs: JenkinsJobListItem[] = [];
    let truncated = false;
    let opened = 0;
    let level: Array<string | undefined> = [undefined];
    for (let current = 1; level.length > 0; current++) {
      const answers: Array<{ folder?: string; items: JenkinsRawJob[] }> = [];
      // A few folders at a time, so a wide level does not flood Jenkins
      for (let i = 0; i < level.length; i += JOB_LIST_CONCURRENCY) {
        answers.push(
          ...(await Promise.all(
            level.slice(i, i + JOB_LIST_CONCURRENCY).map(async folder => {
              const answer = await this.getJson<JenkinsRawJob>(
                instance,
                folder === undefined
                  ? '/api/json'
                  : `${jobPath(folder)}/api/json`,
                { tree },
              );
              return { folder, items: answer.jobs ?? [] };
            }),
          )),
        );
      }
      const next: string[] = [];
      for (const { folder, items } of answers) {
        if (items.length >= perFolder) truncated = true;
        for (const item of items) {
          if (typeof item.name !== 'string' || item.name === '') continue;
          const fullName = folder ? `${folder}/${item.name}` : item.name;
          const kind = item._class ?? '';
          if (FOLDER_CLASSES.test(kind)) {
            if (current >= depth || opened >= maxFolders) truncated = true;
            else {
              opened++;
              next.push(fullName);
            }
          } else {
            jobs.push({
              fullName,
              url: jobUrl(instance, fullName),
              ...(kind ? { class: kind } : {}),
            });
          }
        }
      }
      level = next;
    }
    return { jobs, truncated };
  }

  async getBuild(
    location: JenkinsJobLocation,
    buildNumber: number,
  ): Promise<JenkinsRawBuild> {
    const { instance, jobFullName } = location;
    return this.getJson(
      instance,
      `${jobPath(jobFullName)}/${buildNumber}/api/json`,
      {
        tree: BUILD_DETAIL_TREE,
      },
    );
  }

  /** The Pipeline stage view, or undefined for jobs that are not Pipelines. */
  async getStageView(
    location: JenkinsJobLocation,
    buildNumber: number,
  ): Promise<JenkinsRawStageView | undefined> {
    const { instance, jobFullName } = location;
    const response = await this.send(
      instance,
      `${jobPath(jobFullName)}/${buildNumber}/wfapi/describe`,
      {
        accept: [404],
        cache: true,
      },
    );
    if (response.status === 404) return undefined;
    return this.parseJson(
      instance,
      `${jobPath(jobFullName)}/${buildNumber}/wfapi/describe`,
      response.text,
    );
  }

  /** The failed test cases of a build's JUnit report, or undefined without one. */
  async getTestReport(location: JenkinsJobLocation, buildNumber: number) {
    const { instance, jobFullName } = location;
    const path = `${jobPath(jobFullName)}/${buildNumber}/testReport/api/json`;
    const response = await this.send(instance, path, {
      query: {
        tree: 'failCount,passCount,skipCount,duration,suites[name,cases[className,name,status,errorDetails,duration]]',
      },
      accept: [404],
      cache: true,
    });
    if (response.status === 404) return undefined;
    return this.parseJson<{
      failCount: number;
      passCount: number;
      skipCount: number;
      duration?: number;
      suites?: Array<{
        name: string;
        cases?: Array<{
          className: string;
          name: string;
          status: string;
          errorDetails?: string | null;
          duration?: number;
        }>;
      }>;
    }>(instance, path, response.text);
  }

  /**
   * Console text from byte `start` (`logText/progressiveText`); never cached. Jenkins sends
   * everything from `start` on, so at most `consoleChunkBytes` (1 MiB) of it is read, cut on a
   * character boundary, and the rest left unread: `nextStart` is where the next read resumes,
   * and `truncated` says there is more to read right away.
   */
  async getProgressiveText(
    location: JenkinsJobLocation,
    buildNumber: number,
    start: number,
  ): Promise<{
    text: string;
    nextStart: number;
    more: boolean;
    truncated: boolean;
    /** Where the console ends now (Jenkins' `X-Text-Size`), also when the chunk was cut. */
    textSize?: number;
  }> {
    const { instance, jobFullName } = location;
    const maxBytes =
      this.options.consoleChunkBytes ?? DEFAULT_JENKINS_CONSOLE_CHUNK_BYTES;
    const response = await this.open(
      instance,
      `${jobPath(jobFullName)}/${buildNumber}/logText/progressiveText`,
      { query: { start } },
    );
    const chunks: Buffer[] = [];
    let read = 0;
    let truncated = false;
    const reader = response.body?.getReader();
    try {
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(Buffer.from(value));
        read += value.byteLength;
        if (read > maxBytes) {
          truncated = true;
          break;
        }
      }
    } finally {
      if (truncated) await reader?.cancel().catch(() => undefined);
      response.abort();
    }
    const bytes = utf8Prefix(Buffer.concat(chunks), maxBytes);
    const size = response.headers.get('x-text-size');
    let nextStart = start + bytes.length;
    if (!truncated && size !== null && Number.isFinite(Number(size))) {
      nextStart = Number(size);
    }
    return {
      text: bytes.toString('utf8'),
      nextStart,
      more: truncated || response.headers.get('x-more-data') === 'true',
      truncated,
      textSize:
        size !== null && Number.isFinite(Number(size))
          ? Number(size)
          : undefined,
    };
  }

  /**
   * The whole console (`consoleText`) as a stream, never held in memory: the caller pipes it
   * on and destroys it to stop. The call times out waiting for Jenkins' answer, and the
   * stream fails when Jenkins sends nothing for as long.
   */
  async streamConsoleText(
    location: JenkinsJobLocation,
    buildNumber: number,
  ): Promise<Readable> {
    const { instance, jobFullName } = location;
    const path = `${jobPath(jobFullName)}/${buildNumber}/consoleText`;
    const response = await this.open(instance, path, { untimedBody: true });
    if (!response.body) return Readable.from([]);
    const idleMs = this.options.timeoutMs ?? 10_000;
    const stream = Readable.fromWeb(response.body as any);
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        const error = new ServiceUnavailableError(
          `Jenkins instance "${instance.name}" sent nothing for ${idleMs} ms while streaming GET ${path}`,
        );
        response.abort(error);
        stream.destroy(error);
      }, idleMs);
    };
    arm();
    stream.on('data', arm);
    stream.on('close', () => {
      clearTimeout(idle);
      response.abort();
    });
    return stream;
  }

  /**
   * Queues a build: `buildWithParameters` when parameters are given, `build` otherwise.
   * Answers with the queue item id from `Location`.
   */
  async triggerBuild(
    location: JenkinsJobLocation,
    parameters?: Record<string, string>,
  ): Promise<{ queueId: number }> {
    const { instance, jobFullName } = location;
    const withParameters =
      parameters !== undefined && Object.keys(parameters).length > 0;
    const path = `${jobPath(jobFullName)}/${
      withParameters ? 'buildWithParameters' : 'build'
    }`;
    const response = await this.send(instance, path, {
      method: 'POST',
      body: withParameters
        ? new URLSearchParams(parameters).toString()
        : undefined,
      contentType: withParameters
        ? 'application/x-www-form-urlencoded'
        : undefined,
    });
    this.invalidate(instance);
    const match = /\/queue\/item\/(\d+)\/?$/.exec(
      response.headers.get('location') ?? '',
    );
    if (!match) {
      throw new ServiceUnavailableError(
        `Jenkins instance "${instance.name}" queued POST ${path} but sent no queue item location (HTTP ${response.status})`,
      );
    }
    return { queueId: Number(match[1]) };
  }

  /**
   * A queue item of the job at `location`, or undefined when Jenkins has none with that id
   * or the item builds another job: queue ids are global to an instance, so an id alone
   * must not reach another job's item.
   */
  async getQueueItem(
    location: JenkinsJobLocation,
    queueId: number,
  ): Promise<JenkinsRawQueueItem | undefined> {
    const { instance, jobFullName } = location;
    const path = `/queue/item/${queueId}/api/json`;
    const response = await this.send(instance, path, {
      query: { tree: 'id,why,cancelled,executable[number,url],task[name,url]' },
      accept: [404],
    });
    if (response.status === 404) return undefined;
    const item = this.parseJson<JenkinsRawQueueItem>(
      instance,
      path,
      response.text,
    );
    return queueItemBelongsTo(item, jobFullName) ? item : undefined;
  }

  async abortBuild(location: JenkinsJobLocation, buildNumber: number) {
    const { instance, jobFullName } = location;
    await this.send(instance, `${jobPath(jobFullName)}/${buildNumber}/stop`, {
      method: 'POST',
    });
    this.invalidate(instance);
  }

  async getConfigXml(location: JenkinsJobLocation) {
    const { instance, jobFullName } = location;
    return (await this.send(instance, `${jobPath(jobFullName)}/config.xml`))
      .text;
  }

  /** Creates a job from a config.xml, at the root or in a folder. */
  async createJob(options: {
    instance: JenkinsInstance;
    folderFullName?: string;
    name: string;
    configXml: string;
  }) {
    const { instance, folderFullName, name, configXml } = options;
    const path = `${folderFullName ? jobPath(folderFullName) : ''}/createItem`;
    const response = await this.send(instance, path, {
      method: 'POST',
      query: { name },
      body: configXml,
      contentType: 'application/xml',
      accept: [400],
    });
    if (response.status === 400) {
      throw new InputError(
        `Jenkins instance "${
          instance.name
        }" refused to create "${name}" at POST ${path}: ${
          response.headers.get('x-error') ?? 'bad request'
        }`,
      );
    }
    this.invalidate(instance);
  }

  private async getJson<T>(
    instance: JenkinsInstance,
    path: string,
    query: Record<string, string>,
  ): Promise<T> {
    const response = await this.send(instance, path, { query, cache: true });
    return this.parseJson<T>(instance, path, response.text);
  }

  private parseJson<T>(
    instance: JenkinsInstance,
    path: string,
    text: string,
  ): T {
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ServiceUnavailableError(
        `Jenkins instance "${instance.name}" answered GET ${path} with something that is not JSON; is ${instance.baseUrl} a Jenkins?`,
      );
    }
  }

  private async crumbOf(instance: JenkinsInstance) {
    if (!instance.crumbIssuer) return undefined;
    let crumb = this.crumbs.get(instance.name);
    if (!crumb) {
      crumb = (async () => {
        const response = await this.send(instance, '/crumbIssuer/api/json', {
          query: { tree: 'crumb,crumbRequestField' },
          accept: [404],
        });
        // No crumb issuer: CSRF protection is off on that Jenkins.
        if (response.status === 404) return undefined;
        const body = this.parseJson<{
          crumb: string;
          crumbRequestField: string;
        }>(instance, '/crumbIssuer/api/json', response.text);
        return { field: body.crumbRequestField, crumb: body.crumb };
      })();
      this.crumbs.set(instance.name, crumb);
      crumb.catch(() => this.crumbs.delete(instance.name));
    }
    return crumb;
  }

  private async send(
    instance: JenkinsInstance,
    path: string,
    options: RequestOptions = {},
  ): Promise<CachedResponse> {
    const method = options.method ?? 'GET';
    const url = new URL(`${instance.baseUrl}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    // Defense in depth: the path is built from encoded segments, so this never fails.
    const base = new URL(`${instance.baseUrl}/`);
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) {
      throw new InputError(
        `Refusing a Jenkins path outside instance "${instance.name}": ${path}`,
      );
    }
    const ttl = this.options.cacheTtlMs ?? 5000;
    if (method === 'GET' && options.cache && ttl > 0) {
      const key = `${instance.name}|${url.href}`;
      const cached = this.cache.get(key);
      if (cached && cached.expires > Date.now()) return cached.response;
      const response = this.fetchWithRetries(instance, url, method, options);
      this.cache.set(key, { expires: Date.now() + ttl, response });
      response.catch(() => this.cache.delete(key));
      if (this.cache.size > 2000) {
        const now = Date.now();
        for (const [k, v] of this.cache)
          if (v.expires <= now) this.cache.delete(k);
      }
      return response;
    }
    return this.fetchWithRetries(instance, url, method, options);
  }

  private async fetchWithRetries(
    instance: JenkinsInstance,
    url: URL,
    method: 'GET' | 'POST',
    options: RequestOptions,
  ): Promise<CachedResponse> {
    const response = await this.fetchOpen(instance, url, method, options);
    try {
      const text = response.body
        ? await new Response(response.body).text().catch(() => '')
        : '';
      return { status: response.status, headers: response.headers, text };
    } finally {
      response.abort();
    }
  }

  /**
   * A GET whose successful body the caller reads (and must end with `abort()`). The call's
   * timeout also covers reading the body, unless `untimedBody` (the caller times it).
   */
  private async open(
    instance: JenkinsInstance,
    path: string,
    options: RequestOptions & { untimedBody?: boolean } = {},
  ): Promise<OpenResponse> {
    const url = new URL(`${instance.baseUrl}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return this.fetchOpen(instance, url, 'GET', options, options.untimedBody);
  }

  /**
   * One call with its retries, up to a successful (or accepted) status; the body is left
   * unread. The timeout runs until `abort()`, or only until the headers with `untimedBody`.
   */
  private async fetchOpen(
    instance: JenkinsInstance,
    url: URL,
    method: 'GET' | 'POST',
    options: RequestOptions,
    untimedBody = false,
  ): Promise<OpenResponse> {
    const maxRetries = this.options.maxRetries ?? 2;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const where = `${method} ${url.pathname.slice(
      new URL(`${instance.baseUrl}/`).pathname.length - 1,
    )}`;
    // A POST may have started a build even when the answer is an error or never came
    const notRepeated =
      method === 'POST'
        ? '; Comet does not repeat it, since Jenkins may have acted on it: check the job before trying again'
        : '';
    let crumbRefreshed = false;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {
        ...instance.extraRequestHeaders,
        Authorization: `Basic ${Buffer.from(
          `${instance.username}:${instance.apiKey}`,
        ).toString('base64')}`,
        Accept: 'application/json, text/plain, */*',
      };
      if (options.contentType) headers['Content-Type'] = options.contentType;
      if (method === 'POST') {
        const crumb = await this.crumbOf(instance);
        if (crumb) headers[crumb.field] = crumb.crumb;
      }
      this.callCounts.set(
        instance.name,
        (this.callCounts.get(instance.name) ?? 0) + 1,
      );
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      const abort = (reason?: Error) => {
        clearTimeout(timer);
        controller.abort(reason);
      };
      let response: Response;
      const started = performance.now();
      try {
        response = await fetch(url, {
          method,
          headers,
          body: options.body,
          redirect: 'manual',
          signal: controller.signal,
        });
      } catch (error) {
        clearTimeout(timer);
        this.options.metrics?.call({
          instance: instance.name,
          failure: timedOut ? 'timeout' : 'network',
          durationMs: performance.now() - started,
        });
        const err = error as Error & {
          cause?: { code?: string; message?: string };
        };
        const reason = timedOut
          ? `no answer within ${timeoutMs} ms`
          : err.cause?.code ?? err.cause?.message ?? err.message;
        if (attempt < maxRetries && method === 'GET') {
          await sleep(this.backoff(attempt));
          continue;
        }
        throw new ServiceUnavailableError(
          `Jenkins instance "${instance.name}" is unreachable: ${where} failed (${reason})${notRepeated}`,
        );
      }
      const { status } = response;
      this.options.metrics?.call({
        instance: instance.name,
        status,
        durationMs: performance.now() - started,
      });
      if (options.accept?.includes(status) || (status >= 200 && status < 400)) {
        // A streamed body may take long; its reader times it instead
        if (untimedBody) clearTimeout(timer);
        return {
          status,
          headers: response.headers,
          body: response.body,
          abort,
        };
      }
      const text = await response.text().catch(() => '');
      abort();
      if (
        status === 403 &&
        method === 'POST' &&
        /crumb/i.test(text) &&
        !crumbRefreshed
      ) {
        // Jenkins refused the stale crumb before acting on the request: safe to send again
        crumbRefreshed = true;
        this.crumbs.delete(instance.name);
        attempt--;
        continue;
      }
      const retryable =
        method === 'GET' &&
        (status === 429 ||
          status === 500 ||
          status === 502 ||
          status === 503 ||
          status === 504);
      if (retryable && attempt < maxRetries) {
        const retryAfterHeader = response.headers.get('retry-after');
        const retryAfter = Number(retryAfterHeader ?? NaN);
        const wait =
          retryAfterHeader && Number.isFinite(retryAfter) && retryAfter >= 0
            ? retryAfter * 1000
            : this.backoff(attempt);
        if (wait <= 30_000) {
          if (status === 429 || retryAfterHeader) {
            this.options.metrics?.rateLimitWait(instance.name, wait);
          }
          this.options.logger.info(
            `Jenkins instance "${instance.name}" answered ${where} with HTTP ${status}; retrying in ${wait} ms`,
          );
          await sleep(wait);
          continue;
        }
      }
      const failure = this.errorFor(instance, where, status);
      if (notRepeated && (status === 429 || status >= 500)) {
        failure.message += notRepeated;
      }
      throw failure;
    }
  }

  private backoff(attempt: number) {
    return Math.min(5000, 250 * 2 ** attempt) + Math.floor(Math.random() * 100);
  }

  private errorFor(
    instance: JenkinsInstance,
    where: string,
    status: number,
  ): Error {
    const name = `Jenkins instance "${instance.name}"`;
    switch (status) {
      case 401:
        return new ServiceUnavailableError(
          `${name} rejected the credentials of user "${instance.username}" (HTTP 401) for ${where}: the API token (apiKey of instance "${instance.name}" in jenkins.instances) is wrong or expired`,
        );
      case 403:
        return new NotAllowedError(
          `${name} denied user "${instance.username}" (HTTP 403) for ${where}: the API token is wrong or the user lacks the Jenkins permission for this`,
        );
      case 404:
        return new NotFoundError(`${name} has nothing at ${where} (HTTP 404)`);
      case 429:
        return new ServiceUnavailableError(
          `${name} is rate limiting Comet (HTTP 429) for ${where}; try again later`,
        );
      default:
        return new ServiceUnavailableError(
          `${name} failed (HTTP ${status}) for ${where}`,
        );
    }
  }
}
