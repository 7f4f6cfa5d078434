import {
  BackstageCredentials,
  CacheService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  callerResourceFilter,
  EntityAccess,
  ResourceScopes,
  ScopeFamily,
} from '@internal/backend-common';
import type { JsonValue } from '@backstage/types';
import {
  ANNOTATION_SONARQUBE_PROJECT_KEY,
  EntitySonarQubeSummary,
  parseProjectKeyAnnotation,
  SONARQUBE_NOT_CONFIGURED_MESSAGE,
  SONARQUBE_SECURITY_METRIC_KEYS,
  SonarQubeBranches,
  SonarQubeEntityRow,
  SonarQubeEntityTable,
  SonarQubeHotspotPage,
  SonarQubeIssuePage,
  SonarQubeMeasureHistory,
  SonarQubeProjectRef,
  SonarQubeProjectSummary,
  SonarQubeScope,
  sonarqubeFindingsReadPermission,
  sonarqubeSecurityReadPermission,
  stringifyProjectRef,
} from '@internal/plugin-sonarqube-common';
import type { SonarQubeClient } from '@internal/plugin-sonarqube-node';

/** Metrics the trend charts show by default. */
export const DEFAULT_HISTORY_METRICS = [
  'coverage',
  'bugs',
  'vulnerabilities',
  'code_smells',
  'duplicated_lines_density',
];

const SECURITY_CONDITION = /security|vulnerabilit/;

type ProjectQuery = SonarQubeScope & { entityRef: string; project?: string };

/** A project `searchProjects` found, and how `sonarqube.org/project-key` names it. */
export type SonarQubeProjectChoice = {
  key: string;
  name: string;
  instance: string;
  /** As the annotation writes it: the key on the default instance, else `instance/key`. */
  ref: string;
  /** Its dashboard, on the instance's external URL. */
  url: string;
};

/** The most projects `searchProjects` answers with. */
export const MAX_PROJECT_SEARCH_LIMIT = 100;

/** Projects read per instance before the scopes narrow them (SonarQube's largest page). */
const PROJECT_SEARCH_PAGE = 500;

/** A resolved project of an entity: the annotation's ref and the instance it lives on. */
type ResolvedProject = SonarQubeProjectRef & {
  instanceName: string;
  /** Why the entity may not name this project (`comet.resourceScopes`), when it may not. */
  refusal?: string;
};

/**
 * Everything the REST API and the actions share: the entity is read with the caller's
 * credentials (nobody sees more through Comet than the catalog shows them), the
 * `sonarqube.findings.read` permission is checked on it, and security findings need
 * `sonarqube.security.read` as well. SonarQube answers are cached (per project, invalidated
 * by the quality-gate webhook) so a warm tab costs no SonarQube call.
 */
export class SonarQubeService {
  private readonly inFlight = new Map<string, Promise<JsonValue>>();
  private readonly access: EntityAccess;

  constructor(
    private readonly options: {
      client: SonarQubeClient;
      catalog: CatalogService;
      permissions: PermissionsService;
      cache: CacheService;
      cacheTtlMs: number;
      /** How long an entity and the caller's decisions on it are reused (default 5 s). */
      accessCacheTtlMs?: number;
      /** Which projects each owner group's entities may name (`comet.resourceScopes`). */
      scopes?: ResourceScopes;
      /** The caller's groups, whose scopes narrow `searchProjects` while scopes are configured. */
      userInfo?: UserInfoService;
    },
  ) {
    this.access = EntityAccess.create({
      catalog: options.catalog,
      permissions: options.permissions,
      cacheTtlMs: options.accessCacheTtlMs,
    });
  }

  get configured() {
    return this.options.client.configured;
  }

  private requireConfigured() {
    if (!this.configured) {
      throw new ServiceUnavailableError(SONARQUBE_NOT_CONFIGURED_MESSAGE);
    }
  }

  /**
   * The entity, when the caller may read its findings, and whether they may read its security
   * findings: one catalog read and one permission request, reused for a few seconds.
   */
  private async findingsReadable(
    entityRef: string,
    credentials: BackstageCredentials,
  ) {
    const decided = await this.access.entity(credentials, entityRef, {
      require: [sonarqubeFindingsReadPermission],
      check: [sonarqubeSecurityReadPermission],
    });
    return {
      entity: decided.entity,
      entityRef: decided.entityRef,
      security: decided.allowed(sonarqubeSecurityReadPermission),
    };
  }

