import type {
  AuditorService,
  BackstageCredentials,
  CacheService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  callerResourceFilter,
  audited,
  EntityAccess,
  ResourceScopes,
} from '@internal/backend-common';
import {
  ANNOTATION_JIRA_ALL_ISSUES_JQL,
  ANNOTATION_JIRA_COMPONENT,
  ANNOTATION_JIRA_LABEL,
  entityIssuesJql,
  jqlString,
  jiraIssueCreatePermission,
  jiraIssueReadPermission,
  jiraIssueUpdatePermission,
  jiraSearchJqlPermission,
  type JiraActiveSprint,
  type JiraComment,
  type JiraCreatedIssue,
  type JiraEntityIssuesPage,
  type JiraCreateIssueInput,
  type JiraCreateMeta,
  type JiraEntityScope,
  type JiraIssue,
  type JiraIssueDetail,
  type JiraIssueFilters,
  type JiraNotice,
  type JiraOverview,
  type JiraReleaseNotes,
  type JiraSearchPage,
  type JiraStatusCategory,
  type JiraTransition,
  type JiraVersion,
} from '@internal/plugin-jira-common';
import type {
  DatabaseJiraRunLinks,
  RunLinkReport,
} from '../store/DatabaseJiraRunLinks';
import {
  entityJiraProjects,
  jiraInstanceName,
  jiraScopeFamily,
  type JiraClient,
  type JiraInstanceConfig,
} from '@internal/plugin-jira-node';
import { computeBurndown } from './burndown';
import { isTransient, toApiError } from './errors';
import { checkJqlFilter, filteredJql } from './jql';
import { releaseNotes } from './releaseNotes';

/** A project `listProjects` found, and how `jira/project-key` names it. */
export type JiraProjectChoice = {
  key: string;
  name: string;
  instance: string;
  /** As the annotation writes it: the key on the default instance, else `instance/KEY`. */
  ref: string;
  /** Its page, on the instance's browse URL. */
  url: string;
};

/** The most projects `listProjects` answers with. */
export const MAX_PROJECT_LIST_LIMIT = 100;

/** Projects read per instance before the scopes narrow them. */
const PROJECT_LIST_READ = 500;

export const JIRA_NOT_CONFIGURED_MESSAGE =
  'Jira is not configured: set jira.instances in app-config.yaml (docs/jira.md)';

/** What the service needs of `JiraInstances` (jira-node). */
/** Where the latest run of each issue is kept ({@link DatabaseJiraRunLinks}). */
export type JiraRunLinks = Pick<DatabaseJiraRunLinks, 'record' | 'latest'>;

export type JiraInstancesLike = {
  isConfigured(): boolean;
  list(): JiraInstanceConfig[];
  client(name: string): JiraClient;
};

/** The entity's projects on one instance, and the JQL that selects its issues there. */
type InstanceScope = {
  instance: string;
  client: JiraClient;
  projectKeys: string[];
  component?: string;
  label?: string;
  jql: string;
  /** A template from jira/all-issues-jql: results are not narrowed by project afterwards. */
  templated: boolean;
};

type ResolvedEntity = {
  entity: Entity;
  entityRef: string;
  scopes: InstanceScope[];
  notices: JiraNotice[];
};

type Cached<T> = { value: T; at: number };

const STALE_TTL_MS = 24 * 60 * 60 * 1000;
const OVERVIEW_PAGE = 1000;
/** The largest attachment Comet forwards to Jira. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/**
 * Everything the REST API and the actions share. The entity is read with the caller's
 * credentials, `jira.issue.read` (and `create`/`update` for writes) is decided on it, and every
 * search is the entity's JQL ANDed with the user's balanced filter; a single issue must lie in
 * the entity's projects (else 403). Reads are cached per instance and query and coalesced; while
 * Jira throttles or is down the last answer is served with a notice.
 */
