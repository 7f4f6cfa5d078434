/*
 * The repository `yarn bench:github` reads: comet-examples/busy-service on the GitHub fake,
 * with what an active service's entity page shows. Runs carry the fields GitHub's REST API
 * sends (the head commit, the repository and head repository objects with their URL
 * templates), so a page of runs weighs about what GitHub's does.
 */
import type { GitHubFakeState } from '@internal/plugin-github-node/testUtils';

export const BENCH_OWNER = 'comet-examples';
export const BENCH_REPO = 'busy-service';
/** Workflow run ids: GitHub's are large numbers; the newest is FIRST_RUN_ID + runs - 1. */
export const FIRST_RUN_ID = 8_000_000_001;

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The URL fields of GitHub's "minimal repository" (as in a workflow run's `repository`). */
const REPOSITORY_URL_FIELDS = [
  'archive_url:/{archive_format}{/ref}',
  'assignees_url:/assignees{/user}',
  'blobs_url:/git/blobs{/sha}',
  'branches_url:/branches{/branch}',
  'collaborators_url:/collaborators{/collaborator}',
  'comments_url:/comments{/number}',
  'commits_url:/commits{/sha}',
  'compare_url:/compare/{base}...{head}',
  'contents_url:/contents/{+path}',
  'contributors_url:/contributors',
  'deployments_url:/deployments',
  'downloads_url:/downloads',
  'events_url:/events',
  'forks_url:/forks',
  'git_commits_url:/git/commits{/sha}',
  'git_refs_url:/git/refs{/sha}',
  'git_tags_url:/git/tags{/sha}',
  'hooks_url:/hooks',
  'issue_comment_url:/issues/comments{/number}',
  'issue_events_url:/issues/events{/number}',
  'issues_url:/issues{/number}',
  'keys_url:/keys{/key_id}',
  'labels_url:/labels{/name}',
  'languages_url:/languages',
  'merges_url:/merges',
  'milestones_url:/milestones{/number}',
  'notifications_url:/notifications{?since,all,participating}',
  'pulls_url:/pulls{/number}',
  'releases_url:/releases{/id}',
  'stargazers_url:/stargazers',
  'statuses_url:/statuses/{sha}',
  'subscribers_url:/subscribers',
  'subscription_url:/subscription',
  'tags_url:/tags',
  'teams_url:/teams',
  'trees_url:/git/trees{/sha}',
];

function repositoryJson(state: GitHubFakeState, id: number) {
  const api = `https://api.github.com/repos/${BENCH_OWNER}/${BENCH_REPO}`;
  const owner = state.user(BENCH_OWNER);
  const json: Record<string, unknown> = {
    id,
    node_id: `R_kgDO${id.toString(36)}`,
    name: BENCH_REPO,
    full_name: `${BENCH_OWNER}/${BENCH_REPO}`,
    private: true,
    owner: {
      ...owner,
      node_id: `O_kgDO${owner.id.toString(36)}`,
      gravatar_id: '',
      url: `https://api.github.com/users/${BENCH_OWNER}`,
      followers_url: `https://api.github.com/users/${BENCH_OWNER}/followers`,
      repos_url: `https://api.github.com/users/${BENCH_OWNER}/repos`,
      events_url: `https://api.github.com/users/${BENCH_OWNER}/events{/privacy}`,
      type: 'Organization',
      site_admin: false,
    },
    html_url: `https://github.com/${BENCH_OWNER}/${BENCH_REPO}`,
    description: 'The busiest service of the example catalog',
    fork: false,
    url: api,
  };
  for (const field of REPOSITORY_URL_FIELDS) {
    const at = field.indexOf(':');
    json[field.slice(0, at)] = `${api}${field.slice(at + 1)}`;
  }
  return json;
}

export type BusyRepositoryCounts = {
  runs: number;
  commits: number;
  openPulls: number;
  mergedPulls: number;
  branches: number;
};

