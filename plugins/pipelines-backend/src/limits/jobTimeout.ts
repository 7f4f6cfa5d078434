import type {
  PipelineDefinition,
  PipelineIssue,
} from '@internal/plugin-pipelines-common';
import type { JobTimeoutLimits } from './limitsConfig';

/** `90 min`, `6 h`, `1 h 30 min`: how timeouts read in messages. */
export function formatMinutes(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${minutes} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/**
 * The timeout a job runs with: its own, never above the maximum, or the default when it has
 * none. Applied when a run is planned and again when a job starts, so jobs stored before a
 * maximum was lowered (or before there was one) are held to it too.
 */
export function effectiveJobTimeoutMs(
  requestedMs: number | undefined,
  limits: JobTimeoutLimits | undefined,
): number | undefined {
  if (!limits) return requestedMs;
  if (!requestedMs || requestedMs <= 0) return limits.defaultMs;
  return Math.min(requestedMs, limits.maxMs);
}

/** A validation issue for each job whose `timeout` is above `pipelines.jobTimeout.maxMinutes`. */
export function jobTimeoutIssues(
  definition: PipelineDefinition,
  limits: JobTimeoutLimits,
  file?: string,
): PipelineIssue[] {
  return definition.jobs
    .filter(job => job.timeoutMs !== undefined && job.timeoutMs > limits.maxMs)
    .map(job => ({
      message: `Job "${job.id}" asks for a timeout of ${formatMinutes(
        job.timeoutMs!,
      )}; this backend allows at most ${formatMinutes(
        limits.maxMs,
      )} (pipelines.jobTimeout.maxMinutes)`,
      path: `jobs.${job.id}.timeout`,
      ...(file !== undefined ? { file } : {}),
    }));
}
