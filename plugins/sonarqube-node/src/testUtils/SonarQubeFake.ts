import express from 'express';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  EXAMPLE_SONARQUBE_PROJECTS,
  FAKE_QUALITY_GATES,
  FakeAnalysis,
  FakeProject,
  FakeScope,
  SONARQUBE_FAKE_DEMO_TOKEN,
  SonarQubeFakeGate,
  SonarQubeFakeProjectSeed,
  SonarQubeFakeState,
  SonarQubeFakeToken,
} from './SonarQubeFakeState';

export {
  EXAMPLE_SONARQUBE_PROJECTS,
  SONARQUBE_FAKE_DEMO_TOKEN,
  SonarQubeFakeState,
};
export type { SonarQubeFakeGate, SonarQubeFakeProjectSeed, SonarQubeFakeToken };

export type SonarQubeFakeOptions = {
  /** Projects to create; the example catalog's projects when absent. */
  projects?: SonarQubeFakeProjectSeed[];
  /** Tokens it accepts; the demo token (a user token, admin) when absent. */
  tokens?: SonarQubeFakeToken[];
  /**
   * Whether `api/ce/submit` accepts analyses without a token (SonarQube with "Force user
   * authentication" off and Execute Analysis granted to Anyone). Default true, so an example
   * pipeline can analyse with no secret.
   */
  anonymousAnalysis?: boolean;
  /**
   * Milliseconds to wait before each answer, so a benchmark against the fake sees a network's
   * round trip instead of loopback's. Default 0.
   */
  latencyMs?: number;
};

export type SonarQubeFakeStartOptions = SonarQubeFakeOptions & {
  /**
   * The path the Web API is served under, as SonarQube's `sonar.web.context` (e.g. `/sonar`),
   * so clients are tested with a base URL that has a path. Default: the root.
   */
  contextPath?: string;
};

/** One request the fake answered, for tests and the bench to count API calls. */
export type SonarQubeFakeCall = {
  method: string;
  path: string;
  query: Record<string, unknown>;
};

class FakeError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const MAX_RESULTS = 10_000;

/**
 * A local SonarQube that answers as the Web API documentation says: the read endpoints Comet
 * uses (measures, history, quality gate status, issues and hotspots with `p`/`ps` paging and
 * the 10,000-result limit, branches, pull requests, analyses, compute engine tasks), project
 * provisioning and tags (`api/project_tags/set`, read back through `api/components/show`),
 * webhooks, and token authentication as Bearer or basic `token:`. Errors are
 * `{"errors":[{"msg":…}]}`: 401 for a bad token, 403 for a token that lacks a permission,
 * 404 for an unknown project, branch or analysis, 400 for bad parameters.
 *
 * Tests drive analyses with {@link SonarQubeFake.publishAnalysis}; `api/ce/submit` does the
 * same over HTTP with the commit as `revision` (the real one takes the scanner's report).
 *
 * `await SonarQubeFake.start()` listens on 127.0.0.1 on a free port (tests, benchmarks) and
 * gives its `url`; `new SonarQubeFake().router` does not listen, for mounting in a server that
 * already runs (the portal's `/api/fakes/sonarqube`).
 */
export class SonarQubeFake {
  readonly state = new SonarQubeFakeState();
  readonly calls: SonarQubeFakeCall[] = [];
  readonly router: express.Router;
  private readonly anonymousAnalysis: boolean;
  private redirects: Array<{
    path: string;
    location: string;
    status: number;
  }> = [];
  private failures: Array<{
    path: string;
    status: number;
    retryAfter?: number;
    times: number;
  }> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly latencyMs: number;
  private server?: Server;
  private baseUrl?: string;

