import { render, screen } from '@testing-library/react';
import type { Entity } from '@backstage/catalog-model';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import type { RunPageActionProps } from '@internal/plugin-pipelines-react';
import { EntityPanels } from './EntityPanels';
import { RunPageActions, RunPageActionsProvider } from './RunPageActions';

const run = { runId: 'run-7', number: 7, status: 'failed' } as PipelineRun;

describe('RunPageActions', () => {
  it('renders each attached action with the run; a broken one shows its error in its place', async () => {
    const OpenIssue = (props: RunPageActionProps) => (
      <button>Open an issue for #{props.run.number}</button>
    );
    const actions = [
      { loader: async () => OpenIssue },
      { loader: () => Promise.reject(new Error('chunk missing')) },
    ];
    render(
      <RunPageActionsProvider actions={actions}>
        <RunPageActions run={run} />
      </RunPageActionsProvider>,
    );
    expect(
      // The first render of a cold test file can take over a second on a busy machine
      await screen.findByRole(
        'button',
        { name: 'Open an issue for #7' },
        { timeout: 5000 },
      ),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(
        'An action of this run could not be shown: chunk missing',
      ),
    ).toBeInTheDocument();
  });

  it('renders nothing outside a provider', () => {
    const { container } = render(<RunPageActions run={run} />);
    expect(container).toBeEmptyDOMElement();
  });
});

describe('EntityPanels', () => {
  const entity: Entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'payments-api',
      annotations: { 'jenkins.io/job-full-name': 'payments/build' },
    },
  };

  it('shows the panels that apply to the entity', async () => {
    render(
      <EntityPanels
        entity={entity}
        panels={[
          {
            title: 'Test results',
            loader: async () => <p>12 tests passed</p>,
          },
          {
            title: 'GitHub checks',
            appliesTo: e =>
              Boolean(e.metadata.annotations?.['github.com/project-slug']),
            loader: async () => <p>GitHub checks panel</p>,
          },
        ]}
      />,
    );
    expect(await screen.findByText('12 tests passed')).toBeInTheDocument();
    expect(screen.queryByText('GitHub checks panel')).not.toBeInTheDocument();
  });
});
