import {
  AuditorService,
  BackstageCredentials,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import type { JsonObject } from '@backstage/types';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  audited,
  EntityAccess,
  EntityPermission,
} from '@internal/backend-common';
import {
  ANNOTATION_SOURCE_LOCATION,
  parsePipeline,
  PipelineDefinition,
  PipelineIssue,
  PipelineLogLine,
  PipelineRun,
  PipelineRunPage,
  PipelineRunStatus,
  pipelinePathsOf,
  pipelinesRunApprovePermission,
  pipelinesRunCancelPermission,
  pipelinesRunCreatePermission,
  pipelinesRunReadPermission,
  TERMINAL_RUN_STATUSES,
} from '@internal/plugin-pipelines-common';
import type {
  PipelineArtifactStore,
  PipelineProvider,
} from '@internal/plugin-pipelines-node';
import {
  artifactPathSegments,
  isSafeArtifactSegment,
  redactUrl,
} from '@internal/plugin-pipelines-node';
import { ApprovalEnvironments } from '../approvals/ApprovalEnvironments';
import { GateDeciders } from '../approvals/GateDeciders';
import { GitPipelineSource } from '../engine/GitPipelineSource';
import type { ActiveRunLimiter } from '../limits/ActiveRunLimiter';
import { jobTimeoutIssues } from '../limits/jobTimeout';
import type { JobTimeoutLimits } from '../limits/limitsConfig';
import { mergeProviderPages } from './mergeProviderPages';
import { PipelineEngine, TriggerRequest } from '../engine/PipelineEngine';
import type { PipelineStore } from '../store/PipelineStore';
import { pipelineFileName } from './pipelineFileName';
import { readPipelineStats } from './pipelineStats';
import { readAtManualRef } from '../secrets/manualRunRef';
import { secretScopeIssues } from '../secrets/jobSecrets';
import { ownerRefsOf } from '../secrets/ownersOfEntity';
import type { SecretScopes } from '../secrets/SecretScopes';

/** The git URL to check out, from `backstage.io/source-location`. */
export function repositoryUrlOf(entity: Entity): string | undefined {
  const location = entity.metadata.annotations?.[ANNOTATION_SOURCE_LOCATION];
  if (!location) return undefined;
  const target = location.replace(/^url:/, '');
  // https://github.com/org/repo/tree/main/path -> https://github.com/org/repo
  const tree =
    /^(https?:\/\/[^/]+\/[^/]+\/[^/]+?)(?:\.git)?\/(?:tree|blob|src)\//.exec(
      target,
    );
  if (tree) return `${tree[1]}.git`;
  return target.replace(/\/$/, '');
}

/**
 * Validation issues as one message, one issue a line: `file:line:column: message (at field)`,
 * for the error of a run whose pipeline file is invalid.
 */
export function formatPipelineIssues(issues: PipelineIssue[]): string {
  return issues
    .map(issue => {
      const where = [issue.file, issue.line, issue.column]
        .filter(part => part !== undefined && part !== '')
        .join(':');
      return `${where ? `${where}: ` : ''}${issue.message}${
        issue.path ? ` (at ${issue.path})` : ''
      }`;
    })
    .join('\n');
}

/** The audit meta of a run the backend started itself; never secrets or the webhook body. */
function eventTriggerMeta(
  request: {
    entityRef: string;
    pipelinePath?: string;
    branch?: string;
    trigger: { type: string; actor?: string };
  },
  audit: { deliveryId?: string },
): JsonObject {
  return {
    entityRef: request.entityRef,
    pipelinePath: request.pipelinePath ?? null,
    branch: request.branch ?? null,
    trigger: request.trigger.type,
    actor: request.trigger.actor ?? null,
    ...(audit.deliveryId ? { deliveryId: audit.deliveryId } : {}),
  };
}

type AuditContext = { request?: any };