export class JiraService {
  private readonly access: EntityAccess;
  private readonly inFlight = new Map<string, Promise<Cached<unknown>>>();
  constructor(
    private readonly options: {
      instances: JiraInstancesLike;
      catalog: CatalogService;
      permissions: PermissionsService;
      cache: CacheService;
      auditor: AuditorService;
      cacheTtlMs: number;
      scopes?: ResourceScopes;
      accessCacheTtlMs?: number;
      clock?: { now(): number };
      /** The latest pipeline run of each issue (`POST /run-links`); none without it. */
      runLinks?: JiraRunLinks;
      /** The caller's groups, whose scopes narrow `listProjects` while scopes are configured. */
      userInfo?: UserInfoService;
    },
  ) {
    this.access = EntityAccess.create({
      catalog: options.catalog,
      permissions: options.permissions,
      cacheTtlMs: options.accessCacheTtlMs,
    });
  }

  get configured(): boolean {
    return this.options.instances.isConfigured();
  }

  private now() {
    return this.options.clock?.now() ?? Date.now();
  }

  private requireConfigured() {
    if (!this.configured) {
      throw new ServiceUnavailableError(JIRA_NOT_CONFIGURED_MESSAGE);
    }
  }

  private instanceName(name: string | undefined): string {
    return jiraInstanceName(this.options.instances, name);
  }

  /** The entity's projects per instance, or a precise error. */
  scopeOf(entity: Entity): { scopes: InstanceScope[]; notices: JiraNotice[] } {
    const entityRef = stringifyEntityRef(entity);
    const annotations = entity.metadata.annotations ?? {};
    const { projects, refusals } = entityJiraProjects(entity, {
      instances: this.options.instances,
      scopes: this.options.scopes,
    });
    const component =
      annotations[ANNOTATION_JIRA_COMPONENT]?.trim() || undefined;
    const label = annotations[ANNOTATION_JIRA_LABEL]?.trim() || undefined;
    const template =
      annotations[ANNOTATION_JIRA_ALL_ISSUES_JQL]?.trim() || undefined;
    if (template) {
      try {
        checkJqlFilter(template, ANNOTATION_JIRA_ALL_ISSUES_JQL);
      } catch (error) {
        throw new InputError(`${entityRef}: ${(error as Error).message}`);
      }
    }
    const byInstance = new Map<string, string[]>();
    const notices: JiraNotice[] = refusals.map(message => ({
      kind: 'info' as const,
      message,
    }));
    for (const { instance, projectKey } of projects) {
      byInstance.set(instance, [
        ...(byInstance.get(instance) ?? []),
        projectKey,
      ]);
    }
    if (byInstance.size === 0) {
      throw new NotAllowedError(refusals.join('; '));
    }
    const scopes = [...byInstance.entries()].map(([instance, projectKeys]) => ({
      instance,
      client: this.options.instances.client(instance),
      projectKeys,
      component,
      label,
      templated: !!template,
      jql: entityIssuesJql({ projectKeys, component, label, template }),
    }));
    return { scopes, notices };
  }

  /** The entity with the caller's decisions, and its Jira scope. */
  private async resolve(
    credentials: BackstageCredentials,
    entityRef: string,
    options: { require?: any[]; fresh?: boolean } = {},
  ): Promise<ResolvedEntity> {
    this.requireConfigured();
    const decided = await this.access.entity(credentials, entityRef, {
      require: [jiraIssueReadPermission, ...(options.require ?? [])],
      fresh: options.fresh,
    });
    const { scopes, notices } = this.scopeOf(decided.entity);
    return {
      entity: decided.entity,
      entityRef: decided.entityRef,
      scopes,
      notices,
    };
  }

  /** The scope an issue key belongs to, or 403 when it lies outside the entity's projects. */
  private scopeOfKey(resolved: ResolvedEntity, key: string): InstanceScope {
    const match = /^([A-Z][A-Z0-9_]+)-\d+$/.exec(key);
    if (!match) {
      throw new InputError(`"${key}" is not a Jira issue key, e.g. PAY-123`);
    }
    const scope = resolved.scopes.find(s => s.projectKeys.includes(match[1]));
    if (!scope) {
      throw new NotAllowedError(
        `${key} is not in the Jira projects of ${
          resolved.entityRef
        } (${resolved.scopes.flatMap(s => s.projectKeys).join(', ')})`,
      );
    }
    return scope;
  }

  /** Whether an issue the search returned lies in the scope (defence in depth for filters). */
  private inScope(scope: InstanceScope, issue: JiraIssue): boolean {
    const project = issue.key.slice(0, issue.key.lastIndexOf('-'));
    if (!scope.templated && !scope.projectKeys.includes(project)) return false;
    if (scope.component && !scope.templated) {
      if (!issue.components.includes(scope.component)) return false;
    }
    if (scope.label && !scope.templated) {
      if (!issue.labels.includes(scope.label)) return false;
    }
    return true;
  }

