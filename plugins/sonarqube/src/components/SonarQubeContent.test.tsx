import type { SonarQubeIssue } from '@internal/plugin-sonarqube-common';
import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  entityWith,
  mockApi,
  mockSignals,
  project,
  render,
} from '../__testUtils__/fixtures';
import { SonarQubeContent } from './SonarQubeContent';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

const single = entityWith({
  name: 'ledger',
  annotations: { 'sonarqube.org/project-key': 'acme_api' },
});

const summaryOf = (...projects: (typeof project)[]) =>
  jest.fn(async () => ({
    configured: true as const,
    entityRef: 'component:default/ledger',
    projects,
  }));

const issue = (extra: Partial<SonarQubeIssue>): SonarQubeIssue => ({
  key: 'AX-1',
  rule: 'typescript:S1854',
  severity: 'MAJOR',
  type: 'CODE_SMELL',
  message: 'Remove this useless assignment',
  component: 'src/a.ts',
  status: 'OPEN',
  tags: [],
  ...extra,
});

const issuePage = (issues: SonarQubeIssue[], extra = {}) =>
  jest.fn(async (request: { page: number; pageSize: number }) => ({
    issues,
    total: issues.length,
    reachableTotal: issues.length,
    page: request.page,
    pageSize: request.pageSize,
    ...extra,
  }));

