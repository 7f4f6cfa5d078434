import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import type {
  JenkinsBuildSummary,
  JenkinsEntityJobsResponse,
  JenkinsJob,
} from '@internal/plugin-jenkins-common';
import { configure, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { JenkinsApi, jenkinsApiRef } from '../api';
import { JenkinsCard } from './JenkinsCard';
import { JenkinsContent } from './JenkinsContent';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

const entity = {
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

const job: JenkinsJob = {
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

const build = (
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

const entityJobs: JenkinsEntityJobsResponse = {
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

function mockApi(overrides: Partial<JenkinsApi> = {}): JenkinsApi {
  return {
    getEntityJobs: jest.fn(async () => entityJobs),
    listBuilds: jest.fn(async () => ({ job, builds: [] })),
    getJob: jest.fn(async () => job),
    getBuild: jest.fn(async ({ number }) => ({
      ...build(number, 'running'),
      changes: [],
      artifacts: [],
      stages: [
        { id: '1', name: 'Checkout', status: 'success' as const },
        { id: '2', name: 'Build', status: 'running' as const },
      ],
    })),
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

function render(element: JSX.Element, api: JenkinsApi) {
  return renderInTestApp(
    <TestApiProvider apis={[[jenkinsApiRef, api]]}>
      <EntityProvider entity={entity}>{element}</EntityProvider>
    </TestApiProvider>,
  );
}

describe('Jenkins UI', () => {
  it('lists builds with status as text, and explains a bad job instead of hiding it', async () => {
    await render(<JenkinsContent />, mockApi());
    expect(
      await screen.findByRole('table', {
        name: 'Builds of payments/payments-api',
      }),
    ).toBeInTheDocument();
    expect(screen.getByText('Unstable')).toBeInTheDocument();
    expect(screen.getByText('Success')).toBeInTheDocument();
    expect(screen.getAllByText('9/10 passed, 1 failed')).toHaveLength(2);
    expect(screen.getByRole('alert')).toHaveTextContent(
      'names the Jenkins instance "nowhere", which is not in jenkins.instances',
    );
  });

  it('triggers with parameters from the job definition and follows the new build', async () => {
    const api = mockApi();
    await render(<JenkinsContent />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Build with parameters' }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent(
      'payments/payments-api on Jenkins instance default',
    );
    await userEvent.selectOptions(
      screen.getByLabelText('DEPLOY_ENV'),
      'production',
    );
    await userEvent.click(screen.getByLabelText('DRY_RUN'));
    const branch = screen.getByLabelText('BRANCH');
    await userEvent.clear(branch);
    await userEvent.type(branch, 'release/1.2{enter}');
    await waitFor(() =>
      expect(api.triggerBuild).toHaveBeenCalledWith({
        entityRef: 'component:default/payments-api',
        job: 'default:payments/payments-api',
        parameters: {
          BRANCH: 'release/1.2',
          DEPLOY_ENV: 'production',
          DRY_RUN: false,
        },
      }),
    );
    expect(
      await screen.findByText(
        'Build #13 of default:payments/payments-api started',
      ),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole('heading', { name: 'Build #13' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('list', { name: 'Stages' })).toHaveTextContent(
      'CheckoutSuccess',
    );
    expect(
      await screen.findByLabelText('Console output of build 13'),
    ).toHaveTextContent('+ npm test');
    expect(screen.getByRole('button', { name: 'Abort' })).toBeInTheDocument();
  });

  it('shows only the buttons the user may press: no Abort without jenkins.build.abort', async () => {
    const api = mockApi();
    const asked: string[] = [];
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [jenkinsApiRef, api],
          [
            permissionApiRef,
            mockApis.permission.mock({
              authorize: async request => {
                asked.push(`${request.permission.name} ${request.resourceRef}`);
                return {
                  result: (request.permission.name === 'jenkins.build.abort'
                    ? 'DENY'
                    : 'ALLOW') as any,
                };
              },
            }),
          ],
        ]}
      >
        {/* An entity of its own: usePermission caches answers per entity across tests */}
        <EntityProvider
          entity={{
            ...entity,
            metadata: { ...entity.metadata, name: 'restricted-api' },
          }}
        >
          <JenkinsContent />
        </EntityProvider>
      </TestApiProvider>,
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Build 12, show details' }),
    );
    expect(
      await screen.findByRole('heading', { name: 'Build #12' }),
    ).toBeInTheDocument();
    // Build 12 is running: Abort would be its only action, and it is not offered.
    await waitFor(() =>
      expect(asked).toContain(
        'jenkins.build.abort component:default/restricted-api',
      ),
    );
    expect(screen.queryByRole('button', { name: 'Abort' })).toBeNull();
    // Triggering is allowed: the trigger button is there.
    expect(
      screen.getByRole('button', { name: 'Build with parameters' }),
    ).toBeInTheDocument();
  });

  it('says which config key turns Jenkins on', async () => {
    const api = mockApi({
      getEntityJobs: jest.fn(async () => ({
        configured: false as const,
        message:
          'Jenkins is not configured: set jenkins.instances (name, baseUrl, username, apiKey) in app-config.yaml to turn it on',
      })),
    });
    await render(<JenkinsCard />, api);
    expect(await screen.findByRole('status')).toHaveTextContent(
      'set jenkins.instances',
    );
  });

  it('shows the latest build per job on the card', async () => {
    await render(<JenkinsCard />, mockApi());
    expect(await screen.findByRole('link', { name: '#12' })).toHaveAttribute(
      'href',
      `${job.url}12/`,
    );
    expect(screen.getByText('Unstable')).toBeInTheDocument();
  });
});
