import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import type { KubernetesApi } from './KubernetesApi';
import {
  JOB_RUN_ID_ANNOTATION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  RUN_ID_ANNOTATION,
} from './manifests';

/** Whether a job run still runs somewhere: its state in the pipelines database. */
export type JobRunStateLookup = (
  runId: string,
  jobRunId: string,
) => Promise<string | undefined>;

/** Reads a job run's state from the pipelines plugin's own `pipeline_jobs` table. */
export function databaseJobRunStates(knex: Knex): JobRunStateLookup {
  return async (runId, jobRunId) => {
    const row = await knex('pipeline_jobs')
      .where({ run_id: runId, job_run_id: jobRunId })
      .first('state');
    return row?.state;
  };
}

export type KubernetesReaperOptions = {
  api: KubernetesApi;
  logger: LoggerService;
  jobRunState: JobRunStateLookup;
  /** Objects younger than this are left alone (a job being started). Default 2 minutes. */
  minAgeMs?: number;
  now?: () => number;
};

/**
 * Removes what a backend that died (or lost its connection) left behind: Jobs (with their pods)
 * whose job run is not running any more or is unknown, and checkout Secrets without their Job.
 * Every replica may run it: deleting what is already gone is not an error.
 */
export class KubernetesReaper {
  static create(options: KubernetesReaperOptions): KubernetesReaper {
    return new KubernetesReaper(options);
  }

  readonly #options: KubernetesReaperOptions;

  private constructor(options: KubernetesReaperOptions) {
    this.#options = options;
  }

  async reap(): Promise<{ jobs: string[]; secrets: string[] }> {
    const { api, logger, jobRunState } = this.#options;
    const now = this.#options.now?.() ?? Date.now();
    const minAge = this.#options.minAgeMs ?? 2 * 60_000;
    const selector = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
    const old = (created: Date | string | undefined) =>
      created !== undefined && now - new Date(created).getTime() >= minAge;

    const removedJobs: string[] = [];
    const jobs = await api.listJobs(selector);
    const kept = new Set<string>();
    for (const job of jobs) {
      const name = job.metadata?.name;
      if (!name) continue;
      const runId = job.metadata?.annotations?.[RUN_ID_ANNOTATION];
      const jobRunId = job.metadata?.annotations?.[JOB_RUN_ID_ANNOTATION];
      const state =
        runId && jobRunId ? await jobRunState(runId, jobRunId) : undefined;
      if (state === 'running' || !old(job.metadata?.creationTimestamp)) {
        kept.add(name);
        continue;
      }
      await api.deleteJob(name, 0);
      removedJobs.push(name);
      logger.info(
        `Removed Kubernetes Job ${name} of ${
          runId ? `run ${runId}, job ${jobRunId}` : 'an unknown run'
        }: the job run is ${state ?? 'unknown'}`,
      );
    }

    const removedSecrets: string[] = [];
    for (const secret of await api.listSecrets(selector)) {
      const name = secret.metadata?.name;
      if (!name || !old(secret.metadata?.creationTimestamp)) continue;
      const jobName = name.replace(/-checkout$/, '');
      if (kept.has(jobName)) continue;
      await api.deleteSecret(name);
      removedSecrets.push(name);
    }
    if (removedSecrets.length) {
      logger.info(
        `Removed ${removedSecrets.length} checkout Secret(s) left without a running job`,
      );
    }
    return { jobs: removedJobs, secrets: removedSecrets };
  }
}