  /** The entity's projects from its annotation, or a precise InputError. */
  private projectsOf(entity: Entity): ResolvedProject[] {
    const entityRef = stringifyEntityRef(entity);
    const value =
      entity.metadata.annotations?.[ANNOTATION_SONARQUBE_PROJECT_KEY];
    if (value === undefined) {
      throw new InputError(
        `${entityRef} has no ${ANNOTATION_SONARQUBE_PROJECT_KEY} annotation`,
      );
    }
    const parsed = parseProjectKeyAnnotation(value);
    if (!parsed.ok) {
      throw new InputError(`${entityRef}: ${parsed.message}`);
    }
    return parsed.projects.map(ref => {
      // Unknown instances are reported per project, where they are used
      const instanceName = ref.instance ?? this.defaultInstanceName();
      const refusal = this.options.scopes?.refusal(entity, this.scopeFamily, {
        instance: instanceName,
        name: ref.projectKey,
        source: stringifyProjectRef(ref),
      });
      return { ...ref, instanceName, ...(refusal ? { refusal } : {}) };
    });
  }

  /** SonarQube as `comet.resourceScopes` sees it: `[instance/]projectKey`. */
  private readonly scopeFamily: ScopeFamily = {
    id: 'sonarqube',
    annotation: ANNOTATION_SONARQUBE_PROJECT_KEY,
    instanceSeparator: '/',
    defaultInstance: () => this.options.client.instance().name,
  };

  private defaultInstanceName() {
    try {
      return this.options.client.instance().name;
    } catch {
      return 'default';
    }
  }

  private pick(entity: Entity, project: string | undefined): ResolvedProject {
    const projects = this.projectsOf(entity);
    if (project === undefined) {
      if (projects[0].refusal) throw new NotAllowedError(projects[0].refusal);
      return projects[0];
    }
    const found = projects.find(
      p =>
        stringifyProjectRef(p) === project ||
        `${p.instanceName}/${p.projectKey}` === project,
    );
    if (!found) {
      throw new InputError(
        `Project "${project}" is not in ${ANNOTATION_SONARQUBE_PROJECT_KEY} of ${stringifyEntityRef(
          entity,
        )} (${projects.map(stringifyProjectRef).join(', ')})`,
      );
    }
    if (found.refusal) throw new NotAllowedError(found.refusal);
    return found;
  }

  private async generation(instance: string, projectKey: string) {
    return (
      (await this.options.cache.get<number>(`gen:${instance}:${projectKey}`)) ??
      0
    );
  }

  /** Drops every cached answer about a project (on the quality gate webhook). */
  async invalidate(instance: string, projectKey: string) {
    const next = (await this.generation(instance, projectKey)) + 1;
    await this.options.cache.set(`gen:${instance}:${projectKey}`, next, {
      ttl: { days: 30 },
    });
  }

