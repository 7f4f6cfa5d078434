import type { AuthService } from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { ResourceScopes } from '@internal/backend-common';
import type {
  PipelineStepContext,
  PipelineStepReport,
  PipelineStepReportStatus,
  PipelineStepType,
} from '@internal/plugin-pipelines-node';
import {
  ANNOTATION_SONARQUBE_PROJECT_KEY,
  parseProjectKeyAnnotation,
  QualityGate,
  QualityGateCondition,
  SONARQUBE_NOT_CONFIGURED_MESSAGE,
  SonarQubeProjectRef,
  stringifyProjectRef,
} from '@internal/plugin-sonarqube-common';
import type {
  SonarQubeClient,
  SonarQubeProjectQuery,
} from '@internal/plugin-sonarqube-node';

export const QUALITY_GATE_STEP_ID = 'sonarqube/quality-gate';

function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('Cancelled'));
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new Error('Cancelled'));
      },
      { once: true },
    );
  });
}

function optionalString(inputs: Record<string, unknown>, name: string) {
  const value = inputs[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new Error(
      `Input "${name}" of ${QUALITY_GATE_STEP_ID} must be a string`,
    );
  }
  return String(value);
}

/**
 * Bounds of the timing inputs: a poll faster than every 2 s would hammer SonarQube's Web API
 * (three calls a poll), and a step may not hold its executor slot for more than an hour.
 */
export const QUALITY_GATE_LIMITS = {
  pollSeconds: { min: 2, max: 60 },
  timeoutSeconds: { min: 1, max: 3600 },
} as const;

function seconds(
  inputs: Record<string, unknown>,
  name: keyof typeof QUALITY_GATE_LIMITS,
  fallback: number,
) {
  const value = inputs[name];
  if (value === undefined || value === null || value === '') return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new Error(
      `Input "${name}" of ${QUALITY_GATE_STEP_ID} must be a positive number of seconds, not ${JSON.stringify(
        value,
      )}`,
    );
  }
  const { min, max } = QUALITY_GATE_LIMITS[name];
  if (number < min || number > max) {
    throw new Error(
      `Input "${name}" of ${QUALITY_GATE_STEP_ID} must be from ${min} to ${max} seconds, not ${JSON.stringify(
        value,
      )}`,
    );
  }
  return number;
}

const COMPARATORS: Record<string, string> = { GT: '>', LT: '<' };

/** `✘ ERROR new_coverage 42.3 (fails when < 80)` */
export function describeCondition(condition: QualityGateCondition) {
  const marks: Record<string, string> = { ERROR: '✘', OK: '✔' };
  const mark = marks[condition.status] ?? '•';
  const comparator = COMPARATORS[condition.comparator] ?? condition.comparator;
  return `${mark} ${condition.status.padEnd(8)} ${condition.metricKey} ${
    condition.actualValue ?? '(no value)'
  } (fails when ${comparator} ${condition.errorThreshold ?? '?'})`;
}

/** What the step reports of one project's gate: OK passed, ERROR failed, WARN warning. */
export const QUALITY_GATE_REPORT_KIND = 'sonarqube.quality-gate';

const REPORT_STATUS: Record<string, PipelineStepReportStatus> = {
  OK: 'passed',
  ERROR: 'failed',
  WARN: 'warning',
};

/**
 * The report of one project's gate: its status, the failed conditions (`new_coverage 42.3 <
 * 80`) in the summary, and the project's dashboard as the link.
 */
export function gateReport(
  project: SonarQubeProjectRef,
  gate: QualityGate,
  failed: string[],
  dashboardUrl: string,
): PipelineStepReport {
  const status = REPORT_STATUS[gate.status] ?? 'info';
  const total = gate.conditions.length;
  let summary: string;
  if (gate.status === 'NONE') {
    summary = 'No quality gate applies to the project';
  } else if (failed.length > 0) {
    summary = `${failed.length} of ${total} condition${
      total === 1 ? '' : 's'
    } failed: ${failed.join(', ')}`;
  } else if (gate.status === 'WARN') {
    const warned = gate.conditions
      .filter(c => c.status === 'WARN')
      .map(c => `${c.metricKey} ${c.actualValue ?? '(no value)'}`);
    summary = `Warning${warned.length ? `: ${warned.join(', ')}` : ''}`;
  } else if (gate.status === 'ERROR') {
    summary = 'Failed';
  } else {
    summary = `All ${total} condition${total === 1 ? '' : 's'} passed`;
  }
  const MAX_SUMMARY = 500;
  return {
    kind: QUALITY_GATE_REPORT_KIND,
    title: `SonarQube gate of ${stringifyProjectRef(project)}`.slice(0, 100),
    status,
    summary:
      summary.length > MAX_SUMMARY
        ? `${summary.slice(0, MAX_SUMMARY - 1)}…`
        : summary,
    url: dashboardUrl,
    data: {
      projectKey: project.projectKey,
      gate: gate.status,
      conditions: total,
      failedConditions: failed.length,
    },
  };
}

