import type { Config } from '@backstage/config';
import { ExternalApiMetrics } from '@internal/backend-common';
import {
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  QualityGate,
  QualityGateStatus,
  SONARQUBE_METRIC_KEYS,
  SonarQubeBranches,
  SonarQubeHotspotPage,
  SonarQubeIssuePage,
  SonarQubeMeasureHistory,
  SonarQubeMeasures,
  SonarQubeScope,
} from '@internal/plugin-sonarqube-common';
import {
  SonarQubeInstanceConfig,
  SonarQubeInstanceInfo,
  SonarQubeInstances,
} from './SonarQubeInstances';

/** SonarQube returns at most the first 10,000 results of an issue or hotspot search. */
export const SONARQUBE_MAX_SEARCH_RESULTS = 10_000;

/** Which project, on which instance (the default one when absent), where in it. */
export type SonarQubeProjectQuery = SonarQubeScope & {
  instance?: string;
  projectKey: string;
};

export type SonarQubeAnalysis = {
  key: string;
  date: string;
  revision?: string;
};

export type SonarQubeComputeTask = {
  id: string;
  status:
    | 'PENDING'
    | 'IN_PROGRESS'
    | 'SUCCESS'
    | 'FAILED'
    | 'CANCELED'
    | string;
  analysisId?: string;
  branch?: string;
  pullRequest?: string;
  errorMessage?: string;
};

export type SonarQubeProjectInfo = {
  key: string;
  name: string;
  visibility?: string;
  lastAnalysisDate?: string;
};

type RequestOptions = {
  method?: 'GET' | 'POST';
  params?: Record<string, string | number | undefined>;
  /** What the call is about, for error messages (e.g. `project "acme_api"`). */
  subject?: string;
};

/** Called for every Web API request, e.g. to count calls per view. */
export type SonarQubeRequestListener = (event: {
  instance: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
}) => void;

function sleep(ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason ?? new Error('Aborted'));
      },
      { once: true },
    );
  });
}

function scopeParams(scope: SonarQubeScope) {
  return {
    branch: scope.pullRequest ? undefined : scope.branch,
    pullRequest: scope.pullRequest,
  };
}

function scopeText(query: SonarQubeProjectQuery) {
  if (query.pullRequest) return ` pull request ${query.pullRequest}`;
  if (query.branch) return ` branch ${query.branch}`;
  return '';
}

/**
 * SonarQube's documented Web API (`/api/...`) over `fetch`, for every configured instance.
 * Every call has a timeout; reads are retried with backoff on 429/502/503/504 and network
 * errors, honouring `Retry-After`. Errors are Backstage errors whose message names the
 * instance and the Web API path (never the token):
 * 401 (the configured token is invalid) → ServiceUnavailableError,
 * 403 (the token lacks a permission) → NotAllowedError,
 * 404 (unknown project, branch, analysis) → NotFoundError,
 * 400 → InputError,
 * 3xx → ServiceUnavailableError: redirects are never followed, so the token is only ever sent
 * to the configured `baseUrl`.
 */
export class SonarQubeClient {
  static fromConfig(
    config: Config,
    options: {
      fetch?: typeof fetch;
      maxRetries?: number;
      metrics?: ExternalApiMetrics;
    } = {},
  ): SonarQubeClient {
    return new SonarQubeClient({
      instances: SonarQubeInstances.fromConfig(config),
      timeoutMs:
        (config.getOptionalNumber('sonarqube.requestTimeoutSeconds') ?? 10) *
        1000,
      fetch: options.fetch,
      maxRetries: options.maxRetries,
      metrics:
        options.metrics ?? ExternalApiMetrics.forRootService('sonarqube'),
    });
  }

  private readonly listeners: SonarQubeRequestListener[] = [];
  /** Instances whose token may not administer: projects are listed by what it may browse. */
  private readonly browseOnly = new Set<string>();

  constructor(
    private readonly options: {
      instances: SonarQubeInstances;
      timeoutMs?: number;
      maxRetries?: number;
      fetch?: typeof fetch;
      /** `comet.external.*` metrics of every call (system `sonarqube`, per instance). */
      metrics?: ExternalApiMetrics;
    },
  ) {}

