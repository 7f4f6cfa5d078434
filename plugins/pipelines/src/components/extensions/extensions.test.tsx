import { fireEvent, render, screen } from '@testing-library/react';
import type { Entity } from '@backstage/catalog-model';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import type {
  CiCdRunActionProps,
  EditorActionProps,
  RunPageActionProps,
} from '@internal/plugin-pipelines-react';
import { CiCdRunActions, hasRunActionsFor } from './CiCdRunActions';
import { EditorActions } from './EditorActions';
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

describe('EditorActions', () => {
  it('renders each attached action with the entity and files; a broken one shows its error', async () => {
    const Propose = (props: EditorActionProps) => (
      <button>
        Propose {props.files.filter(f => f.changed).length} of{' '}
        {props.files.length} files of {props.entityRef}
      </button>
    );
    render(
      <EditorActions
        actions={[
          { loader: async () => Propose },
          { loader: () => Promise.reject(new Error('chunk missing')) },
        ]}
        entityRef="component:default/payments-api"
        files={[
          {
            path: '.comet/pipeline.yaml',
            content: 'a',
            savedContent: 'b',
            changed: true,
            valid: true,
          },
          {
            path: '.comet/nightly.yaml',
            content: 'c',
            savedContent: 'c',
            changed: false,
            valid: true,
          },
        ]}
        canCreateRuns
        openInEditor={() => {}}
      />,
    );
    expect(
      await screen.findByRole(
        'button',
        { name: 'Propose 1 of 2 files of component:default/payments-api' },
        { timeout: 5000 },
      ),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(
        'An action of the editor could not be shown: chunk missing',
      ),
    ).toBeInTheDocument();
  });
});

describe('CiCdRunActions', () => {
  const githubRun = {
    ...run,
    provider: 'github',
    runId: 'github:acme/app#101',
  } as PipelineRun;

  it("renders only the actions of the run's provider, which can report a change", async () => {
    const onChanged = jest.fn();
    const Rerun = (props: CiCdRunActionProps) => (
      <button onClick={props.onChanged}>Re-run {props.run.runId}</button>
    );
    const JenkinsAbort = () => <button>Abort</button>;
    const actions = [
      { provider: 'github', loader: async () => Rerun },
      { provider: 'jenkins', loader: async () => JenkinsAbort },
    ];
    render(
      <CiCdRunActions
        actions={actions}
        run={githubRun}
        onChanged={onChanged}
      />,
    );
    fireEvent.click(
      await screen.findByRole(
        'button',
        { name: 'Re-run github:acme/app#101' },
        { timeout: 5000 },
      ),
    );
    expect(onChanged).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('button', { name: 'Abort' })).toBeNull();
    expect(hasRunActionsFor(actions, [run])).toBe(false);
    expect(hasRunActionsFor(actions, [run, githubRun])).toBe(true);
    expect(hasRunActionsFor(undefined, [githubRun])).toBe(false);
  });

  it('shows a broken action as an error in its place', async () => {
    render(
      <CiCdRunActions
        actions={[
          {
            provider: 'github',
            loader: () => Promise.reject(new Error('chunk missing')),
          },
        ]}
        run={githubRun}
        onChanged={() => undefined}
      />,
    );
    expect(
      await screen.findByText(
        'An action of this run could not be shown: chunk missing',
      ),
    ).toBeInTheDocument();
  });
});
