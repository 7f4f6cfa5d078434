import type { PipelineDefinition, PipelineIssue } from './definition';
import type {
  PipelineProviderError,
  PipelineRun,
  PipelineRunStatus,
} from './runs';

// The pipelines backend's HTTP responses, as its router sends them and the UI reads them.

/** A CI/CD system that contributes runs to the unified list. */
export type CiProvider = { id: string; title: string };

/** `GET /ci-runs`: runs of every CI/CD provider on an entity, newest first. */
export type CiRunsPage = {
  providers: CiProvider[];
  runs: PipelineRun[];
  nextCursor?: string;
  /**
   * Why runs are missing: a provider that failed as a whole (no `source`), or one source of a
   * provider, e.g. one Jenkins job of several. The other runs are still listed.
   */
  errors: PipelineProviderError[];
};

/** The filters of `GET /ci-runs` and `GET /runs`. */
export type RunFilters = {
  provider?: string;
  pipeline?: string;
  branch?: string;
  status?: PipelineRunStatus;
};

/** One pipeline file of an entity, parsed, or the problems that stop it from parsing. */
export type PipelineFile = {
  path: string;
  commit?: string;
  /** The file's text at `commit`, when it could be read. */
  text?: string;
  definition?: PipelineDefinition;
  issues?: PipelineIssue[];
};

/** A file a job kept (`GET /runs/:runId/artifacts`). */
export type PipelineArtifact = {
  jobRunId: string;
  /** Relative to the job's artifact root, with `/` separators. */
  path: string;
  size: number;
};

/** `POST /validate`: a pipeline file's problems, and the pipeline when it parses. */
export type ValidationResult = {
  ok: boolean;
  issues: PipelineIssue[];
  pipeline?: PipelineDefinition;
  /** The `uses:` step types this backend has (for completion). */
  stepTypes?: string[];
};

/** `GET /stats`: per pipeline, over its last N finished runs (what the UI's charts show). */
export type PipelineStats = {
  pipeline: string;
  /** Oldest first. */
  runs: Array<{
    runId: string;
    number?: number;
    status: PipelineRunStatus;
    createdAt: string;
    durationMs?: number;
  }>;
  /** Succeeded runs over succeeded and failed ones (cancelled runs do not count); undefined without any. */
  successRate?: number;
  /** From each failed run (the first of a failure streak) to the next successful run. */
  recoveries: Array<{
    failedRunId: string;
    recoveredRunId: string;
    ms: number;
  }>;
  meanTimeToRecoveryMs?: number;
};
