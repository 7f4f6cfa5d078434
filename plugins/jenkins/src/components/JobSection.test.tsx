import type {
  JenkinsEntityJobsResponse,
  JenkinsJob,
} from '@internal/plugin-jenkins-common';
import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  build,
  entityWith,
  job,
  mockApi,
  render,
} from '../__testUtils__/fixtures';
import { JenkinsCard } from './JenkinsCard';
import { JenkinsContent } from './JenkinsContent';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

const multibranch: JenkinsJob = {
  ...job,
  kind: 'multibranch',
  displayName: 'Payments API (branches)',
  description: 'One job per branch of payments-api',
  buildable: false,
  parameters: [],
  children: [
    {
      name: 'main',
      jobFullName: 'payments/payments-api/main',
      branch: 'main',
      url: `${job.url}job/main/`,
    },
    {
      name: 'feature%2Fx',
      jobFullName: 'payments/payments-api/feature%2Fx',
      branch: 'feature/x',
      url: `${job.url}job/feature%252Fx/`,
    },
  ],
};

const branchBuild = (number: number, branch: string) => ({
  ...build(number, 'success'),
  jobRef: `default:payments/payments-api/${encodeURIComponent(branch)}`,
  branch,
});

const featureJob: JenkinsJob = {
  ...job,
  jobRef: 'default:payments/payments-api/feature%2Fx',
  jobFullName: 'payments/payments-api/feature%2Fx',
  name: 'feature%2Fx',
  displayName: 'feature/x',
  parameters: [],
};

function jobsWith(
  entry: Partial<
    Extract<JenkinsEntityJobsResponse, { configured: true }>['jobs'][number]
  >,
): JenkinsEntityJobsResponse {
  return {
    configured: true,
    jobs: [
      {
        source: 'payments/payments-api',
        jobRef: job.jobRef,
        instance: 'default',
        jobFullName: job.jobFullName,
        job,
        builds: [],
        ...entry,
      },
    ],
  };
}

