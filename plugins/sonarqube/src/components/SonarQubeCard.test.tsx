import { EntityProvider } from '@backstage/plugin-catalog-react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { configure, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { sonarQubeApiRef } from '../api';
import { entity, mockApi } from '../__testUtils__/fixtures';
import { SonarQubeCard } from './SonarQubeCard';
import { SonarQubeContent } from './SonarQubeContent';

// The machine is shared; give rendering time without loosening what is asserted.
configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

describe('SonarQubeCard', () => {
  it('shows the gate, ratings and link of each project, and a precise error for a bad key', async () => {
    await renderInTestApp(
      <EntityProvider entity={entity}>
        <SonarQubeCard />
      </EntityProvider>,
      { apis: [[sonarQubeApiRef, mockApi()]] },
    );
    expect(await screen.findByText('ACME API')).toBeInTheDocument();
    expect(screen.getByText('Quality gate: Failed')).toBeInTheDocument();
    expect(screen.getByText('Reliability: A')).toBeInTheDocument();
    expect(screen.getByText('Security: C')).toBeInTheDocument();
    expect(screen.getByText('Maintainability: B')).toBeInTheDocument();
    expect(screen.getByText('340 code smells, 3d 1h debt')).toBeInTheDocument();
    expect(screen.getByText('71.3%')).toBeInTheDocument();
    expect(
      screen.getByText(/Component key 'acme_typo' not found/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByRole('link', { name: /Open in SonarQube/ })[0],
    ).toHaveAttribute(
      'href',
      'https://sonar.example.com/dashboard?id=acme_api',
    );
  });

  it('names the config key when SonarQube is off', async () => {
    await renderInTestApp(
      <EntityProvider entity={entity}>
        <SonarQubeCard />
      </EntityProvider>,
      {
        apis: [
          [
            sonarQubeApiRef,
            mockApi({
              getSummary: async () => ({
                configured: false,
                message:
                  'SonarQube is not configured: add an instance under sonarqube.instances (name, baseUrl, apiKey) in app-config to turn it on',
              }),
            }),
          ],
        ],
      },
    );
    expect(
      await screen.findByText(/add an instance under sonarqube\.instances/),
    ).toBeInTheDocument();
  });
});

describe('SonarQubeContent', () => {
  it('switches to a pull request and pages through issues', async () => {
    const api = mockApi();
    await renderInTestApp(
      <EntityProvider entity={entity}>
        <SonarQubeContent />
      </EntityProvider>,
      { apis: [[sonarQubeApiRef, api]] },
    );
    expect(
      await screen.findByText('Remove this useless assignment (page 1)'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/SonarQube returns the first 10,000 of 12,000 issues/),
    ).toBeInTheDocument();
    expect(
      screen.getByText('✘ Coverage on new code: 42.3'),
    ).toBeInTheDocument();
    // Hotspots need sonarqube.security.read: the refusal shows as a precise message
    expect(
      await screen.findByText(
        'You are not allowed to sonarqube.security.read on component:default/payments-api',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('img', {
        name: /Coverage: 60% on 2026-11-01, 71.3% on 2026-11-08/,
      }),
    ).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(
      await screen.findByText('Remove this useless assignment (page 2)'),
    ).toBeInTheDocument();

    await userEvent.click(
      await screen.findByRole('button', {
        name: /Branch or pull request main \(main branch\): gate failed/,
      }),
    );
    await userEvent.click(
      await screen.findByRole('option', {
        name: /Pull request #42 Partial refunds: gate failed/,
      }),
    );
    await waitFor(() =>
      expect(api.getProject).toHaveBeenLastCalledWith(
        expect.objectContaining({ project: 'acme_api', pullRequest: '42' }),
      ),
    );
    expect(api.getIssues).toHaveBeenLastCalledWith(
      expect.objectContaining({ pullRequest: '42', page: 1 }),
    );

    await userEvent.click(
      await screen.findByRole('button', { name: /Show details of issue/ }),
    );
    expect(
      await screen.findByRole('link', {
        name: /Open issue issue-1 in SonarQube/,
      }),
    ).toBeInTheDocument();
  });
});
