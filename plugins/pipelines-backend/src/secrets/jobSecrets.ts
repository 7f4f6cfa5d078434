import {
  parseCondition,
  parseTemplate,
  PipelineDefinition,
  PipelineIssue,
  PipelineJob,
  PipelineRun,
} from '@internal/plugin-pipelines-common';
import type { SecretScopes } from './SecretScopes';

function templateSecrets(text: string | undefined, into: Set<string>) {
  if (!text) return;
  for (const part of parseTemplate(text).parts) {
    if (part.kind === 'expression' && part.reference?.scope === 'secrets') {
      into.add(part.reference.name);
    }
  }
}

function conditionSecrets(text: string | undefined, into: Set<string>) {
  if (!text) return;
  for (const reference of parseCondition(text).references) {
    if (reference.scope === 'secrets') into.add(reference.name);
  }
}

/** The secrets an `if:` condition names. */
export function conditionSecretsOf(condition: string | undefined): string[] {
  const names = new Set<string>();
  conditionSecrets(condition, names);
  return [...names];
}

function deepSecrets(value: unknown, into: Set<string>) {
  if (typeof value === 'string') templateSecrets(value, into);
  else if (Array.isArray(value)) value.forEach(item => deepSecrets(item, into));
  else if (value && typeof value === 'object') {
    Object.values(value).forEach(item => deepSecrets(item, into));
  }
}

/**
 * The secrets a job names (`${{ secrets.NAME }}`): in the pipeline's and the job's `env`, the
 * job's `if`, and each step's `run`, `with`, `env` and `if`. The only secrets it is given.
 */
export function secretReferencesOf(
  definition: Pick<PipelineDefinition, 'env'>,
  job: PipelineJob,
): string[] {
  const names = new Set<string>();
  Object.values(definition.env).forEach(v => templateSecrets(v, names));
  Object.values(job.env).forEach(v => templateSecrets(v, names));
  conditionSecrets(job.if, names);
  for (const step of job.steps) {
    templateSecrets(step.run, names);
    deepSecrets(step.with, names);
    Object.values(step.env).forEach(v => templateSecrets(v, names));
    conditionSecrets(step.if, names);
  }
  return [...names].sort();
}

/** The environment a gate's approval names, if any (`approval.environment`). */
export function gateEnvironmentOf(
  approval: object | undefined,
): string | undefined {
  const environment = (approval as { environment?: unknown } | undefined)
    ?.environment;
  return typeof environment === 'string' && environment !== ''
    ? environment
    : undefined;
}

/**
 * The environments a job of a run runs in: those of the gates it waits for, directly or
 * through other jobs, that were approved in this run. A pipeline file cannot claim an
 * environment any other way, so a secret scoped to `production` needs a production gate's
 * approval in the same run.
 */
export function approvedEnvironmentsOf(
  run: Pick<PipelineRun, 'jobs'>,
  definition: Pick<PipelineDefinition, 'jobs'>,
  jobRunId: string,
): string[] {
  const upstream = upstreamOf(
    new Map(run.jobs.map(job => [job.jobRunId, job])),
    jobRunId,
  );
  return environmentsOf(
    upstream
      .filter(job => job.approval?.decision === 'approved')
      .map(
        job =>
          gateEnvironmentOf(job.approval) ??
          gateEnvironmentOf(
            definition.jobs.find(j => j.id === job.jobId)?.approval,
          ),
      ),
  );
}

/**
 * For validation, before any run: the environments of every gate a job waits for, as if they
 * were all approved (the most a run of the file can give the job).
 */
export function gateEnvironmentsOf(
  definition: Pick<PipelineDefinition, 'jobs'>,
  jobId: string,
): string[] {
  const upstream = upstreamOf(
    new Map(definition.jobs.map(job => [job.id, job])),
    jobId,
  );
  return environmentsOf(upstream.map(job => gateEnvironmentOf(job.approval)));
}

/** The jobs `start` waits for, directly or through other jobs (each once). */
function upstreamOf<J extends { needs: readonly string[] }>(
  byId: Map<string, J>,
  start: string,
): J[] {
  const found: J[] = [];
  const seen = new Set<string>();
  const pending = [...(byId.get(start)?.needs ?? [])];
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const job = byId.get(id);
    if (!job) continue;
    found.push(job);
    pending.push(...job.needs);
  }
  return found;
}

function environmentsOf(names: Array<string | undefined>): string[] {
  return [...new Set(names.filter((n): n is string => !!n))].sort();
}

/**
 * For validation against an entity: each secret a job references that its scope refuses the
 * entity even when every gate before the job is approved, as an issue at the job.
 */
export async function secretScopeIssues(
  definition: PipelineDefinition,
  options: {
    scopes: SecretScopes;
    entityRef: string;
    owners: () => Promise<string[]> | string[];
    file?: string;
  },
): Promise<PipelineIssue[]> {
  const issues: PipelineIssue[] = [];
  for (const job of definition.jobs) {
    const environments = gateEnvironmentsOf(definition, job.id);
    for (const name of secretReferencesOf(definition, job)) {
      const reason = await options.scopes.refusal(name, {
        entityRef: options.entityRef,
        owners: options.owners,
        environments,
      });
      if (reason) {
        issues.push({
          message: `Job "${job.id}" cannot have its secret: ${reason}`,
          path: `jobs.${job.id}`,
          ...(options.file ? { file: options.file } : {}),
        });
      }
    }
  }
  return issues;
}
