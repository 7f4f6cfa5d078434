import { renderInTestApp } from '@backstage/frontend-test-utils';
import type {
  WiringOptionsResponse,
  WiringResponse,
} from '@internal/plugin-comet-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { type IntegrationsApi, integrationsApiRef } from '../api';
import { EditWiringDialog } from './EditWiringDialog';

jest.setTimeout(60_000);

const PAYMENTS = 'component:default/payments-api';

const wiring: WiringResponse = {
  entityRef: PAYMENTS,
  annotations: {
    'jira/project-key': 'PAY',
    'jenkins.io/job-full-name': 'payments/payments-api',
  },
  overridden: [],
  mode: 'override',
  canOverride: true,
};

/** The live lists as the backend answers them from the families' list actions. */
const options: WiringOptionsResponse = {
  entityRef: PAYMENTS,
  fields: {
    'jira/project-key': {
      input: 'list',
      values: [
        { value: 'LEDG', label: 'Ledger (LEDG)' },
        { value: 'PAY', label: 'Payments (PAY)' },
        { value: 'SHOP', label: 'Storefront (SHOP)' },
      ],
      hint: 'Jira project keys, comma-separated',
    },
    'jira/component': { input: 'text', values: [], hint: 'A component' },
    'jenkins.io/job-full-name': {
      input: 'list',
      values: [
        { value: 'payments/payments-api', label: 'payments/payments-api' },
        {
          value: 'legacy:payments/payments-api-nightly',
          label: 'legacy:payments/payments-api-nightly',
        },
      ],
      hint: '[instance:]folder/job, comma-separated',
      error: 'down: Jenkins instance "down" is unreachable',
    },
    'sonarqube.org/project-key': {
      input: 'list',
      values: [
        {
          value: 'comet-examples_payments-api',
          label: 'Payments API (comet-examples_payments-api)',
        },
      ],
      hint: '[instance/]key, comma-separated; the first 100 are listed, type any other',
    },
    'comet.dev/test-suites': { input: 'text', values: [], hint: 'suites' },
    'comet.dev/pipelines': {
      input: 'list',
      values: [
        {
          value: '.comet/pipeline.yaml',
          label: 'Build and test (.comet/pipeline.yaml)',
        },
        { value: '.comet/nightly.yml', label: '.comet/nightly.yml' },
        {
          value: '.comet/release.yaml',
          label: 'Release (.comet/release.yaml)',
        },
      ],
      hint: 'Repository paths of pipeline files, comma-separated: the YAML files of .comet/ and the declared ones',
    },
  },
};

function mockApi() {
  return {
    getWiring: jest.fn(async () => wiring),
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
    removeOverride: jest.fn(),
  } as unknown as jest.Mocked<IntegrationsApi>;
}

async function open(api: IntegrationsApi, current: WiringResponse = wiring) {
  const onDone = jest.fn();
  await renderInTestApp(
    <EditWiringDialog wiring={current} onClose={jest.fn()} onDone={onDone} />,
    { apis: [[integrationsApiRef, api]] },
  );
  const dialog = await screen.findByRole('dialog', { name: 'Edit wiring' });
  await within(dialog).findByLabelText(
    'Jenkins job (jenkins.io/job-full-name)',
  );
  return { dialog, onDone };
}