describe('Jenkins jobs', () => {
  it('filters a multibranch project by branch and builds the chosen branch job', async () => {
    const api = mockApi({
      getEntityJobs: jest.fn(async () =>
        jobsWith({ job: multibranch, builds: [branchBuild(3, 'main')] }),
      ),
      listBuilds: jest.fn(async ({ branch }) => ({
        job: multibranch,
        builds: branch === 'feature/x' ? [branchBuild(5, 'feature/x')] : [],
      })),
      getJob: jest
        .fn()
        .mockRejectedValueOnce(
          new Error(
            'Job payments/payments-api/feature%2Fx is not on Jenkins instance "default"',
          ),
        )
        .mockResolvedValue(featureJob),
    });
    await render(<JenkinsContent />, api, entityWith({}, 'multibranch-api'));

    const section = await screen.findByRole('region', {
      name: 'Payments API (branches)',
    });
    expect(within(section).getByText('Multibranch')).toBeInTheDocument();
    expect(within(section).getByText('instance default')).toBeInTheDocument();
    expect(
      within(section).getByText('One job per branch of payments-api'),
    ).toBeInTheDocument();
    const table = within(section).getByRole('table', {
      name: 'Builds of Payments API (branches)',
    });
    expect(
      within(table).getByRole('columnheader', { name: 'Branch' }),
    ).toBeInTheDocument();
    expect(
      within(table).getByRole('button', {
        name: 'Build 3 on main, show details',
      }),
    ).toBeInTheDocument();
    // With no branch chosen, the trigger builds main
    expect(
      within(section).getByRole('button', { name: 'Build main' }),
    ).toBeInTheDocument();

    await userEvent.selectOptions(
      within(section).getByLabelText('Branch'),
      'feature/x',
    );
    expect(
      await within(section).findByRole('button', {
        name: 'Build 5 on feature/x, show details',
      }),
    ).toBeInTheDocument();
    expect(api.listBuilds).toHaveBeenLastCalledWith({
      entityRef: 'component:default/multibranch-api',
      job: job.jobRef,
      branch: 'feature/x',
      limit: 10,
    });
    expect(
      within(section).queryByRole('button', { name: /^Build 3 on main/ }),
    ).toBeNull();

    const trigger = within(section).getByRole('button', {
      name: 'Build feature/x',
    });
    await userEvent.click(trigger);
    expect(await within(section).findByRole('alert')).toHaveTextContent(
      'Jenkins answered with an error' +
        'Job payments/payments-api/feature%2Fx is not on Jenkins instance "default"',
    );
    await userEvent.click(trigger);
    const dialog = await screen.findByRole('dialog', {
      name: 'Build feature/x',
    });
    expect(api.getJob).toHaveBeenLastCalledWith({
      entityRef: 'component:default/multibranch-api',
      job: 'default:payments/payments-api/feature%2Fx',
    });
    expect(dialog).toHaveTextContent('This job has no parameters.');
    // The error from the first try is gone
    expect(within(section).queryByRole('alert')).toBeNull();
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.triggerBuild).not.toHaveBeenCalled();

    // Back to all branches: the builds the entity answer had
    await userEvent.selectOptions(
      within(section).getByLabelText('Branch'),
      'All branches',
    );
    expect(
      await within(section).findByRole('button', {
        name: 'Build 3 on main, show details',
      }),
    ).toBeInTheDocument();
  });

  it('says a branch has no builds, and shows why a branch cannot be listed', async () => {
    const api = mockApi({
      getEntityJobs: jest.fn(async () =>
        jobsWith({ job: multibranch, builds: [branchBuild(3, 'main')] }),
      ),
      listBuilds: jest.fn(async ({ branch }) => {
        if (branch === 'main')
          throw new Error('Jenkins instance "default" is down');
        return { job: multibranch, builds: [] };
      }),
    });
    await render(<JenkinsContent />, api, entityWith({}, 'branches-api'));
    const branch = await screen.findByLabelText('Branch');
    await userEvent.selectOptions(branch, 'feature/x');
    expect(
      await screen.findByText('No builds on branch feature/x yet.'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).toBeNull();
    await userEvent.selectOptions(branch, 'main');
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Jenkins instance "default" is down',
    );
  });

  it('pages through older builds until the last page', async () => {
    const api = mockApi({
      getEntityJobs: jest.fn(async () =>
        jobsWith({ builds: [build(12, 'success')], nextOffset: 10 }),
      ),
      listBuilds: jest
        .fn()
        .mockResolvedValueOnce({
          job,
          builds: [build(2, 'aborted')],
          nextOffset: 20,
        })
        .mockRejectedValueOnce(
          new Error('Builds past offset 1000 are only in Jenkins'),
        )
        .mockResolvedValueOnce({ job, builds: [build(1, 'not_built')] }),
    });
    await render(<JenkinsContent />, api, entityWith({}, 'paged-api'));
    const older = await screen.findByRole('button', {
      name: 'Show older builds',
    });
    await userEvent.click(older);
    expect(
      await screen.findByRole('button', { name: 'Build 2, show details' }),
    ).toBeInTheDocument();
    expect(screen.getByText('Aborted')).toBeInTheDocument();
    expect(api.listBuilds).toHaveBeenLastCalledWith({
      entityRef: 'component:default/paged-api',
      job: job.jobRef,
      branch: undefined,
      offset: 10,
      limit: 10,
    });

    await userEvent.click(
      screen.getByRole('button', { name: 'Show older builds' }),
    );
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Builds past offset 1000 are only in Jenkins',
    );
    // Rows already shown stay
    expect(
      screen.getByRole('button', { name: 'Build 2, show details' }),
    ).toBeInTheDocument();

    await userEvent.click(
      screen.getByRole('button', { name: 'Show older builds' }),
    );
    expect(await screen.findByText('Not built')).toBeInTheDocument();
    expect(api.listBuilds).toHaveBeenLastCalledWith(
      expect.objectContaining({ offset: 20 }),
    );
    expect(
      screen
        .getAllByRole('button', { name: /^Build \d+, show details$/ })
        .map(b => b.textContent),
    ).toEqual(['#12', '#2', '#1']);
    // The last page: no more to show
    await waitFor(() =>
      expect(
        screen.queryByRole('button', { name: 'Show older builds' }),
      ).toBeNull(),
    );
  });

  it('builds a job without parameters, shows a refused trigger in the dialog, then a queued build', async () => {
    const freestyle: JenkinsJob = {
      ...job,
      kind: 'freestyle',
      parameters: [],
    };
    const api = mockApi({
      getEntityJobs: jest.fn(async () => jobsWith({ job: freestyle })),
      triggerBuild: jest
        .fn()
        .mockRejectedValueOnce(
          new Error('payments/payments-api is disabled in Jenkins'),
        )
        .mockResolvedValue({ jobRef: job.jobRef, queueId: 9 }),
    });
    await render(<JenkinsContent />, api, entityWith({}, 'freestyle-api'));
    expect(await screen.findByText('No builds yet.')).toBeInTheDocument();
    expect(screen.getByText('Freestyle')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Build now' }));
    const dialog = await screen.findByRole('dialog', {
      name: 'Build payments-api',
    });
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Build' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'payments/payments-api is disabled in Jenkins',
    );
    expect(api.triggerBuild).toHaveBeenCalledWith({
      entityRef: 'component:default/freestyle-api',
      job: job.jobRef,
      parameters: undefined,
    });
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Build' }),
    );
    expect(
      await screen.findByText(
        'Build of default:payments/payments-api queued (queue item 9)',
      ),
    ).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    // Queued, not started: there is no build to open yet
    expect(screen.queryByRole('region', { name: /^Build \d+$/ })).toBeNull();
  });

  it('leaves an empty password parameter to the job default and sends the rest as text', async () => {
    const withSecrets: JenkinsJob = {
      ...job,
      displayName: 'Deploy',
      parameters: [
        { name: 'DEPLOY_TOKEN', type: 'password' },
        { name: 'NOTES', type: 'text', defaultValue: 'from Comet' },
        { name: 'RETRIES', type: 'other', defaultValue: '3' },
      ],
    };
    const api = mockApi({
      getEntityJobs: jest.fn(async () => jobsWith({ job: withSecrets })),
    });
    await render(<JenkinsContent />, api, entityWith({}, 'secret-api'));
    await userEvent.click(
      await screen.findByRole('button', { name: 'Build with parameters' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Build Deploy with parameters',
    });
    expect(within(dialog).getByLabelText('DEPLOY_TOKEN')).toHaveAttribute(
      'type',
      'password',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Build' }),
    );
    await waitFor(() =>
      expect(api.triggerBuild).toHaveBeenCalledWith({
        entityRef: 'component:default/secret-api',
        job: job.jobRef,
        parameters: { NOTES: 'from Comet', RETRIES: '3' },
      }),
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Build with parameters' }),
    );
    await userEvent.type(
      within(await screen.findByRole('dialog')).getByLabelText('DEPLOY_TOKEN'),
      's3cret',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.triggerBuild).toHaveBeenCalledTimes(1);
  });
});

