import type { LoggerService } from '@backstage/backend-plugin-api';
import type { PipelineArtifactStore } from '@internal/plugin-pipelines-node';
import type { RetentionPolicy } from '../limits/limitsConfig';
import type { PipelineStore } from '../store/PipelineStore';

/** Runs handled per database round trip. */
const DEFAULT_BATCH_SIZE = 200;
/**
 * Batches per kind and sweep: bounds one sweep's work (the scheduler's task timeout); a
 * backlog larger than this is worked off over the next sweeps.
 */
const DEFAULT_MAX_BATCHES = 50;

/** What one sweep removed. */
export type RetentionSweepResult = {
  runsDeleted: number;
  logsDeleted: number;
  artifactsDeleted: number;
  /** Runs whose artifacts could not be deleted; they are tried again next sweep. */
  artifactFailures: number;
};

export type RetentionSweepOptions = {
  store: Pick<
    PipelineStore,
    | 'runsToDelete'
    | 'deleteRuns'
    | 'expireLogs'
    | 'runsWithArtifactsToExpire'
    | 'markArtifactsExpired'
  >;
  artifacts: Pick<PipelineArtifactStore, 'delete'>;
  policy: RetentionPolicy;
  logger: LoggerService;
  /** Milliseconds since the epoch; tests inject their clock. */
  now?: () => number;
  batchSize?: number;
  maxBatches?: number;
};

/**
 * `pipelines.retention`: deletes finished runs older than `runDays` or beyond the newest
 * `maxRunsPerPipeline` of their pipeline (with their jobs, steps, log, events and artifacts),
 * the logs of runs finished more than `logDays` ago and their artifacts after `artifactDays`.
 * A queued, running or waiting run is never touched, nor the newest run of a pipeline (run
 * numbers continue from it). Every step records what it did, so sweeping again removes
 * nothing new; the backend scheduler runs it on one replica at a time.
 */
export class RetentionSweep {
  static create(options: RetentionSweepOptions): RetentionSweep {
    return new RetentionSweep(options);
  }

  private constructor(private readonly options: RetentionSweepOptions) {}

  async sweep(): Promise<RetentionSweepResult> {
    const { policy, logger } = this.options;
    const now = (this.options.now ?? Date.now)();
    const result: RetentionSweepResult = {
      runsDeleted: 0,
      logsDeleted: 0,
      artifactsDeleted: 0,
      artifactFailures: 0,
    };
    if (policy.runMs !== undefined || policy.maxRunsPerPipeline !== undefined) {
      result.runsDeleted = await this.deleteRuns(now, result);
    }
    if (policy.artifactMs !== undefined) {
      result.artifactsDeleted = await this.deleteArtifacts(
        new Date(now - policy.artifactMs),
        result,
      );
    }
    if (policy.logMs !== undefined) {
      result.logsDeleted = await this.deleteLogs(new Date(now - policy.logMs));
    }
    if (
      result.runsDeleted ||
      result.logsDeleted ||
      result.artifactsDeleted ||
      result.artifactFailures
    ) {
      const failures = result.artifactFailures
        ? `; the artifacts of ${result.artifactFailures} runs could not be deleted and are tried again next time`
        : '';
      logger.info(
        `Retention: deleted ${result.runsDeleted} finished runs, the logs of ${result.logsDeleted} and the artifacts of ${result.artifactsDeleted}${failures}`,
      );
    } else {
      logger.debug('Retention: nothing to delete');
    }
    return result;
  }

  private get batchSize() {
    return this.options.batchSize ?? DEFAULT_BATCH_SIZE;
  }

  private get maxBatches() {
    return this.options.maxBatches ?? DEFAULT_MAX_BATCHES;
  }

  /**
   * Artifacts first, then the rows: a run whose artifacts cannot be deleted keeps its row,
   * so the next sweep finds it again instead of leaving its files behind for good.
   */
  private async deleteRuns(
    now: number,
    result: RetentionSweepResult,
  ): Promise<number> {
    const { store, policy } = this.options;
    const failed = new Set<string>();
    let deleted = 0;
    for (let batch = 0; batch < this.maxBatches; batch++) {
      const candidates = (
        await store.runsToDelete({
          finishedBefore:
            policy.runMs !== undefined
              ? new Date(now - policy.runMs)
              : undefined,
          keepPerPipeline: policy.maxRunsPerPipeline,
          limit: this.batchSize + failed.size,
        })
      ).filter(runId => !failed.has(runId));
      if (candidates.length === 0) break;
      const deletable: string[] = [];
      for (const runId of candidates) {
        if (await this.deleteArtifactsOf(runId)) deletable.push(runId);
        else failed.add(runId);
      }
      deleted += (await store.deleteRuns(deletable)).length;
      if (candidates.length < this.batchSize) break;
    }
    result.artifactFailures += failed.size;
    return deleted;
  }

  private async deleteArtifacts(
    finishedBefore: Date,
    result: RetentionSweepResult,
  ): Promise<number> {
    const { store } = this.options;
    const failed = new Set<string>();
    let deleted = 0;
    for (let batch = 0; batch < this.maxBatches; batch++) {
      const candidates = (
        await store.runsWithArtifactsToExpire({
          finishedBefore,
          limit: this.batchSize + failed.size,
        })
      ).filter(runId => !failed.has(runId));
      if (candidates.length === 0) break;
      const done: string[] = [];
      for (const runId of candidates) {
        if (await this.deleteArtifactsOf(runId)) done.push(runId);
        else failed.add(runId);
      }
      await store.markArtifactsExpired(done);
      deleted += done.length;
      if (candidates.length < this.batchSize) break;
    }
    result.artifactFailures += failed.size;
    return deleted;
  }

  private async deleteLogs(finishedBefore: Date): Promise<number> {
    let deleted = 0;
    for (let batch = 0; batch < this.maxBatches; batch++) {
      const count = await this.options.store.expireLogs({
        finishedBefore,
        limit: this.batchSize,
      });
      deleted += count;
      if (count < this.batchSize) break;
    }
    return deleted;
  }

  private async deleteArtifactsOf(runId: string): Promise<boolean> {
    try {
      await this.options.artifacts.delete(runId);
      return true;
    } catch (error) {
      this.options.logger.warn(
        `Retention: cannot delete the artifacts of run ${runId}: ${error}`,
      );
      return false;
    }
  }
}
