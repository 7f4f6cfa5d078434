import type { JsonValue } from '@backstage/types';
import type {
  AiExplainedRun,
  AiFailureRunKind,
} from '@internal/plugin-ai-assistant-common';

/** An earlier run of the same pipeline, job, workflow or suite. */
export type EarlierRun = {
  runId: string;
  /** `succeeded` counts as green; anything else does not. */
  status: string;
  commit?: string;
  commitUrl?: string;
  /** ISO 8601 */
  finishedAt: string;
  url?: string;
};

/** The failed run's log, as far as it could be read. */
export type FailedRunLog = {
  text: string;
  /** What was read, for people: `the log of job build (1,204 lines)`. */
  source: string;
  /** A link to a line of `text` (1-based), when the system has one. */
  lineUrl?: (line: number) => string | undefined;
  warnings: string[];
};

/** The failed run, read through its system's actions. */
export type FailedRun = {
  run: AiExplainedRun;
  /** The key its earlier runs are recorded under, e.g. `comet:<entityRef>:<pipeline>`. */
  pipelineKey: string;
  /** ISO 8601: earlier runs are the ones that finished before it started. */
  startedAt?: string;
  finishedAt: string;
  /** Undefined when no log could be read (the reader's `unread` says why). */
  log?: FailedRunLog;
  exitCode?: number;
  /** The run's own account of the failure (`run.error`, a test run's reason). */
  error?: string;
  warnings: string[];
};

/** Context a model's prompt gets besides the log: commits, tests, a quality gate, issues. */
export type ModelEvidence = {
  kind:
    | 'commits'
    | 'test-results'
    | 'quality-gate'
    | 'jira-issue'
    | 'step-report';
  title: string;
  url?: string;
  content: JsonValue;
};

/** Limits of what one explanation reads. */
export type FailureSourceLimits = {
  /** Lines of the failed run's log kept (its end, when longer). */
  maxLogLines: number;
  /** Lines of an earlier run's log kept (green baselines, fingerprints of earlier failures). */
  maxEarlierLogLines: number;
};

/**
 * One CI system's runs, read only through its actions with the caller's credentials: the
 * failed run and its log, earlier runs of the same pipeline, their logs, and context for a
 * model.
 */
export interface FailureSource {
  readonly kind: AiFailureRunKind;
  /**
   * The failed run. Throws `NotFoundError`/`NotAllowedError` when the run cannot be read, and
   * `ConflictError` when it has not failed (still running, or green).
   */
  readFailedRun(): Promise<FailedRun>;
  /** Runs of the same pipeline that finished before it, newest first, at most `limit`. */
  earlierRuns(failed: FailedRun, limit: number): Promise<EarlierRun[]>;
  /** An earlier run's log (its end), or undefined when it cannot be read. */
  readEarlierLog(run: EarlierRun): Promise<string | undefined>;
  /** Context for a model; what cannot be read is noted, not thrown. */
  modelEvidence(failed: FailedRun): Promise<ModelEvidence[]>;
}
