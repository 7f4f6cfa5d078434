/**
 * The pipeline-as-code model: what a `.comet/pipeline.yaml` file says, after parsing and
 * validation (see {@link parsePipeline}).
 */

/** A typed pipeline parameter, given when a run is triggered. */
export type PipelineParamType = 'string' | 'number' | 'boolean' | 'choice';

export type PipelineParam = {
  type: PipelineParamType;
  description?: string;
  default?: string | number | boolean;
  /** Allowed values, for `choice`. */
  options?: string[];
  /** Allowed values of a `string`; the run dialog shows them as a select. */
  enum?: string[];
  /** A regular expression (`u` flag) the whole value of a `string` must match. */
  pattern?: string;
  /** The most characters a `string` may have; {@link DEFAULT_PARAM_MAX_LENGTH} when unset. */
  maxLength?: number;
  required?: boolean;
};

/** The most characters a `string` param may have when its definition sets no `maxLength`. */
export const DEFAULT_PARAM_MAX_LENGTH = 1000;

export type PipelinePushTrigger = {
  /** Branch globs (`main`, `release/*`); none means every branch. */
  branches?: string[];
  /** Tag globs; a push trigger with only `tags` ignores branch pushes. */
  tags?: string[];
};

export type PipelinePullRequestTrigger = {
  /** Globs of the pull request's base branch; none means every branch. */
  branches?: string[];
};

export type PipelineScheduleTrigger = {
  /** Five-field cron expression, in UTC. */
  cron: string;
};

export type PipelineTriggers = {
  manual?: {};
  push?: PipelinePushTrigger;
  pull_request?: PipelinePullRequestTrigger;
  schedule?: PipelineScheduleTrigger[];
};

export type PipelineApproval = {
  description?: string;
  /**
   * The environment the gate releases to (`production`): its approvers come from the
   * backend's `pipelines.environments.<environment>.approvers`, outside the repository.
   * Without one, the members of the entity's owner group decide.
   */
  environment?: string;
  /**
   * User or group refs (`user:<ns>/<name>`, `group:<ns>/<name>`) that narrow who may decide:
   * a decider must match one of these as well as the environment's approvers (or the owner
   * group), so a file can never add approvers of its own.
   */
  approvers?: string[];
};

export type PipelineStep = {
  /** Display name; defaults to the first line of `run` or the `uses` type. */
  name: string;
  /** A bash script. Exactly one of `run` and `uses` is set. */
  run?: string;
  /** A step type registered through the pipelines step-type extension point. */
  uses?: string;
  with?: Record<string, unknown>;
  env: Record<string, string>;
  if?: string;
  timeoutMs?: number;
  continueOnError: boolean;
};

export type PipelineJob = {
  /** The key under `jobs:`. */
  id: string;
  name: string;
  needs: string[];
  /** Each key's values are combined into one job instance per combination. */
  matrix?: Record<string, Array<string | number | boolean>>;
  if?: string;
  timeoutMs?: number;
  /** Extra attempts after a failure. */
  retry: number;
  env: Record<string, string>;
  steps: PipelineStep[];
  /** Paths (relative to the workspace) kept after the job. */
  artifacts: string[];
  /** The job pauses until a permitted user approves or rejects. A job with approval has no steps. */
  approval?: PipelineApproval;
  /**
   * The container image the job runs in, for executors that run jobs in containers (the
   * Kubernetes executor, within `pipelines.kubernetes.allowedImages`); the local executor
   * ignores it.
   */
  image?: string;
};

export type PipelineDefinition = {
  name: string;
  on: PipelineTriggers;
  params: Record<string, PipelineParam>;
  env: Record<string, string>;
  jobs: PipelineJob[];
};

/** Where a problem is in a pipeline file. Lines and columns start at 1. */
export type PipelineIssue = {
  message: string;
  /** The field, e.g. `jobs.build.steps[0].uses`. */
  path: string;
  file?: string;
  line?: number;
  column?: number;
};

export type PipelineValidationResult =
  | { ok: true; pipeline: PipelineDefinition; issues: [] }
  | { ok: false; pipeline?: undefined; issues: PipelineIssue[] };

/** What validation needs to know beyond the file itself. */
export type PipelineValidationContext = {
  /** The file's path in the repository, used in issues. */
  file?: string;
  /** Step types that `uses:` may name. */
  stepTypes?: string[];
  /** Per step type, the inputs its `with:` must have (`PipelineStepType.requiredInputs`). */
  requiredInputs?: Record<string, string[]>;
  /** Secret names that `${{ secrets.NAME }}` may reference; undefined skips the check. */
  secrets?: string[];
  /**
   * The environments an approval may name (the keys of `pipelines.environments`); undefined
   * skips the check.
   */
  environments?: string[];
};
