import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  CiRunsPage,
  PipelineArtifact,
  PipelineFile,
  PipelineLogLine,
  PipelineRun,
  PipelineRunPage,
  PipelineRunStatus,
  PipelineStats,
  RunFilters,
  ValidationResult,
} from '@internal/plugin-pipelines-common';

// The response types live in pipelines-common, beside the backend that sends them; the
// components import them from here as before
export type {
  CiProvider,
  CiRunsPage,
  PipelineArtifact,
  PipelineFile,
  PipelineStats,
  RunFilters,
  ValidationResult,
} from '@internal/plugin-pipelines-common';

/** Connection state of a live log stream, for the "reconnecting…" banner. */
export type StreamState =
  | { state: 'connecting' }
  | { state: 'live' }
  | { state: 'reconnecting'; attempt: number; retryInMs: number; error: string }
  | { state: 'ended' };

export type LogStreamHandlers = {
  onLines(lines: PipelineLogLine[]): void;
  onRun?(run: PipelineRun): void;
  onEnd?(status: PipelineRunStatus): void;
  onState?(state: StreamState): void;
};

/** The pipelines backend, as the UI uses it. */
export interface PipelinesApi {
  listCiRuns(
    query: RunFilters & { entityRef: string; limit?: number; cursor?: string },
  ): Promise<CiRunsPage>;
  /** Comet runs of one entity, or across entities (`scope`) without `entityRef`. */
  listRuns(
    query: RunFilters & {
      entityRef?: string;
      scope?: 'owned' | 'all';
      limit?: number;
      cursor?: string;
    },
  ): Promise<PipelineRunPage>;
  /** The newest Comet run of each pipeline of an entity, however long ago it ran. */
  getLatestRuns(entityRef: string): Promise<{ runs: PipelineRun[] }>;
  getRun(runId: string): Promise<PipelineRun>;
  triggerRun(request: {
    entityRef: string;
    pipelinePath?: string;
    branch?: string;
    params?: Record<string, string | number | boolean>;
  }): Promise<PipelineRun>;
  cancelRun(runId: string): Promise<PipelineRun>;
  rerun(
    runId: string,
    options?: { failedOnly?: boolean },
  ): Promise<PipelineRun>;
  decide(
    runId: string,
    jobRunId: string,
    decision: 'approve' | 'reject',
    comment?: string,
  ): Promise<PipelineRun>;
  getLogs(
    runId: string,
    options?: { after?: number; limit?: number; jobRunId?: string },
  ): Promise<{ lines: PipelineLogLine[]; nextAfter?: number }>;
  /** Follows the live log from `after`; reconnects on its own. Returns a stop function. */
  streamLogs(
    runId: string,
    after: number,
    handlers: LogStreamHandlers,
  ): () => void;
  /** The whole log as plain text, for the raw download. */
  downloadLog(runId: string): Promise<Blob>;
  listArtifacts(runId: string): Promise<PipelineArtifact[]>;
  downloadArtifact(
    artifact: PipelineArtifact & { runId: string },
  ): Promise<Blob>;
  listPipelines(
    entityRef: string,
  ): Promise<{ repositoryUrl?: string; pipelines: PipelineFile[] }>;
  validate(yaml: string, file?: string): Promise<ValidationResult>;
  getStats(query: {
    entityRef: string;
    pipeline?: string;
    last?: number;
  }): Promise<{ pipelines: PipelineStats[] }>;
}

export const pipelinesApiRef = createApiRef<PipelinesApi>({
  id: 'plugin.pipelines.service',
});
