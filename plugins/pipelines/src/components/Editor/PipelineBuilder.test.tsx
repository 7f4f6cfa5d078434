import { fireEvent, render, screen, within } from '@testing-library/react';
import { parsePipeline } from '@internal/plugin-pipelines-common';
import { useState } from 'react';
import { PipelineBuilder } from './PipelineBuilder';

const base = `# kept
name: ci
jobs:
  build:
    steps:
      - name: one
        run: echo one
      - name: two
        run: echo two
  test:
    needs: [build]
    steps:
      - run: make test
`;

/** What a browser's DataTransfer does for these drags (jsdom has none). */
function dataTransfer() {
  const data = new Map<string, string>();
  return {
    get types() {
      return [...data.keys()];
    },
    setData: (type: string, value: string) => data.set(type, value),
    getData: (type: string) => data.get(type) ?? '',
    effectAllowed: 'all',
    dropEffect: 'none',
  };
}

function drag(source: Element, target: Element) {
  const transfer = dataTransfer();
  fireEvent.dragStart(source, { dataTransfer: transfer });
  fireEvent.dragOver(target, { dataTransfer: transfer });
  fireEvent.drop(target, { dataTransfer: transfer });
}

let current = '';
function Harness(props: { stepTypes?: string[] }) {
  const [text, setText] = useState(base);
  current = text;
  return (
    <PipelineBuilder
      text={text}
      onChange={setText}
      stepTypes={props.stepTypes}
    />
  );
}

const stepsOf = (jobId: string) =>
  parsePipeline(current)
    .pipeline?.jobs.find(job => job.id === jobId)
    ?.steps.map(step => step.run ?? `uses ${step.uses}`);

const paletteItem = (name: string) =>
  within(screen.getByRole('group', { name: 'Palette' })).getByText(name);

const stepItems = (jobId: string) =>
  within(screen.getByRole('list', { name: `Steps of ${jobId}` })).getAllByRole(
    'listitem',
  );

describe('PipelineBuilder', () => {
  it('adds a step dragged from the palette onto a job, or before a step', () => {
    render(<Harness stepTypes={['sonarqube/quality-gate']} />);
    drag(
      paletteItem('Run step'),
      screen.getByRole('group', { name: 'Job test' }),
    );
    expect(stepsOf('test')).toEqual(['make test', 'echo "hello"']);

    drag(paletteItem('Uses step'), stepItems('build')[1]);
    expect(stepsOf('build')).toEqual([
      'echo one',
      'uses sonarqube/quality-gate',
      'echo two',
    ]);
    expect(current).toContain('# kept');
    expect(
      parsePipeline(current, { stepTypes: ['sonarqube/quality-gate'] }).ok,
    ).toBe(true);
    expect(screen.getByRole('status')).toHaveTextContent(
      'Added a uses step to build at position 2',
    );
  });

  it('adds the same with the keyboard: "+ run" and "+ uses" of a job', () => {
    render(<Harness />);
    fireEvent.click(
      screen.getByRole('button', { name: 'Add run step to test' }),
    );
    expect(stepsOf('test')).toEqual(['make test', 'echo "hello"']);
  });

  it('reorders steps by dragging one onto another', () => {
    render(<Harness />);
    const handle = within(stepItems('build')[1]).getByTitle(
      /Drag onto another step/,
    );
    drag(handle, stepItems('build')[0]);
    expect(stepsOf('build')).toEqual(['echo two', 'echo one']);
    // A step dropped on another job's step is not moved there
    drag(
      within(stepItems('build')[0]).getByTitle(/Drag onto another step/),
      stepItems('test')[0],
    );
    expect(stepsOf('build')).toEqual(['echo two', 'echo one']);
    expect(stepsOf('test')).toEqual(['make test']);
  });

  it('reorders steps with the move buttons, focus following the step', () => {
    render(<Harness />);
    expect(
      screen.getByRole('button', { name: 'Move step 1 of build up' }),
    ).toBeDisabled();
    fireEvent.click(
      screen.getByRole('button', { name: 'Move step 1 of build down' }),
    );
    expect(stepsOf('build')).toEqual(['echo two', 'echo one']);
    // The step is now last, so its "down" is disabled and focus is on its "up"
    expect(
      screen.getByRole('button', { name: 'Move step 2 of build up' }),
    ).toHaveFocus();
    fireEvent.click(
      screen.getByRole('button', { name: 'Move step 2 of build up' }),
    );
    expect(stepsOf('build')).toEqual(['echo one', 'echo two']);
  });

  it('adds a job dragged onto the canvas, or with "Add job"', () => {
    render(<Harness />);
    drag(paletteItem('New job'), screen.getByRole('region', { name: 'Jobs' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add job' }));
    const parsed = parsePipeline(current);
    expect(parsed.ok).toBe(true);
    expect(parsed.pipeline?.jobs.map(job => job.id)).toEqual([
      'build',
      'test',
      'job',
      'job-2',
    ]);
    // Dropping a job's name on another still draws a needs edge, not a new job
    drag(
      screen.getByTitle('Drag onto another job to make it need job'),
      screen.getByRole('group', { name: 'Job job-2' }),
    );
    expect(
      parsePipeline(current).pipeline?.jobs.find(job => job.id === 'job-2')
        ?.needs,
    ).toEqual(['job']);
  });
});
