import type {
  EntityDeliveryHealth,
  GroupDeliveryHealth,
} from '@internal/plugin-comet-common';

export const APP = 'http://localhost:3000';

export const component = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-api', namespace: 'default' },
  spec: { type: 'service', owner: 'payments-team', lifecycle: 'production' },
};

export const group = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name: 'payments-team', namespace: 'default' },
  spec: { type: 'team', children: [] },
};

/** Every section read: the figures of docs/delivery-health.md's example. */
export function healthyEntity(
  overrides: Partial<EntityDeliveryHealth> = {},
): EntityDeliveryHealth {
  const page = `${APP}/catalog/default/component/payments-api`;
  return {
    entityRef: 'component:default/payments-api',
    title: 'payments-api',
    computedAt: '2026-03-03T12:00:00.000Z',
    pipelines: {
      status: 'ok',
      link: `${page}/ci-cd`,
      value: {
        lastRun: {
          runId: 'run-42',
          provider: 'comet',
          pipeline: 'build',
          status: 'succeeded',
          createdAt: '2026-03-03T11:00:00.000Z',
          finishedAt: '2026-03-03T11:02:05.000Z',
          durationMs: 125_000,
          link: `${APP}/pipelines/runs/run-42`,
        },
        successRate: { value: 40, rating: 'bad' },
        timeToRecoveryHours: { value: 17.5, rating: 'good' },
        sampleSize: 6,
      },
    },
    qualityGate: {
      status: 'ok',
      link: 'https://sonar.example.com/dashboard?id=acme_api',
      value: {
        status: { value: 'ERROR', rating: 'bad' },
        projects: [
          {
            project: 'acme_api',
            instance: 'default',
            status: 'ERROR',
            link: 'https://sonar.example.com/dashboard?id=acme_api',
          },
        ],
      },
    },
    tests: {
      status: 'ok',
      link: `${page}/tests`,
      value: {
        passRate: { value: 96.25, rating: 'warn' },
        flakyCount: { value: 1, rating: 'warn' },
        suites: [
          {
            suite: 'e2e',
            runId: 'suite-run-1',
            status: 'failed',
            counts: { passed: 76, failed: 3, flaky: 1, skipped: 2 },
            link: `${APP}/test-recorder/suites/e2e`,
          },
        ],
      },
    },
    bugs: {
      status: 'ok',
      link: `${page}/jira`,
      value: { openBugs: { value: 3, rating: 'good' }, isLowerBound: false },
    },
    pullRequests: {
      status: 'ok',
      link: 'https://github.com/acme/payments-api/pulls',
      value: {
        open: 4,
        hasMore: false,
        oldestAgeDays: { value: 12, rating: 'warn' },
        averageAgeDays: 5.5,
      },
    },
    ...overrides,
  };
}

/** A component whose families are mostly missing or failing. */
export function troubledEntity(): EntityDeliveryHealth {
  return healthyEntity({
    entityRef: 'component:default/billing',
    title: 'billing',
    pipelines: {
      status: 'not-configured',
      message: 'component:default/billing has no pipeline runs yet',
      link: `${APP}/catalog/default/component/billing/ci-cd`,
    },
    qualityGate: {
      status: 'not-configured',
      message:
        'component:default/billing has no sonarqube.org/project-key annotation',
    },
    tests: {
      status: 'ok',
      // Already a path in the portal: kept as it is
      link: '/catalog/default/component/billing/tests',
      message: 'Suite "smoke": test-recorder:get-run answered 500: boom',
      value: {
        flakyCount: { value: 0, rating: 'good' },
        suites: [],
      },
    },
    bugs: {
      status: 'ok',
      value: { openBugs: { value: 100, rating: 'bad' }, isLowerBound: true },
    },
    pullRequests: {
      status: 'error',
      message: 'github:list-pull-requests answered 503: Service Unavailable',
      link: `${APP}/catalog/default/component/billing/github`,
    },
  });
}

export function groupHealth(
  overrides: Partial<GroupDeliveryHealth> = {},
): GroupDeliveryHealth {
  return {
    groupRef: 'group:default/payments-team',
    entities: [troubledEntity(), healthyEntity()],
    truncated: false,
    limit: 50,
    ...overrides,
  };
}