  /** A checked issue: in the entity's projects, component and label. */
  private async issueInScope(
    resolved: ResolvedEntity,
    key: string,
  ): Promise<{ scope: InstanceScope; issue: JiraIssueDetail }> {
    const scope = this.scopeOfKey(resolved, key);
    const issue = await this.call(() => scope.client.getIssue(key));
    if (!this.inScope(scope, issue)) {
      throw new NotAllowedError(
        `${key} is not in the Jira scope of ${resolved.entityRef} (${scope.jql})`,
      );
    }
    return { scope, issue };
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toApiError(error);
    }
  }

  /**
   * A cached, coalesced read. While Jira throttles or is down, the last answer (up to a day
   * old) is served with a notice instead of an error.
   */
  private async cached<T>(
    instance: string,
    kind: string,
    params: unknown,
    read: () => Promise<T>,
  ): Promise<{ value: T; notice?: JiraNotice }> {
    const { cache, cacheTtlMs } = this.options;
    // A write moves the instance's generation on, so every cached read of it is asked afresh
    const generation = (await cache.get<number>(`gen:${instance}`)) ?? 0;
    const what = `${instance}:${kind}:${JSON.stringify(params)}`;
    const key = `v1:${generation}:${what}`;
    const staleKey = `stale:${what}`;
    const hit = await cache.get<any>(key);
    if (hit !== undefined) return { value: hit.value };
    let pending = this.inFlight.get(key) as Promise<Cached<T>> | undefined;
    if (!pending) {
      pending = read()
        .then(async value => {
          const entry: Cached<T> = { value, at: this.now() };
          await cache.set(key, entry as any, { ttl: cacheTtlMs });
          await cache.set(staleKey, entry as any, { ttl: STALE_TTL_MS });
          return entry;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    try {
      return { value: (await pending).value };
    } catch (error) {
      if (isTransient(error)) {
        const stale = await cache.get<any>(staleKey);
        if (stale !== undefined) {
          return {
            value: stale.value,
            notice: {
              kind: 'stale',
              message: `Jira instance "${instance}" is not answering (${
                (error as Error).message
              }); showing what it answered at ${new Date(
                stale.at,
              ).toISOString()}`,
            },
          };
        }
      }
      throw toApiError(error);
    }
  }

  /** The scope as the API shows it. */
  private scopeView(resolved: ResolvedEntity): JiraEntityScope {
    const first = resolved.scopes[0];
    return {
      projects: resolved.scopes.flatMap(s =>
        s.projectKeys.map(projectKey => ({ instance: s.instance, projectKey })),
      ),
      ...(first.component ? { component: first.component } : {}),
      ...(first.label ? { label: first.label } : {}),
      jql: resolved.scopes.map(s => s.jql).join(' | '),
    };
  }

  async overview(
    credentials: BackstageCredentials,
    entityRef: string,
  ): Promise<JiraOverview> {
    const resolved = await this.resolve(credentials, entityRef);
    const notices = [...resolved.notices];
    const byStatus = new Map<
      string,
      { name: string; category: JiraStatusCategory; count: number }
    >();
    const byType = new Map<string, number>();
    let total = 0;
    for (const scope of resolved.scopes) {
      const { value, notice } = await this.cached(
        scope.instance,
        'overview',
        scope.jql,
        async () => {
          // Kept as counts per status and type, so a warm view reads a few rows, not n
          const counts = new Map<
            string,
            [string, JiraStatusCategory, string, number]
          >();
          for await (const page of scope.client.searchPages({
            jql: scope.jql,
            maxResults: OVERVIEW_PAGE,
            fields: ['status', 'issuetype', 'components', 'labels'],
          })) {
            for (const issue of page) {
              if (!this.inScope(scope, issue)) continue;
              const key = `${issue.status.name}\u0000${issue.type.name}`;
              const row = counts.get(key) ?? [
                issue.status.name,
                issue.status.category,
                issue.type.name,
                0,
              ];
              row[3]++;
              counts.set(key, row);
            }
          }
          return [...counts.values()];
        },
      );
      if (notice) notices.push(notice);
      for (const [status, category, type, count] of value) {
        total += count;
        const entry = byStatus.get(status) ?? {
          name: status,
          category,
          count: 0,
        };
        entry.count += count;
        byStatus.set(status, entry);
        byType.set(type, (byType.get(type) ?? 0) + count);
      }
    }
    const categoryRank = { new: 0, indeterminate: 1, done: 2 };
    return {
      scope: this.scopeView(resolved),
      total,
      byStatus: [...byStatus.values()].sort(
        (a, b) =>
          categoryRank[a.category] - categoryRank[b.category] ||
          b.count - a.count,
      ),
      byType: [...byType.entries()]
        .map(([name, count]) => ({ name, count }))
        .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)),
      notices,
    };
  }

  /** The user's Jira account on an instance, from their catalog user's email. */
  private async accountOf(
    credentials: BackstageCredentials,
    scope: { instance: string; client: JiraClient },
  ): Promise<string | undefined> {
    const email = await this.emailOf(credentials);
    if (!email) return undefined;
    const { value } = await this.cached(
      scope.instance,
      'user',
      email,
      async () => (await scope.client.findUserByEmail(email))?.id ?? null,
    );
    return value ?? undefined;
  }

  private async emailOf(
    credentials: BackstageCredentials,
  ): Promise<string | undefined> {
    const principal = credentials.principal as { userEntityRef?: string };
    if (!principal.userEntityRef) return undefined;
    const user = await this.options.catalog.getEntityByRef(
      principal.userEntityRef,
      { credentials },
    );
    const email = (user?.spec as any)?.profile?.email;
    return typeof email === 'string' && email ? email : undefined;
  }

  async issues(
    credentials: BackstageCredentials,
    request: {
      entityRef: string;
      filters: JiraIssueFilters;
      pageToken?: string;
      limit?: number;
    },
  ): Promise<JiraEntityIssuesPage> {
    const resolved = await this.resolve(credentials, request.entityRef);
    const limit = request.limit ?? 25;
    const cursor = decodeCursor(request.pageToken, resolved.scopes.length);
    const scope = resolved.scopes[cursor.scope];
    const accountId = request.filters.assignee?.includes('me')
      ? await this.accountOf(credentials, scope)
      : undefined;
    const jql = filteredJql(scope.jql, request.filters, accountId);
    const notices = [...resolved.notices];
    const { value, notice } = await this.cached(
      scope.instance,
      'search',
      { jql, token: cursor.token, limit },
      () =>
        scope.client.search({
          jql,
          pageToken: cursor.token,
          maxResults: limit,
        }),
    );
    if (notice) notices.push(notice);
    let total: number | undefined;
    if (!cursor.token) {
      const counted = await this.cached(scope.instance, 'count', jql, () =>
        scope.client.count(jql),
      ).catch(() => undefined);
      total = counted?.value;
    }
    let next: string | undefined;
    if (value.nextPageToken) {
      next = encodeCursor({ scope: cursor.scope, token: value.nextPageToken });
    } else if (cursor.scope + 1 < resolved.scopes.length) {
      next = encodeCursor({ scope: cursor.scope + 1 });
    }
    const issues = value.issues.filter(issue => this.inScope(scope, issue));
    const linkedRuns = this.options.runLinks
      ? await this.options.runLinks.latest(
          resolved.entityRef,
          scope.instance,
          issues.map(issue => issue.key),
        )
      : {};
    return {
      issues,
      ...(next ? { nextPageToken: next } : {}),
      ...(total !== undefined ? { total } : {}),
      notices,
      linkedRuns,
    };
  }

  /**
   * Records which issues a Comet pipeline run names (from the pipelines plugin's Jira module
   * only: the caller must be the `pipelines` plugin's service principal).
   */
  async recordRunLinks(
    credentials: BackstageCredentials,
    report: RunLinkReport,
  ): Promise<void> {
    const principal = credentials.principal as {
      type?: string;
      subject?: string;
    };
    if (
      principal.type !== 'service' ||
      principal.subject !== 'plugin:pipelines'
    ) {
      throw new NotAllowedError(
        'Only the pipelines plugin reports the runs that name Jira issues',
      );
    }
    if (!this.options.runLinks) {
      throw new ServiceUnavailableError('Run links are not stored here');
    }
    const names = new Set(this.options.instances.list().map(i => i.name));
    report.issues.forEach((issue, index) => {
      if (!names.has(issue.instance)) {
        throw new InputError(
          `issues[${index}].instance: "${issue.instance}" is not a configured Jira instance (jira.instances)`,
        );
      }
    });
    await this.options.runLinks.record(report);
  }

  async issue(
    credentials: BackstageCredentials,
    entityRef: string,
    key: string,
  ): Promise<JiraIssueDetail> {
    const resolved = await this.resolve(credentials, entityRef);
    return (await this.issueInScope(resolved, key)).issue;
  }

  async transitions(
    credentials: BackstageCredentials,
    entityRef: string,
    key: string,
  ): Promise<JiraTransition[]> {
    const resolved = await this.resolve(credentials, entityRef);
    const { scope } = await this.issueInScope(resolved, key);
    return this.call(() => scope.client.getTransitions(key));
  }

  private async write<T>(
    credentials: BackstageCredentials,
    entityRef: string,
    permission: typeof jiraIssueCreatePermission,
    eventId: string,
    meta: Record<string, string>,
    action: (resolved: ResolvedEntity) => Promise<T>,
  ): Promise<T> {
    const resolved = await this.resolve(credentials, entityRef, {
      require: [permission],
      fresh: true,
    });
    return audited(
      this.options.auditor,
      {
        eventId,
        severityLevel: 'medium',
        meta: { entityRef: resolved.entityRef, ...meta },
      },
      () => action(resolved),
    );
  }

  async transition(
    credentials: BackstageCredentials,
    entityRef: string,
    key: string,
    transition: string,
  ): Promise<JiraTransition> {
    return this.write(
      credentials,
      entityRef,
      jiraIssueUpdatePermission,
      'jira-issue-transition',
      { key, transition },
      async resolved => {
        const { scope } = await this.issueInScope(resolved, key);
        const result = await this.call(() =>
          scope.client.transitionIssue(key, transition),
        );
        await this.invalidate(scope.instance);
        return result;
      },
    );
  }

  async comment(
    credentials: BackstageCredentials,
    entityRef: string,
    key: string,
    body: string,
  ): Promise<JiraComment> {
    if (!body.trim()) throw new InputError('body: the comment is empty');
    return this.write(
      credentials,
      entityRef,
      jiraIssueUpdatePermission,
      'jira-issue-comment',
      { key },
      async resolved => {
        const { scope } = await this.issueInScope(resolved, key);
        return this.call(() => scope.client.addComment(key, body));
      },
    );
  }

  async attach(
    credentials: BackstageCredentials,
    entityRef: string,
    key: string,
    file: { filename: string; content: Buffer; contentType?: string },
  ): Promise<{ id: string; filename: string; size: number }> {
    if (!file.filename.trim() || /[/\\\0]/.test(file.filename)) {
      throw new InputError(
        'filename: a file name without "/" or "\\" is required',
      );
    }
    if (file.content.length === 0) {
      throw new InputError('The attachment is empty');
    }
    if (file.content.length > MAX_ATTACHMENT_BYTES) {
      throw new InputError(
        `The attachment is larger than ${MAX_ATTACHMENT_BYTES} bytes`,
      );
    }
    return this.write(
      credentials,
      entityRef,
      jiraIssueUpdatePermission,
      'jira-issue-attach',
      { key, filename: file.filename, size: String(file.content.length) },
      async resolved => {
        const { scope } = await this.issueInScope(resolved, key);
        return this.call(() => scope.client.addAttachment(key, file));
      },
    );
  }

  /** The project of a create request: one of the entity's, on its instance. */
  private projectFor(
    resolved: ResolvedEntity,
    projectKey: string | undefined,
  ): { scope: InstanceScope; projectKey: string } {
    const all = resolved.scopes.flatMap(scope =>
      scope.projectKeys.map(key => ({ scope, projectKey: key })),
    );
    if (!projectKey) {
      if (all.length > 1) {
        throw new InputError(
          `projectKey: ${resolved.entityRef} has several Jira projects (${all
            .map(p => p.projectKey)
            .join(', ')}); name one`,
        );
      }
      return all[0];
    }
    const found = all.find(p => p.projectKey === projectKey);
    if (!found) {
      throw new NotAllowedError(
        `projectKey: ${projectKey} is not one of the Jira projects of ${
          resolved.entityRef
        } (${all.map(p => p.projectKey).join(', ')})`,
      );
    }
    return found;
  }

  async createMeta(
    credentials: BackstageCredentials,
    entityRef: string,
  ): Promise<JiraCreateMeta> {
    const resolved = await this.resolve(credentials, entityRef);
    const projects: JiraCreateMeta['projects'] = [];
    for (const scope of resolved.scopes) {
      for (const projectKey of scope.projectKeys) {
        const { value } = await this.cached(
          scope.instance,
          'createmeta',
          projectKey,
          () => scope.client.getCreateMeta(projectKey),
        );
        projects.push({ ...value, instance: scope.instance });
      }
    }
    return { projects };
  }

  async create(
    credentials: BackstageCredentials,
    entityRef: string,
    input: JiraCreateIssueInput,
  ): Promise<JiraCreatedIssue> {
    if (!input.summary?.trim()) {
      throw new InputError('summary: an issue needs a summary');
    }
    if (!input.issueType?.trim()) {
      throw new InputError('issueType: an issue needs a type, e.g. Bug');
    }
    return this.write(
      credentials,
      entityRef,
      jiraIssueCreatePermission,
      'jira-issue-create',
      { projectKey: input.projectKey ?? '', issueType: input.issueType },
      async resolved => {
        const { scope, projectKey } = this.projectFor(
          resolved,
          input.projectKey,
        );
        // The entity's component and label, so the new issue shows on its tab
        const components = [...(input.components ?? [])];
        if (scope.component && !components.includes(scope.component)) {
          components.push(scope.component);
        }
        const labels = [...(input.labels ?? [])];
        if (scope.label && !labels.includes(scope.label)) {
          labels.push(scope.label);
        }
        const created = await this.call(() =>
          scope.client.createIssue(projectKey, {
            ...input,
            projectKey,
            ...(components.length ? { components } : {}),
            ...(labels.length ? { labels } : {}),
          }),
        );
        await this.invalidate(scope.instance);
        return created;
      },
    );
  }

  /** Forgets cached reads of an instance after a write (the next read asks Jira). */
  private async invalidate(instance: string) {
    const gen = (await this.options.cache.get<number>(`gen:${instance}`)) ?? 0;
    await this.options.cache.set(`gen:${instance}`, gen + 1, {
      ttl: STALE_TTL_MS,
    });
  }

  async activeSprint(
    credentials: BackstageCredentials,
    entityRef: string,
  ): Promise<JiraActiveSprint> {
    const resolved = await this.resolve(credentials, entityRef);
    const notices = [...resolved.notices];
    for (const scope of resolved.scopes) {
      for (const projectKey of scope.projectKeys) {
        const boards = await this.cached(
          scope.instance,
          'boards',
          projectKey,
          () => scope.client.getBoards(projectKey),
        );
        for (const board of boards.value) {
          const sprint = await this.cached(
            scope.instance,
            'active-sprint',
            board.id,
            async () => (await scope.client.getActiveSprint(board.id)) ?? null,
          );
          if (!sprint.value) continue;
          const { value, notice } = await this.cached(
            scope.instance,
            'sprint-issues',
            { sprint: sprint.value.id, jql: scope.jql },
            async () => {
              const issues = (
                await scope.client.getSprintIssues(sprint.value!.id, {
                  jql: scope.jql,
                })
              ).filter(issue => this.inScope(scope, issue));
              const withChangelogs = [];
              for (const issue of issues) {
                withChangelogs.push({
                  issue,
                  changelog: await scope.client.getChangelog(issue.key),
                });
              }
              return {
                issues,
                burndown: computeBurndown({
                  sprint: sprint.value!,
                  issues: withChangelogs,
                  now: this.now(),
                }),
              };
            },
          );
          if (notice) notices.push(notice);
          return {
            board,
            sprint: sprint.value,
            issues: value.issues,
            burndown: value.burndown,
            notices,
          };
        }
        if (boards.value.length) {
          return {
            board: boards.value[0],
            issues: [],
            burndown: [],
            notices: [
              ...notices,
              {
                kind: 'info',
                message: `No sprint of board "${boards.value[0].name}" is active`,
              },
            ],
          };
        }
      }
    }
    throw new NotFoundError(
      `No Jira board shows the projects of ${
        resolved.entityRef
      } (${resolved.scopes.flatMap(s => s.projectKeys).join(', ')})`,
    );
  }

  async versions(
    credentials: BackstageCredentials,
    entityRef: string,
  ): Promise<JiraVersion[]> {
    const resolved = await this.resolve(credentials, entityRef);
    const versions: JiraVersion[] = [];
    for (const scope of resolved.scopes) {
      for (const projectKey of scope.projectKeys) {
        const { value } = await this.cached(
          scope.instance,
          'versions',
          projectKey,
          () => scope.client.getVersions(projectKey),
        );
        versions.push(...value);
      }
    }
    return versions;
  }

  async releaseNotes(
    credentials: BackstageCredentials,
    entityRef: string,
    version: string,
  ): Promise<JiraReleaseNotes> {
    if (!version.trim()) throw new InputError('version is required');
    const resolved = await this.resolve(credentials, entityRef);
    const issues: JiraIssue[] = [];
    for (const scope of resolved.scopes) {
      const jql = `(${scope.jql}) AND fixVersion = ${jqlString(
        version,
      )} ORDER BY key ASC`;
      const { value } = await this.cached(
        scope.instance,
        'release-notes',
        jql,
        async () => {
          const all: JiraIssue[] = [];
          for await (const page of scope.client.searchPages({ jql })) {
            all.push(...page.filter(issue => this.inScope(scope, issue)));
          }
          return all;
        },
      );
      issues.push(...value);
    }
    return releaseNotes(version, issues);
  }

  /** Open issues assigned to the signed-in user on every instance. */
  async myIssues(
    credentials: BackstageCredentials,
    limit = 20,
  ): Promise<JiraSearchPage & { notices: JiraNotice[] }> {
    this.requireConfigured();
    const email = await this.emailOf(credentials);
    if (!email) {
      return {
        issues: [],
        notices: [
          {
            kind: 'info',
            message:
              'Your catalog user has no email (spec.profile.email), so Comet cannot find your Jira account',
          },
        ],
      };
    }
    const issues: JiraIssue[] = [];
    const notices: JiraNotice[] = [];
    for (const config of this.options.instances.list()) {
      // One instance failing (its credentials, an outage) leaves the others' issues shown
      try {
        await this.myIssuesOn(
          credentials,
          config.name,
          email,
          limit,
          issues,
          notices,
        );
      } catch (error) {
        notices.push({
          kind: 'info',
          message: `Jira instance "${config.name}": ${
            toApiError(error).message
          }`,
        });
      }
    }
    issues.sort((a, b) => b.updated.localeCompare(a.updated));
    return { issues: issues.slice(0, limit), notices };
  }

  private async myIssuesOn(
    credentials: BackstageCredentials,
    instance: string,
    email: string,
    limit: number,
    issues: JiraIssue[],
    notices: JiraNotice[],
  ) {
    const config = { name: instance };
    const client = this.options.instances.client(config.name);
    const accountId = await this.accountOf(credentials, {
      instance: config.name,
      client,
    });
    if (!accountId) {
      notices.push({
        kind: 'info',
        message: `No Jira account on instance "${config.name}" has the email ${email}`,
      });
      return;
    }
    const jql = `assignee = ${jqlString(
      accountId,
    )} AND statusCategory != Done ORDER BY updated DESC`;
    const { value, notice } = await this.cached(
      config.name,
      'mine',
      { jql, limit },
      () => client.search({ jql, maxResults: limit }),
    );
    if (notice) notices.push(notice);
    issues.push(...value.issues);
  }

  /**
   * Projects of every configured instance (or `instance`) whose key or name contains `query`,
   * for a signed-in user: not tied to an entity, so only what the scopes of the caller's groups
   * allow (`comet.resourceScopes`), sorted by instance and key, at most `limit`. Names only, as
   * Comet's account sees them; no issue is read. An instance that fails (or answers from the
   * cache while Jira is down) is reported in `errors`; a named instance that fails throws.
   */
  async listProjects(
    credentials: BackstageCredentials,
    request: { instance?: string; query?: string; limit: number },
  ): Promise<{
    projects: JiraProjectChoice[];
    truncated: boolean;
    errors: Array<{ instance: string; message: string }>;
  }> {
    this.requireConfigured();
    const { instances } = this.options;
    const allowed = await callerResourceFilter({
      credentials,
      what: 'Listing Jira projects',
      family: jiraScopeFamily(instances),
      scopes: this.options.scopes,
      userInfo: this.options.userInfo,
    });
    const configured = instances.list();
    let listed = configured;
    if (request.instance !== undefined) {
      listed = configured.filter(i => i.name === request.instance);
      if (listed.length === 0) {
        throw new InputError(
          `instance: "${
            request.instance
          }" is not a Jira instance of jira.instances (configured: ${configured
            .map(i => i.name)
            .join(', ')})`,
        );
      }
    }
    let defaultName: string | undefined;
    try {
      defaultName = this.instanceName(undefined);
    } catch {
      // Several instances, none called default: every ref names its instance
    }
    const query = request.query?.trim() ?? '';
    const projects: JiraProjectChoice[] = [];
    const errors: Array<{ instance: string; message: string }> = [];
    let truncated = false;
    const answers = await Promise.all(
      listed.map(async config => {
        try {
          const client = instances.client(config.name);
          const { value, notice } = await this.cached(
            config.name,
            'projects',
            { query },
            () => client.listProjects({ query, maxResults: PROJECT_LIST_READ }),
          );
          if (notice)
            errors.push({ instance: config.name, message: notice.message });
          return { config, ...value };
        } catch (error) {
          if (request.instance !== undefined) throw toApiError(error);
          errors.push({
            instance: config.name,
            message: toApiError(error).message,
          });
          return undefined;
        }
      }),
    );
    for (const answer of answers) {
      if (!answer) continue;
      const instance = answer.config.name;
      truncated ||= answer.total > answer.projects.length;
      for (const project of answer.projects) {
        const ref =
          instance === defaultName ? project.key : `${instance}/${project.key}`;
        if (!allowed({ instance, name: project.key, source: ref })) continue;
        projects.push({
          key: project.key,
          name: project.name,
          instance,
          ref,
          url: `${answer.config.browseUrl}/browse/${encodeURIComponent(
            project.key,
          )}`,
        });
      }
    }
    projects.sort(
      (a, b) =>
        a.instance.localeCompare(b.instance, 'en-US') ||
        a.key.localeCompare(b.key, 'en-US'),
    );
    const limit = Math.min(Math.max(1, request.limit), MAX_PROJECT_LIST_LIMIT);
    return {
      projects: projects.slice(0, limit),
      truncated: truncated || projects.length > limit,
      errors,
    };
  }

  /** Raw JQL on one instance, for holders of `jira.search.jql`. */
  async search(
    credentials: BackstageCredentials,
    request: {
      jql: string;
      instance?: string;
      pageToken?: string;
      limit?: number;
    },
  ): Promise<JiraSearchPage> {
    this.requireConfigured();
    const [decision] = await this.options.permissions.authorize(
      [{ permission: jiraSearchJqlPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Searching Jira with raw JQL needs the ${jiraSearchJqlPermission.name} permission; search an entity's issues instead`,
      );
    }
    let instance: string;
    try {
      instance = this.instanceName(request.instance);
    } catch (error) {
      throw new InputError(`instance: ${(error as Error).message}`);
    }
    const client = this.options.instances.client(instance);
    return this.call(() =>
      client.search({
        jql: request.jql,
        pageToken: request.pageToken,
        maxResults: request.limit ?? 25,
      }),
    );
  }
}

type Cursor = { scope: number; token?: string };

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(token: string | undefined, scopes: number): Cursor {
  if (!token) return { scope: 0 };
  try {
    const cursor = JSON.parse(Buffer.from(token, 'base64url').toString());
    if (
      Number.isInteger(cursor.scope) &&
      cursor.scope >= 0 &&
      cursor.scope < scopes &&
      (cursor.token === undefined || typeof cursor.token === 'string')
    ) {
      return cursor;
    }
  } catch {
    // reported below
  }
  throw new InputError('pageToken is not a token this API gave out');
}
