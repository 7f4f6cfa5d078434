import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import { configure, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { jenkinsApiRef } from '../api';
import { entity, job, mockApi, render } from '../__testUtils__/fixtures';
import { JenkinsCard } from './JenkinsCard';
import { JenkinsContent } from './JenkinsContent';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

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