/** The gates of a run and every job that needs one of them, directly or through others. */
function jobsFromGates(run: Pick<PipelineRun, 'jobs'>): Set<string> {
  const reached = new Set(
    run.jobs.filter(job => job.approval).map(job => job.jobRunId),
  );
  for (let grew = true; grew; ) {
    grew = false;
    for (const job of run.jobs) {
      if (!reached.has(job.jobRunId) && job.needs.some(n => reached.has(n))) {
        reached.add(job.jobRunId);
        grew = true;
      }
    }
  }
  return reached;
}

/**
 * What the REST API, the actions and the UI share: every call resolves the entity with the
 * caller's credentials (so nobody sees runs of entities the catalog hides from them) and
 * checks the pipelines permission on it.
 */
export class PipelinesService {
  constructor(
    private readonly options: {
      store: PipelineStore;
      engine: PipelineEngine;
      artifacts: PipelineArtifactStore;
      providers: PipelineProvider[];
      catalog: CatalogService;
      permissions: PermissionsService;
      userInfo: UserInfoService;
      auditor: AuditorService;
      source: GitPipelineSource;
      stepTypes: () => string[];
      /** Per step type, the inputs its `with:` must have. */
      requiredInputs?: () => Record<string, string[]>;
      secretNames: () => string[];
      /** The scopes of `pipelines.secrets`, for validation against an entity. */
      secretScopes?: SecretScopes;
      /**
       * How long a caller's read access to an entity (catalog lookup and
       * `pipelines.run.read`) is reused; 0 checks on every request.
       */
      readAccessCacheMs?: number;
      /** `pipelines.limits`: caps on the active runs of a user and of an entity. */
      runLimiter?: ActiveRunLimiter;
      /** `pipelines.jobTimeout`: a job's `timeout` above the maximum is a validation issue. */
      jobTimeout?: JobTimeoutLimits;
      /**
       * `pipelines.environments`: who decides the gates of each environment. Without it no
       * environment is configured (a gate that names one cannot be decided).
       */
      environments?: ApprovalEnvironments;
    },
  ) {
    this.access = EntityAccess.create({
      catalog: options.catalog,
      permissions: options.permissions,
      cacheTtlMs: options.readAccessCacheMs ?? 5000,
    });
    this.gates = new GateDeciders({
      environments:
        options.environments ?? ApprovalEnvironments.fromConfig(undefined),
      userInfo: options.userInfo,
      catalog: options.catalog,
      store: options.store,
    });
  }

  private readonly gates: GateDeciders;

  private readonly access: EntityAccess;

