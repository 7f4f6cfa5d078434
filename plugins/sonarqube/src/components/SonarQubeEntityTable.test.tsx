import { configure, screen, waitFor, within } from '@testing-library/react';
import {
  entityWith,
  mockApi,
  mockSignals,
  project,
  render,
} from '../__testUtils__/fixtures';
import { SonarQubeEntityTable } from './SonarQubeEntityTable';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

const group = {
  ...entityWith({ name: 'team-a', annotations: {} }),
  kind: 'Group',
};
const system = {
  ...entityWith({ name: 'payments', annotations: {} }),
  kind: 'System',
};

const table = {
  configured: true as const,
  entityRef: 'group:default/team-a',
  rows: [
    {
      entityRef: 'component:default/payments-api',
      title: 'Payments API',
      projects: [
        project,
        {
          project: 'acme_worker',
          instance: 'default',
          projectKey: 'acme_worker',
          scope: {},
          analysed: true,
          qualityGate: { status: 'OK' as const, conditions: [] },
          measures: {},
        },
      ],
    },
    {
      entityRef: 'component:default/refunds',
      title: 'Refunds',
      error:
        'sonarqube.org/project-key of component:default/refunds names the instance "eu", which is not in sonarqube.instances',
      projects: [
        {
          project: 'refunds',
          instance: 'default',
          projectKey: 'refunds',
          url: 'https://sonar.example.com/dashboard?id=refunds',
          scope: {},
          analysed: false,
          measures: {},
          error:
            'SonarQube instance "default": GET api/measures/component for project "refunds": not found (404)',
        },
      ],
    },
  ],
};

/** Each cell's text as it reads, without the links' "opens in a new window" note. */
const cells = (row: HTMLElement) =>
  within(row)
    .getAllByRole('cell')
    .map(cell =>
      cell.textContent?.replace(/\s*, Opens in a new window/g, '').trim(),
    );

describe('SonarQubeEntityTable', () => {
  it("lists the gate and ratings of every project of the group's entities, and each problem", async () => {
    await render(
      <SonarQubeEntityTable />,
      mockApi({ getTable: jest.fn(async () => table) }),
      { entity: group },
    );
    const grid = await screen.findByRole('table', {
      name: 'Code quality by entity',
    });
    const rows = within(grid).getAllByRole('row').slice(1);
    expect(rows.map(cells)).toEqual([
      [
        'Payments API',
        'ACME API',
        'Quality gate: Failed',
        'A',
        'C',
        'B',
        '71.3%',
        '0',
        '340',
      ],
      ['', 'acme_worker', 'Quality gate: Passed', '–', '–', '–', '–', '–', '–'],
      [
        'Refunds',
        'sonarqube.org/project-key of component:default/refunds names the instance "eu", which is not in sonarqube.instances',
      ],
      // The entity's own problem has its row; its projects' rows name it again
      [
        'Refunds',
        'refunds',
        'SonarQube instance "default": GET api/measures/component for project "refunds": not found (404)',
      ],
    ]);
    expect(
      within(grid).getByRole('link', { name: /ACME API/ }),
    ).toHaveAttribute('href', project.url);
    expect(
      within(grid).getByRole('link', { name: /^refunds/ }),
    ).toHaveAttribute('href', 'https://sonar.example.com/dashboard?id=refunds');
  });

  it('reloads when the quality gate of one of its projects changes, and only then', async () => {
    const signals = mockSignals();
    const api = mockApi({ getTable: jest.fn(async () => table) });
    await render(<SonarQubeEntityTable />, api, {
      entity: group,
      signals: signals.api,
    });
    await screen.findByRole('table', { name: 'Code quality by entity' });
    expect(api.getTable).toHaveBeenCalledTimes(1);
    expect(api.getTable).toHaveBeenCalledWith('group:default/team-a');
    await signals.publish('sonarqube:quality-gate', {
      instance: 'default',
      projectKey: 'somebody_else',
    });
    expect(api.getTable).toHaveBeenCalledTimes(1);
    await signals.publish('sonarqube:quality-gate', {
      instance: 'default',
      projectKey: 'acme_worker',
    });
    await waitFor(() => expect(api.getTable).toHaveBeenCalledTimes(2));
  });

  it('says when no part of a system has a project key', async () => {
    await render(
      <SonarQubeEntityTable />,
      mockApi({
        getTable: jest.fn(async () => ({
          configured: true as const,
          entityRef: 'system:default/payments',
          rows: [],
        })),
      }),
      { entity: system },
    );
    expect(
      await screen.findByText(
        'No part of this system has a sonarqube.org/project-key annotation.',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('names the config key when SonarQube is off', async () => {
    await render(
      <SonarQubeEntityTable />,
      mockApi({
        getTable: jest.fn(async () => ({
          configured: false as const,
          message:
            'SonarQube is not configured: add an instance under sonarqube.instances (name, baseUrl, apiKey) in app-config to turn it on',
        })),
      }),
      { entity: group },
    );
    expect(
      await screen.findByText('SonarQube is not configured'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/add an instance under sonarqube\.instances/),
    ).toHaveTextContent('See docs/sonarqube.md.');
  });

  it('shows why the table cannot be read', async () => {
    await render(
      <SonarQubeEntityTable />,
      mockApi({
        getTable: jest.fn(async () => {
          throw new Error(
            'SonarQube instance "default" at https://sonar.example.com did not answer within 10 s',
          );
        }),
      }),
      { entity: group },
    );
    expect(
      (
        await screen.findAllByText(
          /SonarQube instance "default" at https:\/\/sonar\.example\.com did not answer within 10 s/,
        )
      ).length,
    ).toBeGreaterThan(0);
    expect(screen.queryByRole('table')).toBeNull();
  });
});