  /** A fake listening on 127.0.0.1 on a free port; `close()` it when done. */
  static async start(
    options: SonarQubeFakeStartOptions = {},
  ): Promise<SonarQubeFake> {
    const fake = new SonarQubeFake(options);
    const contextPath = (options.contextPath ?? '').replace(/\/+$/, '');
    const app = express();
    app.use(contextPath || '/', fake.router);
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    fake.server = server;
    fake.baseUrl = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }${contextPath}`;
    return fake;
  }

  constructor(options: SonarQubeFakeOptions = {}) {
    for (const seed of options.projects ?? EXAMPLE_SONARQUBE_PROJECTS) {
      this.state.addProject(seed);
    }
    for (const token of options.tokens ?? [
      { token: SONARQUBE_FAKE_DEMO_TOKEN, type: 'user' as const, admin: true },
    ]) {
      this.state.tokens.set(token.token, token);
    }
    this.anonymousAnalysis = options.anonymousAnalysis ?? true;
    this.latencyMs = options.latencyMs ?? 0;
    this.router = this.createRouter();
  }

  /** The Web API's base URL, as `sonarqube.instances[].baseUrl` takes it (after `start()`). */
  get url(): string {
    if (!this.baseUrl) {
      throw new Error(
        'This SonarQubeFake is not listening: create it with SonarQubeFake.start()',
      );
    }
    return this.baseUrl;
  }

  /** Makes the next `times` requests to `path` (e.g. `api/measures/component`) fail. */
  failNext(
    path: string,
    status: number,
    options: { retryAfter?: number; times?: number } = {},
  ) {
    this.failures.push({
      path,
      status,
      retryAfter: options.retryAfter,
      times: options.times ?? 1,
    });
  }

  /**
   * Makes the next request to `path` answer `status` (a 3xx) with `Location: location`, as a
   * SonarQube behind a proxy that moved would.
   */
  redirectNext(path: string, location: string, status = 302) {
    this.redirects.push({ path, location, status });
  }

  /** Forgets the recorded calls. */
  resetCalls() {
    this.calls.length = 0;
  }

  /** Stops pending webhook deliveries and, if it was started, the server. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Clients keep connections alive; close them so the server stops now
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close(error => (error ? reject(error) : resolve())),
    );
  }

  /**
   * An analysis of `revision` as a scanner would submit it: a compute engine task that stays
   * pending for `pendingMs`, then a processed analysis with the given gate. Delivers the
   * "quality gate changed" webhook when it is processed.
   */
  publishAnalysis(options: {
    projectKey: string;
    revision: string;
    gate: SonarQubeFakeGate;
    branch?: string;
    pullRequest?: string;
    pendingMs?: number;
  }): { taskId: string; analysisId: string } {
    const project = this.state.projects.get(options.projectKey);
    if (!project) throw new Error(`No fake project ${options.projectKey}`);
    const scope = this.scopeFor(
      project,
      options.branch,
      options.pullRequest,
      true,
    );
    const analysis = this.state.addAnalysis(project, scope, {
      revision: options.revision,
      gate: options.gate,
      pendingMs: options.pendingMs,
    });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.deliverWebhooks(project, scope, analysis);
    }, options.pendingMs ?? 0);
    timer.unref?.();
    this.timers.add(timer);
    return { taskId: analysis.taskId, analysisId: analysis.key };
  }

  private scopeFor(
    project: FakeProject,
    branch?: string,
    pullRequest?: string,
    create = false,
  ): FakeScope {
    if (pullRequest) {
      let pr = project.pullRequests.get(pullRequest);
      if (!pr && create) {
        pr = {
          id: `pr:${pullRequest}`,
          key: pullRequest,
          title: `Pull request ${pullRequest}`,
          branch: branch ?? `pr-${pullRequest}`,
          base: 'main',
          issueCount: 5,
          hotspotCount: 0,
          analyses: [],
        };
        project.pullRequests.set(pullRequest, pr);
      }
      if (!pr) {
        throw new FakeError(
          404,
          `Pull request '${pullRequest}' in project '${project.key}' not found`,
        );
      }
      return pr;
    }
    // The main branch may have another name (api/projects/create's mainBranch)
    const main = [...project.branches.values()].find(b => b.isMain)!;
    const name = branch ?? main.name;
    let found = project.branches.get(name);
    if (!found && create) {
      found = {
        id: `branch:${name}`,
        name,
        isMain: false,
        issueCount: main.issueCount,
        hotspotCount: main.hotspotCount,
        analyses: [],
      };
      project.branches.set(name, found);
    }
    if (!found) {
      throw new FakeError(
        404,
        `Component '${project.key}' on branch '${name}' not found`,
      );
    }
    return found;
  }

  private async deliverWebhooks(
    project: FakeProject,
    scope: FakeScope,
    analysis: FakeAnalysis,
  ) {
    const hooks = this.state.webhooks.filter(
      h => !h.project || h.project === project.key,
    );
    if (hooks.length === 0) return;
    const isPr = scope.id.startsWith('pr:');
    const name = scope.id.slice(scope.id.indexOf(':') + 1);
    const body = JSON.stringify({
      serverUrl: 'http://sonarqube.fake',
      taskId: analysis.taskId,
      status: 'SUCCESS',
      analysedAt: analysis.date.toISOString().replace('.000Z', '+0000'),
      revision: analysis.revision,
      changedAt: analysis.date.toISOString().replace('.000Z', '+0000'),
      project: {
        key: project.key,
        name: project.name,
        url: `http://sonarqube.fake/dashboard?id=${project.key}`,
      },
      branch: {
        name,
        type: isPr ? 'PULL_REQUEST' : 'BRANCH',
        isMain: !isPr && name === 'main',
        url: `http://sonarqube.fake/dashboard?id=${project.key}`,
      },
      qualityGate: {
        name: project.qualityGate,
        status: analysis.gate,
        conditions: analysis.conditions.map(c => ({
          metric: c.metricKey,
          operator: c.comparator === 'GT' ? 'GREATER_THAN' : 'LESS_THAN',
          value: c.actualValue,
          status: c.status,
          errorThreshold: c.errorThreshold,
        })),
      },
      properties: {},
    });
    for (const hook of hooks) {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-sonar-webhook-id': hook.key,
      };
      if (hook.secret) {
        headers['x-sonar-webhook-hmac-sha256'] = createHmac(
          'sha256',
          hook.secret,
        )
          .update(body)
          .digest('hex');
      }
      try {
        await fetch(hook.url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(10_000),
        });
      } catch {
        // SonarQube records a failed delivery and moves on
      }
    }
  }

  private createRouter(): express.Router {
    const router = express.Router();
    if (this.latencyMs > 0) {
      router.use((_req, _res, next) => {
        setTimeout(next, this.latencyMs);
      });
    }
    router.use(express.urlencoded({ extended: false }));
    router.use(express.json());

    router.use((req, res, next) => {
      const path = req.path.replace(/^\//, '');
      this.calls.push({ method: req.method, path, query: { ...req.query } });
      const redirect = this.redirects.findIndex(r => r.path === path);
      if (redirect >= 0) {
        const [{ location, status }] = this.redirects.splice(redirect, 1);
        res.redirect(status, location);
        return;
      }
      const failure = this.failures.find(f => f.path === path && f.times > 0);
      if (failure) {
        failure.times -= 1;
        if (failure.retryAfter !== undefined) {
          res.setHeader('retry-after', String(failure.retryAfter));
        }
        res
          .status(failure.status)
          .json({ errors: [{ msg: `Injected failure ${failure.status}` }] });
        return;
      }
      next();
    });

    const handle =
      (
        fn: (
          params: Record<string, string>,
          token: SonarQubeFakeToken | undefined,
          req: express.Request,
        ) => unknown,
      ) =>
      (req: express.Request, res: express.Response) => {
        try {
          const params: Record<string, string> = {};
          for (const source of [req.query, req.body ?? {}]) {
            for (const [key, value] of Object.entries(
              source as Record<string, unknown>,
            )) {
              params[key] = Array.isArray(value)
                ? value.map(String).join('\n')
                : String(value);
            }
          }
          const token = this.authenticate(req);
          const result = fn(params, token, req);
          if (result === undefined) {
            res.status(204).end();
          } else {
            res.json(result);
          }
        } catch (error) {
          if (error instanceof FakeError) {
            res.status(error.status).json({ errors: [{ msg: error.message }] });
          } else {
            res.status(500).json({ errors: [{ msg: String(error) }] });
          }
        }
      };

    const requireToken = (token: SonarQubeFakeToken | undefined) => {
      if (!token) throw new FakeError(401, 'Authentication is required');
      return token;
    };
    const project = (key: string | undefined, param: string) => {
      if (!key) throw new FakeError(400, `The '${param}' parameter is missing`);
      const found = this.state.projects.get(key);
      if (!found) throw new FakeError(404, `Component key '${key}' not found`);
      return found;
    };
    // Browse: users with access; a project analysis token on its own project only.
    const canBrowse = (token: SonarQubeFakeToken, key: string) => {
      if (token.type === 'user')
        return !token.projects || token.projects.includes(key);
      if (token.type === 'project-analysis') return token.projects?.[0] === key;
      return false;
    };
    const checkBrowse = (
      token: SonarQubeFakeToken | undefined,
      key: string,
    ) => {
      if (!canBrowse(requireToken(token), key))
        throw new FakeError(403, 'Insufficient privileges');
    };
    // What a scanner needs to wait for its analysis: compute engine and quality gate status.
    const checkAnalysisRead = (
      token: SonarQubeFakeToken | undefined,
      key: string,
    ) => {
      const t = requireToken(token);
      if (t.type === 'global-analysis' || canBrowse(t, key)) return;
      throw new FakeError(403, 'Insufficient privileges');
    };
    const checkAdmin = (token: SonarQubeFakeToken | undefined) => {
      const t = requireToken(token);
      if (t.type !== 'user' || !t.admin)
        throw new FakeError(403, 'Insufficient privileges');
    };
    const paging = (
      params: Record<string, string>,
      defaultSize: number,
      maxSize: number,
    ) => {
      const p = params.p === undefined ? 1 : Number(params.p);
      const ps = params.ps === undefined ? defaultSize : Number(params.ps);
      if (!Number.isInteger(p) || p < 1)
        throw new FakeError(
          400,
          `'p' value (${params.p}) must be greater than 0`,
        );
      if (!Number.isInteger(ps) || ps < 1)
        throw new FakeError(
          400,
          `'ps' value (${params.ps}) must be greater than 0`,
        );
      if (ps > maxSize)
        throw new FakeError(
          400,
          `'ps' value (${ps}) must be less than ${maxSize}`,
        );
      return { p, ps };
    };
    const ready = (analyses: FakeAnalysis[]) =>
      analyses.filter(a => a.readyAt.getTime() <= Date.now());
    const lastAnalysis = (scope: FakeScope) => ready(scope.analyses).at(-1);
    const sonarDate = (date: Date) =>
      date.toISOString().replace(/\.\d{3}Z$/, '+0000');
    const list = (value: string | undefined) =>
      value
        ? value
            .split(',')
            .map(v => v.trim())
            .filter(Boolean)
        : undefined;
    const scopeOf = (p: FakeProject, params: Record<string, string>) =>
      this.scopeFor(p, params.branch, params.pullRequest);

    router.get('/api/server/version', (_req, res) => {
      res.type('text/plain').send('10.7.0.96327');
    });

    router.get(
      '/api/authentication/validate',
      handle((_params, token) => ({ valid: Boolean(token) })),
    );

    router.get(
      '/api/measures/component',
      handle((params, token) => {
        const p = project(params.component, 'component');
        checkBrowse(token, p.key);
        const metricKeys = list(params.metricKeys);
        if (!metricKeys)
          throw new FakeError(400, "The 'metricKeys' parameter is missing");
        const scope = scopeOf(p, params);
        const analysis = lastAnalysis(scope);
        const measures = analysis
          ? metricKeys
              .filter(m => analysis.measures[m] !== undefined)
              .map(m => ({ metric: m, value: analysis.measures[m] }))
          : [];
        return {
          component: {
            key: p.key,
            name: p.name,
            qualifier: 'TRK',
            ...(params.branch ? { branch: params.branch } : {}),
            ...(params.pullRequest ? { pullRequest: params.pullRequest } : {}),
            measures,
          },
        };
      }),
    );

    router.get(
      '/api/measures/search_history',
      handle((params, token) => {
        const p = project(params.component, 'component');
        checkBrowse(token, p.key);
        const metrics = list(params.metrics);
        if (!metrics)
          throw new FakeError(400, "The 'metrics' parameter is missing");
        const { p: page, ps } = paging(params, 100, 1000);
        const from = params.from ? Date.parse(params.from) : -Infinity;
        const to = params.to ? Date.parse(params.to) : Infinity;
        const analyses = ready(scopeOf(p, params).analyses).filter(
          a => a.date.getTime() >= from && a.date.getTime() <= to,
        );
        const pageOf = analyses.slice((page - 1) * ps, page * ps);
        return {
          paging: { pageIndex: page, pageSize: ps, total: analyses.length },
          measures: metrics.map(metric => ({
            metric,
            history: pageOf.map(a => ({
              date: sonarDate(a.date),
              ...(a.measures[metric] !== undefined
                ? { value: a.measures[metric] }
                : {}),
            })),
          })),
        };
      }),
    );

    router.get(
      '/api/qualitygates/project_status',
      handle((params, token) => {
        let analysis: FakeAnalysis | undefined;
        if (params.analysisId) {
          for (const p of this.state.projects.values()) {
            for (const scope of [
              ...p.branches.values(),
              ...p.pullRequests.values(),
            ]) {
              const found = ready(scope.analyses).find(
                a => a.key === params.analysisId,
              );
              if (found) {
                checkAnalysisRead(token, p.key);
                analysis = found;
              }
            }
          }
          if (!analysis)
            throw new FakeError(
              404,
              `Analysis with id '${params.analysisId}' is not found`,
            );
        } else if (params.projectKey || params.projectId) {
          const p = project(
            params.projectKey ?? params.projectId,
            'projectKey',
          );
          checkAnalysisRead(token, p.key);
          analysis = lastAnalysis(scopeOf(p, params));
        } else {
          throw new FakeError(
            400,
            "Either 'analysisId', 'projectId' or 'projectKey' must be provided",
          );
        }
        if (!analysis) {
          return {
            projectStatus: {
              status: 'NONE',
              conditions: [],
              ignoredConditions: false,
              caycStatus: 'non-compliant',
            },
          };
        }
        return {
          projectStatus: {
            status: analysis.gate,
            conditions: analysis.conditions,
            ignoredConditions: false,
            period: {
              mode: 'PREVIOUS_VERSION',
              date: sonarDate(analysis.date),
            },
            caycStatus: 'compliant',
          },
        };
      }),
    );

    router.get(
      '/api/issues/search',
      handle((params, token) => {
        const key = list(
          params.componentKeys ?? params.components ?? params.projects,
        )?.[0];
        const p = project(key, 'componentKeys');
        checkBrowse(token, p.key);
        const { p: page, ps } = paging(params, 100, 500);
        if (page * ps > MAX_RESULTS) {
          throw new FakeError(
            400,
            `Can return only the first ${MAX_RESULTS} results. ${
              page * ps
            }th result asked.`,
          );
        }
        const scope = scopeOf(p, params);
        const types = list(params.types);
        const severities = list(params.severities);
        const statuses = list(params.statuses ?? params.issueStatuses);
        let issues = lastAnalysis(scope) ? this.state.issuesOf(p, scope) : [];
        if (params.resolved === 'true') issues = [];
        if (types) issues = issues.filter(i => types.includes(i.type));
        if (severities)
          issues = issues.filter(i => severities.includes(i.severity));
        if (statuses) issues = issues.filter(i => statuses.includes(i.status));
        const pageOf = issues.slice((page - 1) * ps, page * ps);
        return {
          total: issues.length,
          p: page,
          ps,
          paging: { pageIndex: page, pageSize: ps, total: issues.length },
          effortTotal: issues.reduce(
            (sum, i) => sum + parseInt(i.effort, 10),
            0,
          ),
          issues: pageOf.map(i => ({
            ...i,
            ...(params.branch ? { branch: params.branch } : {}),
            ...(params.pullRequest ? { pullRequest: params.pullRequest } : {}),
            hash: i.key.slice(-8),
            textRange: {
              startLine: i.line,
              endLine: i.line,
              startOffset: 0,
              endOffset: 10,
            },
            flows: [],
          })),
          components: [...new Set(pageOf.map(i => i.component))].map(c => ({
            key: c,
            enabled: true,
            qualifier: 'FIL',
            name: c.split('/').pop(),
            longName: c.slice(c.indexOf(':') + 1),
            path: c.slice(c.indexOf(':') + 1),
          })),
          facets: [],
        };
      }),
    );

    router.get(
      '/api/hotspots/search',
      handle((params, token) => {
        const p = project(params.projectKey ?? params.project, 'projectKey');
        checkBrowse(token, p.key);
        const { p: page, ps } = paging(params, 100, 500);
        if (page * ps > MAX_RESULTS) {
          throw new FakeError(
            400,
            `Can return only the first ${MAX_RESULTS} results. ${
              page * ps
            }th result asked.`,
          );
        }
        if (
          params.status &&
          !['TO_REVIEW', 'REVIEWED'].includes(params.status)
        ) {
          throw new FakeError(
            400,
            `Value of parameter 'status' (${params.status}) must be one of: [TO_REVIEW, REVIEWED]`,
          );
        }
        const scope = scopeOf(p, params);
        let hotspots = lastAnalysis(scope)
          ? this.state.hotspotsOf(p, scope)
          : [];
        if (params.status)
          hotspots = hotspots.filter(h => h.status === params.status);
        return {
          paging: { pageIndex: page, pageSize: ps, total: hotspots.length },
          hotspots: hotspots.slice((page - 1) * ps, page * ps),
          components: [],
        };
      }),
    );

    router.get(
      '/api/project_branches/list',
      handle((params, token) => {
        const p = project(params.project, 'project');
        checkAnalysisRead(token, p.key);
        return {
          branches: [...p.branches.values()].map(b => {
            const last = lastAnalysis(b);
            return {
              name: b.name,
              isMain: b.isMain,
              type: 'BRANCH',
              ...(last
                ? {
                    status: { qualityGateStatus: last.gate },
                    analysisDate: sonarDate(last.date),
                  }
                : {}),
              excludedFromPurge: b.isMain,
            };
          }),
        };
      }),
    );

    router.get(
      '/api/project_pull_requests/list',
      handle((params, token) => {
        const p = project(params.project, 'project');
        checkAnalysisRead(token, p.key);
        return {
          pullRequests: [...p.pullRequests.values()].map(pr => {
            const last = lastAnalysis(pr);
            return {
              key: pr.key,
              title: pr.title,
              branch: pr.branch,
              base: pr.base,
              target: pr.base,
              ...(last
                ? {
                    status: {
                      qualityGateStatus: last.gate,
                      bugs: Number(last.measures.bugs),
                      vulnerabilities: Number(last.measures.vulnerabilities),
                      codeSmells: Number(last.measures.code_smells),
                    },
                    analysisDate: sonarDate(last.date),
                  }
                : {}),
            };
          }),
        };
      }),
    );

    router.get(
      '/api/project_analyses/search',
      handle((params, token) => {
        const p = project(params.project, 'project');
        checkAnalysisRead(token, p.key);
        const { p: page, ps } = paging(params, 100, 500);
        const analyses = ready(scopeOf(p, params).analyses).slice().reverse();
        return {
          paging: { pageIndex: page, pageSize: ps, total: analyses.length },
          analyses: analyses.slice((page - 1) * ps, page * ps).map(a => ({
            key: a.key,
            date: sonarDate(a.date),
            events: [],
            projectVersion: '1.0.0',
            ...(a.revision ? { revision: a.revision } : {}),
            manualNewCodePeriodBaseline: false,
          })),
        };
      }),
    );

    const taskOf = (p: FakeProject, scope: FakeScope, a: FakeAnalysis) => {
      const pending = a.readyAt.getTime() > Date.now();
      const name = scope.id.slice(scope.id.indexOf(':') + 1);
      return {
        id: a.taskId,
        type: 'REPORT',
        componentKey: p.key,
        componentName: p.name,
        componentQualifier: 'TRK',
        status: pending ? 'PENDING' : 'SUCCESS',
        submittedAt: sonarDate(a.submittedAt),
        ...(scope.id.startsWith('pr:')
          ? { pullRequest: name }
          : { branch: name, branchType: 'BRANCH' }),
        ...(pending
          ? {}
          : {
              analysisId: a.key,
              executedAt: sonarDate(a.date),
              executionTimeMs: 1200,
            }),
      };
    };

    router.get(
      '/api/ce/component',
      handle((params, token) => {
        const p = project(params.component, 'component');
        checkAnalysisRead(token, p.key);
        const all = [
          ...p.branches.values(),
          ...p.pullRequests.values(),
        ].flatMap(scope => scope.analyses.map(a => ({ scope, a })));
        const queue = all.filter(({ a }) => a.readyAt.getTime() > Date.now());
        const done = all
          .filter(({ a }) => a.readyAt.getTime() <= Date.now())
          .sort((x, y) => x.a.date.getTime() - y.a.date.getTime());
        const current = done.at(-1);
        return {
          queue: queue.map(({ scope, a }) => taskOf(p, scope, a)),
          ...(current ? { current: taskOf(p, current.scope, current.a) } : {}),
        };
      }),
    );

    router.get(
      '/api/ce/task',
      handle((params, token) => {
        if (!params.id)
          throw new FakeError(400, "The 'id' parameter is missing");
        for (const p of this.state.projects.values()) {
          for (const scope of [
            ...p.branches.values(),
            ...p.pullRequests.values(),
          ]) {
            const a = scope.analyses.find(x => x.taskId === params.id);
            if (a) {
              checkAnalysisRead(token, p.key);
              return { task: taskOf(p, scope, a) };
            }
          }
        }
        throw new FakeError(404, `No activity found for task '${params.id}'`);
      }),
    );

    // The scanner's upload. The real endpoint takes a multipart report; the fake takes the
    // commit as `revision` and the gate to simulate as `gate` (OK or ERROR).
    router.post(
      '/api/ce/submit',
      handle((params, token) => {
        if (!token && !this.anonymousAnalysis)
          throw new FakeError(401, 'Authentication is required');
        const p = project(params.projectKey, 'projectKey');
        if (token) checkAnalysisRead(token, p.key);
        const characteristics = (params.characteristic ?? '')
          .split('\n')
          .filter(Boolean);
        const characteristic = (name: string) =>
          characteristics
            .find(c => c.startsWith(`${name}=`))
            ?.slice(name.length + 1);
        const gate = (params.gate ?? 'OK').toUpperCase();
        if (gate !== 'OK' && gate !== 'ERROR') {
          throw new FakeError(
            400,
            `Value of parameter 'gate' (${params.gate}) must be one of: [OK, ERROR]`,
          );
        }
        const { taskId } = this.publishAnalysis({
          projectKey: p.key,
          revision: params.revision ?? '',
          gate: gate as SonarQubeFakeGate,
          branch: characteristic('branch') ?? params.branch,
          pullRequest: characteristic('pullRequest') ?? params.pullRequest,
          pendingMs: params.pendingMs ? Number(params.pendingMs) : 1500,
        });
        return { projectId: p.key, taskId };
      }),
    );

    router.get(
      '/api/projects/search',
      handle((params, token) => {
        checkAdmin(token);
        const { p: page, ps } = paging(params, 100, 500);
        const keys = list(params.projects);
        const q = params.q?.toLowerCase();
        const projects = [...this.state.projects.values()].filter(
          p =>
            (!keys || keys.includes(p.key)) &&
            (!q ||
              p.key.toLowerCase().includes(q) ||
              p.name.toLowerCase().includes(q)),
        );
        return {
          paging: { pageIndex: page, pageSize: ps, total: projects.length },
          components: projects.slice((page - 1) * ps, page * ps).map(p => {
            const last = lastAnalysis(this.scopeFor(p));
            return {
              key: p.key,
              name: p.name,
              qualifier: 'TRK',
              visibility: p.visibility,
              ...(last
                ? {
                    lastAnalysisDate: sonarDate(last.date),
                    revision: last.revision,
                  }
                : {}),
            };
          }),
        };
      }),
    );

    // The projects page's search (SonarQube 6.2+): what the token may browse, no admin needed.
    // Of the filter language only `query = "text"` (key or name contains it) is understood.
    router.get(
      '/api/components/search_projects',
      handle((params, token) => {
        const t = requireToken(token);
        const { p: page, ps } = paging(params, 100, 500);
        let q: string | undefined;
        if (params.filter !== undefined) {
          if (params.filter.length < 2) {
            throw new FakeError(
              400,
              `'filter' length (${params.filter.length}) is shorter than the minimum authorized (2)`,
            );
          }
          const match = /^\s*query\s*=\s*(?:"([^"]*)"|(\S+))\s*$/i.exec(
            params.filter,
          );
          if (!match) {
            throw new FakeError(
              400,
              `The fake understands only query = "text" in filter, not: ${params.filter}`,
            );
          }
          q = (match[1] ?? match[2]).toLowerCase();
        }
        const projects = [...this.state.projects.values()]
          .filter(
            p =>
              (p.visibility === 'public' || canBrowse(t, p.key)) &&
              (!q ||
                p.key.toLowerCase().includes(q) ||
                p.name.toLowerCase().includes(q)),
          )
          .sort((a, b) => a.name.localeCompare(b.name, 'en-US'));
        return {
          paging: { pageIndex: page, pageSize: ps, total: projects.length },
          components: projects.slice((page - 1) * ps, page * ps).map(p => ({
            key: p.key,
            name: p.name,
            qualifier: 'TRK',
            isFavorite: false,
            tags: p.tags,
            visibility: p.visibility,
            needIssueSync: false,
          })),
          facets: [],
        };
      }),
    );

    router.post(
      '/api/projects/create',
      handle((params, token) => {
        checkAdmin(token);
        if (!params.project)
          throw new FakeError(400, "The 'project' parameter is missing");
        if (!params.name)
          throw new FakeError(400, "The 'name' parameter is missing");
        if (
          !/^[A-Za-z0-9_.:-]+$/.test(params.project) ||
          /^\d+$/.test(params.project)
        ) {
          throw new FakeError(
            400,
            `Malformed key for Project: '${params.project}'. Allowed characters are alphanumeric, '-', '_', '.' and ':', with at least one non-digit.`,
          );
        }
        if (this.state.projects.has(params.project)) {
          throw new FakeError(
            400,
            `Could not create Project with key: "${params.project}". A similar key already exists: "${params.project}"`,
          );
        }
        const created = this.state.addProject({
          key: params.project,
          name: params.name,
          analysed: false,
        });
        if (params.visibility === 'public') created.visibility = 'public';
        if (params.mainBranch && params.mainBranch !== 'main') {
          const main = created.branches.get('main')!;
          created.branches.delete('main');
          main.name = params.mainBranch;
          main.id = `branch:${params.mainBranch}`;
          created.branches.set(params.mainBranch, main);
        }
        return {
          project: {
            key: created.key,
            name: created.name,
            qualifier: 'TRK',
            visibility: created.visibility,
          },
        };
      }),
    );

    // A project with its tags (SonarQube 5.4+); only projects are components here.
    router.get(
      '/api/components/show',
      handle((params, token) => {
        const p = project(params.component, 'component');
        checkBrowse(token, p.key);
        const last = lastAnalysis(this.scopeFor(p));
        return {
          component: {
            key: p.key,
            name: p.name,
            qualifier: 'TRK',
            ...(last ? { analysisDate: sonarDate(last.date) } : {}),
            tags: p.tags,
            visibility: p.visibility,
          },
          ancestors: [],
        };
      }),
    );

    // Replaces a project's tags: lower-cased, checked as SonarQube does, duplicates dropped.
    router.post(
      '/api/project_tags/set',
      handle((params, token) => {
        requireToken(token);
        if (params.tags === undefined)
          throw new FakeError(400, "The 'tags' parameter is missing");
        const tags: string[] = [];
        for (const tag of params.tags.split(',')) {
          const lower = tag.trim().toLowerCase();
          if (!lower) continue;
          if (!/^[a-z0-9+#\-.]+$/.test(lower)) {
            throw new FakeError(
              400,
              `Tag '${lower}' is invalid. Tags accept only the characters: a-z, 0-9, '+', '-', '#', '.'`,
            );
          }
          if (!tags.includes(lower)) tags.push(lower);
        }
        const p = project(params.project, 'project');
        checkAdmin(token);
        p.tags = tags;
        return undefined;
      }),
    );

    router.get(
      '/api/qualitygates/get_by_project',
      handle((params, token) => {
        const p = project(params.project, 'project');
        checkBrowse(token, p.key);
        return {
          qualityGate: {
            name: p.qualityGate,
            default: p.qualityGate === 'Sonar way',
          },
        };
      }),
    );

    router.post(
      '/api/qualitygates/select',
      handle((params, token) => {
        checkAdmin(token);
        if (!params.gateName)
          throw new FakeError(400, "The 'gateName' parameter is missing");
        const p = project(params.projectKey, 'projectKey');
        if (!FAKE_QUALITY_GATES.includes(params.gateName)) {
          throw new FakeError(
            404,
            `No quality gate has been found for name ${params.gateName}`,
          );
        }
        p.qualityGate = params.gateName;
        return undefined;
      }),
    );

    router.get(
      '/api/new_code_periods/show',
      handle((params, token) => {
        const p = project(params.project, 'project');
        checkBrowse(token, p.key);
        return p.newCodePeriod
          ? {
              projectKey: p.key,
              type: p.newCodePeriod.type,
              ...(p.newCodePeriod.value
                ? { value: p.newCodePeriod.value }
                : {}),
              inherited: false,
            }
          : { projectKey: p.key, type: 'PREVIOUS_VERSION', inherited: true };
      }),
    );

    router.post(
      '/api/new_code_periods/set',
      handle((params, token) => {
        checkAdmin(token);
        const p = project(params.project, 'project');
        const types = [
          'PREVIOUS_VERSION',
          'NUMBER_OF_DAYS',
          'REFERENCE_BRANCH',
          'SPECIFIC_ANALYSIS',
        ];
        if (!params.type)
          throw new FakeError(400, "The 'type' parameter is missing");
        if (!types.includes(params.type)) {
          throw new FakeError(
            400,
            `Value of parameter 'type' (${
              params.type
            }) must be one of: [${types.join(', ')}]`,
          );
        }
        if (params.type === 'NUMBER_OF_DAYS') {
          const days = Number(params.value);
          if (!Number.isInteger(days) || days < 1 || days > 90) {
            throw new FakeError(
              400,
              `Failed to parse number of days: ${params.value ?? ''}`,
            );
          }
        }
        if (params.type === 'REFERENCE_BRANCH' && !params.value) {
          throw new FakeError(
            400,
            "New code definition type 'REFERENCE_BRANCH' requires a value",
          );
        }
        p.newCodePeriod = { type: params.type, value: params.value };
        return undefined;
      }),
    );

    router.post(
      '/api/webhooks/create',
      handle((params, token) => {
        checkAdmin(token);
        if (!params.name)
          throw new FakeError(400, "The 'name' parameter is missing");
        if (!params.url)
          throw new FakeError(400, "The 'url' parameter is missing");
        if (params.project) project(params.project, 'project');
        const webhook = {
          key: this.state.nextId('WH'),
          name: params.name,
          url: params.url,
          ...(params.secret ? { secret: params.secret } : {}),
          ...(params.project ? { project: params.project } : {}),
        };
        this.state.webhooks.push(webhook);
        return {
          webhook: {
            key: webhook.key,
            name: webhook.name,
            url: webhook.url,
            hasSecret: Boolean(webhook.secret),
          },
        };
      }),
    );

    // The pages users open from Comet's links (dashboard, issue, hotspot): a minimal page, so a
    // demo link lands somewhere that names what it points at.
    for (const page of [
      '/dashboard',
      '/project/issues',
      '/security_hotspots',
    ]) {
      router.get(page, (req, res) => {
        const id = String(req.query.id ?? '');
        const name = this.state.projects.get(id)?.name ?? id;
        const escape = (text: string) =>
          text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
        res
          .type('html')
          .send(
            `<!doctype html><title>Fake SonarQube: ${escape(
              name,
            )}</title><h1>Fake SonarQube</h1><p>${escape(
              page.slice(1),
            )} of project ${escape(name)} (${escape(id)})</p>`,
          );
      });
    }

    router.use((req, res) => {
      res.status(404).json({ errors: [{ msg: `Unknown url : ${req.path}` }] });
    });
    return router;
  }

  /** The token of a request: `Authorization: Bearer <token>` or basic `<token>:`. */
  private authenticate(req: express.Request): SonarQubeFakeToken | undefined {
    const header = req.header('authorization');
    if (!header) return undefined;
    let token: string | undefined;
    const [scheme, value = ''] = header.split(' ');
    if (/^bearer$/i.test(scheme)) {
      token = value;
    } else if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const [login, password] = decoded.split(':');
      // A token is sent as the login with an empty password
      token = password ? undefined : login;
    }
    const found = token ? this.state.tokens.get(token) : undefined;
    if (!found) throw new FakeError(401, 'Invalid authentication credentials');
    return found;
  }
}