describe('Jenkins states', () => {
  it('shows the tab is off, and which key turns it on', async () => {
    const api = mockApi({
      getEntityJobs: jest.fn(async () => ({
        configured: false as const,
        message:
          'Jenkins is not configured: set jenkins.instances (name, baseUrl, username, apiKey) in app-config.yaml to turn it on',
      })),
    });
    await render(<JenkinsContent />, api);
    const status = await screen.findByRole('status');
    expect(status).toHaveTextContent('Jenkins is off');
    expect(status).toHaveTextContent('set jenkins.instances');
    expect(screen.queryByRole('table')).toBeNull();
  });

  it.each([
    ['tab', <JenkinsContent />],
    ['card', <JenkinsCard />],
  ])('the %s says why the builds cannot be read', async (_kind, element) => {
    const api = mockApi({
      getEntityJobs: jest.fn(async () => {
        throw new Error('Jenkins instance "default" did not answer in 30 s');
      }),
    });
    await render(element, api);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Jenkins builds cannot be shown');
    expect(alert).toHaveTextContent(
      'Jenkins instance "default" did not answer in 30 s',
    );
  });

  it.each([
    ['tab', <JenkinsContent />],
    ['card', <JenkinsCard />],
  ])(
    'the %s explains an annotation that cannot be used',
    async (_kind, element) => {
      const api = mockApi({
        getEntityJobs: jest.fn(async () => ({
          configured: true as const,
          jobs: [],
          error: {
            name: 'InputError',
            message:
              'jenkins.io/job-full-name names 3 instances but jenkins.instances has no instance called "default"',
          },
        })),
      });
      await render(element, api);
      const alert = await screen.findByRole('alert');
      expect(alert).toHaveTextContent(
        'The jenkins.io/job-full-name annotation cannot be used',
      );
      expect(alert).toHaveTextContent('has no instance called "default"');
    },
  );

  it('the card shows each job: its latest build with branch, no builds, or its problem', async () => {
    const api = mockApi({
      getEntityJobs: jest.fn(async () => ({
        configured: true as const,
        jobs: [
          {
            source: 'payments/payments-api',
            jobRef: job.jobRef,
            instance: 'default',
            jobFullName: job.jobFullName,
            job: { ...job, displayName: 'Payments API' },
            builds: [{ ...build(21, 'running'), branch: 'release/2' }],
          },
          {
            source: 'payments/nightly',
            jobRef: 'default:payments/nightly',
            instance: 'default',
            jobFullName: 'payments/nightly',
            builds: [],
          },
          {
            source: 'ci:payments/legacy',
            jobRef: 'ci:payments/legacy',
            instance: 'ci',
            jobFullName: 'payments/legacy',
            builds: [],
            error: {
              name: 'NotFoundError',
              message:
                'Jenkins instance "ci" has no job payments/legacy (404 from /job/payments/job/legacy/api/json)',
            },
          },
        ],
      })),
    });
    await render(<JenkinsCard />, api);
    expect(await screen.findByRole('link', { name: '#21' })).toHaveAttribute(
      'href',
      `${job.url}21/`,
    );
    expect(screen.getByText('Payments API')).toBeInTheDocument();
    expect(screen.getByText('Running')).toBeInTheDocument();
    expect(screen.getByText('on release/2')).toBeInTheDocument();
    expect(screen.getByText(/· running$/)).toBeInTheDocument();
    expect(screen.getByText('No builds yet.')).toBeInTheDocument();
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('ci:payments/legacy cannot be shown');
    expect(alert).toHaveTextContent('has no job payments/legacy');
    // Only the job without a problem says it has no builds
    expect(screen.getAllByText('No builds yet.')).toHaveLength(1);
  });
});
