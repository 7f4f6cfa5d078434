import { InputError } from '@backstage/errors';
import {
  expandMatrix,
  paramValueProblem,
  PipelineDefinition,
  PipelineJob,
} from '@internal/plugin-pipelines-common';
import { effectiveJobTimeoutMs } from '../limits/jobTimeout';
import type { JobTimeoutLimits } from '../limits/limitsConfig';
import type { NewJobRun } from '../store/PipelineStore';

/** Formats a matrix combination into a job run id: `test (shard=1, mode=strict)`. */
export function jobRunIdOf(
  job: PipelineJob,
  matrix?: Record<string, string | number | boolean>,
) {
  if (!matrix) return job.id;
  const values = Object.entries(matrix)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  return `${job.id} (${values})`;
}

/** Checks and completes trigger parameters against the pipeline's typed `params`. */
export function resolveParams(
  definition: PipelineDefinition,
  given: Record<string, unknown> = {},
): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const name of Object.keys(given)) {
    if (!definition.params[name]) {
      const known = Object.keys(definition.params);
      throw new InputError(
        `Unknown parameter "${name}"; ${definition.name} takes ${
          known.length ? known.join(', ') : 'no parameters'
        }`,
      );
    }
  }
  for (const [name, param] of Object.entries(definition.params)) {
    let value = given[name] ?? param.default;
    if (value === undefined || value === '') {
      if (param.required) {
        throw new InputError(`Parameter "${name}" is required`);
      }
      if (value === undefined) continue;
    }
    switch (param.type) {
      case 'number': {
        const number = typeof value === 'number' ? value : Number(value);
        if (!Number.isFinite(number)) {
          throw new InputError(
            `Parameter "${name}" must be a number, got ${JSON.stringify(
              value,
            )}`,
          );
        }
        value = number;
        break;
      }
      case 'boolean':
        if (value === 'true' || value === 'false') value = value === 'true';
        if (typeof value !== 'boolean') {
          throw new InputError(
            `Parameter "${name}" must be true or false, got ${JSON.stringify(
              value,
            )}`,
          );
        }
        break;
      case 'choice':
        if (!param.options?.includes(String(value))) {
          throw new InputError(
            `Parameter "${name}" must be one of ${param.options?.join(
              ', ',
            )}, got ${JSON.stringify(value)}`,
          );
        }
        value = String(value);
        break;
      default: {
        if (typeof value === 'object') {
          throw new InputError(`Parameter "${name}" must be a string`);
        }
        const text = String(value);
        // An empty optional value is "not given"; anything else keeps the param's rules
        const problem =
          text === '' ? undefined : paramValueProblem(param, text);
        if (problem) {
          throw new InputError(`param "${name}": ${problem}`);
        }
        value = text;
      }
    }
    result[name] = value as string | number | boolean;
  }
  return result;
}

/**
 * Expands jobs and their matrices into the job runs of a new run. With `jobTimeout`, a job
 * without a `timeout` gets the default and none gets more than the maximum.
 */
export function planJobs(
  definition: PipelineDefinition,
  succeeded?: Set<string>,
  jobTimeout?: JobTimeoutLimits,
): NewJobRun[] {
  const instances = new Map<string, string[]>();
  const jobRuns: NewJobRun[] = [];
  for (const job of definition.jobs) {
    const combinations = job.matrix ? expandMatrix(job.matrix) : [undefined];
    const ids: string[] = [];
    for (const matrix of combinations) {
      const jobRunId = jobRunIdOf(job, matrix);
      ids.push(jobRunId);
      jobRuns.push({
        jobRunId,
        jobId: job.id,
        name: matrix
          ? `${job.name} (${Object.values(matrix).join(', ')})`
          : job.name,
        matrix,
        needs: [],
        steps: job.steps.map(step => ({ name: step.name })),
        approval: job.approval,
        maxAttempts: 1 + job.retry,
        timeoutMs: effectiveJobTimeoutMs(job.timeoutMs, jobTimeout),
        initialState: succeeded?.has(jobRunId) ? 'succeeded' : 'pending',
      });
    }
    instances.set(job.id, ids);
  }
  // `needs: [test]` waits for every matrix instance of `test`
  for (const jobRun of jobRuns) {
    const job = definition.jobs.find(j => j.id === jobRun.jobId)!;
    jobRun.needs = job.needs.flatMap(need => instances.get(need) ?? []);
  }
  return jobRuns;
}