/**
 * Adds comet-examples/busy-service to the fake: `commits` commits on main, `openPulls` open
 * pull requests (each on its own branch and head commit, with reviews, two commit statuses and
 * three check runs), `mergedPulls` pull requests merged in the last 90 days plus 50 older ones
 * and 10 closed unmerged, further release branches up to `branches`, and `runs` workflow runs
 * of three workflows, newest last, 45 minutes apart.
 */
export function seedBusyRepository(
  state: GitHubFakeState,
  counts: BusyRepositoryCounts,
  now = Date.now(),
): void {
  const authors = ['alice', 'bob', 'carol', 'dave'];
  const repo = state.addRepo({
    owner: BENCH_OWNER,
    name: BENCH_REPO,
    commits: Array.from({ length: counts.commits }, (_, i) => ({
      message:
        i === 0
          ? 'Initial commit'
          : `Change ${i}: tune the ${
              ['cache', 'router', 'client', 'tests'][i % 4]
            }\n\nDetails of change ${i}.`,
      author: authors[i % authors.length],
      date: new Date(now - (counts.commits - i) * 6 * 3_600_000).toISOString(),
      files: { [`src/part-${i}.ts`]: `export const part${i} = ${i};\n` },
    })),
    workflows: [
      { id: 11, name: 'CI' },
      { id: 12, name: 'Deploy' },
      { id: 13, name: 'Nightly' },
    ],
  });
  const mainSha = repo.refs.get(`heads/${repo.defaultBranch}`)!;
  const mainCommit = repo.commits.get(mainSha)!;
  const history: string[] = [];
  for (let sha: string | undefined = mainSha; sha; ) {
    history.push(sha);
    sha = repo.commits.get(sha)!.parents[0];
  }

  // Open pull requests, each on its own branch with one commit on top of main
  const reviewStates = [
    'APPROVED',
    'CHANGES_REQUESTED',
    'COMMENTED',
    'APPROVED',
  ] as const;
  for (let n = 1; n <= counts.openPulls; n++) {
    const branch = `feature/change-${n}`;
    const login = authors[n % authors.length];
    const head = state.addCommit(repo, {
      tree: mainCommit.tree,
      parents: [mainSha],
      message: `Feature ${n}`,
      author: {
        name: login,
        email: `${login}@users.noreply.github.com`,
        date: new Date(now - n * 3_600_000).toISOString(),
      },
      login,
    });
    repo.refs.set(`heads/${branch}`, head.sha);
    const number = 1000 + n;
    state.addPull(repo, {
      number,
      title: `Feature ${n}: a change under review`,
      head: branch,
      draft: n % 6 === 0,
      user: state.user(login),
      created_at: new Date(now - n * 5 * 3_600_000).toISOString(),
      updated_at: new Date(now - n * 3_600_000).toISOString(),
    });
    for (let r = 0; r < 1 + (n % 3); r++) {
      repo.reviews.push({
        id: state.id(),
        pull_number: number,
        user: state.user(authors[(n + r + 1) % authors.length]),
        state: reviewStates[(n + r) % reviewStates.length],
        submitted_at: new Date(now - n * 3_000_000).toISOString(),
      });
    }
    state.addStatus(repo, head.sha, { state: 'success', context: 'ci/build' });
    state.addStatus(repo, head.sha, {
      state: n % 4 === 0 ? 'failure' : 'pending',
      context: 'comet/pipeline',
    });
    for (const name of ['build', 'test', 'lint']) {
      state.addCheckRun(repo, {
        head_sha: head.sha,
        name,
        status: 'completed',
        conclusion: n % 5 === 0 && name === 'test' ? 'failure' : 'success',
      });
    }
  }

  // Closed pull requests: merged in the last 90 days, merged long ago, closed unmerged
  const closed = (
    number: number,
    createdAt: number,
    closedAt: number,
    merged: boolean,
  ) =>
    state.addPull(repo, {
      number,
      title: `Past change ${number}`,
      head: repo.defaultBranch,
      state: 'closed',
      created_at: new Date(createdAt).toISOString(),
      updated_at: new Date(closedAt).toISOString(),
      closed_at: new Date(closedAt).toISOString(),
      merged_at: merged ? new Date(closedAt).toISOString() : null,
    });
  for (let i = 0; i < counts.mergedPulls; i++) {
    const mergedAt = now - (i + 1) * ((85 * DAY) / counts.mergedPulls);
    closed(i + 1, mergedAt - (4 + (i % 30)) * 3_600_000, mergedAt, true);
  }
  for (let i = 0; i < 50; i++) {
    const mergedAt = now - (100 + i * 2) * DAY;
    closed(
      counts.mergedPulls + i + 1,
      mergedAt - 8 * 3_600_000,
      mergedAt,
      true,
    );
  }
  for (let i = 0; i < 10; i++) {
    const closedAt = now - (i * 7 + 3) * DAY;
    closed(counts.mergedPulls + 51 + i, closedAt - DAY, closedAt, false);
  }

  // Further branches (release lines), up to `branches` in all
  for (let i = repo.refs.size; i < counts.branches; i++) {
    repo.refs.set(`heads/release/1.${i}`, history[i % history.length]);
  }

  // Workflow runs, oldest first
  const repository = repositoryJson(state, repo.id);
  const conclusions = ['success', 'success', 'failure', 'success', 'cancelled'];
  for (let i = 0; i < counts.runs; i++) {
    const id = FIRST_RUN_ID + i;
    // 7 in 10 runs are CI, 2 Deploy, 1 Nightly
    const workflow = repo.workflows[[0, 0, 0, 0, 0, 0, 0, 1, 1, 2][i % 10]];
    const sha = history[i % history.length];
    const commit = repo.commits.get(sha)!;
    const createdAt = now - (counts.runs - i) * 45 * MINUTE;
    const newest = counts.runs - i;
    let status = 'completed';
    if (newest === 1) status = 'in_progress';
    else if (newest === 2) status = 'queued';
    const fromPull = i % 5 === 4;
    let event = workflow.id === 13 ? 'schedule' : 'push';
    if (fromPull) event = 'pull_request';
    const api = `https://api.github.com/repos/${BENCH_OWNER}/${BENCH_REPO}/actions/runs/${id}`;
    state.addRun(repo, {
      id,
      name: workflow.name,
      node_id: `WFR_kwLO${id.toString(36)}`,
      check_suite_id: id * 2,
      check_suite_node_id: `CS_kwDO${(id * 2).toString(36)}`,
      head_branch: fromPull
        ? `feature/change-${(i % counts.openPulls) + 1}`
        : repo.defaultBranch,
      head_sha: sha,
      path: workflow.path,
      display_title: commit.message.split('\n')[0],
      run_number: i + 1,
      event,
      status,
      conclusion:
        status === 'completed' ? conclusions[i % conclusions.length] : null,
      workflow_id: workflow.id,
      url: api,
      pull_requests: [],
      created_at: new Date(createdAt).toISOString(),
      updated_at: new Date(createdAt + (4 + (i % 9)) * MINUTE).toISOString(),
      run_started_at: new Date(createdAt + 10_000).toISOString(),
      actor: state.user(authors[i % authors.length]),
      triggering_actor: state.user(authors[i % authors.length]),
      run_attempt: 1,
      referenced_workflows: [],
      jobs_url: `${api}/jobs`,
      logs_url: `${api}/logs`,
      check_suite_url: `https://api.github.com/repos/${BENCH_OWNER}/${BENCH_REPO}/check-suites/${
        id * 2
      }`,
      artifacts_url: `${api}/artifacts`,
      cancel_url: `${api}/cancel`,
      rerun_url: `${api}/rerun`,
      previous_attempt_url: null,
      workflow_url: `https://api.github.com/repos/${BENCH_OWNER}/${BENCH_REPO}/actions/workflows/${workflow.id}`,
      head_commit: {
        id: sha,
        tree_id: commit.tree,
        message: commit.message,
        timestamp: commit.author.date,
        author: { name: commit.author.name, email: commit.author.email },
        committer: { name: commit.author.name, email: commit.author.email },
      },
      repository,
      head_repository: repository,
    });
  }
}
