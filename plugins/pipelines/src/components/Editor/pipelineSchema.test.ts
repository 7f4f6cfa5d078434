import { parsePipeline } from '@internal/plugin-pipelines-common';
import { completionContext, SCHEMA, STARTER_PIPELINE } from './pipelineSchema';

const keysAt = (text: string) =>
  completionContext(text, text.length)?.keys.map(k => k.key);

describe('completionContext', () => {
  it('offers the keys allowed where the cursor is', () => {
    expect(keysAt('')).toEqual(['name', 'on', 'params', 'env', 'jobs']);
    expect(keysAt('name: x\nj')).toEqual(['jobs']);
    expect(keysAt('on:\n  ')).toEqual([
      'manual',
      'push',
      'pull_request',
      'schedule',
    ]);
    expect(keysAt('on:\n  push:\n    ')).toEqual(['branches', 'tags']);
    expect(keysAt('jobs:\n  build:\n    ne')).toEqual(['needs']);
    expect(
      keysAt('jobs:\n  build:\n    steps:\n      - name: Build\n        r'),
    ).toEqual(['run']);
    expect(keysAt('jobs:\n  build:\n    steps:\n      - ')).toContain('uses');
    expect(keysAt('jobs:\n  build:\n    approval:\n      ')).toEqual([
      'description',
      'approvers',
    ]);
    expect(keysAt('params:\n  version:\n    ')).toContain('default');
    expect(keysAt('name: ')).toBeUndefined();
  });

  it('only offers keys the parser accepts', () => {
    const job = SCHEMA.JOB.map(k => k.key);
    const step = SCHEMA.STEP.map(k => k.key);
    for (const key of job) {
      const result = parsePipeline(
        key === 'steps'
          ? 'name: x\njobs:\n  a:\n    steps: [{run: echo}]\n'
          : `name: x\njobs:\n  a:\n    ${key}: x\n    steps: [{run: echo}]\n`,
      );
      const unknown = result.issues.filter(i => /Unknown key/i.test(i.message));
      expect({ key, unknown }).toEqual({ key, unknown: [] });
    }
    for (const key of step) {
      const result = parsePipeline(
        `name: x\njobs:\n  a:\n    steps:\n      - run: echo\n        ${key}: x\n`,
      );
      const unknown = result.issues.filter(i => /Unknown key/i.test(i.message));
      expect({ key, unknown }).toEqual({ key, unknown: [] });
    }
    expect(parsePipeline(STARTER_PIPELINE).ok).toBe(true);
  });
});
