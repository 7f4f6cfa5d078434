/**
 * The provider-neutral run model: Comet's own engine, Jenkins and GitHub Actions all describe
 * their runs this way, so one list per entity can show them side by side.
 */

export type PipelineRunStatus =
  | 'queued'
  | 'running'
  | 'waiting'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'skipped';

export const TERMINAL_RUN_STATUSES: PipelineRunStatus[] = [
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
];

export type PipelineTriggerType =
  | 'manual'
  | 'push'
  | 'pull_request'
  | 'schedule'
  | 'rerun';

export type PipelineRunTrigger = {
  type: PipelineTriggerType;
  /** The user entity ref who triggered it, for manual runs and re-runs. */
  actor?: string;
  /** For re-runs: the run this one repeats. */
  rerunOf?: string;
  /** For runs a GitHub `pull_request` webhook started: the pull request (an http(s) URL). */
  pullRequest?: PipelineRunPullRequest;
  /**
   * Set when the run builds code nobody trusted yet (a pull request from a fork): why. Its
   * jobs get no secrets, and re-runs keep it.
   */
  untrusted?: string;
};

export type PipelineRunPullRequest = {
  number: number;
  title?: string;
  url: string;
};

export type PipelineRunLink = { title: string; url: string };

export type PipelineStepRun = {
  stepIndex: number;
  name: string;
  status: PipelineRunStatus;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  error?: string;
};

/** How a step report came out; `info` is neither good nor bad news. */
export type PipelineStepReportStatus = 'passed' | 'failed' | 'warning' | 'info';

/** A value in a step report's `data`: plain JSON. */
export type PipelineStepReportValue =
  | string
  | number
  | boolean
  | null
  | PipelineStepReportValue[]
  | { [key: string]: PipelineStepReportValue };

/**
 * A structured result a `uses:` step type reports about its step (a quality gate, a test
 * suite's counts), next to its log: what the run page, the API and run-event listeners (the
 * GitHub pull-request comment) show without reading log lines.
 */
export type PipelineStepReport = {
  /**
   * What the report is, as `<plugin>.<name>` in lower case (`sonarqube.quality-gate`,
   * `test-recorder.suite`): readers pick reports by it, so keep it stable.
   */
  kind: string;
  /** Short and human: `SonarQube gate of payments-api`. One line, at most 100 characters. */
  title: string;
  status: PipelineStepReportStatus;
  /**
   * The result in one line of plain text (no Markdown, no HTML), at most 500 characters:
   * `12 passed, 1 failed, 1 flaky`. Secrets of the run are masked, as in the log.
   */
  summary: string;
  /** Where to read more: an absolute http(s) URL without credentials. */
  url?: string;
  /** Small machine-readable details (a JSON object, at most 4 KiB as JSON). */
  data?: { [key: string]: PipelineStepReportValue };
};

/** A step report as the run keeps it: with the job and step that wrote it. */
export type PipelineRunReport = PipelineStepReport & {
  jobRunId: string;
  jobName: string;
  stepIndex: number;
  stepName: string;
  /** When the report was (last) written, ISO 8601. */
  reportedAt: string;
};

export type PipelineJobRun = {
  /** Unique within the run: the job id, with the matrix values for matrix instances. */
  jobRunId: string;
  jobId: string;
  name: string;
  matrix?: Record<string, string | number | boolean>;
  needs: string[];
  status: PipelineRunStatus;
  attempt: number;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  error?: string;
  /** Set while an approval gate waits, and after a decision. */
  approval?: {
    description?: string;
    /** The environment whose approvers decide (`pipelines.environments`), if the gate names one. */
    environment?: string;
    approvers?: string[];
    decision?: 'approved' | 'rejected';
    decidedBy?: string;
    decidedAt?: string;
    comment?: string;
  };
  steps: PipelineStepRun[];
};

export type PipelineRun = {
  /** Which provider ran it: `comet`, `jenkins`, `github-actions`, … */
  provider: string;
  runId: string;
  entityRef: string;
  pipeline: string;
  /** The pipeline file in the repository, for Comet runs. */
  pipelinePath?: string;
  /** Sequence number of the run within its entity and pipeline. */
  number?: number;
  status: PipelineRunStatus;
  trigger: PipelineRunTrigger;
  branch?: string;
  commit?: { sha: string; message?: string; url?: string };
  params: Record<string, string | number | boolean>;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  error?: string;
  links: PipelineRunLink[];
  jobs: PipelineJobRun[];
  /**
   * What the run's steps reported ({@link PipelineStepReport}), in job and step order; of a
   * retried job only its last attempt's. Set, when there are any, where one run is read
   * (`GET /runs/:runId`, the live stream's `run` events); run lists leave it out.
   */
  reports?: PipelineRunReport[];
};

/** A page of runs, newest first. */
export type PipelineRunPage = {
  runs: PipelineRun[];
  /** Pass back to get the next page; absent on the last page. */
  nextCursor?: string;
  /** The number of runs matching the filters, on the first page only (without a cursor). */
  totalCount?: number;
  /** Set when there are more runs than `totalCount` (counting stops at 1,000). */
  totalCountIsLowerBound?: boolean;
};

/**
 * Why runs are missing from the unified CI/CD list (`GET /ci-runs`): a whole provider that
 * could not be listed (no `source`), or one source of a provider that could, such as one
 * Jenkins job of several. The runs of everything else are still listed.
 */
export type PipelineProviderError = {
  /** The provider id, e.g. `jenkins`. */
  provider: string;
  /**
   * What failed within the provider, readable as is, e.g.
   * `Jenkins job folder/payments-build (instance default)`; absent when the whole provider failed.
   */
  source?: string;
  /** Why, for people; never a credential. */
  message: string;
};

export type PipelineLogLine = {
  /** Position of the line in the run's log, from 0; a client resumes after the last it saw. */
  seq: number;
  jobRunId: string;
  stepIndex?: number;
  stream: 'stdout' | 'stderr' | 'system';
  timestamp: string;
  text: string;
};
