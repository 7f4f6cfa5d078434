import type {
  GitHubActor,
  GitHubChecksSummary,
  GitHubCommitSummary,
  GitHubJob,
  GitHubPullRequestSummary,
  GitHubReviewState,
  GitHubWorkflowRun,
} from '@internal/plugin-github-common';

/** GitHub's REST JSON, loosely typed: only the fields read here matter. */
export type GitHubJson = Record<string, any>;

function actor(user: GitHubJson | null | undefined): GitHubActor | undefined {
  if (!user?.login) return undefined;
  return {
    login: user.login,
    avatarUrl: user.avatar_url ?? undefined,
    htmlUrl: user.html_url ?? undefined,
  };
}

export function mapWorkflowRun(run: GitHubJson): GitHubWorkflowRun {
  return {
    id: run.id,
    name: run.name ?? run.display_title ?? '',
    workflowId: run.workflow_id,
    headBranch: run.head_branch ?? undefined,
    headSha: run.head_sha,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion ?? undefined,
    runNumber: run.run_number,
    runAttempt: run.run_attempt ?? 1,
    htmlUrl: run.html_url,
    createdAt: run.created_at,
    updatedAt: run.updated_at,
    runStartedAt: run.run_started_at ?? undefined,
    actor: actor(run.triggering_actor ?? run.actor),
  };
}

export function mapJob(job: GitHubJson): GitHubJob {
  return {
    id: job.id,
    runId: job.run_id,
    name: job.name,
    status: job.status,
    conclusion: job.conclusion ?? undefined,
    startedAt: job.started_at ?? undefined,
    completedAt: job.completed_at ?? undefined,
    htmlUrl: job.html_url ?? undefined,
    runnerName: job.runner_name ?? undefined,
    steps: ((job.steps ?? []) as GitHubJson[]).map(step => ({
      number: step.number,
      name: step.name,
      status: step.status,
      conclusion: step.conclusion ?? undefined,
      startedAt: step.started_at ?? undefined,
      completedAt: step.completed_at ?? undefined,
    })),
  };
}

/**
 * The latest decisive review of each reviewer counts (a dismissal cancels theirs); one
 * "changes requested" outweighs any approval.
 */
export function reviewStateOf(reviews: GitHubJson[]): GitHubReviewState {
  const latest = new Map<string, string>();
  for (const review of reviews) {
    const login = review.user?.login ?? '';
    if (review.state === 'APPROVED' || review.state === 'CHANGES_REQUESTED') {
      latest.set(login, review.state);
    } else if (review.state === 'DISMISSED') {
      latest.delete(login);
    }
  }
  const states = [...latest.values()];
  if (states.includes('CHANGES_REQUESTED')) return 'changes_requested';
  if (states.includes('APPROVED')) return 'approved';
  return 'none';
}

const FAILED_CONCLUSIONS = new Set([
  'failure',
  'timed_out',
  'cancelled',
  'action_required',
  'startup_failure',
  'stale',
]);

/** Counts commit statuses (latest per context, as the combined status gives) and check runs. */
export function checksSummaryOf(
  statuses: GitHubJson[],
  checkRuns: GitHubJson[],
): GitHubChecksSummary {
  let successful = 0;
  let failed = 0;
  let pending = 0;
  for (const status of statuses) {
    if (status.state === 'success') successful += 1;
    else if (status.state === 'failure' || status.state === 'error')
      failed += 1;
    else pending += 1;
  }
  for (const run of checkRuns) {
    if (run.status !== 'completed') pending += 1;
    else if (FAILED_CONCLUSIONS.has(run.conclusion)) failed += 1;
    else successful += 1;
  }
  const total = successful + failed + pending;
  let state: GitHubChecksSummary['state'] = 'none';
  if (failed > 0) state = 'failure';
  else if (pending > 0) state = 'pending';
  else if (total > 0) state = 'success';
  return { state, total, successful, failed, pending };
}

export function mapPullRequest(
  pull: GitHubJson,
  reviewState: GitHubReviewState,
  checks: GitHubChecksSummary,
): GitHubPullRequestSummary {
  let state: GitHubPullRequestSummary['state'] = 'open';
  if (pull.merged_at) state = 'merged';
  else if (pull.state === 'closed') state = 'closed';
  return {
    number: pull.number,
    title: pull.title,
    state,
    draft: Boolean(pull.draft),
    author: actor(pull.user),
    htmlUrl: pull.html_url,
    createdAt: pull.created_at,
    updatedAt: pull.updated_at,
    mergedAt: pull.merged_at ?? undefined,
    headRef: pull.head.ref,
    headSha: pull.head.sha,
    baseRef: pull.base.ref,
    reviewState,
    checks,
  };
}

export function mapCommit(commit: GitHubJson): GitHubCommitSummary {
  const gitAuthor = commit.commit?.author ?? {};
  const user = actor(commit.author);
  let author: GitHubCommitSummary['author'];
  if (user) author = { ...user, name: gitAuthor.name ?? undefined };
  else if (gitAuthor.name)
    author = { login: gitAuthor.name, name: gitAuthor.name };
  return {
    sha: commit.sha,
    message: String(commit.commit?.message ?? '').split('\n')[0],
    author,
    date: gitAuthor.date ?? undefined,
    htmlUrl: commit.html_url,
  };
}
