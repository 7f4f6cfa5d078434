import { parsePipeline } from '@internal/plugin-pipelines-common';
import {
  addJob,
  addNeed,
  addStep,
  moveStep,
  newStep,
  readJobs,
  removeJob,
  toggleNeed,
  uniqueJobId,
} from './builderOps';

const base = `# my pipeline
name: ci
jobs:
  build:
    steps:
      - run: make
`;

describe('builder operations', () => {
  it('adds jobs, steps and needs edges as YAML, keeping comments', () => {
    let text = addJob(base, 'test');
    text = addStep(text, 'test', { name: 'Unit tests', run: 'make test' });
    text = addNeed(text, 'test', 'build');
    expect(text).toContain('# my pipeline');
    expect(readJobs(text)).toEqual([
      { id: 'build', needs: [], steps: ['make'] },
      { id: 'test', needs: ['build'], steps: ['Step 1', 'Unit tests'] },
    ]);
    const parsed = parsePipeline(text);
    expect(parsed.ok).toBe(true);
    expect(parsed.pipeline?.jobs[1].needs).toEqual(['build']);
    // Drawing the same edge twice changes nothing; toggling removes it
    expect(addNeed(text, 'test', 'build')).toBe(text);
    expect(readJobs(toggleNeed(text, 'test', 'build'))[1].needs).toEqual([]);
    // Removing a job removes the edges to it
    expect(readJobs(removeJob(text, 'build'))).toEqual([
      { id: 'test', needs: [], steps: ['Step 1', 'Unit tests'] },
    ]);
  });

  it('refuses bad job ids and duplicates', () => {
    expect(() => addJob(base, 'bad id')).toThrow(/not a valid job id/);
    expect(() => addJob(base, 'build')).toThrow(/already a job "build"/);
    expect(() => addJob('jobs: [', 'x')).toThrow(/does not parse/);
  });

  it('inserts run and uses steps where they are dropped', () => {
    let text = addStep(base, 'build', newStep('run'), 0);
    text = addStep(
      text,
      'build',
      newStep('uses', ['sonarqube/quality-gate', 'docker/build']),
      1,
    );
    text = addStep(text, 'build', { name: 'Last', run: 'ls' }, 99);
    expect(text).toContain('# my pipeline');
    const parsed = parsePipeline(text, {
      stepTypes: ['sonarqube/quality-gate'],
    });
    expect(parsed.issues).toEqual([]);
    expect(
      parsed.pipeline?.jobs[0].steps.map(s => [s.name, s.run ?? s.uses]),
    ).toEqual([
      ['New step', 'echo "hello"'],
      ['New step', 'sonarqube/quality-gate'],
      ['make', 'make'],
      ['Last', 'ls'],
    ]);
    // Without known step types the step names a placeholder for the validation to flag
    expect(newStep('uses')).toEqual({
      name: 'New step',
      uses: 'owner/step-type',
    });
    // Also into a flow-style list
    const flow = addStep(
      'name: x\njobs:\n  a:\n    steps: [{run: one}]\n',
      'a',
      { name: 'Two', run: 'two' },
      0,
    );
    expect(parsePipeline(flow).pipeline?.jobs[0].steps.map(s => s.run)).toEqual(
      ['two', 'one'],
    );
    expect(() =>
      addStep('name: x\njobs:\n  a:\n    approval: {}\n', 'a', newStep('run')),
    ).toThrow(/approval/);
  });

  it('moves steps within a job', () => {
    let text = addStep(base, 'build', { name: 'two', run: 'two' });
    text = addStep(text, 'build', { name: 'three', run: 'three' });
    expect(readJobs(moveStep(text, 'build', 0, 2))[0].steps).toEqual([
      'two',
      'three',
      'make',
    ]);
    expect(readJobs(moveStep(text, 'build', 2, 0))[0].steps).toEqual([
      'three',
      'make',
      'two',
    ]);
    // Past either end it stops at the end; onto itself nothing changes
    expect(readJobs(moveStep(text, 'build', 1, 9))[0].steps).toEqual([
      'make',
      'three',
      'two',
    ]);
    expect(moveStep(text, 'build', 1, 1)).toBe(text);
    expect(parsePipeline(moveStep(text, 'build', 0, 1)).ok).toBe(true);
    expect(() => moveStep(text, 'build', 5, 0)).toThrow(/no step 6/);
    expect(() => moveStep(text, 'nope', 0, 1)).toThrow(/no steps/);
  });

  it('names new jobs with ids not used yet', () => {
    expect(uniqueJobId(base)).toBe('job');
    let text = addJob(base, uniqueJobId(base));
    text = addJob(text, uniqueJobId(text));
    expect(readJobs(text).map(job => job.id)).toEqual([
      'build',
      'job',
      'job-2',
    ]);
    expect(uniqueJobId(text, 'build')).toBe('build-2');
    expect(parsePipeline(text).ok).toBe(true);
  });
});