describe('EditWiringDialog with live lists', () => {
  it('picks jobs and projects from the lists, keeps typed values, and saves them comma-separated', async () => {
    const api = mockApi();
    const { dialog, onDone } = await open(api);

    // The current values are chips, shown with the list's labels
    expect(within(dialog).getByText('Payments (PAY)')).toBeInTheDocument();
    expect(
      within(dialog).getByText('payments/payments-api'),
    ).toBeInTheDocument();
    // A partial failure and a cut-short list are said at their fields
    expect(
      within(dialog).getByText('down: Jenkins instance "down" is unreachable'),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText(
        '[instance/]key, comma-separated; the first 100 are listed, type any other',
      ),
    ).toBeInTheDocument();

    // A second Jenkins job, picked from the list; what is picked is not offered again
    const jobs = within(dialog).getByLabelText(
      'Jenkins job (jenkins.io/job-full-name)',
    );
    await userEvent.click(jobs);
    const listbox = await screen.findByRole('listbox');
    expect(
      within(listbox)
        .getAllByRole('option')
        .map(o => o.textContent),
    ).toEqual(['legacy:payments/payments-api-nightly']);
    await userEvent.click(
      within(listbox).getByRole('option', {
        name: 'legacy:payments/payments-api-nightly',
      }),
    );

    // A Jira project found by its name, picked with the keyboard; Enter adds, never submits
    const projects = within(dialog).getByLabelText(
      'Jira project (jira/project-key)',
    );
    await userEvent.type(projects, 'store');
    expect(
      (await screen.findAllByRole('option')).map(o => o.textContent),
    ).toEqual(['Storefront (SHOP)']);
    await userEvent.keyboard('{ArrowDown}{Enter}');
    // Free text still goes in: a key the list does not have, added with Enter
    await userEvent.type(projects, 'OPS{Enter}');
    expect(api.changeWiring).not.toHaveBeenCalled();

    // A typed SonarQube key, not in the list and never confirmed, is kept when leaving the field
    const sonar = within(dialog).getByLabelText(
      'SonarQube project (sonarqube.org/project-key)',
    );
    await userEvent.type(sonar, 'acme_new-service');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Save override' }),
    );

    await waitFor(() =>
      expect(api.changeWiring).toHaveBeenCalledWith({
        entityRef: PAYMENTS,
        mode: 'override',
        annotations: {
          'jira/project-key': 'PAY, SHOP, OPS',
          'jenkins.io/job-full-name':
            'payments/payments-api, legacy:payments/payments-api-nightly',
          'sonarqube.org/project-key': 'acme_new-service',
        },
      }),
    );
    await waitFor(() => expect(onDone).toHaveBeenCalledTimes(1));
  });

  it('removes the last value with Backspace', async () => {
    const api = mockApi();
    const { dialog } = await open(api);
    const projects = within(dialog).getByLabelText(
      'Jira project (jira/project-key)',
    );
    await userEvent.type(projects, '{Backspace}');
    expect(
      within(dialog).queryByText('Payments (PAY)'),
    ).not.toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Save override' }),
    );
    // An emptied field is not sent (an override never sets an empty annotation)
    expect(
      await within(dialog).findByText(
        'Nothing changed: set or change at least one field.',
      ),
    ).toBeInTheDocument();
  });

  it('picks several pipeline files from the list with the keyboard only, and keeps a typed path', async () => {
    const api = mockApi();
    const { dialog, onDone } = await open(api, {
      ...wiring,
      annotations: {
        ...wiring.annotations,
        'comet.dev/pipelines': '.comet/pipeline.yaml',
      },
    });
    const pipelines = within(dialog).getByLabelText(
      'Pipeline files (comet.dev/pipelines)',
    );
    // The current file is a chip with its name; the hint says where the list comes from
    expect(
      within(dialog).getByText('Build and test (.comet/pipeline.yaml)'),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText(
        'Repository paths of pipeline files, comma-separated: the YAML files of .comet/ and the declared ones',
      ),
    ).toBeInTheDocument();

    // Reached with Tab from the field before it, opened with the arrow key
    within(dialog)
      .getByLabelText('Test suites (comet.dev/test-suites)')
      .focus();
    await userEvent.tab();
    expect(pipelines).toHaveFocus();
    await userEvent.keyboard('{ArrowDown}');
    const listbox = await screen.findByRole('listbox');
    // What is picked already is not offered again
    expect(
      within(listbox)
        .getAllByRole('option')
        .map(o => o.textContent),
    ).toEqual(['.comet/nightly.yml', 'Release (.comet/release.yaml)']);
    // Found by its name, picked with Enter, which never submits the form
    await userEvent.keyboard('rel');
    expect(
      (await screen.findAllByRole('option')).map(o => o.textContent),
    ).toEqual(['Release (.comet/release.yaml)']);
    await userEvent.keyboard('{ArrowDown}{Enter}');
    expect(
      within(dialog).getByText('Release (.comet/release.yaml)'),
    ).toBeInTheDocument();
    // A path the list does not have is typed and added with Enter (the backend checks it)
    await userEvent.keyboard('deploy/prod.yaml{Enter}');
    expect(api.changeWiring).not.toHaveBeenCalled();
    expect(within(dialog).getByText('deploy/prod.yaml')).toBeInTheDocument();

    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Save override' }),
    );
    await waitFor(() =>
      expect(api.changeWiring).toHaveBeenCalledWith({
        entityRef: PAYMENTS,
        mode: 'override',
        annotations: {
          'comet.dev/pipelines':
            '.comet/pipeline.yaml, .comet/release.yaml, deploy/prod.yaml',
        },
      }),
    );
    await waitFor(() => expect(onDone).toHaveBeenCalledTimes(1));
  });

  it('shows the backend’s refusal of a missing pipeline file at the field', async () => {
    const api = mockApi();
    api.changeWiring.mockRejectedValue(
      Object.assign(new Error('Request failed with 400 Bad Request'), {
        body: {
          error: {
            message:
              'Invalid wiring field "comet.dev/pipelines": there is no file ".comet/gone.yaml" in https://github.com/comet-examples/payments-api.git at HEAD (commit 0123456789ab); its pipeline files are .comet/nightly.yml, .comet/pipeline.yaml',
          },
        },
      }),
    );
    const { dialog } = await open(api);
    await userEvent.type(
      within(dialog).getByLabelText('Pipeline files (comet.dev/pipelines)'),
      '.comet/gone.yaml{Enter}',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Save override' }),
    );
    expect(
      await within(dialog).findByText(
        'there is no file ".comet/gone.yaml" in https://github.com/comet-examples/payments-api.git at HEAD (commit 0123456789ab); its pipeline files are .comet/nightly.yml, .comet/pipeline.yaml',
      ),
    ).toBeInTheDocument();
  });

  it('types pipeline paths in a plain field when the list could not be read', async () => {
    const api = mockApi();
    api.getOptions.mockResolvedValue({
      ...options,
      fields: {
        ...options.fields,
        'comet.dev/pipelines': {
          input: 'text',
          values: [],
          hint: 'Repository paths of pipeline files, comma-separated',
          error:
            'pipelines:list-pipeline-files answered 400: component:default/payments-api has no backstage.io/source-location annotation, so Comet cannot list its pipeline files',
        },
      },
    });
    const { dialog } = await open(api);
    const field = within(dialog).getByLabelText(
      'Pipeline files (comet.dev/pipelines)',
    );
    expect(
      within(dialog).getByText(/has no backstage\.io\/source-location/),
    ).toBeInTheDocument();
    await userEvent.type(field, '.comet/a.yaml, .comet/b.yaml');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Save override' }),
    );
    await waitFor(() =>
      expect(api.changeWiring).toHaveBeenCalledWith(
        expect.objectContaining({
          annotations: {
            'comet.dev/pipelines': '.comet/a.yaml, .comet/b.yaml',
          },
        }),
      ),
    );
  });
});
