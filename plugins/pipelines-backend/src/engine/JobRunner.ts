import {
  type PipelineWorkspace,
  redactUrl,
} from '@internal/plugin-pipelines-node';
import { SecretMasker } from '../logs/SecretMasker';
import { grantJobSecrets } from '../secrets/grantJobSecrets';
import { SecretScopes } from '../secrets/SecretScopes';
import type { ClaimedJob, RunStatusChange } from '../store/PipelineStore';
import type { Clock, ClockTimer } from './Clock';
import {
  evaluateCondition,
  ExpressionScope,
  resolveExpressions,
} from './expressions';
import { JobLease } from './JobLease';
import { effectiveJobTimeoutMs } from '../limits/jobTimeout';
import { JobStopReason, stopMessage } from './JobStopReason';
import type { PipelineEngineOptions } from './PipelineEngine';
import { RunLog } from './RunLog';
import { StepRunner } from './StepRunner';

/** A job this worker claimed and runs. */
export type RunningJob = {
  claimed: ClaimedJob;
  /** When the claim was asked for: the lease runs from (no earlier than) then. */
  claimedAt: number;
  abort: AbortController;
  done: Promise<void>;
  /** Why the job was stopped, once it was. */
  stopReason?: JobStopReason;
};

export type JobRunnerOptions = Pick<
  PipelineEngineOptions,
  | 'store'
  | 'executor'
  | 'stepTypes'
  | 'logger'
  | 'secrets'
  | 'ownersOf'
  | 'artifacts'
  | 'leaseMs'
  | 'heartbeatMs'
  | 'killGraceMs'
  | 'logLimitBytes'
  | 'liveLogs'
  | 'jobTimeout'
  | 'metrics'
> & {
  /** This worker's id, the one its claims and heartbeats carry. */
  workerId: string;
  clock: Clock;
  /** Tells the run's owners what changed after the job's state was set. */
  notify: (runId: string, change: RunStatusChange) => Promise<void>;
};

/**
 * Runs one claimed job to its end: keeps its lease, checks out its workspace, runs its steps
 * (StepRunner) with their logs (RunLog), keeps its artifacts, and sets its final state (or
 * leaves it to whoever holds the job when the lease was lost).
 */
export class JobRunner {
  private readonly secrets: SecretScopes;

  constructor(private readonly options: JobRunnerOptions) {
    this.secrets =
      options.secrets instanceof SecretScopes
        ? options.secrets
        : SecretScopes.unscoped(options.secrets);
  }

