import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import type { Config } from '@backstage/config';
import type { Entity } from '@backstage/catalog-model';
import {
  GitHubClientFactory,
  gitHubClientFactoryServiceRef,
} from '@internal/plugin-github-node';
import {
  type GitHubFakeRepoSeed,
  githubLogOf,
} from '@internal/plugin-github-node/testUtils';

/** The token of integrations.github in tests: sees every repository but comet-examples/secret. */
export const TOKEN = 'ghp_cometBackendTestToken00000000000000';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Midnight UTC of the Monday of `time`'s week, computed the calendar way. */
export function mondayUtc(time: number): number {
  const date = new Date(time);
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  return Date.UTC(
    date.getUTCFullYear(),
    date.getUTCMonth(),
    date.getUTCDate() - sinceMonday,
  );
}

const iso = (time: number) => new Date(time).toISOString();

/** Merge times relative to the current week, so the cycle time is checkable at any date. */
export function mergeTimes(now = Date.now()) {
  const monday = mondayUtc(now);
  return {
    /** Wednesday noon of last week. */
    lastWeek: monday - 7 * DAY + 2 * DAY + 12 * HOUR,
    /** Tuesday 06:00 three weeks ago. */
    threeWeeksAgo: monday - 21 * DAY + DAY + 6 * HOUR,
    /** 200 days ago: outside any window of at most 180 days. */
    longAgo: now - 200 * DAY,
  };
}

function merged(
  number: number,
  createdAt: number,
  mergedAt: number,
): NonNullable<GitHubFakeRepoSeed['pulls']>[number] {
  return {
    number,
    title: `Change ${number}`,
    head: 'main',
    state: 'closed',
    created_at: iso(createdAt),
    updated_at: iso(mergedAt),
    closed_at: iso(mergedAt),
    merged_at: iso(mergedAt),
  };
}

/** The root catalog file of comet-examples/payments-api: two entities, with comments. */
export const PAYMENTS_CATALOG_INFO = `# Owned by the payments team
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  annotations:
    github.com/project-slug: comet-examples/payments-api
    # Both pipeline files
    comet.dev/pipelines: .comet/pipeline.yaml, ./.comet/nightly.yaml
    jira/project-key: PAY # the team's board
spec:
  type: service
  owner: team-a
  lifecycle: production
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-rest
spec:
  type: openapi
  owner: team-a
  lifecycle: production
  definition: |
    openapi: 3.0.3
`;

/** The ledger's catalog file in the same repository (a monorepo). */
export const LEDGER_CATALOG_INFO = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger-worker
  annotations:
    github.com/project-slug: comet-examples/payments-api
spec:
  type: service
  owner: team-a
  lifecycle: production
