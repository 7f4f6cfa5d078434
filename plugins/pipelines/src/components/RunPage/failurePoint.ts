import type { PipelineRun } from '@internal/plugin-pipelines-common';
import { groupKey } from './LogModel';

/** Where a failed run failed: the first failed job and its first failed step. */
export function failurePoint(run: PipelineRun) {
  if (run.status !== 'failed') return undefined;
  const job =
    run.jobs.find(
      j => j.status === 'failed' && j.steps.some(s => s.status === 'failed'),
    ) ?? run.jobs.find(j => j.status === 'failed');
  if (!job) return undefined;
  const failedStep = job.steps.find(s => s.status === 'failed');
  return {
    job,
    step: failedStep,
    key: groupKey(job.jobRunId, failedStep?.stepIndex),
  };
}

export type FailurePoint = NonNullable<ReturnType<typeof failurePoint>>;