/**
 * `uses: sonarqube/quality-gate`: waits until SonarQube has processed the analysis of the run's
 * commit (found by `revision` in api/project_analyses/search, while api/ce/component shows it
 * queued), prints every condition of that analysis's quality gate and fails the step when the
 * gate fails. Each project's gate is also reported (`sonarqube.quality-gate`, linking its
 * dashboard) for the run page and the pull-request comment. Inputs (`with:`): `projectKey`
 * (`[instance/]key[,…]`, default: the entity's `sonarqube.org/project-key`), `branch`,
 * `pullRequest`, `commit` (default: the run's), `timeoutSeconds` (300, at most 3600),
 * `pollSeconds` (5, from 2 to 60).
 *
 * A pipeline file is written by whoever can push to the repository, so `projectKey` may only
 * name projects of the run's entity (its `sonarqube.org/project-key`): the step reads with
 * Comet's token, which may see every project.
 */
export class SonarQubeQualityGateStep implements PipelineStepType {
  readonly id = QUALITY_GATE_STEP_ID;
  readonly description =
    "Waits for SonarQube's analysis of the run's commit and fails when its quality gate fails";

  constructor(
    private readonly options: {
      client: SonarQubeClient;
      catalog: CatalogService;
      auth: AuthService;
      /** Which projects each owner group's entities may gate on (`comet.resourceScopes`). */
      scopes?: ResourceScopes;
    },
  ) {}

  async run(context: PipelineStepContext): Promise<void> {
    const { client } = this.options;
    if (!client.configured) {
      throw new Error(
        `${SONARQUBE_NOT_CONFIGURED_MESSAGE}; the ${QUALITY_GATE_STEP_ID} step needs it`,
      );
    }
    const { inputs, log } = context;
    const timeoutMs = seconds(inputs, 'timeoutSeconds', 300) * 1000;
    const pollMs = seconds(inputs, 'pollSeconds', 5) * 1000;
    const projects = await this.projects(context);
    const commit = optionalString(inputs, 'commit') ?? context.commit;
    if (!commit) {
      throw new Error(
        `The run has no commit; give ${QUALITY_GATE_STEP_ID} a "commit" input`,
      );
    }
    const pullRequest = optionalString(inputs, 'pullRequest');
    const explicitBranch = optionalString(inputs, 'branch');
    const deadline = Date.now() + timeoutMs;

    const failures: string[] = [];
    for (const project of projects) {
      const query: SonarQubeProjectQuery = {
        instance: project.instance,
        projectKey: project.projectKey,
        pullRequest,
        branch: pullRequest
          ? undefined
          : explicitBranch ?? (await this.runBranch(project, context.branch)),
      };
      const instanceName = client.instance(project.instance).name;
      let where = 'the main branch';
      if (pullRequest) where = `pull request ${pullRequest}`;
      else if (query.branch) where = `branch ${query.branch}`;
      log.info(
        `Waiting for the SonarQube analysis of commit ${commit.slice(
          0,
          12,
        )} of project ${
          project.projectKey
        } (${where}) on instance "${instanceName}"`,
      );
      const analysisId = await this.waitForAnalysis(
        context,
        query,
        commit,
        deadline,
        pollMs,
        `${where}, instance "${instanceName}"`,
        timeoutMs,
      );
      const gate = await client.getQualityGate({ ...query, analysisId });
      log.info(
        `Quality gate of ${project.projectKey}: ${
          gate.status
        } (analysis ${analysisId}) ${client.dashboardUrl(query)}`,
      );
      for (const condition of gate.conditions) {
        (condition.status === 'ERROR' ? log.error : log.info)(
          `  ${describeCondition(condition)}`,
        );
      }
      if (gate.status === 'NONE') {
        log.info(
          `  No quality gate applies to ${project.projectKey}; nothing to enforce`,
        );
      }
      const failed = gate.conditions
        .filter(c => c.status === 'ERROR')
        .map(
          c =>
            `${c.metricKey} ${c.actualValue ?? '(no value)'} ${
              COMPARATORS[c.comparator] ?? c.comparator
            } ${c.errorThreshold}`,
        );
      await context.report(
        gateReport(project, gate, failed, client.dashboardUrl(query)),
      );
      if (gate.status === 'ERROR') {
        failures.push(
          `${stringifyProjectRef(project)} (${failed.join(', ') || 'failed'})`,
        );
      }
    }
    if (failures.length) {
      throw new Error(`Quality gate failed: ${failures.join('; ')}`);
    }
    log.info('Quality gate passed');
  }