`;

export function repoSeeds(now = Date.now()): GitHubFakeRepoSeed[] {
  const t = mergeTimes(now);
  return [
    {
      owner: 'comet-examples',
      name: 'payments-api',
      commits: [
        {
          message: 'Initial commit',
          files: {
            'README.md': '# Payments API\n',
            '.comet/pipeline.yaml': 'steps: []\n',
            'catalog-info.yaml': PAYMENTS_CATALOG_INFO,
            'services/ledger/catalog-info.yaml': LEDGER_CATALOG_INFO,
          },
          date: '2026-01-01T00:00:00Z',
        },
        {
          message: 'Add refunds\n\nWith tests.',
          author: 'alice',
          files: { 'src/refund.ts': 'export {};\n' },
          date: '2026-02-01T00:00:00Z',
        },
      ],
      workflows: [{ id: 1, name: 'CI' }],
      runs: [
        { id: 101 },
        { id: 102, conclusion: 'failure', head_branch: 'feature/refunds' },
        { id: 103, status: 'in_progress', conclusion: null },
      ],
      jobs: [
        {
          id: 2001,
          run_id: 102,
          name: 'test',
          conclusion: 'failure',
          log: githubLogOf([
            '##[group]Run npm test',
            'FAIL src/refund.test.ts',
            '##[error]Process completed with exit code 1.',
          ]),
          steps: [
            {
              number: 1,
              name: 'Checkout',
              status: 'completed',
              conclusion: 'success',
            },
            {
              number: 2,
              name: 'Test',
              status: 'completed',
              conclusion: 'failure',
            },
          ],
        },
        // A job of an old run whose log is past the retention
        { id: 2002, run_id: 101, logExpired: true },
      ],
      pulls: [
        { number: 7, title: 'Refunds', head: 'main' },
        merged(20, t.lastWeek - 10 * HOUR, t.lastWeek),
        merged(21, t.lastWeek - 30 * HOUR, t.lastWeek + HOUR),
        merged(22, t.threeWeeksAgo - 48 * HOUR, t.threeWeeksAgo),
        {
          number: 23,
          title: 'Abandoned',
          head: 'main',
          state: 'closed',
          created_at: iso(t.lastWeek - 5 * HOUR),
          updated_at: iso(t.lastWeek),
          closed_at: iso(t.lastWeek),
        },
        merged(24, t.longAgo - 5 * HOUR, t.longAgo),
      ],
      reviews: [{ pull: 7, user: 'bob', state: 'APPROVED' }],
    },
    {
      owner: 'comet-examples',
      name: 'busy-service',
      // 120 merges of 3 hours in the window, then 150 long ago: two pages are enough
      pulls: [
        ...Array.from({ length: 120 }, (_, i) =>
          merged(
            i + 1,
            t.lastWeek - 3 * HOUR - i * 60_000,
            t.lastWeek - i * 60_000,
          ),
        ),
        ...Array.from({ length: 150 }, (_, i) =>
          merged(i + 121, t.longAgo - 2 * HOUR - i * DAY, t.longAgo - i * DAY),
        ),
      ],
    },
    { owner: 'comet-examples', name: 'secret' },
  ];
}

export function component(
  name: string,
  annotations: Record<string, string>,
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  };
}

export const ENTITIES: Entity[] = [
  component('payments-api', {
    'github.com/project-slug': 'comet-examples/payments-api',
    'comet.dev/pipelines': '.comet/pipeline.yaml, ./.comet/nightly.yaml',
  }),
  component('busy-service', {
    'github.com/project-slug': 'comet-examples/busy-service',
  }),
  component('ledger-worker', {
    'github.com/project-slug': 'comet-examples/payments-api',
    'backstage.io/managed-by-location':
      'url:https://github.com/comet-examples/payments-api/blob/main/services/ledger/catalog-info.yaml',
  }),
  // Said to be in the root catalog file of payments-api, which does not hold it
  component('stray', {
    'github.com/project-slug': 'comet-examples/payments-api',
    'backstage.io/managed-by-location':
      'url:https://github.com/comet-examples/payments-api/blob/main/catalog-info.yaml',
  }),
  component('no-github', {}),
  component('bad-slug', { 'github.com/project-slug': 'not a slug' }),
  component('hidden', { 'github.com/project-slug': 'comet-examples/secret' }),
  component('missing', { 'github.com/project-slug': 'comet-examples/nowhere' }),
  component('other-host', {
    'github.com/project-slug': 'platform/payments',
    'backstage.io/source-location':
      'url:https://ghe.other.example.com/platform/payments/tree/main/',
  }),
];

/** `integrations.github` pointing github.com at the fake, with the test token. */
export function gitHubConfig(apiBaseUrl: string) {
  return {
    integrations: {
      github: [{ host: 'github.com', apiBaseUrl, token: TOKEN }],
    },
    github: { cache: { ttlSeconds: 0 } },
  };
}

/** A client factory on the fake without GitHub's spacing of writes. */
export function testClientFactory(config: Config) {
  return GitHubClientFactory.fromConfig(config, {
    logger: mockServices.logger.mock(),
    writeIntervalMs: 0,
    retries: 0,
  });
}

/** The backend's GitHub client factory, as testClientFactory builds it. */
export const testClientFactoryService = createServiceFactory({
  service: gitHubClientFactoryServiceRef,
  deps: { config: coreServices.rootConfig },
  factory: ({ config }) => testClientFactory(config),
});