  async run(entry: RunningJob) {
    const { claimed, abort } = entry;
    const { store, executor, logger } = this.options;
    const job = claimed.definition.jobs.find(j => j.id === claimed.jobId);
    const masker = new SecretMasker(this.secrets.values());
    const log = new RunLog(
      store,
      claimed.runId,
      this.options.logLimitBytes,
      masker,
      this.options.liveLogs,
      logger,
    );
    await log.init();
    const system = (text: string, stepIndex?: number) =>
      log.write({
        jobRunId: claimed.jobRunId,
        stepIndex,
        stream: 'system',
        text,
      });
    const stop = (reason: JobStopReason, replace = true) => {
      if (replace || !entry.stopReason) entry.stopReason = reason;
      abort.abort();
    };

    // Losing the lease (cancelled, taken over, or heartbeats that stop reaching the database)
    // stops the job here.
    const lease = JobLease.start({
      store,
      runId: claimed.runId,
      jobRunId: claimed.jobRunId,
      workerId: this.options.workerId,
      leaseMs: this.options.leaseMs,
      heartbeatMs: this.options.heartbeatMs,
      killGraceMs: this.options.killGraceMs ?? 10_000,
      claimedAt: entry.claimedAt,
      clock: this.options.clock,
      logger,
      signal: abort.signal,
      stop,
    });
    const steps = new StepRunner({
      executor,
      stepTypes: this.options.stepTypes,
      log,
      masker,
      store,
      runId: claimed.runId,
      jobRunId: claimed.jobRunId,
      attempt: claimed.attempt,
      entityRef: claimed.entityRef,
      branch: claimed.branch,
      signal: abort.signal,
      stopReason: () => entry.stopReason,
    });

    let workspace: PipelineWorkspace | undefined;
    let failure: string | undefined;
    let jobTimer: ClockTimer | undefined;
    try {
      if (!job) {
        throw new Error(
          `Job ${claimed.jobId} is not in the run's pipeline definition`,
        );
      }
      // Only the secrets the job names, and only those its scope allows (none when the run
      // builds untrusted code); a refused one fails the job, unless its `if:` skips it.
      const granted = await grantJobSecrets({
        scopes: this.secrets,
        store,
        claimed,
        job,
        ownersOf: this.options.ownersOf,
      });
      if (granted.withheld) system(granted.withheld);
      const scope: ExpressionScope = {
        params: claimed.params,
        matrix: claimed.matrix ?? {},
        secrets: granted.secrets,
        env: {},
        run: {
          id: claimed.runId,
          branch: claimed.branch,
          commit: claimed.commitSha,
        },
        entity: {
          ref: claimed.entityRef,
          name: claimed.entityRef.split('/').pop() ?? claimed.entityRef,
        },
      };
      if (job.if) granted.failIfRefused(job.if);
      if (job.if && !evaluateCondition(job.if, scope)) {
        system(
          `Job ${claimed.jobRunId} skipped: condition "${job.if}" is false`,
        );
        for (let i = 0; i < job.steps.length; i++) {
          await store.setStepState({
            runId: claimed.runId,
            jobRunId: claimed.jobRunId,
            stepIndex: i,
            state: 'skipped',
          });
        }
        await log.flush();
        await store.setJobState({
          runId: claimed.runId,
          jobRunId: claimed.jobRunId,
          state: 'skipped',
          from: ['running'],
          workerId: this.options.workerId,
        });
        return;
      }
      granted.failIfRefused();
      system(
        `Job ${claimed.jobRunId} started on worker ${this.options.workerId} (attempt ${claimed.attempt} of ${claimed.maxAttempts})`,
      );
      // Runs stored without a timeout, or with more than today's maximum, get the limits too
      const timeoutMs = effectiveJobTimeoutMs(
        claimed.timeoutMs,
        this.options.jobTimeout,
      );
      if (timeoutMs) {
        jobTimer = this.options.clock.setTimeout(
          () =>
            stop({
              kind: 'timeout',
              message: `Job timed out after ${timeoutMs} ms`,
            }),
          timeoutMs,
        );
      }
      if (!claimed.repositoryUrl) {
        throw new Error(
          `${claimed.entityRef} has no backstage.io/source-location, so there is nothing to check out`,
        );
      }
      system(
        `Checking out ${redactUrl(claimed.repositoryUrl)} at ${
          claimed.commitSha ?? claimed.branch ?? 'HEAD'
        }`,
      );
      workspace = await executor.prepareWorkspace({
        runId: claimed.runId,
        jobRunId: claimed.jobRunId,
        repositoryUrl: claimed.repositoryUrl,
        ref: claimed.commitSha ?? claimed.branch,
        signal: abort.signal,
        entityRef: claimed.entityRef,
        ...(job.image ? { image: job.image } : {}),
      });
      system(`Checked out ${workspace.commit}`);

      const baseEnv: Record<string, string> = {
        CI: 'true',
        COMET: 'true',
        COMET_RUN_ID: claimed.runId,
        COMET_JOB: claimed.jobRunId,
        COMET_ENTITY_REF: claimed.entityRef,
        COMET_COMMIT: workspace.commit,
        ...(claimed.branch ? { COMET_BRANCH: claimed.branch } : {}),
      };
      const resolveEnv = (env: Record<string, string>) =>
        Object.fromEntries(
          Object.entries(env).map(([k, v]) => [
            k,
            resolveExpressions(v, scope),
          ]),
        );
      const jobEnv = {
        ...baseEnv,
        ...resolveEnv(claimed.definition.env),
        ...resolveEnv(job.env),
      };

      for (let index = 0; index < job.steps.length; index++) {
        const step = job.steps[index];
        const stepRef = {
          runId: claimed.runId,
          jobRunId: claimed.jobRunId,
          stepIndex: index,
        };
        if (failure || abort.signal.aborted) {
          await store.setStepState({
            ...stepRef,
            state: abort.signal.aborted ? 'cancelled' : 'skipped',
          });
          continue;
        }
        const env = { ...jobEnv, ...resolveEnv(step.env) };
        const stepScope = { ...scope, env };
        if (step.if && !evaluateCondition(step.if, stepScope)) {
          system(
            `Step "${step.name}" skipped: condition "${step.if}" is false`,
            index,
          );
          await store.setStepState({ ...stepRef, state: 'skipped' });
          continue;
        }
        await store.setStepState({ ...stepRef, state: 'running' });
        system(`Step ${index + 1}/${job.steps.length}: ${step.name}`, index);
        const stepStartedAt = this.options.clock.now();
        const outcome = await steps.run({
          step,
          stepIndex: index,
          workspace,
          env,
          scope: stepScope,
        });
        const stepError =
          outcome.kind === 'succeeded' ? undefined : outcome.error;
        const cancelled = abort.signal.aborted;
        let stepState: 'cancelled' | 'failed' | 'succeeded' = 'succeeded';
        if (cancelled) stepState = 'cancelled';
        else if (stepError) stepState = 'failed';
        this.options.metrics?.stepFinished(
          stepState,
          this.options.clock.now() - stepStartedAt,
        );
        await store.setStepState({
          ...stepRef,
          state: stepState,
          exitCode: outcome.exitCode,
          error: stepError,
        });
        if (stepError) {
          system(`Step "${step.name}" failed: ${stepError}`, index);
          if (!step.continueOnError || cancelled) {
            failure = `Step "${step.name}" failed: ${stepError}`;
          }
        }
      }

      if (!failure && !abort.signal.aborted && job.artifacts.length > 0) {
        const staged = await this.options.artifacts.stage(
          claimed.runId,
          claimed.jobRunId,
        );
        const copied = await executor.collectArtifacts(
          workspace,
          job.artifacts,
          staged.dir,
        );
        await staged.commit();
        const missing = job.artifacts.filter(p => !copied.includes(p));
        if (copied.length) system(`Kept artifacts: ${copied.join(', ')}`);
        if (missing.length)
          system(`Artifacts not found: ${missing.join(', ')}`);
      }
    } catch (error) {
      failure = masker.mask(String((error as Error)?.message ?? error));
      system(`Job failed: ${failure}`);
    } finally {
      lease.release();
      this.options.clock.clear(jobTimer);
      if (workspace) {
        await executor
          .cleanupWorkspace(workspace)
          .catch(error =>
            logger.warn(
              `Cannot clean up workspace ${workspace?.dir}: ${error}`,
            ),
          );
      }
    }

    if (abort.signal.aborted) {
      failure = stopMessage(entry.stopReason);
      system(`Job stopped: ${failure}`);
    }
    await log.flush();
    if (lease.isLost) {
      // Someone else (a cancel, a worker that took over, or the recovery of the lease this
      // worker could not renew) owns the job's state now.
      return;
    }
    const retry =
      failure && !abort.signal.aborted && claimed.attempt < claimed.maxAttempts;
    if (retry) {
      system(
        `Retrying job ${claimed.jobRunId} (attempt ${claimed.attempt + 1} of ${
          claimed.maxAttempts
        })`,
      );
      await log.flush();
    }
    let finalState: 'queued' | 'failed' | 'cancelled' | 'succeeded' =
      'succeeded';
    if (retry) finalState = 'queued';
    else if (abort.signal.aborted) {
      // A job that ran out of time failed; any other stop cancelled it.
      finalState =
        entry.stopReason?.kind === 'timeout' ? 'failed' : 'cancelled';
    } else if (failure) finalState = 'failed';
    await store.setJobState({
      runId: claimed.runId,
      jobRunId: claimed.jobRunId,
      state: finalState,
      from: ['running'],
      workerId: this.options.workerId,
      error: retry ? undefined : failure,
    });
    await this.options.notify(
      claimed.runId,
      await store.promoteJobs(claimed.runId),
    );
  }
}
