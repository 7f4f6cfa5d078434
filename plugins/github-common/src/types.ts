/**
 * What Comet's GitHub backend returns: plain JSON, camelCase, mapped from GitHub's REST
 * responses by `GitHubClient` in `@internal/plugin-github-node`. Dates are ISO 8601 strings.
 */

/** A GitHub user or app, as much as the UI shows of it. */
export type GitHubActor = {
  login: string;
  avatarUrl?: string;
  htmlUrl?: string;
};

/** `queued`, `in_progress`, `completed`, … as GitHub says it (`waiting`, `requested`, `pending`). */
export type GitHubRunStatus =
  | 'queued'
  | 'in_progress'
  | 'completed'
  | 'waiting'
  | 'requested'
  | 'pending';

/** Set once a run, job or step is completed; undefined before. */
export type GitHubRunConclusion =
  | 'success'
  | 'failure'
  | 'neutral'
  | 'cancelled'
  | 'skipped'
  | 'timed_out'
  | 'action_required'
  | 'stale'
  | 'startup_failure';

/** One GitHub Actions workflow run. */
export type GitHubWorkflowRun = {
  id: number;
  /** The workflow's name (the run's `name`). */
  name: string;
  workflowId: number;
  headBranch?: string;
  headSha: string;
  /** What triggered it: `push`, `pull_request`, `workflow_dispatch`, … */
  event: string;
  status: GitHubRunStatus;
  conclusion?: GitHubRunConclusion;
  runNumber: number;
  runAttempt: number;
  htmlUrl: string;
  createdAt: string;
  updatedAt: string;
  runStartedAt?: string;
  actor?: GitHubActor;
};

export type GitHubWorkflowRunPage = {
  runs: GitHubWorkflowRun[];
  /** All runs that match, over every page. */
  totalCount: number;
};

export type GitHubJobStep = {
  number: number;
  name: string;
  status: GitHubRunStatus;
  conclusion?: GitHubRunConclusion;
  startedAt?: string;
  completedAt?: string;
};

/** One job of a workflow run, with its steps. */
export type GitHubJob = {
  id: number;
  runId: number;
  name: string;
  status: GitHubRunStatus;
  conclusion?: GitHubRunConclusion;
  startedAt?: string;
  completedAt?: string;
  htmlUrl?: string;
  runnerName?: string;
  steps: GitHubJobStep[];
};

/**
 * A job's plain-text log, as far as it was read: GitHub serves it whole, so a long one is read
 * as a stream of which only the end is kept (where jobs fail).
 */
export type GitHubJobLog = {
  jobId: number;
  /** The log (its last `maxBytes` when longer, from the first whole line), as UTF-8 text. */
  text: string;
  /** Bytes read of the log. */
  bytesRead: number;
  /** Bytes read but left out before `text` (0 when `text` is all that was read). */
  droppedBytes: number;
  /** Whether the log was longer than Comet reads: the bytes after `bytesRead` were not read. */
  unreadAfter: boolean;
};

/**
 * The reviews' verdict: the latest review of each reviewer counts (`COMMENTED` ones do not);
 * `changes_requested` wins over `approved`; `none` when nobody decided yet.
 */
export type GitHubReviewState = 'approved' | 'changes_requested' | 'none';

/** The checks and commit statuses of a commit, counted. */
export type GitHubChecksSummary = {
  /** `failure` if any failed, else `pending` if any is not finished, else `success`; `none` without any. */
  state: 'success' | 'failure' | 'pending' | 'none';
  total: number;
  successful: number;
  failed: number;
  pending: number;
};

export type GitHubPullRequestSummary = {
  number: number;
  title: string;
  /** `merged` is a closed pull request with a merge date. */
  state: 'open' | 'closed' | 'merged';
  draft: boolean;
  author?: GitHubActor;
  htmlUrl: string;
  createdAt: string;
  updatedAt: string;
  mergedAt?: string;
  headRef: string;
  /** The head commit, whose checks {@link GitHubPullRequestSummary.checks} counts. */
  headSha: string;
  baseRef: string;
  reviewState: GitHubReviewState;
  checks: GitHubChecksSummary;
};

export type GitHubCommitSummary = {
  sha: string;
  /** The first line of the commit message. */
  message: string;
  /** The GitHub user when GitHub knows the author's email, else the git author's name. */
  author?: GitHubActor & { name?: string };
  /** The author date. */
  date?: string;
  htmlUrl: string;
};

/**
 * The request header that carries a signed-in user's own GitHub token to
 * `POST /api/github/entities/…/pull-requests`, so that the user authors the proposed change.
 * Used for that one request; never stored or logged.
 */
export const GITHUB_USER_TOKEN_HEADER = 'x-github-user-token';