  /**
   * The entity, when the caller may see it in the catalog and read its runs. A list page,
   * its log stream and the live status polls of one user ask this many times a second, and
   * each check is a catalog and a permission request, so an answer is reused for a few
   * seconds (`pipelines.readAccessCacheSeconds`) and concurrent checks share one request.
   * Writes (trigger, cancel, approve) always check afresh.
   */
  private async readableEntity(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<Entity> {
    const { entity } = await this.access.entity(credentials, entityRef, {
      require: [pipelinesRunReadPermission],
    });
    return entity;
  }

  /** The entity, when the caller has `permission` on it, asked afresh: for writes. */
  private permittedAfresh(
    entityRef: string,
    credentials: BackstageCredentials,
    permission: EntityPermission,
  ) {
    return this.access.entity(credentials, entityRef, {
      require: [permission],
      fresh: true,
    });
  }

  private async readableRun(runId: string, credentials: BackstageCredentials) {
    const run = await this.options.store.getRun(runId);
    if (!run) throw new NotFoundError(`No pipeline run ${runId}`);
    await this.readableEntity(run.entityRef, credentials).catch(error => {
      // A run of an entity the caller cannot see does not exist for them; anything else (a
      // refusal, the catalog being down) is what it is.
      if (error.name !== 'NotFoundError') throw error;
      throw new NotFoundError(`No pipeline run ${runId}`);
    });
    return run;
  }

  private actor(credentials: BackstageCredentials) {
    const principal = credentials.principal as {
      type: string;
      userEntityRef?: string;
      subject?: string;
    };
    return principal.userEntityRef ?? principal.subject ?? 'unknown';
  }

  async listRuns(
    credentials: BackstageCredentials,
    query: {
      entityRef: string;
      pipeline?: string;
      branch?: string;
      status?: PipelineRunStatus;
      limit?: number;
      cursor?: string;
    },
  ): Promise<PipelineRunPage> {
    const entity = await this.readableEntity(query.entityRef, credentials);
    const entityRef = stringifyEntityRef(entity);
    return this.options.store.listRuns({
      entityRefs: [entityRef],
      pipeline: query.pipeline,
      branch: query.branch,
      status: query.status,
      limit: Math.min(Math.max(query.limit ?? 20, 1), 200),
      cursor: query.cursor,
    });
  }

  /**
   * Comet runs across every entity the caller may see (`all`), or only those owned by the
   * caller or their groups (`owned`, the global page's default).
   */
  async listRunsAcrossEntities(
    credentials: BackstageCredentials,
    query: {
      scope: 'owned' | 'all';
      pipeline?: string;
      branch?: string;
      status?: PipelineRunStatus;
      limit?: number;
      cursor?: string;
    },
  ): Promise<PipelineRunPage & { entityRefs: string[] }> {
    const withRuns = await this.options.store.listEntityRefsWithRuns();
    let entityRefs: string[] = [];
    if (withRuns.length > 0) {
      const { items } = await this.options.catalog.getEntitiesByRefs(
        {
          entityRefs: withRuns,
          fields: ['kind', 'metadata.name', 'metadata.namespace', 'relations'],
        },
        { credentials },
      );
      let visible = items.filter((e): e is Entity => Boolean(e));
      if (query.scope === 'owned') {
        const owners = new Set(await this.ownershipRefs(credentials));
        visible = visible.filter(entity =>
          (entity.relations ?? []).some(
            relation =>
              relation.type === 'ownedBy' && owners.has(relation.targetRef),
          ),
        );
      }
      const refs = visible.map(entity => stringifyEntityRef(entity));
      // These entities carry only a few fields, too few to evaluate a conditional decision
      // on (EntityAccess.decideFor needs whole entities): the permission backend decides per ref.
      const decisions =
        refs.length > 0
          ? await this.options.permissions.authorize(
              refs.map(resourceRef => ({
                permission: pipelinesRunReadPermission,
                resourceRef,
              })),
              { credentials },
            )
          : [];
      entityRefs = refs.filter(
        (_, index) => decisions[index]?.result === AuthorizeResult.ALLOW,
      );
    }
    const page = await this.options.store.listRuns({
      entityRefs,
      pipeline: query.pipeline,
      branch: query.branch,
      status: query.status,
      limit: Math.min(Math.max(query.limit ?? 20, 1), 200),
      cursor: query.cursor,
    });
    return { ...page, entityRefs };
  }

  private async ownershipRefs(
    credentials: BackstageCredentials,
  ): Promise<string[]> {
    try {
      const info = await this.options.userInfo.getUserInfo(credentials);
      return info.ownershipEntityRefs;
    } catch {
      // Service principals have no user entity and own nothing.
      return [];
    }
  }

  getRun(
    credentials: BackstageCredentials,
    runId: string,
  ): Promise<PipelineRun> {
    return this.readableRun(runId, credentials);
  }

  async getLogs(
    credentials: BackstageCredentials,
    runId: string,
    options: { afterSeq?: number; limit?: number; jobRunId?: string },
  ): Promise<{ run: PipelineRun; lines: PipelineLogLine[] }> {
    const run = await this.readableRun(runId, credentials);
    const lines = await this.options.store.readLogLines(runId, {
      afterSeq: options.afterSeq,
      limit: Math.min(Math.max(options.limit ?? 1000, 1), 10_000),
      jobRunId: options.jobRunId,
    });
    return { run, lines };
  }

  /**
   * For the live stream, after `getRun` checked the caller once: reads without re-checking
   * the catalog and permissions on every poll.
   */
  uncheckedReader(runId: string) {
    const { store } = this.options;
    return {
      run: () => store.getRun(runId),
      lines: (afterSeq: number, limit: number) =>
        store.readLogLines(runId, { afterSeq, limit }),
    };
  }

  async listArtifacts(credentials: BackstageCredentials, runId: string) {
    await this.readableRun(runId, credentials);
    return this.options.artifacts.list(runId);
  }

  /**
   * One artifact file of a run the caller may read. The address is checked here, for every
   * artifact store: the job must be one of this run's (by its id, or as the store lists it) and
   * the path relative without `..` and the like, so `/runs/<mine>/artifacts/%2E%2E/<theirs>/…`
   * cannot reach another run's files. Anything else does not exist.
   */
  async readArtifact(
    credentials: BackstageCredentials,
    runId: string,
    jobRunId: string,
    path: string,
  ) {
    const run = await this.readableRun(runId, credentials);
    const notFound = () =>
      new NotFoundError(
        `Run ${runId} has no artifact ${JSON.stringify(
          path,
        )} from job ${JSON.stringify(jobRunId)}`,
      );
    if (!isSafeArtifactSegment(jobRunId) || !artifactPathSegments(path)) {
      throw notFound();
    }
    const jobOfRun =
      run.jobs.some(job => job.jobRunId === jobRunId) ||
      // A store may list a job under its own name for it (the local store's folder name)
      (await this.options.artifacts.list(runId)).some(
        artifact => artifact.jobRunId === jobRunId,
      );
    if (!jobOfRun) throw notFound();
    const file = await this.options.artifacts.read(runId, jobRunId, path);
    if (!file) throw notFound();
    return file;
  }

  /**
   * Runs of every CI/CD provider that applies to the entity (Comet's engine first; Jenkins and
   * GitHub Actions as their modules land), merged newest first and paged with one cursor that
   * remembers where each provider's own paging stands. A provider that fails is reported in
   * `errors` instead of emptying the whole list, and so is each source a provider could not
   * read (one Jenkins job of several), with its `source`.
   */
  async listAllRuns(
    credentials: BackstageCredentials,
    query: {
      entityRef: string;
      provider?: string;
      pipeline?: string;
      branch?: string;
      status?: PipelineRunStatus;
      limit?: number;
      cursor?: string;
    },
  ) {
    const entity = await this.readableEntity(query.entityRef, credentials);
    const entityRef = stringifyEntityRef(entity);
    const limit = Math.min(Math.max(query.limit ?? 20, 1), 200);
    const annotations = entity.metadata.annotations ?? {};
    const applicable = this.options.providers.filter(p =>
      p.appliesTo({ entityRef, annotations }),
    );
    if (
      query.provider &&
      !applicable.some(provider => provider.id === query.provider)
    ) {
      throw new InputError(
        `Provider "${
          query.provider
        }" has nothing for ${entityRef}; its providers are: ${
          applicable.map(p => p.id).join(', ') || 'none'
        }`,
      );
    }
    const providers = applicable.filter(
      p => !query.provider || p.id === query.provider,
    );
    const merged = await mergeProviderPages({
      providers: providers.map(provider => ({
        id: provider.id,
        listRuns: (cursor, pageLimit) =>
          provider.listRuns({
            entity: { entityRef, annotations },
            credentials,
            pipeline: query.pipeline,
            branch: query.branch,
            status: query.status,
            limit: pageLimit,
            cursor,
          }),
      })),
      limit,
      cursor: query.cursor,
    });
    return {
      providers: applicable.map(p => ({ id: p.id, title: p.title })),
      runs: merged.runs,
      nextCursor: merged.nextCursor,
      errors: merged.errors,
    };
  }

  /** The pipelines an entity declares, read from its repository's default branch. */
  async listPipelines(credentials: BackstageCredentials, entityRef: string) {
    const entity = await this.readableEntity(entityRef, credentials);
    const repositoryUrl = repositoryUrlOf(entity);
    const paths = pipelinePathsOf(entity.metadata.annotations);
    if (!repositoryUrl) {
      return {
        repositoryUrl,
        pipelines: paths.map(path => ({
          path,
          issues: [
            {
              message: `${stringifyEntityRef(
                entity,
              )} has no ${ANNOTATION_SOURCE_LOCATION} annotation, so its pipeline files cannot be read`,
              path: '',
              file: path,
            },
          ] as PipelineIssue[],
        })),
      };
    }
    const pipelines = await Promise.all(
      paths.map(async path => {
        try {
          const file = await this.options.source.readFile({
            repositoryUrl,
            filePath: path,
          });
          const result = this.validate(file.text, path);
          // The text too: the editor opens it and proposes changes against it
          return result.ok
            ? {
                path,
                commit: file.commit,
                text: file.text,
                definition: result.pipeline,
              }
            : {
                path,
                commit: file.commit,
                text: file.text,
                issues: result.issues,
              };
        } catch (error) {
          return {
            path,
            issues: [
              {
                message: String((error as Error).message),
                path: '',
                file: path,
              },
            ],
          };
        }
      }),
    );
    return { repositoryUrl, pipelines };
  }

  /**
   * The pipeline files in an entity's repository at its default branch (or `ref`): the YAML
   * files of `.comet/` and the files its `comet.dev/pipelines` (or `paths`) names that exist,
   * each with its `name:` when one is written plainly. For whoever may read the entity's runs.
   */
  async listPipelineFiles(
    credentials: BackstageCredentials,
    request: { entityRef: string; ref?: string; paths?: string[] },
  ): Promise<{
    repositoryUrl: string;
    ref: string;
    commit: string;
    files: Array<{ path: string; name?: string }>;
  }> {
    const entity = await this.readableEntity(request.entityRef, credentials);
    const repositoryUrl = repositoryUrlOf(entity);
    if (!repositoryUrl) {
      throw new InputError(
        `${stringifyEntityRef(
          entity,
        )} has no ${ANNOTATION_SOURCE_LOCATION} annotation, so Comet cannot list its pipeline files`,
      );
    }
    const ref = request.ref ?? 'HEAD';
    const listing = await this.options.source.listFiles({
      repositoryUrl,
      ref,
      paths: [
        ...pipelinePathsOf(entity.metadata.annotations),
        ...(request.paths ?? []),
      ],
    });
    return {
      repositoryUrl: redactUrl(repositoryUrl),
      ref,
      commit: listing.commit,
      files: listing.files.map(file => {
        const name =
          file.text === undefined ? undefined : pipelineFileName(file.text);
        return { path: file.path, ...(name ? { name } : {}) };
      }),
    };
  }

  /** The `uses:` step types registered with this backend, sorted. */
  stepTypeIds(): string[] {
    return [...this.options.stepTypes()].sort();
  }

  validate(text: string, file?: string): ReturnType<typeof parsePipeline> {
    const result = parsePipeline(text, {
      file,
      stepTypes: this.options.stepTypes(),
      requiredInputs: this.options.requiredInputs?.(),
      secrets: this.options.secretNames(),
      environments: this.options.environments?.names(),
    });
    const { jobTimeout } = this.options;
    if (result.ok && jobTimeout) {
      const issues = jobTimeoutIssues(result.pipeline, jobTimeout, file);
      if (issues.length > 0) return { ok: false, issues };
    }
    return result;
  }

  /**
   * Starts a run through the active-run caps: the entity's always, and with `userCap` that of
   * the user who asked (the trigger's actor). Over a cap it throws a 429 naming the cap and its
   * config key.
   */
  private startRun(
    request: TriggerRequest,
    caps: { userCap: boolean },
  ): Promise<PipelineRun> {
    const { runLimiter, engine } = this.options;
    if (!runLimiter) return engine.trigger(request);
    return runLimiter.admit(
      {
        entityRef: request.entityRef,
        user: caps.userCap ? request.trigger.actor : undefined,
      },
      () => engine.trigger(request),
    );
  }

  /**
   * Validates a pipeline file as {@link validate} does and, for an entity the caller may read,
   * reports each secret a job references that the secret's scope refuses that entity (or the
   * environments of the job's gates), as a run would fail the job.
   */
  async validateForEntity(
    credentials: BackstageCredentials,
    request: { text: string; file?: string; entityRef: string },
  ): Promise<ReturnType<typeof parsePipeline>> {
    const entity = await this.readableEntity(request.entityRef, credentials);
    const result = this.validate(request.text, request.file);
    const scopes = this.options.secretScopes;
    if (!result.ok || !scopes) return result;
    const issues = await secretScopeIssues(result.pipeline, {
      scopes,
      entityRef: stringifyEntityRef(entity),
      owners: () => ownerRefsOf(entity),
      file: request.file,
    });
    return issues.length > 0 ? { ok: false, issues } : result;
  }

  async trigger(
    credentials: BackstageCredentials,
    request: {
      entityRef: string;
      pipelinePath?: string;
      branch?: string;
      params?: Record<string, unknown>;
      trigger?: 'manual' | 'push' | 'pull_request' | 'schedule';
    },
    audit: AuditContext = {},
  ): Promise<PipelineRun> {
    return audited(
      this.options.auditor,
      {
        eventId: 'run-trigger',
        meta: {
          entityRef: request.entityRef,
          pipelinePath: request.pipelinePath ?? null,
          branch: request.branch ?? null,
          trigger: request.trigger ?? 'manual',
        },
        request: audit.request,
      },
      async () => {
        const { entity, entityRef } = await this.permittedAfresh(
          request.entityRef,
          credentials,
          pipelinesRunCreatePermission,
        );
        const paths = pipelinePathsOf(entity.metadata.annotations);
        const pipelinePath = request.pipelinePath ?? paths[0];
        if (!paths.includes(pipelinePath)) {
          throw new InputError(
            `${entityRef} has no pipeline ${pipelinePath}; its pipelines are ${paths.join(
              ', ',
            )}`,
          );
        }
        const repositoryUrl = repositoryUrlOf(entity);
        if (!repositoryUrl) {
          throw new InputError(
            `${entityRef} has no ${ANNOTATION_SOURCE_LOCATION} annotation, so Comet cannot check out its pipeline`,
          );
        }
        // Only a branch or a tag: never refs/pull/* or a bare commit (a fork's unmerged code)
        const { file, branch } = await readAtManualRef(this.options.source, {
          repositoryUrl,
          branch: request.branch,
          filePath: pipelinePath,
        });
        const definition = this.definitionOrThrow(file.text, pipelinePath);
        const run = await this.startRun(
          {
            entityRef,
            entityName: entity.metadata.name,
            repositoryUrl,
            pipelinePath,
            definition,
            commitSha: file.commit,
            commitMessage: file.message,
            branch,
            trigger: {
              type: request.trigger ?? 'manual',
              actor: this.actor(credentials),
            },
            params: request.params,
          },
          { userCap: true },
        );
        return run;
      },
      result => ({ runId: result.runId }),
    );
  }

  /**
   * Starts a run the backend decided on itself (a GitHub webhook, a schedule), audited with the
   * same `run-trigger` event as a manual trigger: its trigger type and, for a webhook, the
   * delivery id. Nothing from the request body or the webhook secret goes into the event.
   */
  triggerFromEvent(
    request: TriggerRequest,
    audit: { deliveryId?: string } = {},
  ): Promise<PipelineRun> {
    return audited(
      this.options.auditor,
      { eventId: 'run-trigger', meta: eventTriggerMeta(request, audit) },
      // The entity's cap only: a webhook's or a schedule's actor is not a portal user
      () => this.startRun(request, { userCap: false }),
      result => ({ runId: result.runId }),
    );
  }

  /**
   * Records a run a webhook or a schedule could not start because its pipeline file could not
   * be read or is invalid (see `PipelineEngine.recordFailedTrigger`), and audits it as a failed
   * `run-trigger` event with the run it recorded.
   */
  async recordFailedTrigger(
    request: Parameters<PipelineEngine['recordFailedTrigger']>[0],
    audit: { deliveryId?: string } = {},
  ): Promise<PipelineRun> {
    const event = await this.options.auditor.createEvent({
      eventId: 'run-trigger',
      severityLevel: 'medium',
      meta: eventTriggerMeta(request, audit),
    });
    const run = await this.options.engine.recordFailedTrigger(request);
    await event.fail({
      error: new InputError(request.reason),
      meta: { runId: run.runId },
    });
    return run;
  }

  private definitionOrThrow(text: string, file: string): PipelineDefinition {
    const result = this.validate(text, file);
    if (!result.ok) {
      const first = result.issues[0];
      const where = [first.file, first.line, first.column]
        .filter(Boolean)
        .join(':');
      const error = new InputError(
        `${where}: ${first.message}${first.path ? ` (at ${first.path})` : ''}${
          result.issues.length > 1
            ? ` and ${result.issues.length - 1} more issue(s)`
            : ''
        }`,
      );
      (error as InputError & { issues?: PipelineIssue[] }).issues =
        result.issues;
      throw error;
    }
    return result.pipeline;
  }

  async cancel(
    credentials: BackstageCredentials,
    runId: string,
    audit: AuditContext = {},
  ): Promise<PipelineRun> {
    return audited(
      this.options.auditor,
      { eventId: 'run-cancel', meta: { runId }, request: audit.request },
      async () => {
        const run = await this.readableRun(runId, credentials);
        await this.permittedAfresh(
          run.entityRef,
          credentials,
          pipelinesRunCancelPermission,
        );
        if (TERMINAL_RUN_STATUSES.includes(run.status)) {
          throw new InputError(
            `Run ${runId} already ${run.status}; there is nothing to cancel`,
          );
        }
        const reason = `Cancelled by ${this.actor(credentials)}`;
        await this.options.store.cancelRun(runId, reason);
        this.options.engine.abortJob(runId, reason);
        await this.options.store.refreshRunStatus(runId);
        return (await this.options.store.getRun(runId))!;
      },
    );
  }

  async rerun(
    credentials: BackstageCredentials,
    runId: string,
    options: { failedOnly?: boolean },
    audit: AuditContext = {},
  ): Promise<PipelineRun> {
    return audited(
      this.options.auditor,
      {
        eventId: 'run-trigger',
        meta: { rerunOf: runId, failedOnly: !!options.failedOnly },
        request: audit.request,
      },
      async () => {
        const run = await this.readableRun(runId, credentials);
        const { entity } = await this.permittedAfresh(
          run.entityRef,
          credentials,
          pipelinesRunCreatePermission,
        );
        // A re-run of a gated run reaches its gates again: whoever starts it must be allowed
        // to approve runs of the entity too, or re-running would be a way around the gate
        const gates = run.jobs.filter(job => job.approval);
        if (gates.length > 0) {
          await this.permittedAfresh(
            run.entityRef,
            credentials,
            pipelinesRunApprovePermission,
          ).catch(error => {
            if (error.name !== 'NotAllowedError') throw error;
            throw new NotAllowedError(
              `Run ${runId} has approval gates (${gates
                .map(job => job.jobRunId)
                .join(', ')}), so re-running it needs ${
                pipelinesRunApprovePermission.name
              } on ${run.entityRef} as well as ${
                pipelinesRunCreatePermission.name
              }`,
            );
          });
        }
        if (!TERMINAL_RUN_STATUSES.includes(run.status)) {
          throw new InputError(
            `Run ${runId} is still ${run.status}; wait for it to finish or cancel it`,
          );
        }
        const stored = await this.options.store.getRunDefinition(runId);
        if (!stored) throw new NotFoundError(`No pipeline run ${runId}`);
        // A failed-only re-run keeps the jobs that succeeded, except a gate and everything
        // after one: an approval is never carried over, the gate waits again
        const afterGate = jobsFromGates(run);
        const succeeded = options.failedOnly
          ? new Set(
              run.jobs
                .filter(
                  j => j.status === 'succeeded' && !afterGate.has(j.jobRunId),
                )
                .map(j => j.jobRunId),
            )
          : undefined;
        if (succeeded && succeeded.size === run.jobs.length) {
          throw new InputError(`Run ${runId} has no failed jobs to re-run`);
        }
        const rerun = await this.startRun(
          {
            entityRef: run.entityRef,
            entityName: entity.metadata.name,
            repositoryUrl: stored.repositoryUrl,
            pipelinePath: run.pipelinePath,
            definition: stored.definition,
            commitSha: run.commit?.sha,
            commitMessage: run.commit?.message,
            branch: run.branch,
            trigger: {
              type: 'rerun',
              actor: this.actor(credentials),
              rerunOf: runId,
              // A re-run of a pull request's run still belongs to that pull request
              ...(run.trigger.pullRequest
                ? { pullRequest: run.trigger.pullRequest }
                : {}),
              // and builds the same untrusted code: still no secrets
              ...(run.trigger.untrusted
                ? { untrusted: run.trigger.untrusted }
                : {}),
            },
            params: run.params,
            succeededJobRunIds: succeeded,
          },
          { userCap: true },
        );
        return rerun;
      },
      result => ({ runId: result.runId }),
    );
  }

  async decide(
    credentials: BackstageCredentials,
    request: {
      runId: string;
      jobRunId: string;
      decision: 'approve' | 'reject';
      comment?: string;
    },
    audit: AuditContext = {},
  ): Promise<PipelineRun> {
    return audited(
      this.options.auditor,
      {
        eventId: request.decision === 'approve' ? 'run-approve' : 'run-reject',
        meta: { runId: request.runId, jobRunId: request.jobRunId },
        request: audit.request,
      },
      async () => {
        const run = await this.readableRun(request.runId, credentials);
        const { entity } = await this.permittedAfresh(
          run.entityRef,
          credentials,
          pipelinesRunApprovePermission,
        );
        const job = run.jobs.find(j => j.jobRunId === request.jobRunId);
        if (!job) {
          throw new NotFoundError(
            `Run ${request.runId} has no job ${request.jobRunId}`,
          );
        }
        if (job.status !== 'waiting' || !job.approval) {
          throw new InputError(
            `Job ${request.jobRunId} is not waiting for approval (it is ${job.status})`,
          );
        }
        const actor = this.actor(credentials);
        await this.gates.check({ run, gate: job, entity, credentials });
        const decided = await this.options.store.decideApproval({
          runId: request.runId,
          jobRunId: request.jobRunId,
          decision: request.decision === 'approve' ? 'approved' : 'rejected',
          decidedBy: actor,
          comment: request.comment,
        });
        if (!decided) {
          throw new InputError(
            `Job ${request.jobRunId} was decided by someone else first`,
          );
        }
        // Through the engine, so a rejection that fails the run, or a next gate that starts
        // waiting, notifies the owners like any other run change.
        await this.options.engine.promoteAndNotify(request.runId);
        return (await this.options.store.getRun(request.runId))!;
      },
    );
  }

  /** Duration trend, success rate and time to recovery of an entity's pipelines. */
  async stats(
    credentials: BackstageCredentials,
    query: { entityRef: string; pipeline?: string; last?: number },
  ) {
    const entity = await this.readableEntity(query.entityRef, credentials);
    const entityRef = stringifyEntityRef(entity);
    return {
      pipelines: await readPipelineStats(this.options.store, {
        entityRef,
        pipeline: query.pipeline,
        last: Math.min(Math.max(query.last ?? 30, 1), 100),
      }),
    };
  }

  /** The newest Comet run of each pipeline of an entity, however long ago it ran. */
  async latestRuns(credentials: BackstageCredentials, entityRef: string) {
    const entity = await this.readableEntity(entityRef, credentials);
    return {
      runs: await this.options.store.latestRunPerPipeline(
        stringifyEntityRef(entity),
      ),
    };
  }
}
