import type { Entity } from '@backstage/catalog-model';
import type {
  GitHubCommitSummary,
  GitHubPullRequestSummary,
} from '@internal/plugin-github-common';
import { GitHubApi, GitHubApiError, GitHubCycleTime } from '../api';

export const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-api',
    namespace: 'default',
    annotations: { 'github.com/project-slug': 'comet-examples/payments-api' },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};

export function entityWith(annotations: Record<string, string>): Entity {
  return { ...entity, metadata: { ...entity.metadata, annotations } };
}

const HOUR = 3600_000;

export function pullRequest(
  number: number,
  overrides: Partial<GitHubPullRequestSummary> = {},
): GitHubPullRequestSummary {
  return {
    number,
    title: `Change ${number}`,
    state: 'open',
    draft: false,
    author: {
      login: 'ada',
      htmlUrl: 'https://github.com/ada',
    },
    htmlUrl: `https://github.com/comet-examples/payments-api/pull/${number}`,
    createdAt: new Date(Date.now() - 3 * 24 * HOUR).toISOString(),
    updatedAt: new Date(Date.now() - HOUR).toISOString(),
    headRef: `feature-${number}`,
    headSha: `${number}`.padStart(40, 'a'),
    baseRef: 'main',
    reviewState: 'none',
    checks: { state: 'none', total: 0, successful: 0, failed: 0, pending: 0 },
    ...overrides,
  };
}

export const pullRequests: GitHubPullRequestSummary[] = [
  pullRequest(42, {
    title: 'Retry refunds on timeout',
    reviewState: 'approved',
    checks: {
      state: 'success',
      total: 3,
      successful: 3,
      failed: 0,
      pending: 0,
    },
  }),
  pullRequest(41, {
    title: 'Draft: new ledger',
    draft: true,
    author: { login: 'grace' },
    reviewState: 'changes_requested',
    checks: {
      state: 'failure',
      total: 4,
      successful: 2,
      failed: 1,
      pending: 1,
    },
  }),
  pullRequest(40, { author: undefined }),
];

export const commits: GitHubCommitSummary[] = [
  {
    sha: '0123456789abcdef0123456789abcdef01234567',
    message: 'Fix refunds\n\nLonger explanation',
    author: { login: 'ada' },
    date: '2026-11-26T10:00:00Z',
    htmlUrl:
      'https://github.com/comet-examples/payments-api/commit/0123456789abcdef0123456789abcdef01234567',
  },
  {
    sha: 'fedcba9876543210fedcba9876543210fedcba98',
    message: 'Initial commit',
    author: { login: '', name: 'Grace Hopper' },
    htmlUrl:
      'https://github.com/comet-examples/payments-api/commit/fedcba9876543210fedcba9876543210fedcba98',
  },
];

export const cycleTime: GitHubCycleTime = {
  days: 90,
  weeks: [
    { weekStart: '2026-11-16', merged: 2, medianHours: 5.5 },
    { weekStart: '2026-11-23', merged: 0, medianHours: null },
    { weekStart: '2026-11-30', merged: 3, medianHours: 72 },
  ],
};

export const repository = {
  host: 'github.com',
  owner: 'comet-examples',
  repo: 'payments-api',
  htmlUrl: 'https://github.com/comet-examples/payments-api',
  defaultBranch: 'main',
};

/** The error the client throws for a backend answer. */
export async function apiError(status: number, name: string, message: string) {
  return GitHubApiError.fromResponse(
    new Response(JSON.stringify({ error: { name, message } }), {
      status,
      headers: { 'Content-Type': 'application/json' },
    }),
    'GET /test',
  );
}

export const notConfiguredMessage =
  'GitHub is not configured: set integrations.github in app-config.yaml';

export function mockApi(overrides: Partial<GitHubApi> = {}): GitHubApi {
  return {
    getConfig: jest.fn(async () => ({
      configured: true,
      hosts: ['github.com'],
    })),
    getRepository: jest.fn(async () => ({ repository })),
    listWorkflowRuns: jest.fn(),
    listJobs: jest.fn(),
    rerunWorkflowRun: jest.fn(),
    cancelWorkflowRun: jest.fn(),
    listPullRequests: jest.fn(async () => ({
      pullRequests,
      count: pullRequests.length,
      hasMore: false,
    })),
    getPullRequest: jest.fn(),
    listCommits: jest.fn(async () => ({ branch: 'main', commits })),
    getCycleTime: jest.fn(async () => cycleTime),
    createPullRequest: jest.fn(),
    ...overrides,
  };
}
