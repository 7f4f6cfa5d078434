import { renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import type {
  WiringOptionsResponse,
  WiringResponse,
} from '@internal/plugin-comet-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { IntegrationsApi } from '../api';
import { integrationsApiRef } from '../api';
import { changedAnnotations } from './EditWiringDialog';
import { IntegrationsCard } from './IntegrationsCard';

jest.setTimeout(60_000);

const PAYMENTS = 'component:default/payments-api';

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-api', namespace: 'default' },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};

function wiring(overrides: Partial<WiringResponse> = {}): WiringResponse {
  return {
    entityRef: PAYMENTS,
    annotations: {
      'jira/project-key': 'PAY',
      'jenkins.io/job-full-name': 'payments/payments-api',
    },
    overridden: [],
    mode: 'override',
    modeReason:
      'The entity has no github.com/project-slug, so its catalog-info.yaml cannot be changed through GitHub',
    canOverride: true,
    ...overrides,
  };
}

const options: WiringOptionsResponse = {
  entityRef: PAYMENTS,
  fields: {
    'jira/project-key': {
      input: 'text',
      values: [],
      hint: 'A Jira project key',
    },
    'jira/component': {
      input: 'list',
      values: [
        { value: 'checkout', label: 'checkout (PAY)' },
        { value: 'refunds', label: 'refunds (PAY)' },
      ],
      hint: 'A component',
    },
    'jenkins.io/job-full-name': {
      input: 'text',
      values: [],
      hint: '[instance:]folder/job',
    },
    'sonarqube.org/project-key': {
      input: 'text',
      values: [],
      hint: '',
      notConfigured:
        'not configured: set sonarqube.instances (or sonarqube.baseUrl)',
    },
    'comet.dev/test-suites': {
      input: 'list',
      values: [
        { value: 'payments-checkout', label: 'Checkout (payments-checkout)' },
        { value: 'payments-refunds', label: 'Refunds (payments-refunds)' },
      ],
      hint: 'Test suite names',
    },
    'comet.dev/pipelines': { input: 'text', values: [], hint: 'paths' },
  },
};

function mockApi(overrides: Partial<IntegrationsApi> = {}) {
  return {
    getWiring: jest.fn(async () => wiring()),
    getOptions: jest.fn(async () => options),
    changeWiring: jest.fn(async (request: any) => ({
      mode: 'override' as const,
      override: {
        entityRef: PAYMENTS,
        annotations: request.annotations,
        updatedBy: 'user:default/ada',
        updatedAt: '2026-06-01T10:00:00.000Z',
      },
    })),
    removeOverride: jest.fn(async () => ({
      removed: {
        entityRef: PAYMENTS,
        annotations: {},
        updatedBy: 'user:default/ada',
        updatedAt: '2026-06-01T10:00:00.000Z',
      },
    })),
    ...overrides,
  } as jest.Mocked<IntegrationsApi>;
}

async function render(api: IntegrationsApi) {
  await renderInTestApp(
    <EntityProvider entity={entity}>
      <IntegrationsCard />
    </EntityProvider>,
    { apis: [[integrationsApiRef, api]] },
  );
}

function rowOf(label: string) {
  return screen.getByText(label).closest('tr')!;
}

describe('IntegrationsCard', () => {
  it('shows the wiring and which values a portal override set, by whom and when', async () => {
    const api = mockApi({
      getWiring: jest.fn(async () =>
        wiring({
          annotations: {
            'jira/project-key': 'SHOP',
            'jenkins.io/job-full-name': 'payments/payments-api',
          },
          override: {
            entityRef: PAYMENTS,
            annotations: { 'jira/project-key': 'SHOP' },
            updatedBy: 'user:default/ada',
            updatedAt: '2026-06-01T10:00:00.000Z',
          },
          overridden: ['jira/project-key'],
        }),
      ),
    });
    await render(api);
    expect(
      await screen.findByText(
        'Portal override by user:default/ada, 1 Jun 2026, 10:00',
      ),
    ).toBeInTheDocument();
    expect(within(rowOf('Jira project')).getByText('SHOP')).toBeInTheDocument();
    expect(
      within(rowOf('Jira project')).getByText('override'),
    ).toBeInTheDocument();
    expect(
      within(rowOf('Jenkins job')).queryByText('override'),
    ).not.toBeInTheDocument();
    expect(
      within(rowOf('Test suites')).getByText('not set'),
    ).toBeInTheDocument();
    expect(
      screen.queryByText(/applies the override at its next processing/),
    ).not.toBeInTheDocument();

    await userEvent.click(
      screen.getByRole('button', { name: 'Remove override' }),
    );
    await waitFor(() =>
      expect(api.removeOverride).toHaveBeenCalledWith(PAYMENTS),
    );
    expect(await screen.findByText(/Override removed/)).toBeInTheDocument();
    expect(api.getWiring).toHaveBeenCalledTimes(2);
  });

  it('says when the catalog has not applied a saved override yet', async () => {
    await render(
      mockApi({
        getWiring: jest.fn(async () =>
          wiring({
            override: {
              entityRef: PAYMENTS,
              annotations: { 'comet.dev/test-suites': 'payments-checkout' },
              updatedBy: 'user:default/ada',
              updatedAt: '2026-06-01T10:00:00.000Z',
            },
          }),
        ),
      }),
    );
    expect(
      await screen.findByText(/applies the override at its next processing/),
    ).toBeInTheDocument();
    expect(
      within(rowOf('Test suites')).getByText('payments-checkout'),
    ).toBeInTheDocument();
  });

  it('saves an override from the editor with only what changed', async () => {
    const api = mockApi();
    await render(api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Edit wiring' }),
    );
    const dialog = await screen.findByRole('dialog', { name: 'Edit wiring' });
    const project = await within(dialog).findByLabelText(
      'Jira project (jira/project-key)',
    );
    expect(project).toHaveValue('PAY');
    // A family this portal does not configure cannot be set, and says which key turns it on
    expect(
      within(dialog).getByLabelText(
        'SonarQube project (sonarqube.org/project-key)',
      ),
    ).toBeDisabled();
    expect(
      within(dialog).getByText(
        'not configured: set sonarqube.instances (or sonarqube.baseUrl)',
      ),
    ).toBeInTheDocument();

    await userEvent.clear(project);
    await userEvent.type(project, 'SHOP');
    // Pick a suite from the live list with the keyboard
    const suites = within(dialog).getByLabelText(
      'Test suites (comet.dev/test-suites)',
    );
    await userEvent.click(suites);
    await userEvent.click(
      await screen.findByRole('option', { name: 'Refunds (payments-refunds)' }),
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Save override' }),
    );

    await waitFor(() =>
      expect(api.changeWiring).toHaveBeenCalledWith({
        entityRef: PAYMENTS,
        mode: 'override',
        annotations: {
          'jira/project-key': 'SHOP',
          'comet.dev/test-suites': 'payments-refunds',
        },
      }),
    );
    expect(await screen.findByText('Override saved.')).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(api.getWiring).toHaveBeenCalledTimes(2);
  });

  it('shows a validation error at its field, and other errors above the form', async () => {
    const api = mockApi({
      changeWiring: jest
        .fn()
        .mockRejectedValueOnce(
          Object.assign(new Error('Request failed with 400 Bad Request'), {
            body: {
              error: {
                name: 'InputError',
                message:
                  'Invalid wiring field "jenkins.io/job-full-name": Jenkins instance "default" has no job "payments/nope" (from "payments/nope")',
              },
            },
          }),
        )
        .mockRejectedValueOnce(new Error('The Comet backend is down')),
    });
    await render(api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Edit wiring' }),
    );
    const dialog = await screen.findByRole('dialog', { name: 'Edit wiring' });
    const job = await within(dialog).findByLabelText(
      'Jenkins job (jenkins.io/job-full-name)',
    );
    await userEvent.clear(job);
    await userEvent.type(job, 'payments/nope{Enter}');
    expect(
      await within(dialog).findByText(
        'Jenkins instance "default" has no job "payments/nope" (from "payments/nope")',
      ),
    ).toBeInTheDocument();
    expect(job).toHaveAttribute('aria-invalid', 'true');

    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Save override' }),
    );
    expect(
      await within(dialog).findByText('The Comet backend is down'),
    ).toBeInTheDocument();
    expect(job).toHaveAttribute('aria-invalid', 'false');
  });

  it('says when nothing changed', async () => {
    const api = mockApi();
    await render(api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Edit wiring' }),
    );
    const dialog = await screen.findByRole('dialog', { name: 'Edit wiring' });
    await within(dialog).findByLabelText('Jira project (jira/project-key)');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Save override' }),
    );
    expect(
      await within(dialog).findByText(
        'Nothing changed: set or change at least one field.',
      ),
    ).toBeInTheDocument();
    expect(api.changeWiring).not.toHaveBeenCalled();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel' }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
  });

  it('opens a pull request when the repository is writable, and links it', async () => {
    const api = mockApi({
      getWiring: jest.fn(async () =>
        wiring({
          mode: 'pull-request',
          modeReason: undefined,
          canOverride: false,
        }),
      ),
      changeWiring: jest.fn(async () => ({
        mode: 'pull-request' as const,
        pullRequestUrl: 'https://github.com/comet-examples/payments-api/pull/7',
      })),
    });
    await render(api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Edit wiring' }),
    );
    const dialog = await screen.findByRole('dialog', { name: 'Edit wiring' });
    const component = await within(dialog).findByLabelText(
      'Jira component (jira/component)',
    );
    await userEvent.type(component, 'checkout');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Open pull request' }),
    );
    await waitFor(() =>
      expect(api.changeWiring).toHaveBeenCalledWith({
        entityRef: PAYMENTS,
        mode: 'pull-request',
        annotations: { 'jira/component': 'checkout' },
      }),
    );
    expect(
      await screen.findByRole('link', {
        name: 'https://github.com/comet-examples/payments-api/pull/7',
      }),
    ).toHaveAttribute(
      'href',
      'https://github.com/comet-examples/payments-api/pull/7',
    );
  });

  it('offers no editor to those who may not change the wiring', async () => {
    await render(
      mockApi({
        getWiring: jest.fn(async () => wiring({ canOverride: false })),
      }),
    );
    expect(
      await screen.findByText(
        'Only the entity’s owners can change its wiring.',
      ),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Edit wiring' }),
    ).not.toBeInTheDocument();
  });

  it('shows why the wiring cannot be read', async () => {
    await render(
      mockApi({
        getWiring: jest.fn(async () => {
          throw new Error(
            'No entity component:default/payments-api in the catalog',
          );
        }),
      }),
    );
    expect(
      await screen.findByText(/No entity component:default\/payments-api/),
    ).toBeInTheDocument();
  });
});

describe('changedAnnotations', () => {
  it('sends changed fields and the override’s fields still set, never empty ones', () => {
    const current = wiring({
      annotations: {
        'jira/project-key': 'PAY',
        'jenkins.io/job-full-name': 'payments/payments-api',
        'comet.dev/pipelines': '.comet/pipeline.yaml',
      },
      override: {
        entityRef: PAYMENTS,
        annotations: { 'comet.dev/pipelines': '.comet/pipeline.yaml' },
        updatedBy: 'user:default/ada',
        updatedAt: '2026-06-01T10:00:00.000Z',
      },
    });
    expect(
      changedAnnotations(current, {
        'jira/project-key': 'PAY',
        'jira/component': ' checkout ',
        'jenkins.io/job-full-name': '',
        'sonarqube.org/project-key': '',
        'comet.dev/test-suites': '',
        'comet.dev/pipelines': '.comet/pipeline.yaml',
      }),
    ).toEqual({
      'jira/component': 'checkout',
      'comet.dev/pipelines': '.comet/pipeline.yaml',
    });
  });
});