describe('SonarQubeContent issues', () => {
  it('filters issues by type from the keyboard and by severity with the mouse, and changes the page size', async () => {
    const api = mockApi({
      getSummary: summaryOf(project),
      getIssues: issuePage([
        issue({
          key: 'AX-1',
          severity: 'CRITICAL',
          type: 'BUG',
          message: 'Null pointer dereference',
          line: 12,
          effort: '15min',
          creationDate: '2026-10-01T08:00:00+0000',
          tags: ['cwe', 'suspicious'],
        }),
        issue({
          key: 'AX-2',
          severity: 'SOMETHING_NEW',
          type: 'SECURITY_HOTSPOT',
          message: 'A finding of a type Comet does not know',
        }),
      ]),
    });
    await render(<SonarQubeContent />, api, { entity: single });
    const issues = await screen.findByRole('table', { name: 'Issues' });
    const rowOf = async (message: string) =>
      (await within(issues).findByText(message)).closest('tr')!;
    expect(
      within(await rowOf('Null pointer dereference'))
        .getAllByRole('cell')
        .map(c => c.textContent),
    ).toEqual([
      '',
      'Critical',
      'Bug',
      'Null pointer dereference',
      'src/a.ts:12',
      '15min',
    ]);
    // Values Comet has no label for are shown as SonarQube sent them
    expect(
      within(await rowOf('A finding of a type Comet does not know'))
        .getAllByRole('cell')
        .map(c => c.textContent),
    ).toEqual([
      '',
      'SOMETHING_NEW',
      'SECURITY_HOTSPOT',
      'A finding of a type Comet does not know',
      'src/a.ts',
      '–',
    ]);

    // Keyboard: focus the Type filter, open it, move to "Bug", choose it
    const type = screen.getByRole('button', { name: /^Type/ });
    type.focus();
    await userEvent.keyboard('{ArrowDown}');
    const typeList = await screen.findByRole('listbox');
    expect(
      within(typeList)
        .getAllByRole('option')
        .map(o => o.textContent),
    ).toEqual(['All types', 'Bug', 'Vulnerability', 'Code smell']);
    await userEvent.keyboard('{ArrowDown}{Enter}');
    await waitFor(() =>
      expect(api.getIssues).toHaveBeenLastCalledWith(
        expect.objectContaining({
          types: ['BUG'],
          severities: undefined,
          page: 1,
        }),
      ),
    );
    await waitFor(() => expect(screen.queryByRole('listbox')).toBeNull());
    expect(screen.getByRole('button', { name: /^Type/ })).toHaveTextContent(
      'Bug',
    );

    await userEvent.click(screen.getByRole('button', { name: /^Severity/ }));
    await userEvent.click(
      await screen.findByRole('option', { name: 'Critical' }),
    );
    await waitFor(() =>
      expect(api.getIssues).toHaveBeenLastCalledWith(
        expect.objectContaining({
          types: ['BUG'],
          severities: ['CRITICAL'],
          page: 1,
          pageSize: 25,
        }),
      ),
    );

    await userEvent.click(
      screen.getByRole('button', { name: /Rows per page/ }),
    );
    await userEvent.click(await screen.findByRole('option', { name: '50' }));
    await waitFor(() =>
      expect(api.getIssues).toHaveBeenLastCalledWith(
        expect.objectContaining({ page: 1, pageSize: 50 }),
      ),
    );
  });

  it('opens and closes an issue by clicking its row', async () => {
    const api = mockApi({
      getSummary: summaryOf(project),
      getIssues: issuePage([
        issue({
          message: 'Null pointer dereference',
          creationDate: '2026-10-01T08:00:00+0000',
          tags: ['cwe', 'suspicious'],
        }),
      ]),
    });
    await render(<SonarQubeContent />, api, { entity: single });
    const message = await screen.findByText('Null pointer dereference');
    await userEvent.click(message);
    expect(
      await screen.findByText(
        /status OPEN · since 2026-10-01 · tags: cwe, suspicious$/,
      ),
    ).toHaveTextContent('Rule typescript:S1854');
    // No link to SonarQube for an issue without one
    expect(screen.queryByRole('link', { name: /Open issue/ })).toBeNull();
    expect(
      screen.getByRole('button', {
        name: 'Hide details of issue: Null pointer dereference',
      }),
    ).toHaveAttribute('aria-expanded', 'true');
    await userEvent.click(message);
    await waitFor(() =>
      expect(screen.queryByText(/status OPEN · since/)).toBeNull(),
    );
  });

  it('says when there are no open issues, and when vulnerabilities are hidden', async () => {
    await render(
      <SonarQubeContent />,
      mockApi({
        getSummary: summaryOf(project),
        getIssues: issuePage([], { securityHidden: true }),
      }),
      { entity: single },
    );
    expect(await screen.findByText('No open issues')).toBeInTheDocument();
    expect(
      screen.getByText(
        'Vulnerabilities are hidden: you need the sonarqube.security.read permission',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByText(/SonarQube returns the first/)).toBeNull();
  });
});

describe('SonarQubeContent hotspots', () => {
  it('lists the hotspots to review and says when only the first are shown', async () => {
    await render(
      <SonarQubeContent />,
      mockApi({
        getSummary: summaryOf(project),
        getHotspots: jest.fn(async () => ({
          hotspots: [
            {
              key: 'H1',
              message: 'Make sure this weak hash is safe here',
              component: 'src/crypto.ts',
              line: 7,
              status: 'TO_REVIEW',
              vulnerabilityProbability: 'HIGH',
              securityCategory: 'weak-cryptography',
              url: 'https://sonar.example.com/security_hotspots?id=acme_api&hotspots=H1',
            },
            {
              key: 'H2',
              message: 'Make sure this regex cannot backtrack',
              component: 'src/parse.ts',
              status: 'TO_REVIEW',
              vulnerabilityProbability: 'UNKNOWN',
            },
          ],
          total: 30,
          page: 1,
          pageSize: 25,
        })),
      }),
      { entity: single },
    );
    const hotspots = await screen.findByRole('table', {
      name: 'Security hotspots',
    });
    expect(
      screen.getByText('30 to review; the first 2 are shown'),
    ).toBeInTheDocument();
    expect(
      within(hotspots)
        .getAllByRole('row')
        .slice(1)
        .map(row =>
          within(row)
            .getAllByRole('cell')
            // Without the links' "opens in a new window" note
            .map(c =>
              c.textContent?.replace(/\s*, Opens in a new window/g, '').trim(),
            ),
        ),
    ).toEqual([
      [
        'High',
        'weak-cryptography',
        'Make sure this weak hash is safe here',
        'src/crypto.ts:7',
      ],
      ['UNKNOWN', '–', 'Make sure this regex cannot backtrack', 'src/parse.ts'],
    ]);
    expect(
      within(hotspots).getByRole('link', {
        name: /^Make sure this weak hash is safe here/,
      }),
    ).toHaveAttribute(
      'href',
      'https://sonar.example.com/security_hotspots?id=acme_api&hotspots=H1',
    );
  });

  it('says when there is nothing to review', async () => {
    await render(
      <SonarQubeContent />,
      mockApi({
        getSummary: summaryOf(project),
        getHotspots: jest.fn(async () => ({
          hotspots: [],
          total: 0,
          page: 1,
          pageSize: 25,
        })),
      }),
      { entity: single },
    );
    expect(
      await screen.findByText('No security hotspots to review'),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('table', { name: 'Security hotspots' }),
    ).toBeNull();
  });
});

describe('SonarQubeContent projects', () => {
  it("switches between the entity's projects and shows a project's own problem", async () => {
    const hidden = {
      ...project,
      project: 'eu/acme_web',
      instance: 'eu',
      projectKey: 'acme_web',
      name: undefined,
      securityHidden: true,
      qualityGate: { status: 'OK' as const, conditions: [] },
      measures: { reliability_rating: '1.0', bugs: '3' },
    };
    const broken = {
      ...project,
      project: 'acme_typo',
      projectKey: 'acme_typo',
      name: undefined,
      analysed: false,
      measures: {},
      error:
        'SonarQube instance "default": GET api/measures/component for project "acme_typo": not found (404)',
    };
    const api = mockApi({
      getSummary: summaryOf(project, hidden, broken),
      getProject: jest.fn(
        async ({ project: key }) =>
          [project, hidden, broken].find(p => p.project === key)!,
      ),
      getBranches: jest.fn(async () => ({ branches: [], pullRequests: [] })),
    });
    await render(<SonarQubeContent />, api, { entity: single });
    expect(await screen.findByText('Reliability: A')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: /^Project/ }));
    expect(
      (await screen.findAllByRole('option')).map(o => o.textContent),
    ).toEqual(['ACME API', 'acme_web', 'acme_typo']);
    await userEvent.click(screen.getByRole('option', { name: 'acme_web' }));
    // Without sonarqube.security.read: no security rating, and it says why
    expect(
      await screen.findByText('hidden: needs sonarqube.security.read'),
    ).toBeInTheDocument();
    expect(screen.getByText('Security: no rating')).toBeInTheDocument();
    expect(screen.getByText('3 bugs')).toBeInTheDocument();
    expect(screen.getByText('Quality gate: Passed')).toBeInTheDocument();
    expect(api.getBranches).toHaveBeenLastCalledWith({
      entityRef: 'component:default/ledger',
      project: 'eu/acme_web',
    });
    // With no branches known, the switcher offers the main branch by name
    expect(
      screen.getByRole('button', {
        name: /^Branch or pull request Main branch$/,
      }),
    ).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: /^Project/ }));
    await userEvent.click(
      await screen.findByRole('option', { name: 'acme_typo' }),
    );
    expect(
      await screen.findByText(
        'SonarQube instance "default": GET api/measures/component for project "acme_typo": not found (404)',
      ),
    ).toBeInTheDocument();
    // Never analysed: no gate, and no measures in place of the problem
    expect(screen.queryByText(/^Quality gate:/)).toBeNull();
    expect(screen.queryByText(/^Reliability:/)).toBeNull();
  });

  it('reloads the project when SonarQube signals that its gate changed', async () => {
    const signals = mockSignals();
    const api = mockApi({ getSummary: summaryOf(project) });
    await render(<SonarQubeContent />, api, {
      entity: single,
      signals: signals.api,
    });
    expect(await screen.findByText('Quality gate: Failed')).toBeInTheDocument();
    await waitFor(() => expect(api.getProject).toHaveBeenCalledTimes(1));
    await signals.publish('sonarqube:quality-gate', {
      instance: 'default',
      projectKey: 'acme_other',
    });
    expect(api.getProject).toHaveBeenCalledTimes(1);
    (api.getProject as jest.Mock).mockResolvedValue({
      ...project,
      qualityGate: { status: 'OK', conditions: [] },
    });
    await signals.publish('sonarqube:quality-gate', {
      instance: 'default',
      projectKey: 'acme_api',
    });
    expect(await screen.findByText('Quality gate: Passed')).toBeInTheDocument();
    expect(api.getProject).toHaveBeenCalledTimes(2);
    expect(api.getBranches).toHaveBeenCalledTimes(2);
    expect(api.getHistory).toHaveBeenCalledTimes(2);
  });

  it('shows what could not be read: measures, trends and branches each on their own', async () => {
    await render(
      <SonarQubeContent />,
      mockApi({
        getSummary: summaryOf(project),
        getProject: jest.fn(async () => {
          throw new Error('measures: SonarQube answered 503');
        }),
        getHistory: jest.fn(async () => {
          throw new Error('history: SonarQube answered 500');
        }),
        getBranches: jest.fn(async () => {
          throw new Error(
            'Branches of acme_api need SonarQube Developer Edition or newer',
          );
        }),
      }),
      { entity: single },
    );
    expect(
      await screen.findByText(
        'Branches of acme_api need SonarQube Developer Edition or newer',
      ),
    ).toBeInTheDocument();
    expect(
      (await screen.findAllByText(/measures: SonarQube answered 503/)).length,
    ).toBeGreaterThan(0);
    expect(
      (await screen.findAllByText(/history: SonarQube answered 500/)).length,
    ).toBeGreaterThan(0);
    // Issues are read on their own and still shown
    expect(
      await screen.findByText('Remove this useless assignment (page 1)'),
    ).toBeInTheDocument();
  });

  it('shows why the entity cannot be read at all, and which key turns SonarQube on', async () => {
    await render(
      <SonarQubeContent />,
      mockApi({
        getSummary: jest.fn(async () => {
          throw new Error('component:default/ledger is not in the catalog');
        }),
      }),
      { entity: single },
    );
    expect(
      (
        await screen.findAllByText(
          /component:default\/ledger is not in the catalog/,
        )
      ).length,
    ).toBeGreaterThan(0);
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('names the config key on the tab when SonarQube is off', async () => {
    await render(
      <SonarQubeContent />,
      mockApi({
        getSummary: jest.fn(async () => ({
          configured: false as const,
          message:
            'SonarQube is not configured: add an instance under sonarqube.instances (name, baseUrl, apiKey) in app-config to turn it on',
        })),
      }),
      { entity: single },
    );
    expect(
      await screen.findByText('SonarQube is not configured'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/add an instance under sonarqube\.instances/),
    ).toBeInTheDocument();
  });
});
