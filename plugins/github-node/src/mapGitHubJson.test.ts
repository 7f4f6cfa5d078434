import {
  checksSummaryOf,
  mapCommit,
  mapJob,
  mapWorkflowRun,
  reviewStateOf,
} from './mapGitHubJson';

describe('mapping GitHub JSON', () => {
  it('takes the latest decisive review per reviewer; dismissals cancel it', () => {
    const review = (login: string, state: string) => ({
      user: { login },
      state,
    });
    expect(reviewStateOf([])).toBe('none');
    expect(reviewStateOf([review('a', 'COMMENTED')])).toBe('none');
    expect(
      reviewStateOf([
        review('a', 'APPROVED'),
        review('b', 'CHANGES_REQUESTED'),
      ]),
    ).toBe('changes_requested');
    expect(
      reviewStateOf([
        review('a', 'CHANGES_REQUESTED'),
        review('a', 'DISMISSED'),
      ]),
    ).toBe('none');
    expect(reviewStateOf([{ state: 'APPROVED' }])).toBe('approved');
  });

  it('counts statuses and check runs', () => {
    expect(checksSummaryOf([], [])).toEqual({
      state: 'none',
      total: 0,
      successful: 0,
      failed: 0,
      pending: 0,
    });
    expect(
      checksSummaryOf(
        [{ state: 'success' }, { state: 'pending' }],
        [
          { status: 'completed', conclusion: 'skipped' },
          { status: 'completed', conclusion: 'timed_out' },
          { status: 'queued' },
        ],
      ),
    ).toEqual({
      state: 'failure',
      total: 5,
      successful: 2,
      failed: 1,
      pending: 2,
    });
  });

  it('fills what GitHub leaves out', () => {
    expect(
      mapWorkflowRun({
        id: 1,
        display_title: 'Fix',
        workflow_id: 2,
        head_branch: null,
        head_sha: 's',
        event: 'push',
        status: 'queued',
        conclusion: null,
        run_number: 1,
        html_url: 'u',
        created_at: 'c',
        updated_at: 'u',
        actor: null,
      }),
    ).toEqual({
      id: 1,
      name: 'Fix',
      workflowId: 2,
      headBranch: undefined,
      headSha: 's',
      event: 'push',
      status: 'queued',
      conclusion: undefined,
      runNumber: 1,
      runAttempt: 1,
      htmlUrl: 'u',
      createdAt: 'c',
      updatedAt: 'u',
      runStartedAt: undefined,
      actor: undefined,
    });
    expect(mapWorkflowRun({ id: 1 }).name).toBe('');
    expect(
      mapJob({ id: 1, run_id: 2, name: 'j', status: 'queued' }).steps,
    ).toEqual([]);
    expect(
      mapCommit({
        sha: 's',
        commit: { message: 'One\ntwo', author: { name: 'Ann', date: 'd' } },
        author: null,
        html_url: 'h',
      }),
    ).toEqual({
      sha: 's',
      message: 'One',
      author: { login: 'Ann', name: 'Ann' },
      date: 'd',
      htmlUrl: 'h',
    });
    expect(mapCommit({ sha: 's', html_url: 'h' })).toEqual({
      sha: 's',
      message: '',
      author: undefined,
      date: undefined,
      htmlUrl: 'h',
    });
  });
});
