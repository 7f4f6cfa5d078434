import { parsePipeline } from '@internal/plugin-pipelines-common';
import {
  addJob,
  addNeed,
  addStep,
  readJobs,
  removeJob,
  toggleNeed,
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
});
