import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { PipelinesApi, pipelinesApiRef } from '../../api/PipelinesApi';
import { RunPipelineDialog } from './RunPipelineDialog';

jest.setTimeout(30_000);

describe('RunPipelineDialog', () => {
  it('renders the typed params with their defaults and triggers with them', async () => {
    const api = {
      listPipelines: jest.fn(async () => ({
        pipelines: [
          {
            path: '.comet/release.yaml',
            definition: {
              name: 'release',
              on: {},
              env: {},
              jobs: [],
              params: {
                version: {
                  type: 'string' as const,
                  default: '1.0.0',
                  description: 'Version to release',
                },
                dryRun: { type: 'boolean' as const, default: true },
                region: {
                  type: 'choice' as const,
                  options: ['eu', 'us'],
                  default: 'us',
                },
                shards: { type: 'number' as const, default: 2 },
              },
            },
          },
          {
            path: '.comet/broken.yaml',
            issues: [
              {
                message: 'Unknown key "stpes"; did you mean "steps"?',
                path: 'jobs.build.stpes',
                file: '.comet/broken.yaml',
                line: 4,
                column: 5,
              },
            ],
          },
        ],
      })),
      triggerRun: jest.fn(async () => ({ runId: 'new-run' })),
    };
    const onTriggered = jest.fn();
    await renderInTestApp(
      <RunPipelineDialog
        entityRef="component:default/ledger-worker"
        open
        onClose={() => {}}
        onTriggered={onTriggered}
      />,
      { apis: [[pipelinesApiRef, api as unknown as PipelinesApi]] },
    );
    expect(await screen.findByLabelText('version')).toHaveValue('1.0.0');
    // The keyboard starts on the first field, the pipeline
    expect(screen.getByRole('button', { name: /Pipeline/ })).toHaveFocus();
    expect(screen.getByText('Version to release')).toBeInTheDocument();
    expect(screen.getByLabelText('dryRun')).toBeChecked();
    expect(screen.getByLabelText('shards')).toHaveValue(2);
    expect(screen.getByRole('button', { name: /region/ })).toHaveTextContent(
      'us',
    );

    fireEvent.change(screen.getByLabelText('version'), {
      target: { value: '2.0.0' },
    });
    fireEvent.click(screen.getByLabelText('dryRun'));
    fireEvent.change(screen.getByLabelText('shards'), {
      target: { value: '4' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(onTriggered).toHaveBeenCalled());
    expect(api.triggerRun).toHaveBeenCalledWith({
      entityRef: 'component:default/ledger-worker',
      pipelinePath: '.comet/release.yaml',
      branch: undefined,
      params: { version: '2.0.0', dryRun: false, region: 'us', shards: 4 },
    });
  });

  it("offers a string param's enum as a select and hints at its pattern", async () => {
    const api = {
      listPipelines: jest.fn(async () => ({
        pipelines: [
          {
            path: '.comet/pipeline.yaml',
            definition: {
              name: 'build-and-test',
              on: {},
              env: {},
              jobs: [],
              params: {
                testReporter: {
                  type: 'string' as const,
                  enum: ['spec', 'tap', 'dot'],
                  default: 'spec',
                },
                env: { type: 'string' as const, pattern: '[a-z]+' },
              },
            },
          },
        ],
      })),
      triggerRun: jest.fn(async () => ({ runId: 'new-run' })),
    };
    const onTriggered = jest.fn();
    await renderInTestApp(
      <RunPipelineDialog
        entityRef="component:default/payments-api"
        open
        onClose={() => {}}
        onTriggered={onTriggered}
      />,
      { apis: [[pipelinesApiRef, api as unknown as PipelinesApi]] },
    );
    const reporter = await screen.findByRole('button', {
      name: /testReporter/,
    });
    expect(reporter).toHaveTextContent('spec');
    fireEvent.mouseDown(reporter);
    fireEvent.click(screen.getByRole('option', { name: 'tap' }));
    fireEvent.change(screen.getByLabelText('env'), {
      target: { value: 'Prod' },
    });
    expect(screen.getByText('Must match [a-z]+')).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('env'), {
      target: { value: 'prod' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(onTriggered).toHaveBeenCalled());
    expect(api.triggerRun).toHaveBeenCalledWith({
      entityRef: 'component:default/payments-api',
      pipelinePath: '.comet/pipeline.yaml',
      branch: undefined,
      params: { testReporter: 'tap', env: 'prod' },
    });
  });

  it('shows why a pipeline that does not validate cannot run, with line and column', async () => {
    const api = {
      listPipelines: jest.fn(async () => ({
        pipelines: [
          {
            path: '.comet/broken.yaml',
            issues: [
              {
                message: 'Unknown key "stpes"; did you mean "steps"?',
                path: 'jobs.build.stpes',
                file: '.comet/broken.yaml',
                line: 4,
                column: 5,
              },
            ],
          },
        ],
      })),
      triggerRun: jest.fn(),
    };
    await renderInTestApp(
      <RunPipelineDialog
        entityRef="component:default/x"
        open
        onClose={() => {}}
        onTriggered={() => {}}
      />,
      { apis: [[pipelinesApiRef, api as unknown as PipelinesApi]] },
    );
    expect(
      await screen.findByText(
        '.comet/broken.yaml:4:5: Unknown key "stpes"; did you mean "steps"? (at jobs.build.stpes)',
      ),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Run' })).toBeDisabled();
  });
});
