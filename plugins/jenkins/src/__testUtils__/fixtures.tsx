import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import type {
  JenkinsBuild,
  JenkinsBuildSummary,
  JenkinsEntityJobsResponse,
  JenkinsJob,
} from '@internal/plugin-jenkins-common';
import { JenkinsApi, jenkinsApiRef } from '../api';

export const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-api',
    namespace: 'default',
    annotations: {
      'jenkins.io/job-full-name': 'payments/payments-api,nowhere:x',
    },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};

export const entityRef = 'component:default/payments-api';

/** The entity with other annotations (and a name of its own: permissions are cached per entity). */
export function entityWith(
  annotations: Record<string, string>,
  name = 'other-api',
): Entity {
  return { ...entity, metadata: { ...entity.metadata, name, annotations } };
}

export const job: JenkinsJob = {
  jobRef: 'default:payments/payments-api',
  instance: 'default',
  jobFullName: 'payments/payments-api',
  name: 'payments-api',
  kind: 'pipeline',
  url: 'https://jenkins.example.com/job/payments/job/payments-api/',
  buildable: true,
  parameters: [
    { name: 'BRANCH', type: 'string', defaultValue: 'main' },
    { name: 'DEPLOY_ENV', type: 'choice', choices: ['staging', 'production'] },
    { name: 'DRY_RUN', type: 'boolean', defaultValue: true },
  ],
};

export const build = (
  number: number,
  status: JenkinsBuildSummary['status'],
): JenkinsBuildSummary => ({
  jobRef: job.jobRef,
  instance: 'default',
  jobFullName: job.jobFullName,
  number,
  status,
  building: status === 'running',
  startedAt: '2026-11-26T10:00:00.000Z',
  durationMs: 65_000,
  causes: [{ description: 'Started by user Ada', kind: 'user' }],
  parameters: {},
  commit: { sha: 'abcdef1234567890', message: 'Fix refunds' },
  tests: { total: 10, passed: 9, failed: 1, skipped: 0 },
  url: `${job.url}${number}/`,
});

/** A build's details as `getBuild` answers them. */
export const buildDetails = (
  number: number,
  status: JenkinsBuildSummary['status'],
  extra: Partial<JenkinsBuild> = {},
): JenkinsBuild => ({
  ...build(number, status),
  changes: [],
  artifacts: [],
  ...extra,
});

export const entityJobs: JenkinsEntityJobsResponse = {
  configured: true,
  jobs: [
    {
      source: 'payments/payments-api',
      jobRef: job.jobRef,
      instance: 'default',
      jobFullName: job.jobFullName,
      job,
      builds: [build(12, 'unstable'), build(11, 'success')],
    },
    {
      source: 'nowhere:x',
      jobRef: 'nowhere:x',
      instance: 'nowhere',
      jobFullName: 'x',
      builds: [],
      error: {
        name: 'InputError',
        message:
          'jenkins.io/job-full-name entry "nowhere:x" names the Jenkins instance "nowhere", which is not in jenkins.instances (configured: default)',
      },
    },
  ],
};

export function mockApi(overrides: Partial<JenkinsApi> = {}): JenkinsApi {
  return {
    getEntityJobs: jest.fn(async () => entityJobs),
    listBuilds: jest.fn(async () => ({ job, builds: [] })),
    getJob: jest.fn(async () => job),
    getBuild: jest.fn(async ({ number }) =>
      buildDetails(number, 'running', {
        stages: [
          { id: '1', name: 'Checkout', status: 'success' as const },
          { id: '2', name: 'Build', status: 'running' as const },
        ],
      }),
    ),
    getTestReport: jest.fn(async () => ({
      total: 0,
      passed: 0,
      failed: 0,
      skipped: 0,
      failures: [],
    })),
    getConsoleText: jest.fn(async () => 'whole log'),
    streamLog: jest.fn(async ({ onChunk }) => {
      onChunk({
        text: 'Started by user comet\n+ npm test\n',
        nextStart: 30,
        more: true,
      });
    }),
    triggerBuild: jest.fn(async () => ({
      jobRef: job.jobRef,
      queueId: 7,
      buildNumber: 13,
    })),
    abortBuild: jest.fn(async () => {}),
    rebuild: jest.fn(async () => ({ jobRef: job.jobRef, queueId: 8 })),
    ...overrides,
  };
}

export function render(
  element: JSX.Element,
  api: JenkinsApi,
  forEntity: Entity = entity,
) {
  return renderInTestApp(
    <TestApiProvider apis={[[jenkinsApiRef, api]]}>
      <EntityProvider entity={forEntity}>{element}</EntityProvider>
    </TestApiProvider>,
  );
}