  private async projects(
    context: PipelineStepContext,
  ): Promise<SonarQubeProjectRef[]> {
    const fromInput = optionalString(context.inputs, 'projectKey');
    const instance = optionalString(context.inputs, 'instance');
    const credentials = await this.options.auth.getOwnServiceCredentials();
    const entity = await this.options.catalog.getEntityByRef(
      context.entityRef,
      { credentials },
    );
    const annotation =
      entity?.metadata.annotations?.[ANNOTATION_SONARQUBE_PROJECT_KEY];
    const annotationSource = `${ANNOTATION_SONARQUBE_PROJECT_KEY} of ${context.entityRef}`;
    const value = fromInput ?? annotation;
    if (!value) {
      throw new Error(
        `${QUALITY_GATE_STEP_ID} needs a project: give it "with: { projectKey: <key> }" or annotate ${context.entityRef} with ${ANNOTATION_SONARQUBE_PROJECT_KEY}`,
      );
    }
    const parsed = parseProjectKeyAnnotation(value);
    if (!parsed.ok) {
      throw new Error(
        `Bad ${fromInput ? '"projectKey" input' : annotationSource}: ${
          parsed.message
        }`,
      );
    }
    const requested = parsed.projects.map(p =>
      instance && !p.instance ? { ...p, instance } : p,
    );
    const own = annotation ? parseProjectKeyAnnotation(annotation) : undefined;
    const allowed = new Set(
      own?.ok ? own.projects.map(p => this.projectId(p)) : [],
    );
    const foreign = requested.filter(p => !allowed.has(this.projectId(p)));
    if (foreign.length) {
      throw new Error(
        `${QUALITY_GATE_STEP_ID} checks only the projects of the run's entity: ${foreign
          .map(p => `"${stringifyProjectRef(p)}"`)
          .join(', ')} ${
          foreign.length === 1 ? 'is' : 'are'
        } not in the annotation ${annotationSource}${
          annotation ? ` ("${annotation}")` : ' (not set)'
        }; add ${foreign.length === 1 ? 'it' : 'them'} there`,
      );
    }
    const scopes = this.options.scopes;
    if (scopes && entity) {
      for (const project of requested) {
        const refusal = scopes.refusal(
          entity,
          {
            id: 'sonarqube',
            annotation: ANNOTATION_SONARQUBE_PROJECT_KEY,
            instanceSeparator: '/',
            defaultInstance: () => this.options.client.instance().name,
          },
          {
            instance: this.projectId(project).split('/')[0],
            name: project.projectKey,
            source: stringifyProjectRef(project),
          },
        );
        if (refusal) throw new Error(refusal);
      }
    }
    return requested;
  }

  /** `instance/key` with the instance resolved, so `key` and `default/key` are the same. */
  private projectId(project: SonarQubeProjectRef) {
    let instance = project.instance ?? '';
    try {
      instance = this.options.client.instance(project.instance).name;
    } catch {
      // An unknown instance matches only the same unknown name; reading it fails later
    }
    return `${instance}/${project.projectKey}`;
  }

  /** The run's branch if SonarQube knows it as a non-main branch; the main branch otherwise. */
  private async runBranch(project: SonarQubeProjectRef, branch?: string) {
    if (!branch) return undefined;
    const { branches } = await this.options.client.listBranches({
      instance: project.instance,
      projectKey: project.projectKey,
    });
    const known = branches.find(b => b.name === branch);
    return known && !known.isMain ? branch : undefined;
  }

  private async waitForAnalysis(
    context: PipelineStepContext,
    query: SonarQubeProjectQuery,
    commit: string,
    deadline: number,
    pollMs: number,
    where: string,
    timeoutMs: number,
  ): Promise<string> {
    const { client } = this.options;
    let lastReport = '';
    let lastProgress = Date.now();
    for (;;) {
      try {
        // An analysis still queued for this branch or pull request may be of this commit
        // (a re-run analyses the same commit again), so the newest one is awaited first.
        const { queue } = await client.getComputeTasks({
          instance: query.instance,
          projectKey: query.projectKey,
        });
        const queued = queue.filter(task =>
          query.pullRequest
            ? task.pullRequest === query.pullRequest
            : !task.pullRequest &&
              (!query.branch || task.branch === query.branch),
        );
        let report: string;
        if (queued.length) {
          report = `Analysis queued in SonarQube's compute engine (${queued
            .map(t => `task ${t.id} ${t.status}`)
            .join(', ')})`;
        } else {
          const analyses = await client.listAnalyses({
            ...query,
            pageSize: 50,
          });
          const found = analyses.find(a => a.revision === commit);
          if (found) return found.key;
          report = 'No analysis of this commit yet';
        }
        if (report !== lastReport || Date.now() - lastProgress > 30_000) {
          context.log.info(report);
          lastReport = report;
          lastProgress = Date.now();
        }
      } catch (error) {
        // A SonarQube that is briefly unreachable is waited for; anything else is final.
        if (
          (error as Error).name !== 'ServiceUnavailableError' ||
          /\(401\)/.test(String(error))
        ) {
          throw error;
        }
        context.log.error(String((error as Error).message));
      }
      if (Date.now() + pollMs > deadline) {
        throw new Error(
          `No SonarQube analysis of commit ${commit.slice(0, 12)} for project ${
            query.projectKey
          } (${where}) within the step's ${Math.round(
            timeoutMs / 1000,
          )} s timeout: run the scanner on this commit before this step, or raise timeoutSeconds (api/project_analyses/search has no analysis with revision ${commit})`,
        );
      }
      await sleep(pollMs, context.signal);
    }
  }
}