  get configured(): boolean {
    return this.options.instances.configured;
  }

  listInstances(): SonarQubeInstanceInfo[] {
    return this.options.instances.list();
  }

  /** The instance config (throws NotFoundError naming the configured ones when unknown). */
  instance(name?: string): SonarQubeInstanceConfig {
    return this.options.instances.get(name);
  }

  onRequest(listener: SonarQubeRequestListener) {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  /** Link to a project's dashboard (on the branch or pull request), for users. */
  dashboardUrl(query: SonarQubeProjectQuery): string {
    const { externalBaseUrl } = this.instance(query.instance);
    const url = new URL(`${externalBaseUrl}/dashboard`);
    url.searchParams.set('id', query.projectKey);
    if (query.pullRequest)
      url.searchParams.set('pullRequest', query.pullRequest);
    else if (query.branch) url.searchParams.set('branch', query.branch);
    return url.toString();
  }

  issueUrl(query: SonarQubeProjectQuery, issueKey: string): string {
    const { externalBaseUrl } = this.instance(query.instance);
    const url = new URL(`${externalBaseUrl}/project/issues`);
    url.searchParams.set('id', query.projectKey);
    url.searchParams.set('open', issueKey);
    if (query.pullRequest)
      url.searchParams.set('pullRequest', query.pullRequest);
    else if (query.branch) url.searchParams.set('branch', query.branch);
    return url.toString();
  }

  hotspotUrl(query: SonarQubeProjectQuery, hotspotKey: string): string {
    const { externalBaseUrl } = this.instance(query.instance);
    const url = new URL(`${externalBaseUrl}/security_hotspots`);
    url.searchParams.set('id', query.projectKey);
    url.searchParams.set('hotspots', hotspotKey);
    if (query.pullRequest)
      url.searchParams.set('pullRequest', query.pullRequest);
    else if (query.branch) url.searchParams.set('branch', query.branch);
    return url.toString();
  }

  /** One Web API call; `path` is e.g. `api/measures/component`. */
  async request<T>(
    instanceName: string | undefined,
    path: string,
    options: RequestOptions = {},
  ): Promise<T> {
    const instance = this.instance(instanceName);
    const method = options.method ?? 'GET';
    const url = new URL(`${instance.baseUrl}/${path}`);
    for (const [key, value] of Object.entries(options.params ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const where = `SonarQube instance "${instance.name}": ${method} ${path}${
      options.subject ? ` for ${options.subject}` : ''
    }`;
    const authorization =
      instance.tokenKind === 'Bearer'
        ? `Bearer ${instance.apiKey}`
        : `Basic ${Buffer.from(`${instance.apiKey}:`).toString('base64')}`;
    const maxRetries = method === 'GET' ? this.options.maxRetries ?? 3 : 0;
    const doFetch = this.options.fetch ?? fetch;
    for (let attempt = 0; ; attempt++) {
      const started = Date.now();
      let response: Response;
      try {
        response = await doFetch(url, {
          method,
          headers: { authorization, accept: 'application/json' },
          // A redirect followed by fetch would carry the token to whatever host it names.
          redirect: 'manual',
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        this.options.metrics?.call({
          instance: instance.name,
          failure:
            (error as Error)?.name === 'TimeoutError' ? 'timeout' : 'network',
          durationMs: Date.now() - started,
        });
        const reason =
          (error as Error)?.name === 'TimeoutError'
            ? `no answer within ${(this.options.timeoutMs ?? 10_000) / 1000} s`
            : String(
                (error as Error)?.cause ?? (error as Error)?.message ?? error,
              );
        if (attempt < maxRetries) {
          await sleep(250 * 2 ** attempt);
          continue;
        }
        throw new ServiceUnavailableError(`${where} failed: ${reason}`);
      }
      this.options.metrics?.call({
        instance: instance.name,
        status: response.status,
        durationMs: Date.now() - started,
      });
      for (const listener of this.listeners) {
        listener({
          instance: instance.name,
          method,
          path,
          status: response.status,
          durationMs: Date.now() - started,
        });
      }
      if (
        [429, 502, 503, 504].includes(response.status) &&
        attempt < maxRetries
      ) {
        const retryAfter = Number(response.headers.get('retry-after'));
        await response.body?.cancel().catch(() => {});
        const wait =
          Number.isFinite(retryAfter) && retryAfter > 0
            ? Math.min(retryAfter, 30) * 1000
            : 250 * 2 ** attempt;
        if (response.status === 429 || retryAfter > 0) {
          this.options.metrics?.rateLimitWait(instance.name, wait);
        }
        await sleep(wait);
        continue;
      }
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel().catch(() => {});
        throw new ServiceUnavailableError(
          `${where} answered with a redirect (${response.status}), which Comet does not follow so that the token stays with the configured host: set baseUrl to the URL SonarQube answers on`,
        );
      }
      const text = await response.text();
      if (response.ok) {
        if (!text) return undefined as T;
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new ServiceUnavailableError(
            `${where} answered ${response.status} with a body that is not JSON (is ${instance.baseUrl} a SonarQube Web API URL?)`,
          );
        }
      }
      let detail = '';
      try {
        const body = JSON.parse(text) as { errors?: Array<{ msg?: string }> };
        detail = (body.errors ?? [])
          .map(e => e.msg)
          .filter(Boolean)
          .join('; ');
      } catch {
        detail = '';
      }
      const suffix = detail ? `: ${detail}` : '';
      switch (response.status) {
        case 400:
          throw new InputError(`${where} was rejected (400)${suffix}`);
        case 401:
          throw new ServiceUnavailableError(
            `${where} was refused (401): the configured token is invalid, expired or missing${suffix}`,
          );
        case 403:
          throw new NotAllowedError(
            `${where} was refused (403): the configured token lacks the permission (a project analysis token reads only its own project; a global analysis token cannot browse; use a user token with Browse)${suffix}`,
          );
        case 404:
          throw new NotFoundError(`${where}: not found (404)${suffix}`);
        default:
          throw new ServiceUnavailableError(
            `${where} failed with ${response.status}${suffix}`,
          );
      }
    }
  }

  private subject(query: SonarQubeProjectQuery) {
    return `project "${query.projectKey}"${scopeText(query)}`;
  }

  /** The measures Comet shows (SONARQUBE_METRIC_KEYS) of the latest analysis. */
  async getMeasures(query: SonarQubeProjectQuery): Promise<{
    name: string;
    measures: SonarQubeMeasures;
  }> {
    const body = await this.request<{
      component: {
        name: string;
        measures: Array<{ metric: string; value?: string }>;
      };
    }>(query.instance, 'api/measures/component', {
      params: {
        component: query.projectKey,
        metricKeys: SONARQUBE_METRIC_KEYS.join(','),
        ...scopeParams(query),
      },
      subject: this.subject(query),
    });
    const measures: SonarQubeMeasures = {};
    for (const m of body.component.measures ?? []) {
      if (m.value !== undefined) {
        (measures as Record<string, string>)[m.metric] = m.value;
      }
    }
    return { name: body.component.name, measures };
  }

  /** The quality gate of the latest analysis, or of one analysis by id. */
  async getQualityGate(
    query: SonarQubeProjectQuery & { analysisId?: string },
  ): Promise<QualityGate> {
    const body = await this.request<{
      projectStatus: {
        status: QualityGateStatus;
        conditions?: QualityGate['conditions'];
      };
    }>(query.instance, 'api/qualitygates/project_status', {
      params: query.analysisId
        ? { analysisId: query.analysisId }
        : { projectKey: query.projectKey, ...scopeParams(query) },
      subject: query.analysisId
        ? `analysis ${query.analysisId} of project "${query.projectKey}"`
        : this.subject(query),
    });
    return {
      status: body.projectStatus.status,
      conditions: (body.projectStatus.conditions ?? []).map(c => ({
        metricKey: c.metricKey,
        comparator: c.comparator,
        errorThreshold: c.errorThreshold,
        actualValue: c.actualValue,
        status: c.status,
      })),
    };
  }

  /** Measure history for trend charts, oldest first (all pages, up to `maxPoints`). */
  async getMeasureHistory(
    query: SonarQubeProjectQuery & {
      metrics: string[];
      from?: string;
      maxPoints?: number;
    },
  ): Promise<SonarQubeMeasureHistory> {
    const result = new Map<string, Array<{ date: string; value?: string }>>();
    const maxPoints = query.maxPoints ?? 1000;
    for (let page = 1; ; page++) {
      const body = await this.request<{
        paging: { pageIndex: number; pageSize: number; total: number };
        measures: Array<{
          metric: string;
          history: Array<{ date: string; value?: string }>;
        }>;
      }>(query.instance, 'api/measures/search_history', {
        params: {
          component: query.projectKey,
          metrics: query.metrics.join(','),
          from: query.from,
          p: page,
          ps: 1000,
          ...scopeParams(query),
        },
        subject: this.subject(query),
      });
      for (const m of body.measures) {
        result.set(m.metric, [...(result.get(m.metric) ?? []), ...m.history]);
      }
      const seen = page * body.paging.pageSize;
      if (seen >= body.paging.total || seen >= maxPoints) break;
    }
    return {
      metrics: query.metrics.map(metric => ({
        metric,
        history: (result.get(metric) ?? []).slice(-maxPoints),
      })),
    };
  }

  /** One page of open issues; `page * pageSize` may not pass SonarQube's 10,000 limit. */
  async searchIssues(
    query: SonarQubeProjectQuery & {
      types?: string[];
      severities?: string[];
      page: number;
      pageSize: number;
    },
  ): Promise<SonarQubeIssuePage> {
    if (query.page * query.pageSize > SONARQUBE_MAX_SEARCH_RESULTS) {
      throw new InputError(
        `SonarQube returns only the first ${SONARQUBE_MAX_SEARCH_RESULTS} issues of a search; page ${query.page} of ${query.pageSize} is past that (narrow the search with types or severities)`,
      );
    }
    const body = await this.request<{
      paging: { pageIndex: number; pageSize: number; total: number };
      issues: Array<{
        key: string;
        rule: string;
        severity: string;
        type: string;
        message: string;
        component: string;
        line?: number;
        status: string;
        effort?: string;
        creationDate?: string;
        tags?: string[];
      }>;
    }>(query.instance, 'api/issues/search', {
      params: {
        componentKeys: query.projectKey,
        resolved: 'false',
        types: query.types?.length ? query.types.join(',') : undefined,
        severities: query.severities?.length
          ? query.severities.join(',')
          : undefined,
        p: query.page,
        ps: query.pageSize,
        ...scopeParams(query),
      },
      subject: this.subject(query),
    });
    return {
      total: body.paging.total,
      page: body.paging.pageIndex,
      pageSize: body.paging.pageSize,
      reachableTotal: Math.min(body.paging.total, SONARQUBE_MAX_SEARCH_RESULTS),
      issues: body.issues.map(issue => ({
        key: issue.key,
        rule: issue.rule,
        severity: issue.severity,
        type: issue.type,
        message: issue.message,
        component: issue.component.startsWith(`${query.projectKey}:`)
          ? issue.component.slice(query.projectKey.length + 1)
          : issue.component,
        line: issue.line,
        status: issue.status,
        effort: issue.effort,
        creationDate: issue.creationDate,
        tags: issue.tags ?? [],
        url: this.issueUrl(query, issue.key),
      })),
    };
  }

  /** One page of security hotspots (to review by default). */
  async searchHotspots(
    query: SonarQubeProjectQuery & {
      status?: 'TO_REVIEW' | 'REVIEWED';
      page: number;
      pageSize: number;
    },
  ): Promise<SonarQubeHotspotPage> {
    if (query.page * query.pageSize > SONARQUBE_MAX_SEARCH_RESULTS) {
      throw new InputError(
        `SonarQube returns only the first ${SONARQUBE_MAX_SEARCH_RESULTS} hotspots of a search; page ${query.page} of ${query.pageSize} is past that`,
      );
    }
    const body = await this.request<{
      paging: { pageIndex: number; pageSize: number; total: number };
      hotspots: Array<{
        key: string;
        message: string;
        component: string;
        line?: number;
        status: string;
        resolution?: string;
        vulnerabilityProbability: string;
        securityCategory?: string;
      }>;
    }>(query.instance, 'api/hotspots/search', {
      params: {
        projectKey: query.projectKey,
        status: query.status ?? 'TO_REVIEW',
        p: query.page,
        ps: query.pageSize,
        ...scopeParams(query),
      },
      subject: this.subject(query),
    });
    return {
      total: body.paging.total,
      page: body.paging.pageIndex,
      pageSize: body.paging.pageSize,
      hotspots: body.hotspots.map(h => ({
        key: h.key,
        message: h.message,
        component: h.component.startsWith(`${query.projectKey}:`)
          ? h.component.slice(query.projectKey.length + 1)
          : h.component,
        line: h.line,
        status: h.status,
        resolution: h.resolution,
        vulnerabilityProbability: h.vulnerabilityProbability,
        securityCategory: h.securityCategory,
        url: this.hotspotUrl(query, h.key),
      })),
    };
  }

  /** Branches and pull requests with their gate status. */
  async listBranches(
    query: Omit<SonarQubeProjectQuery, keyof SonarQubeScope>,
  ): Promise<SonarQubeBranches> {
    const subject = `project "${query.projectKey}"`;
    const [branches, pulls] = await Promise.all([
      this.request<{
        branches: Array<{
          name: string;
          isMain: boolean;
          analysisDate?: string;
          status?: { qualityGateStatus?: QualityGateStatus };
        }>;
      }>(query.instance, 'api/project_branches/list', {
        params: { project: query.projectKey },
        subject,
      }),
      this.request<{
        pullRequests: Array<{
          key: string;
          title: string;
          branch: string;
          base?: string;
          analysisDate?: string;
          status?: { qualityGateStatus?: QualityGateStatus };
        }>;
      }>(query.instance, 'api/project_pull_requests/list', {
        params: { project: query.projectKey },
        subject,
      }),
    ]);
    return {
      branches: branches.branches.map(b => ({
        name: b.name,
        isMain: b.isMain,
        analysisDate: b.analysisDate,
        qualityGateStatus: b.status?.qualityGateStatus,
      })),
      pullRequests: pulls.pullRequests.map(pr => ({
        key: pr.key,
        title: pr.title,
        branch: pr.branch,
        base: pr.base,
        analysisDate: pr.analysisDate,
        qualityGateStatus: pr.status?.qualityGateStatus,
      })),
    };
  }

  /** Processed analyses, newest first (one page). */
  async listAnalyses(
    query: SonarQubeProjectQuery & { pageSize?: number },
  ): Promise<SonarQubeAnalysis[]> {
    const body = await this.request<{
      analyses: Array<{ key: string; date: string; revision?: string }>;
    }>(query.instance, 'api/project_analyses/search', {
      params: {
        project: query.projectKey,
        ps: query.pageSize ?? 100,
        ...scopeParams(query),
      },
      subject: this.subject(query),
    });
    return body.analyses.map(a => ({
      key: a.key,
      date: a.date,
      revision: a.revision,
    }));
  }

  /** Compute engine tasks of a project: queued ones and the last processed one. */
  async getComputeTasks(
    query: Omit<SonarQubeProjectQuery, keyof SonarQubeScope>,
  ): Promise<{
    queue: SonarQubeComputeTask[];
    current?: SonarQubeComputeTask;
  }> {
    const body = await this.request<{
      queue: SonarQubeComputeTask[];
      current?: SonarQubeComputeTask;
    }>(query.instance, 'api/ce/component', {
      params: { component: query.projectKey },
      subject: `project "${query.projectKey}"`,
    });
    return { queue: body.queue ?? [], current: body.current };
  }

  /** Projects by key (needs the Administer permission). */
  async searchProjects(query: {
    instance?: string;
    projectKeys: string[];
  }): Promise<SonarQubeProjectInfo[]> {
    const instance = this.instance(query.instance);
    const body = await this.request<{ components: SonarQubeProjectInfo[] }>(
      query.instance,
      'api/projects/search',
      {
        params: {
          projects: query.projectKeys.join(','),
          organization: instance.organization,
        },
        subject: query.projectKeys.map(k => `project "${k}"`).join(', '),
      },
    );
    return body.components;
  }

  /**
   * Projects whose key or name contains `query` (every project without it): the first
   * `pageSize` (at most 500), and how many match. `api/projects/search` needs the Administer permission;
   * when the token lacks it (403) `api/components/search_projects` answers instead, with the
   * projects the token may browse, and that instance keeps using it until restart.
   */
  async listProjects(query: {
    instance?: string;
    query?: string;
    pageSize: number;
  }): Promise<{
    projects: SonarQubeProjectInfo[];
    total: number;
    api: 'api/projects/search' | 'api/components/search_projects';
  }> {
    const instance = this.instance(query.instance);
    // SonarQube's filter language ends a string at a quote: keep none
    const text = query.query?.replace(/"/g, '').trim() || undefined;
    const ps = Math.min(Math.max(1, query.pageSize), 500);
    if (!this.browseOnly.has(instance.name)) {
      try {
        const body = await this.request<{
          paging: { total: number };
          components: SonarQubeProjectInfo[];
        }>(instance.name, 'api/projects/search', {
          params: {
            q: text,
            qualifiers: 'TRK',
            p: 1,
            ps,
            organization: instance.organization,
          },
        });
        return {
          projects: body.components,
          total: body.paging.total,
          api: 'api/projects/search',
        };
      } catch (error) {
        if ((error as Error).name !== 'NotAllowedError') throw error;
        this.browseOnly.add(instance.name);
      }
    }
    const body = await this.request<{
      paging: { total: number };
      components: SonarQubeProjectInfo[];
    }>(instance.name, 'api/components/search_projects', {
      params: {
        filter: text ? `query = "${text}"` : undefined,
        p: 1,
        ps,
        organization: instance.organization,
      },
    });
    return {
      projects: body.components.map(c => ({ key: c.key, name: c.name })),
      total: body.paging.total,
      api: 'api/components/search_projects',
    };
  }

  async createProject(query: {
    instance?: string;
    projectKey: string;
    name: string;
    mainBranch?: string;
    visibility?: 'public' | 'private';
  }): Promise<SonarQubeProjectInfo> {
    const instance = this.instance(query.instance);
    const body = await this.request<{ project: SonarQubeProjectInfo }>(
      query.instance,
      'api/projects/create',
      {
        method: 'POST',
        params: {
          project: query.projectKey,
          name: query.name,
          mainBranch: query.mainBranch,
          visibility: query.visibility,
          organization: instance.organization,
        },
        subject: `project "${query.projectKey}"`,
      },
    );
    return body.project;
  }

  async getProjectQualityGate(query: {
    instance?: string;
    projectKey: string;
  }): Promise<string> {
    const body = await this.request<{ qualityGate: { name: string } }>(
      query.instance,
      'api/qualitygates/get_by_project',
      {
        params: {
          project: query.projectKey,
          organization: this.instance(query.instance).organization,
        },
        subject: `project "${query.projectKey}"`,
      },
    );
    return body.qualityGate.name;
  }

  async selectQualityGate(query: {
    instance?: string;
    projectKey: string;
    gateName: string;
  }): Promise<void> {
    await this.request(query.instance, 'api/qualitygates/select', {
      method: 'POST',
      params: {
        projectKey: query.projectKey,
        gateName: query.gateName,
        organization: this.instance(query.instance).organization,
      },
      subject: `project "${query.projectKey}" (quality gate "${query.gateName}")`,
    });
  }

  async getNewCodePeriod(query: {
    instance?: string;
    projectKey: string;
  }): Promise<{ type: string; value?: string; inherited: boolean }> {
    return this.request(query.instance, 'api/new_code_periods/show', {
      params: { project: query.projectKey },
      subject: `project "${query.projectKey}"`,
    });
  }

  async setNewCodePeriod(query: {
    instance?: string;
    projectKey: string;
    type: string;
    value?: string;
  }): Promise<void> {
    await this.request(query.instance, 'api/new_code_periods/set', {
      method: 'POST',
      params: {
        project: query.projectKey,
        type: query.type,
        value: query.value,
      },
      subject: `project "${query.projectKey}"`,
    });
  }
}
