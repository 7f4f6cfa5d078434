import { parsePipeline } from '@internal/plugin-pipelines-common';
import {
  EXAMPLE_PIPELINE,
  extractPipelineYaml,
  formatProblem,
  initialMessages,
  PIPELINE_SYSTEM_PROMPT,
  repairMessages,
} from './pipelinePrompt';

describe('the pipeline prompt', () => {
  it('shows the model an example that the real validator accepts', () => {
    const result = parsePipeline(EXAMPLE_PIPELINE, {
      file: '.comet/pipeline.yaml',
      secrets: ['DEPLOY_TOKEN'],
    });
    expect(result.ok ? [] : result.issues).toEqual([]);
    expect(PIPELINE_SYSTEM_PROMPT).toContain(EXAMPLE_PIPELINE.trimEnd());
  });

  it('keeps only the first request and the last answer in a repair', () => {
    const first = initialMessages({ description: 'd', path: 'p.yaml' });
    const repair = repairMessages(first, 'x'.repeat(70_000), 'p.yaml', [
      { message: 'Unknown key "step"', path: 'jobs.a.step', line: 4 },
      { message: 'Whole file', path: '' },
    ]);
    expect(repair.slice(0, 2)).toEqual(first);
    expect(String(repair[2].content)).toHaveLength(60_000 + '… [cut]'.length);
    expect(repair[3].content).toContain(
      'rejected that file with 2 problems:\n- p.yaml:4: Unknown key "step" (at jobs.a.step)\n- p.yaml: Whole file\n',
    );
  });

  it('formats a problem with line and column', () => {
    expect(
      formatProblem('f.yaml', {
        message: 'm',
        path: 'a.b',
        line: 3,
        column: 7,
      }),
    ).toBe('f.yaml:3:7: m (at a.b)');
  });
});

describe('extractPipelineYaml', () => {
  it('takes the yaml fence, preferring the block with jobs', () => {
    const answer = [
      'First the env file:',
      '```bash',
      'echo hi',
      '```',
      '```yaml',
      'env: { A: b }',
      '```',
      '```yml',
      'name: x',
      'jobs:',
      '  a: { steps: [{ run: echo }] }',
      '```',
    ].join('\n');
    expect(extractPipelineYaml(answer)).toBe(
      'name: x\njobs:\n  a: { steps: [{ run: echo }] }\n',
    );
  });

  it('takes an unmarked fence, and a fence the model never closed', () => {
    expect(extractPipelineYaml('```\nname: a\njobs: {}\n```')).toBe(
      'name: a\njobs: {}\n',
    );
    expect(extractPipelineYaml('Sure:\n```yaml\nname: a\njobs: {}\n')).toBe(
      'name: a\njobs: {}\n',
    );
  });

  it('takes plain text from the first top-level key, or all of it', () => {
    expect(extractPipelineYaml('Here it is.\nname: a\njobs: {}')).toBe(
      'name: a\njobs: {}\n',
    );
    expect(extractPipelineYaml('just: words')).toBe('just: words\n');
    expect(extractPipelineYaml('  \n ')).toBeUndefined();
  });

  it('falls back to the first yaml block when none looks like a pipeline', () => {
    expect(
      extractPipelineYaml('```yaml\nfoo: 1\n```\n```yaml\nbar: 2\n```'),
    ).toBe('foo: 1\n');
  });
});
