import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type {
  PipelineRunLink,
  PipelineRunReport,
  PipelineRunStatus,
  PipelineRunTrigger,
} from '@internal/plugin-pipelines-common';

/**
 * What changed. Run events follow the run's status (`run.started` also when a run goes on
 * after waiting for approval; see `previousStatus`); job events follow one job.
 */
export type PipelineRunEventType =
  | 'run.queued'
  | 'run.started'
  | 'run.waiting'
  | 'run.succeeded'
  | 'run.failed'
  | 'run.cancelled'
  | 'job.started'
  /** An approval gate started waiting for a decision. */
  | 'job.waiting'
  /** A job reached a final status: succeeded, failed, cancelled or skipped. */
  | 'job.finished';

/** The job a `job.*` event is about. */
export type PipelineRunEventJob = {
  jobRunId: string;
  jobId: string;
  name: string;
  status: PipelineRunStatus;
  attempt: number;
  startedAt?: string;
  finishedAt?: string;
};

/**
 * A change of a Comet pipeline run, written in the same database transaction as the change
 * itself. It carries no parameters, errors or log text (those may hold what a pipeline
 * prints); read the run through the pipelines API for more.
 */
export type PipelineRunEvent = {
  /** Unique and the same on every delivery of this event: use it to ignore a redelivery. */
  eventId: string;
  type: PipelineRunEventType;
  /** When the change was made (ISO 8601). */
  occurredAt: string;
  runId: string;
  entityRef: string;
  pipeline: string;
  /** Sequence number of the run within its entity and pipeline. */
  runNumber: number;
  /** The run's status after the change. */
  status: PipelineRunStatus;
  /** For `run.*` events: the run's status before the change; absent when it was created. */
  previousStatus?: PipelineRunStatus;
  trigger: PipelineRunTrigger;
  branch?: string;
  /**
   * The commit built; `message` holds the messages of the commits the run builds (a push's
   * commits, else the commit's own), at most 8 KiB.
   */
  commit?: { sha: string; message?: string; url?: string };
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  links: PipelineRunLink[];
  job?: PipelineRunEventJob;
};

/**
 * Receives run events. Delivery is at least once (after a replica dies mid-delivery, or when
 * `onEvent` throws, the event comes again: dedupe on `eventId`) and in order of writing in
 * the common case, but not strictly: a failing event is retried with backoff while later ones
 * go on.
 */
export type PipelineRunEventListener = {
  /**
   * Names this listener's delivery record; keep it stable across releases and unique among
   * listeners (e.g. `<plugin>.<purpose>`). A new id gets the recent events still kept.
   */
  id: string;
  /** Throwing makes the event come again later, with backoff. */
  onEvent(
    event: PipelineRunEvent,
    context: PipelineRunEventContext,
  ): Promise<void>;
};

/** A failed step of a run (or a job that failed before or between its steps). */
export type PipelineRunFailure = {
  jobRunId: string;
  jobName: string;
  /** Absent when the job failed outside a step (checkout, timeout, a gate rejected). */
  stepIndex?: number;
  stepName?: string;
  exitCode?: number;
  /** The step's error, else the job's. */
  error?: string;
  /** The last lines of the job's log, as stored: secrets are already masked. */
  logTail: string[];
};

/** What a listener may read and do about the run of the event it is given. */
export type PipelineRunEventContext = {
  /**
   * The failed steps of the run, at most one per failed job, with the last `logLines` (default
   * 40, at most 200) lines of each job's log.
   */
  failures(options?: { logLines?: number }): Promise<PipelineRunFailure[]>;
  /**
   * What the run's steps reported so far (`PipelineStepContext.report`), in job and step
   * order, each with its job's and step's names; of a retried job only its last attempt's.
   * Read when called, so a `run.succeeded` or `run.failed` event sees the final ones. Secrets
   * are already masked.
   */
  reports(): Promise<PipelineRunReport[]>;
  /**
   * Adds links to the run, shown with its own links (pull request, …) on the run page and in
   * the API. Each needs a title and an absolute http(s) URL; a URL the run links already is
   * skipped, so a redelivered event adds nothing twice. At most 50 per run.
   */
  addRunLinks(links: PipelineRunLink[]): Promise<void>;
};

export interface PipelinesRunEventsExtensionPoint {
  addListener(listener: PipelineRunEventListener): void;
}

/** Lets backend modules listen to Comet pipeline run and job status changes. */
export const pipelinesRunEventsExtensionPoint =
  createExtensionPoint<PipelinesRunEventsExtensionPoint>({
    id: 'pipelines.run-events',
  });