  /** A cached, coalesced SonarQube read about one project. */
  private async cached<T extends JsonValue>(
    project: ResolvedProject,
    kind: string,
    params: unknown,
    read: () => Promise<T>,
  ): Promise<T> {
    const gen = await this.generation(project.instanceName, project.projectKey);
    const key = `v1:${project.instanceName}:${
      project.projectKey
    }:${gen}:${kind}:${JSON.stringify(params)}`;
    const hit = await this.options.cache.get<T>(key);
    if (hit !== undefined) return hit;
    const pending = this.inFlight.get(key);
    if (pending) return pending as Promise<T>;
    const promise = read()
      .then(async value => {
        await this.options.cache.set(key, value, {
          ttl: this.options.cacheTtlMs,
        });
        return value;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  private query(project: ResolvedProject, scope: SonarQubeScope) {
    return {
      instance: project.instance,
      projectKey: project.projectKey,
      branch: scope.pullRequest ? undefined : scope.branch,
      pullRequest: scope.pullRequest,
    };
  }

  private async projectSummary(
    project: ResolvedProject,
    scope: SonarQubeScope,
    security: boolean,
  ): Promise<SonarQubeProjectSummary> {
    const { client } = this.options;
    const base = {
      project: stringifyProjectRef(project),
      instance: project.instanceName,
      projectKey: project.projectKey,
      scope: {
        ...(scope.branch && !scope.pullRequest ? { branch: scope.branch } : {}),
        ...(scope.pullRequest ? { pullRequest: scope.pullRequest } : {}),
      },
    };
    try {
      if (project.refusal) throw new NotAllowedError(project.refusal);
      const query = this.query(project, scope);
      const url = client.dashboardUrl(query);
      const raw = await this.cached(
        project,
        'summary',
        base.scope,
        async () => {
          const [measures, gate] = await Promise.all([
            client.getMeasures(query),
            client.getQualityGate(query),
          ]);
          return {
            name: measures.name,
            measures: measures.measures,
            gate,
          } as JsonValue;
        },
      );
      const { name, measures, gate } = raw as unknown as {
        name: string;
        measures: SonarQubeProjectSummary['measures'];
        gate: NonNullable<SonarQubeProjectSummary['qualityGate']>;
      };
      const analysed =
        gate.status !== 'NONE' || Object.keys(measures).length > 0;
      const shownMeasures = { ...measures };
      let conditions = gate.conditions;
      if (!security) {
        for (const key of SONARQUBE_SECURITY_METRIC_KEYS)
          delete shownMeasures[key];
        conditions = conditions.filter(
          c => !SECURITY_CONDITION.test(c.metricKey),
        );
      }
      return {
        ...base,
        name,
        url,
        analysed,
        measures: shownMeasures,
        qualityGate: analysed ? { status: gate.status, conditions } : undefined,
        ...(security ? {} : { securityHidden: true }),
        ...(analysed
          ? {}
          : {
              error: `Project "${project.projectKey}" on SonarQube instance "${project.instanceName}" has not been analysed yet`,
            }),
      };
    } catch (error) {
      if (!(error instanceof Error) || !('name' in error)) throw error;
      if (
        [
          'NotFoundError',
          'NotAllowedError',
          'ServiceUnavailableError',
          'InputError',
        ].includes(error.name)
      ) {
        return { ...base, analysed: false, measures: {}, error: error.message };
      }
      throw error;
    }
  }

  async summary(
    credentials: BackstageCredentials,
    query: SonarQubeScope & { entityRef: string },
  ): Promise<EntitySonarQubeSummary> {
    if (!this.configured) {
      return { configured: false, message: SONARQUBE_NOT_CONFIGURED_MESSAGE };
    }
    const { entity, entityRef, security } = await this.findingsReadable(
      query.entityRef,
      credentials,
    );
    const projects = this.projectsOf(entity);
    return {
      configured: true,
      entityRef,
      projects: await Promise.all(
        projects.map(p =>
          this.projectSummary(
            p,
            // A branch or pull request applies only to the first (or the only) project unless
            // the caller names it per project.
            projects.length === 1 ? query : {},
            security,
          ),
        ),
      ),
    };
  }

  /** One project of an entity with its summary: the tab's header. */
  async projectView(
    credentials: BackstageCredentials,
    query: ProjectQuery,
  ): Promise<SonarQubeProjectSummary> {
    this.requireConfigured();
    const { entity, security } = await this.findingsReadable(
      query.entityRef,
      credentials,
    );
    return this.projectSummary(
      this.pick(entity, query.project),
      query,
      security,
    );
  }

  private async readable(
    credentials: BackstageCredentials,
    query: ProjectQuery,
  ) {
    this.requireConfigured();
    const { entity, entityRef, security } = await this.findingsReadable(
      query.entityRef,
      credentials,
    );
    const project = this.pick(entity, query.project);
    return { entityRef, project, security };
  }

  async history(
    credentials: BackstageCredentials,
    query: ProjectQuery & { metrics?: string[] },
  ): Promise<SonarQubeMeasureHistory> {
    const { project, security } = await this.readable(credentials, query);
    let metrics = query.metrics?.length
      ? query.metrics
      : DEFAULT_HISTORY_METRICS;
    if (!security) {
      metrics = metrics.filter(m => !SECURITY_CONDITION.test(m));
    }
    const q = this.query(project, query);
    return this.cached(
      project,
      'history',
      { ...q, metrics },
      async () =>
        (await this.options.client.getMeasureHistory({
          ...q,
          metrics,
          maxPoints: 200,
        })) as unknown as JsonValue,
    ) as unknown as Promise<SonarQubeMeasureHistory>;
  }

  async issues(
    credentials: BackstageCredentials,
    query: ProjectQuery & {
      types?: string[];
      severities?: string[];
      page: number;
      pageSize: number;
    },
  ): Promise<SonarQubeIssuePage> {
    const { entityRef, project, security } = await this.readable(
      credentials,
      query,
    );
    let types = query.types?.length ? query.types : undefined;
    if (!security) {
      types = (types ?? ['BUG', 'VULNERABILITY', 'CODE_SMELL']).filter(
        t => t !== 'VULNERABILITY',
      );
      if (types.length === 0) {
        throw new NotAllowedError(
          `You are not allowed to ${sonarqubeSecurityReadPermission.name} on ${entityRef}, so vulnerabilities are not shown`,
        );
      }
    }
    const q = {
      ...this.query(project, query),
      types,
      severities: query.severities?.length ? query.severities : undefined,
      page: query.page,
      pageSize: query.pageSize,
    };
    const page = (await this.cached(
      project,
      'issues',
      q,
      async () =>
        (await this.options.client.searchIssues(q)) as unknown as JsonValue,
    )) as unknown as SonarQubeIssuePage;
    return security ? page : { ...page, securityHidden: true };
  }

  async hotspots(
    credentials: BackstageCredentials,
    query: ProjectQuery & {
      status?: 'TO_REVIEW' | 'REVIEWED';
      page: number;
      pageSize: number;
    },
  ): Promise<SonarQubeHotspotPage> {
    const { entityRef, project, security } = await this.readable(
      credentials,
      query,
    );
    if (!security) {
      throw new NotAllowedError(
        `You are not allowed to ${sonarqubeSecurityReadPermission.name} on ${entityRef}`,
      );
    }
    const q = {
      ...this.query(project, query),
      status: query.status,
      page: query.page,
      pageSize: query.pageSize,
    };
    return this.cached(
      project,
      'hotspots',
      q,
      async () =>
        (await this.options.client.searchHotspots(q)) as unknown as JsonValue,
    ) as unknown as Promise<SonarQubeHotspotPage>;
  }

  async branches(
    credentials: BackstageCredentials,
    query: { entityRef: string; project?: string },
  ): Promise<SonarQubeBranches> {
    const { project } = await this.readable(credentials, query);
    return this.cached(
      project,
      'branches',
      {},
      async () =>
        (await this.options.client.listBranches({
          instance: project.instance,
          projectKey: project.projectKey,
        })) as unknown as JsonValue,
    ) as unknown as Promise<SonarQubeBranches>;
  }

  /**
   * The table on a Group (entities it owns) or System (its parts): each entity with the
   * annotation, and its projects' gate and ratings on the main branch.
   */
  async table(
    credentials: BackstageCredentials,
    query: { entityRef: string },
  ): Promise<SonarQubeEntityTable> {
    if (!this.configured) {
      return { configured: false, message: SONARQUBE_NOT_CONFIGURED_MESSAGE };
    }
    const { entity: parent, entityRef: parentRef } = await this.access.entity(
      credentials,
      query.entityRef,
    );
    const relation = (
      {
        group: 'relations.ownedBy',
        system: 'relations.partOf',
      } as Record<string, string | undefined>
    )[parent.kind.toLocaleLowerCase('en-US')];
    if (!relation) {
      throw new InputError(
        `The SonarQube table is for Group and System entities; ${parentRef} is a ${parent.kind}`,
      );
    }
    const { items } = await this.options.catalog.queryEntities(
      {
        filter: { [relation]: parentRef },
        orderFields: { field: 'metadata.name', order: 'asc' },
        limit: 200,
      },
      { credentials },
    );
    const annotated = items.filter(
      e =>
        e.metadata.annotations?.[ANNOTATION_SONARQUBE_PROJECT_KEY] !==
        undefined,
    );
    // One permission request for the whole table, whatever its number of entities
    const decided = await this.access.decideFor(credentials, annotated, [
      sonarqubeFindingsReadPermission,
      sonarqubeSecurityReadPermission,
    ]);
    const rows: SonarQubeEntityRow[] = await Promise.all(
      decided.map(async ({ entity, entityRef, allowed }) => {
        const row = {
          entityRef,
          title: entity.metadata.title ?? entity.metadata.name,
        };
        if (!allowed(sonarqubeFindingsReadPermission)) {
          return {
            ...row,
            projects: [],
            error: `You are not allowed to ${sonarqubeFindingsReadPermission.name} on ${entityRef}`,
          };
        }
        try {
          const projects = this.projectsOf(entity);
          return {
            ...row,
            projects: await Promise.all(
              projects.map(p =>
                this.projectSummary(
                  p,
                  {},
                  allowed(sonarqubeSecurityReadPermission),
                ),
              ),
            ),
          };
        } catch (error) {
          if ((error as Error).name === 'InputError') {
            return { ...row, projects: [], error: (error as Error).message };
          }
          throw error;
        }
      }),
    );
    return { configured: true, entityRef: parentRef, rows };
  }

  /**
   * Projects of every configured instance (or `instance`) whose key or name contains `query`,
   * for a signed-in user: not tied to an entity, so only what the scopes of the caller's groups
   * allow (`comet.resourceScopes`), sorted by instance and name, at most `limit`. Comet's token
   * lists with `api/projects/search` when it may administer, else with
   * `api/components/search_projects` (what it may browse). An instance that fails is reported
   * in `errors` while the others answer; a named instance that fails throws.
   */
  async searchProjects(
    credentials: BackstageCredentials,
    request: { instance?: string; query?: string; limit: number },
  ): Promise<{
    projects: SonarQubeProjectChoice[];
    truncated: boolean;
    errors: Array<{ instance: string; message: string }>;
  }> {
    this.requireConfigured();
    const { client } = this.options;
    const allowed = await callerResourceFilter({
      credentials,
      what: 'Listing SonarQube projects',
      family: this.scopeFamily,
      scopes: this.options.scopes,
      userInfo: this.options.userInfo,
    });
    const configured = client.listInstances().map(i => i.name);
    let names = configured;
    if (request.instance !== undefined) {
      if (!configured.includes(request.instance)) {
        throw new InputError(
          `instance: "${
            request.instance
          }" is not a SonarQube instance of sonarqube.instances (configured: ${configured.join(
            ', ',
          )})`,
        );
      }
      names = [request.instance];
    }
    let defaultName: string | undefined;
    try {
      defaultName = client.instance().name;
    } catch {
      // Several instances, none called default: every ref names its instance
    }
    const needle = request.query?.trim().toLocaleLowerCase('en-US') ?? '';
    const projects: SonarQubeProjectChoice[] = [];
    const errors: Array<{ instance: string; message: string }> = [];
    let truncated = false;
    const listed = await Promise.all(
      names.map(async instance => {
        try {
          return {
            instance,
            ...(await client.listProjects({
              instance,
              query: request.query,
              pageSize: PROJECT_SEARCH_PAGE,
            })),
          };
        } catch (error) {
          if (request.instance !== undefined) throw error;
          errors.push({ instance, message: (error as Error).message });
          return undefined;
        }
      }),
    );
    for (const answer of listed) {
      if (!answer) continue;
      const { instance } = answer;
      truncated ||= answer.total > answer.projects.length;
      for (const project of answer.projects) {
        // SonarQube matched already; the same test keeps any server's looser match out
        if (
          needle &&
          !project.key.toLocaleLowerCase('en-US').includes(needle) &&
          !project.name.toLocaleLowerCase('en-US').includes(needle)
        ) {
          continue;
        }
        const ref =
          instance === defaultName
            ? project.key
            : stringifyProjectRef({ instance, projectKey: project.key });
        if (!allowed({ instance, name: project.key, source: ref })) continue;
        projects.push({
          key: project.key,
          name: project.name,
          instance,
          ref,
          url: client.dashboardUrl({ instance, projectKey: project.key }),
        });
      }
    }
    projects.sort(
      (a, b) =>
        a.instance.localeCompare(b.instance, 'en-US') ||
        a.name.localeCompare(b.name, 'en-US') ||
        a.key.localeCompare(b.key, 'en-US'),
    );
    const limit = Math.min(
      Math.max(1, request.limit),
      MAX_PROJECT_SEARCH_LIMIT,
    );
    return {
      projects: projects.slice(0, limit),
      truncated: truncated || projects.length > limit,
      errors,
    };
  }
}
