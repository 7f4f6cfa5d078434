import type {
  GitHubCommitSummary,
  GitHubJob,
  GitHubPullRequestSummary,
  GitHubWorkflowRun,
} from './types';

describe('GitHub types', () => {
  it('are plain JSON that survive a round trip unchanged', () => {
    const run: GitHubWorkflowRun = {
      id: 1,
      name: 'CI',
      workflowId: 7,
      headBranch: 'main',
      headSha: 'abc',
      event: 'push',
      status: 'completed',
      conclusion: 'success',
      runNumber: 3,
      runAttempt: 1,
      htmlUrl: 'https://github.com/o/r/actions/runs/1',
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:01:00Z',
      runStartedAt: '2026-01-01T00:00:01Z',
      actor: { login: 'octocat' },
    };
    const job: GitHubJob = {
      id: 2,
      runId: 1,
      name: 'build',
      status: 'completed',
      conclusion: 'failure',
      steps: [{ number: 1, name: 'Checkout', status: 'completed' }],
    };
    const pull: GitHubPullRequestSummary = {
      number: 4,
      title: 'Fix',
      state: 'merged',
      draft: false,
      htmlUrl: 'https://github.com/o/r/pull/4',
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      mergedAt: '2026-01-02T00:00:00Z',
      headRef: 'fix',
      headSha: 'def',
      baseRef: 'main',
      reviewState: 'approved',
      checks: { state: 'none', total: 0, successful: 0, failed: 0, pending: 0 },
    };
    const commit: GitHubCommitSummary = {
      sha: 'abc',
      message: 'Fix it',
      htmlUrl: 'https://github.com/o/r/commit/abc',
    };
    for (const value of [run, job, pull, commit]) {
      expect(JSON.parse(JSON.stringify(value))).toEqual(value);
    }
  });
});
