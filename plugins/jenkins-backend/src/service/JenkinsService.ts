import type {
  AuditorService,
  BackstageCredentials,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import {
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  callerResourceFilter,
  audited,
  EntityAccess,
  EntityPermission,
  ResourceScopes,
  ScopeFamily,
} from '@internal/backend-common';
import {
  JENKINS_ANNOTATION,
  JENKINS_CONFIG_KEY,
  JENKINS_MAX_BUILD_OFFSET,
  JenkinsBuild,
  jenkinsBuildAbortPermission,
  jenkinsBuildReadPermission,
  JenkinsBuildSummary,
  jenkinsBuildTriggerPermission,
  JenkinsEntityBuildsResponse,
  JenkinsEntityJob,
  JenkinsEntityJobsResponse,
  JenkinsJob,
  JenkinsJobProblem,
  JenkinsJobRef,
  JenkinsLogChunk,
  JenkinsTriggerResult,
  instanceNamedBy,
  jobFullNameProblem,
  parseJenkinsAnnotation,
  splitJenkinsJobRef,
  stringifyJenkinsJobRef,
} from '@internal/plugin-jenkins-common';
import {
  JenkinsClient,
  JenkinsInstance,
  JenkinsJobLocation,
  JenkinsRawJob,
  selectJenkinsInstance,
} from '@internal/plugin-jenkins-node';
import {
  changesOf,
  jobUrl,
  safeDecode,
  toBuildSummary,
  toJob,
  toStages,
} from './mapping';

/** Entities may point one instance's jobs at another Jenkins, if the instance allows it. */
export const JENKINS_OVERRIDE_BASE_URL_ANNOTATION =
  'jenkins.io/override-base-url';

export const JENKINS_NOT_CONFIGURED_MESSAGE = `Jenkins is not configured: set ${JENKINS_CONFIG_KEY} (name, baseUrl, username, apiKey) in app-config.yaml to turn it on`;

type AuditContext = { request?: any };

/** A job `searchJobs` found, and how `jenkins.io/job-full-name` names it. */
export type JenkinsJobChoice = {
  /** The job's full name on its instance, `folder/job`. */
  fullName: string;
  /** Its page, from the instance's configured base URL. */
  url: string;
  instance: string;
  /** As the annotation writes it: `fullName` on the default instance, else `instance:fullName`. */
  ref: string;
};

/** The most jobs `searchJobs` answers with. */
export const MAX_JOB_SEARCH_LIMIT = 100;

/** Builds fetched per job for first pages, whatever the page size up to 20. */
const SHARED_BUILD_WINDOW = 21;

/** A job of the entity, resolved to a configured instance. */
type EntityJob = JenkinsJobRef & {
  location?: JenkinsJobLocation;
  problem?: JenkinsJobProblem;
};

function problemOf(error: unknown): JenkinsJobProblem {
  const err = error as Error;
  return { name: err?.name ?? 'Error', message: String(err?.message ?? error) };
}

/**
 * What the REST API, the actions and the CI/CD provider share: every call resolves the
 * entity with the caller's credentials (so nobody sees more than the catalog shows them),
 * checks `jenkins.build.read`, `jenkins.build.trigger` or `jenkins.build.abort` on it, and only reaches jobs the
 * entity's annotation names (or the branch jobs of an annotated multibranch project).
 */
export class JenkinsService {
  private readonly access: EntityAccess;

  constructor(
    private readonly options: {
      client: JenkinsClient;
      instances: JenkinsInstance[];
      catalog: CatalogService;
      permissions: PermissionsService;
      auditor: AuditorService;
      triggerWaitMs?: number;
      /** How long an entity and the caller's decisions on it are reused (default 5 s). */
      accessCacheTtlMs?: number;
      /** Which jobs each owner group's entities may name (`comet.resourceScopes`); none: any. */
      scopes?: ResourceScopes;
      /** The caller's groups, whose scopes narrow `searchJobs` while scopes are configured. */
      userInfo?: UserInfoService;
    },
  ) {
    this.access = EntityAccess.create({
      catalog: options.catalog,
      permissions: options.permissions,
      cacheTtlMs: options.accessCacheTtlMs,
    });
  }

  /** Jenkins as `comet.resourceScopes` sees it: `[instance:]folder/job`. */
  private readonly scopeFamily: ScopeFamily = {
    id: 'jenkins',
    annotation: JENKINS_ANNOTATION,
    instanceSeparator: ':',
    defaultInstance: () =>
      selectJenkinsInstance(this.options.instances, undefined).name,
  };

  get configured() {
    return this.options.instances.length > 0;
  }

  get instanceNames() {
    return this.options.instances.map(i => i.name);
  }

  private requireConfigured() {
    if (!this.configured) {
      throw new ServiceUnavailableError(JENKINS_NOT_CONFIGURED_MESSAGE);
    }
  }

  /**
   * The entity, when the caller has `permission` on it: one catalog read and one permission
   * request, reused for a few seconds for reads; builds are triggered and stopped only after
   * asking afresh.
   */
  private permitted(
    credentials: BackstageCredentials,
    entityRef: string,
    permission: EntityPermission,
  ) {
    return this.access.entity(credentials, entityRef, {
      require: [permission],
      fresh: permission !== jenkinsBuildReadPermission,
    });
  }

  private instanceFor(
    ref: JenkinsJobRef,
    entity: Entity,
  ): JenkinsJobLocation | JenkinsJobProblem {
    const named = instanceNamedBy(ref);
    let instance: JenkinsInstance | undefined;
    if (named === undefined) {
      // No instance named: `default`, else the only one (selectInstance's rule)
      try {
        instance = selectJenkinsInstance(this.options.instances, undefined);
      } catch (error) {
        return problemOf(error);
      }
    } else {
      instance = this.options.instances.find(i => i.name === named);
    }
    if (instance && this.options.scopes) {
      const refusal = this.options.scopes.refusal(entity, this.scopeFamily, {
        instance: instance.name,
        name: ref.jobFullName,
        source: ref.source,
      });
      if (refusal) return { name: 'NotAllowedError', message: refusal };
    }
    if (!instance) {
      return {
        name: 'InputError',
        message: `${JENKINS_ANNOTATION} entry "${
          ref.source
        }" names the Jenkins instance "${
          ref.instance
        }", which is not in ${JENKINS_CONFIG_KEY} (configured: ${this.instanceNames.join(
          ', ',
        )})`,
      };
    }
    const override =
      entity.metadata.annotations?.[JENKINS_OVERRIDE_BASE_URL_ANNOTATION];
    if (override) {
      const normalized = override.replace(/\/+$/, '');
      if (!instance.allowedBaseUrlOverride?.test(normalized)) {
        return {
          name: 'NotAllowedError',
          message: `${JENKINS_OVERRIDE_BASE_URL_ANNOTATION} "${override}" is not allowed by allowedBaseUrlOverrideRegex of Jenkins instance "${instance.name}"`,
        };
      }
      return {
        instance: { ...instance, baseUrl: normalized },
        jobFullName: ref.jobFullName,
      };
    }
    return { instance, jobFullName: ref.jobFullName };
  }

  /** The entity, checked for `permission`, with its annotated jobs resolved to instances. */
  private async entityJobs(
    credentials: BackstageCredentials,
    entityRef: string,
    permission: EntityPermission,
  ): Promise<{
    entityRef: string;
    jobs: EntityJob[];
    annotationError?: string;
  }> {
    const { entity, entityRef: ref } = await this.permitted(
      credentials,
      entityRef,
      permission,
    );
    const value = entity.metadata.annotations?.[JENKINS_ANNOTATION];
    if (value === undefined) {
      return {
        entityRef: ref,
        jobs: [],
        annotationError: `${ref} has no ${JENKINS_ANNOTATION} annotation`,
      };
    }
    const parsed = parseJenkinsAnnotation(value);
    if (!parsed.ok)
      return { entityRef: ref, jobs: [], annotationError: parsed.error };
    return {
      entityRef: ref,
      jobs: parsed.jobs.map(job => {
        const resolved = this.instanceFor(job, entity);
        // A job is known by the instance it resolved to, also when the entry named none
        return 'instance' in resolved && typeof resolved.instance === 'object'
          ? {
              ...job,
              instance: resolved.instance.name,
              location: resolved as JenkinsJobLocation,
            }
          : { ...job, problem: resolved as JenkinsJobProblem };
      }),
    };
  }

  /**
   * Resolves `[instance:]folder/job` from a request (the annotation's syntax; no instance is
   * the default one): it must be an annotated job or a job directly inside an annotated folder
   * or multibranch project.
   */
  private async resolveJob(
    credentials: BackstageCredentials,
    entityRef: string,
    jobRef: string,
    permission: EntityPermission,
  ): Promise<{ entityRef: string; location: JenkinsJobLocation }> {
    this.requireConfigured();
    const {
      entityRef: ref,
      jobs,
      annotationError,
    } = await this.entityJobs(credentials, entityRef, permission);
    if (annotationError) throw new InputError(annotationError);
    const split = splitJenkinsJobRef(jobRef);
    const { jobFullName } = split;
    if (jobRef.trim().startsWith(':') || !jobFullName) {
      throw new InputError(
        `job "${jobRef}" must be [instance:]folder/job, e.g. payments/payments-api or default:payments/payments-api`,
      );
    }
    const instance =
      split.instance ??
      selectJenkinsInstance(this.options.instances, undefined).name;
    for (const job of jobs) {
      if (job.instance !== instance) continue;
      const child = jobFullName.startsWith(`${job.jobFullName}/`)
        ? jobFullName.slice(job.jobFullName.length + 1)
        : undefined;
      const matches =
        jobFullName === job.jobFullName ||
        // A branch job name is Jenkins' URL-encoded branch name, e.g. feature%2Fx; it is one
        // encoded path segment, so only "." and ".." and control characters need refusing.
        (child !== undefined &&
          !child.includes('/') &&
          child !== '.' &&
          child !== '..' &&
          ![...child].some(c => c.charCodeAt(0) < 0x20));
      if (!matches) continue;
      if (job.problem) {
        throw job.problem.name === 'NotAllowedError'
          ? new NotAllowedError(job.problem.message)
          : new InputError(job.problem.message);
      }
      return {
        entityRef: ref,
        location: { instance: job.location!.instance, jobFullName },
      };
    }
    const problem = jobFullNameProblem(jobFullName);
    throw new NotFoundError(
      `${ref} has no Jenkins job ${jobRef}${
        problem ? ` (${problem})` : ''
      }; its ${JENKINS_ANNOTATION} is ${jobs.map(j => j.source).join(',')}`,
    );
  }

  /** Builds of one job, or of every branch job (newest first) for folders and multibranch projects. */
  private async buildsOf(
    location: JenkinsJobLocation,
    options: { offset: number; limit: number; branch?: string },
  ): Promise<{
    raw: JenkinsRawJob;
    job: JenkinsJob;
    builds: JenkinsBuildSummary[];
    nextOffset?: number;
  }> {
    const { instance, jobFullName } = location;
    if (options.offset > JENKINS_MAX_BUILD_OFFSET) {
      throw new InputError(
        `offset must be at most ${JENKINS_MAX_BUILD_OFFSET}: Comet does not page deeper into a job's builds; older builds are in Jenkins`,
      );
    }
    // One window for the card (1 build), the tab (10) and the CI/CD list (20): they share a
    // cached answer, so an entity page visit costs one Jenkins call per job.
    const to = Math.max(
      options.offset + options.limit + 1,
      SHARED_BUILD_WINDOW,
    );
    const raw = await this.options.client.getJobWithBuilds(location, {
      from: options.offset,
      to,
    });
    const job = toJob(instance, jobFullName, raw);
    let builds: JenkinsBuildSummary[];
    let hasMore: boolean;
    if (job.kind === 'multibranch' || job.kind === 'folder') {
      const merged = (raw.jobs ?? [])
        .filter(
          child =>
            !options.branch ||
            safeDecode(String(child.name)) === options.branch,
        )
        .flatMap(child =>
          (child.builds ?? []).map(build =>
            toBuildSummary(
              instance,
              `${jobFullName}/${child.name}`,
              build,
              job.kind === 'multibranch'
                ? safeDecode(String(child.name))
                : undefined,
            ),
          ),
        )
        .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
      hasMore = merged.length > options.offset + options.limit;
      builds = merged.slice(options.offset, options.offset + options.limit);
    } else {
      const all = (raw.builds ?? []).map(build =>
        toBuildSummary(instance, jobFullName, build),
      );
      const filtered = options.branch
        ? all.filter(b => b.branch === options.branch)
        : all;
      hasMore = all.length > options.limit;
      builds = filtered.slice(0, options.limit);
    }
    const next = options.offset + options.limit;
    return {
      raw,
      job,
      builds,
      // No page past the deepest offset: it would be refused
      nextOffset:
        hasMore && next <= JENKINS_MAX_BUILD_OFFSET ? next : undefined,
    };
  }

  /** Every annotated job of the entity with its latest builds; problems are per job. */
  async listEntityJobs(
    credentials: BackstageCredentials,
    query: { entityRef: string; limit?: number; branch?: string },
  ): Promise<JenkinsEntityJobsResponse> {
    if (!this.configured) {
      // Still check the caller may look at the entity before saying anything about it.
      await this.permitted(
        credentials,
        query.entityRef,
        jenkinsBuildReadPermission,
      );
      return { configured: false, message: JENKINS_NOT_CONFIGURED_MESSAGE };
    }
    const { jobs, annotationError } = await this.entityJobs(
      credentials,
      query.entityRef,
      jenkinsBuildReadPermission,
    );
    if (annotationError) {
      return {
        configured: true,
        jobs: [],
        error: { name: 'InputError', message: annotationError },
      };
    }
    const limit = Math.min(Math.max(query.limit ?? 10, 1), 100);
    const results = await Promise.all(
      jobs.map(async (job): Promise<JenkinsEntityJob> => {
        const base = {
          source: job.source,
          jobRef: stringifyJenkinsJobRef(job),
          instance: job.instance,
          jobFullName: job.jobFullName,
          builds: [],
        };
        if (job.problem) return { ...base, error: job.problem };
        try {
          const result = await this.buildsOf(job.location!, {
            offset: 0,
            limit,
            branch: query.branch,
          });
          return {
            ...base,
            job: result.job,
            builds: result.builds,
            nextOffset: result.nextOffset,
          };
        } catch (error) {
          return { ...base, error: this.jobProblem(job, error) };
        }
      }),
    );
    return { configured: true, jobs: results };
  }

  private jobProblem(job: JenkinsJobRef, error: unknown): JenkinsJobProblem {
    const problem = problemOf(error);
    if (problem.name === 'NotFoundError') {
      return {
        name: 'NotFoundError',
        message: `Jenkins instance "${job.instance}" has no job "${job.jobFullName}" (${JENKINS_ANNOTATION} entry "${job.source}"): ${problem.message}`,
      };
    }
    return problem;
  }

  async listBuilds(
    credentials: BackstageCredentials,
    query: {
      entityRef: string;
      job: string;
      offset?: number;
      limit?: number;
      branch?: string;
    },
  ) {
    const { location } = await this.resolveJob(
      credentials,
      query.entityRef,
      query.job,
      jenkinsBuildReadPermission,
    );
    const { job, builds, nextOffset } = await this.buildsOf(location, {
      offset: query.offset ?? 0,
      limit: Math.min(Math.max(query.limit ?? 20, 1), 100),
      branch: query.branch,
    });
    return { job, builds, nextOffset };
  }

  /** Builds of all the entity's jobs, newest first, for the unified CI/CD view. */
  async listEntityBuilds(
    credentials: BackstageCredentials,
    query: { entityRef: string; limit?: number; cursor?: string },
  ): Promise<JenkinsEntityBuildsResponse> {
    this.requireConfigured();
    const { jobs, annotationError } = await this.entityJobs(
      credentials,
      query.entityRef,
      jenkinsBuildReadPermission,
    );
    if (annotationError) throw new InputError(annotationError);
    const limit = Math.min(Math.max(query.limit ?? 20, 1), 200);
    let offset = 0;
    if (query.cursor) {
      offset = Number(
        Buffer.from(query.cursor, 'base64url')
          .toString('utf8')
          .replace(/^o:/, ''),
      );
      if (!Number.isInteger(offset) || offset < 0) {
        throw new InputError(`Invalid cursor ${JSON.stringify(query.cursor)}`);
      }
      if (offset > JENKINS_MAX_BUILD_OFFSET) {
        throw new InputError(
          `cursor points at offset ${offset}; it must be at most ${JENKINS_MAX_BUILD_OFFSET}: Comet does not page deeper into a job's builds; older builds are in Jenkins`,
        );
      }
    }
    const errors: JenkinsEntityBuildsResponse['errors'] = [];
    let more = false;
    const lists = await Promise.all(
      jobs.map(async job => {
        const jobRef = stringifyJenkinsJobRef(job);
        if (job.problem) {
          errors.push({ jobRef, ...job.problem });
          return [];
        }
        try {
          // Each job's newest offset+limit builds are enough to fill this page of the merge.
          const result = await this.buildsOf(job.location!, {
            offset: 0,
            limit: offset + limit,
          });
          if (result.nextOffset !== undefined) more = true;
          return result.builds;
        } catch (error) {
          errors.push({ jobRef, ...this.jobProblem(job, error) });
          return [];
        }
      }),
    );
    const merged = lists
      .flat()
      .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
    const builds = merged.slice(offset, offset + limit);
    const hasNext =
      (merged.length > offset + limit || more) &&
      offset + limit <= JENKINS_MAX_BUILD_OFFSET;
    return {
      builds,
      nextCursor: hasNext
        ? Buffer.from(`o:${offset + limit}`).toString('base64url')
        : undefined,
      errors,
    };
  }

  async getJob(
    credentials: BackstageCredentials,
    query: { entityRef: string; job: string },
  ): Promise<JenkinsJob> {
    const { location } = await this.resolveJob(
      credentials,
      query.entityRef,
      query.job,
      jenkinsBuildReadPermission,
    );
    const raw = await this.options.client.getJob(location);
    return toJob(location.instance, location.jobFullName, raw);
  }

  async getBuild(
    credentials: BackstageCredentials,
    query: { entityRef: string; job: string; number: number },
  ): Promise<JenkinsBuild> {
    const { location } = await this.resolveJob(
      credentials,
      query.entityRef,
      query.job,
      jenkinsBuildReadPermission,
    );
    const { client } = this.options;
    const [raw, stageView] = await Promise.all([
      client.getBuild(location, query.number),
      client.getStageView(location, query.number).catch(() => undefined),
    ]);
    const { instance, jobFullName } = location;
    const summary = toBuildSummary(instance, jobFullName, raw);
    return {
      ...summary,
      queueId: raw.queueId,
      changes: changesOf(raw),
      artifacts: (raw.artifacts ?? []).map(a => ({
        fileName: a.fileName,
        relativePath: a.relativePath,
        url: `${jobUrl(instance, jobFullName)}${
          raw.number
        }/artifact/${a.relativePath
          .split('/')
          .map(encodeURIComponent)
          .join('/')}`,
      })),
      // Only Pipeline jobs have a stage view.
      stages: toStages(stageView),
    };
  }

  async getTestReport(
    credentials: BackstageCredentials,
    query: { entityRef: string; job: string; number: number },
  ) {
    const { location } = await this.resolveJob(
      credentials,
      query.entityRef,
      query.job,
      jenkinsBuildReadPermission,
    );
    const report = await this.options.client.getTestReport(
      location,
      query.number,
    );
    if (!report) {
      throw new NotFoundError(
        `Build #${query.number} of ${query.job} has no test report`,
      );
    }
    const cases = (report.suites ?? []).flatMap(s => s.cases ?? []);
    return {
      passed: report.passCount,
      failed: report.failCount,
      skipped: report.skipCount,
      total: report.passCount + report.failCount + report.skipCount,
      failures: cases
        .filter(c => c.status === 'FAILED' || c.status === 'REGRESSION')
        .slice(0, 100)
        .map(c => ({
          className: c.className,
          name: c.name,
          errorDetails: c.errorDetails ?? undefined,
        })),
    };
  }

  async getLog(
    credentials: BackstageCredentials,
    query: { entityRef: string; job: string; number: number; start?: number },
  ): Promise<JenkinsLogChunk> {
    const { location } = await this.resolveJob(
      credentials,
      query.entityRef,
      query.job,
      jenkinsBuildReadPermission,
    );
    return this.options.client.getProgressiveText(
      location,
      query.number,
      query.start ?? 0,
    );
  }

  /** For the live console: checks the caller once, then reads without re-checking on every poll. */
  async logReader(
    credentials: BackstageCredentials,
    query: { entityRef: string; job: string; number: number },
  ) {
    const { location } = await this.resolveJob(
      credentials,
      query.entityRef,
      query.job,
      jenkinsBuildReadPermission,
    );
    return (start: number) =>
      this.options.client.getProgressiveText(location, query.number, start);
  }

  /** The whole console as a stream (never held in memory), for the download route. */
  async streamConsoleText(
    credentials: BackstageCredentials,
    query: { entityRef: string; job: string; number: number },
  ) {
    const { location } = await this.resolveJob(
      credentials,
      query.entityRef,
      query.job,
      jenkinsBuildReadPermission,
    );
    return this.options.client.streamConsoleText(location, query.number);
  }

  /** Checks given parameters against the job's definitions and converts them to Jenkins' form values. */
  private formParameters(
    job: JenkinsJob,
    given: Record<string, string | number | boolean> | undefined,
  ) {
    if (!given || Object.keys(given).length === 0) {
      return job.parameters.length ? {} : undefined;
    }
    const form: Record<string, string> = {};
    for (const [name, value] of Object.entries(given)) {
      const definition = job.parameters.find(p => p.name === name);
      if (!definition) {
        throw new InputError(
          `${job.jobRef} has no parameter "${name}"; its parameters are ${
            job.parameters.map(p => p.name).join(', ') || 'none'
          }`,
        );
      }
      if (definition.type === 'boolean') {
        if (
          typeof value !== 'boolean' &&
          value !== 'true' &&
          value !== 'false'
        ) {
          throw new InputError(
            `Parameter ${name} of ${job.jobRef} must be true or false`,
          );
        }
        form[name] = String(value);
      } else if (definition.type === 'choice') {
        if (!definition.choices?.includes(String(value))) {
          throw new InputError(
            `Parameter ${name} of ${
              job.jobRef
            } must be one of ${definition.choices?.join(', ')}`,
          );
        }
        form[name] = String(value);
      } else {
        form[name] = String(value);
      }
    }
    return form;
  }

  private async followQueue(
    location: JenkinsJobLocation,
    queueId: number,
  ): Promise<JenkinsTriggerResult> {
    const jobRef = stringifyJenkinsJobRef({
      instance: location.instance.name,
      jobFullName: location.jobFullName,
    });
    const deadline = Date.now() + (this.options.triggerWaitMs ?? 10_000);
    while (Date.now() < deadline) {
      const item = await this.options.client
        .getQueueItem(location, queueId)
        .catch(() => undefined);
      if (item?.cancelled) {
        throw new ServiceUnavailableError(
          `Jenkins instance "${location.instance.name}" cancelled queue item ${queueId} of ${jobRef}`,
        );
      }
      if (item?.executable?.number) {
        return {
          jobRef,
          queueId,
          buildNumber: item.executable.number,
          url: `${jobUrl(location.instance, location.jobFullName)}${
            item.executable.number
          }/`,
        };
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }
    return { jobRef, queueId };
  }

  /** Where a queued build stands: its number once Jenkins started it. */
  async getQueueItem(
    credentials: BackstageCredentials,
    query: { entityRef: string; job: string; queueId: number },
  ) {
    const { location } = await this.resolveJob(
      credentials,
      query.entityRef,
      query.job,
      jenkinsBuildReadPermission,
    );
    // Queue ids are global to an instance: the item must build the job the request named
    const item = await this.options.client.getQueueItem(
      location,
      query.queueId,
    );
    if (!item)
      throw new NotFoundError(
        `Jenkins instance "${location.instance.name}" has no queue item ${query.queueId} of ${query.job}`,
      );
    return {
      queueId: query.queueId,
      why: item.why ?? undefined,
      cancelled: !!item.cancelled,
      buildNumber: item.executable?.number,
    };
  }

  async trigger(
    credentials: BackstageCredentials,
    request: {
      entityRef: string;
      job: string;
      parameters?: Record<string, string | number | boolean>;
    },
    audit: AuditContext = {},
  ): Promise<JenkinsTriggerResult> {
    return audited(
      this.options.auditor,
      {
        eventId: 'build-trigger',
        // Parameter names only: values may be secrets.
        meta: {
          entityRef: request.entityRef,
          job: request.job,
          parameterNames: Object.keys(request.parameters ?? {}),
        },
        request: audit.request,
      },
      async () => {
        const { location } = await this.resolveJob(
          credentials,
          request.entityRef,
          request.job,
          jenkinsBuildTriggerPermission,
        );
        const job = toJob(
          location.instance,
          location.jobFullName,
          await this.options.client.getJob(location),
        );
        if (!job.buildable) {
          throw new InputError(
            `${request.job} is a ${job.kind} and cannot be built; trigger one of its jobs`,
          );
        }
        const { queueId } = await this.options.client.triggerBuild(
          location,
          this.formParameters(job, request.parameters),
        );
        return this.followQueue(location, queueId);
      },
      result => ({
        queueId: result.queueId,
        buildNumber: result.buildNumber ?? null,
      }),
    );
  }

  async abort(
    credentials: BackstageCredentials,
    request: { entityRef: string; job: string; number: number },
    audit: AuditContext = {},
  ) {
    return audited(
      this.options.auditor,
      {
        eventId: 'build-abort',
        meta: {
          entityRef: request.entityRef,
          job: request.job,
          number: request.number,
        },
        request: audit.request,
      },
      async () => {
        const { location } = await this.resolveJob(
          credentials,
          request.entityRef,
          request.job,
          jenkinsBuildAbortPermission,
        );
        await this.options.client.abortBuild(location, request.number);
        return { jobRef: request.job, number: request.number, aborted: true };
      },
    );
  }

  /** Runs a build again with the same parameters (Jenkins' own replay needs a plugin per job type). */
  async rebuild(
    credentials: BackstageCredentials,
    request: { entityRef: string; job: string; number: number },
    audit: AuditContext = {},
  ): Promise<JenkinsTriggerResult> {
    return audited(
      this.options.auditor,
      {
        eventId: 'build-rebuild',
        meta: {
          entityRef: request.entityRef,
          job: request.job,
          number: request.number,
        },
        request: audit.request,
      },
      async () => {
        const { location } = await this.resolveJob(
          credentials,
          request.entityRef,
          request.job,
          jenkinsBuildTriggerPermission,
        );
        const [raw, rawJob] = await Promise.all([
          this.options.client.getBuild(location, request.number),
          this.options.client.getJob(location),
        ]);
        const job = toJob(location.instance, location.jobFullName, rawJob);
        const previous = toBuildSummary(
          location.instance,
          location.jobFullName,
          raw,
        ).parameters;
        // Only parameters the job still defines (passwords are never read back).
        const parameters = Object.fromEntries(
          Object.entries(previous).filter(([name]) =>
            job.parameters.some(p => p.name === name),
          ),
        );
        const { queueId } = await this.options.client.triggerBuild(
          location,
          this.formParameters(job, parameters),
        );
        return this.followQueue(location, queueId);
      },
      result => ({
        queueId: result.queueId,
        buildNumber: result.buildNumber ?? null,
      }),
    );
  }

  /**
   * Jobs of every configured instance (or `instance`) whose full name contains `query`
   * (ignoring case), for a signed-in user: not tied to an entity, so only what the scopes of the
   * caller's groups allow (`comet.resourceScopes`), at most `limit`. An instance that fails is
   * reported in `errors` (by name) while the others answer; a named instance that fails throws.
   */
  async searchJobs(
    credentials: BackstageCredentials,
    request: { instance?: string; query?: string; limit: number },
  ): Promise<{
    jobs: JenkinsJobChoice[];
    truncated: boolean;
    errors: Array<{ instance: string; message: string }>;
  }> {
    this.requireConfigured();
    const allowed = await callerResourceFilter({
      credentials,
      what: 'Listing Jenkins jobs',
      family: this.scopeFamily,
      scopes: this.options.scopes,
      userInfo: this.options.userInfo,
    });
    let instances = this.options.instances;
    if (request.instance !== undefined) {
      const named = instances.find(i => i.name === request.instance);
      if (!named) {
        throw new InputError(
          `instance: "${
            request.instance
          }" is not a Jenkins instance of ${JENKINS_CONFIG_KEY} (configured: ${this.instanceNames.join(
            ', ',
          )})`,
        );
      }
      instances = [named];
    }
    let defaultName: string | undefined;
    try {
      defaultName = selectJenkinsInstance(
        this.options.instances,
        undefined,
      ).name;
    } catch {
      // Several instances, none called default: every ref names its instance
    }
    const needle = request.query?.trim().toLocaleLowerCase('en-US') ?? '';
    const jobs: JenkinsJobChoice[] = [];
    const errors: Array<{ instance: string; message: string }> = [];
    let truncated = false;
    const listed = await Promise.all(
      instances.map(async instance => {
        try {
          return {
            instance,
            ...(await this.options.client.listJobs(instance)),
          };
        } catch (error) {
          if (request.instance !== undefined) throw error;
          errors.push({
            instance: instance.name,
            message: problemOf(error).message,
          });
          return undefined;
        }
      }),
    );
    for (const answer of listed) {
      if (!answer) continue;
      const { instance } = answer;
      truncated ||= answer.truncated;
      for (const job of answer.jobs) {
        if (
          needle &&
          !job.fullName.toLocaleLowerCase('en-US').includes(needle)
        ) {
          continue;
        }
        const ref =
          instance.name === defaultName
            ? job.fullName
            : stringifyJenkinsJobRef({
                instance: instance.name,
                jobFullName: job.fullName,
              });
        if (
          !allowed({ instance: instance.name, name: job.fullName, source: ref })
        ) {
          continue;
        }
        jobs.push({
          fullName: job.fullName,
          url: job.url,
          instance: instance.name,
          ref,
        });
      }
    }
    jobs.sort(
      (a, b) =>
        a.instance.localeCompare(b.instance, 'en-US') ||
        a.fullName.localeCompare(b.fullName, 'en-US'),
    );
    const limit = Math.min(Math.max(1, request.limit), MAX_JOB_SEARCH_LIMIT);
    return {
      jobs: jobs.slice(0, limit),
      truncated: truncated || jobs.length > limit,
      errors,
    };
  }
}
