import {
  PipelineRun,
  PipelineStats,
  TERMINAL_RUN_STATUSES,
} from '@internal/plugin-pipelines-common';
import type { PipelineStore } from '../store/PipelineStore';

const finishedAt = (run: PipelineRun) =>
  Date.parse(run.finishedAt ?? run.startedAt ?? run.createdAt);

/** Stats of one pipeline from its finished runs, given newest first (as the store lists them). */
export function computePipelineStats(
  pipeline: string,
  newestFirst: PipelineRun[],
): PipelineStats {
  const runs = [...newestFirst].reverse();
  const decided = runs.filter(
    r => r.status === 'succeeded' || r.status === 'failed',
  );
  const recoveries: PipelineStats['recoveries'] = [];
  let failedSince: PipelineRun | undefined;
  for (const run of runs) {
    if (run.status === 'failed' && !failedSince) failedSince = run;
    if (run.status === 'succeeded' && failedSince) {
      recoveries.push({
        failedRunId: failedSince.runId,
        recoveredRunId: run.runId,
        ms: Math.max(0, finishedAt(run) - finishedAt(failedSince)),
      });
      failedSince = undefined;
    }
  }
  return {
    pipeline,
    runs: runs.map(r => ({
      runId: r.runId,
      number: r.number,
      status: r.status,
      createdAt: r.createdAt,
      durationMs: r.durationMs,
    })),
    successRate: decided.length
      ? decided.filter(r => r.status === 'succeeded').length / decided.length
      : undefined,
    recoveries,
    meanTimeToRecoveryMs: recoveries.length
      ? Math.round(
          recoveries.reduce((sum, r) => sum + r.ms, 0) / recoveries.length,
        )
      : undefined,
  };
}

/**
 * The last `last` finished runs of each pipeline of an entity (or of one pipeline), read
 * through the store's own run listing, newest first. Every pipeline that ever ran is there,
 * however long ago (not only those among the entity's newest runs).
 */
export async function readPipelineStats(
  store: Pick<PipelineStore, 'listRuns' | 'latestRunPerPipeline'>,
  query: { entityRef: string; pipeline?: string; last: number },
): Promise<PipelineStats[]> {
  let pipelines: string[];
  if (query.pipeline) {
    pipelines = [query.pipeline];
  } else {
    const latest = await store.latestRunPerPipeline(query.entityRef);
    pipelines = [...new Set(latest.map(r => r.pipeline))].sort();
  }
  return Promise.all(
    pipelines.map(async pipeline => {
      const finished: PipelineRun[] = [];
      let cursor: string | undefined;
      // Runs still going are skipped; a few pages at most
      for (let page = 0; page < 5 && finished.length < query.last; page++) {
        const result = await store.listRuns({
          entityRefs: [query.entityRef],
          pipeline,
          limit: Math.min(200, query.last * 2),
          cursor,
        });
        for (const run of result.runs) {
          if (
            TERMINAL_RUN_STATUSES.includes(run.status) &&
            run.status !== 'skipped' &&
            finished.length < query.last
          ) {
            finished.push(run);
          }
        }
        cursor = result.nextCursor;
        if (!cursor) break;
      }
      return computePipelineStats(pipeline, finished);
    }),
  );
}
