import {
  parsePipeline,
  PIPELINE_KEYS,
  PIPELINE_PARAM_TYPES,
} from '@internal/plugin-pipelines-common';
import {
  completionContext,
  jobIds,
  KEY_HELP,
  SCHEMA,
  STARTER_PIPELINE,
} from './pipelineSchema';

const keysAt = (text: string) =>
  completionContext(text, text.length)?.keys.map(k => k.key);

const unknownKeys = (text: string) =>
  parsePipeline(text).issues.filter(i => /Unknown key/i.test(i.message));

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
      'environment',
      'approvers',
    ]);
    expect(keysAt('params:\n  version:\n    ')).toContain('default');
    expect(keysAt('name: ')).toBeUndefined();
    expect(completionContext('jobs:\n  a:\n    ', 14)?.kind).toBe('key');
  });

  const jobs = `name: x
jobs:
  build:
    steps: [{run: make}]
  lint:
    steps: [{run: make lint}]
  test:
`;

  it('completes needs with the ids of the other jobs', () => {
    expect(jobIds(jobs)).toEqual(['build', 'lint', 'test']);
    const at = (tail: string) => {
      const text = `${jobs}${tail}`;
      return completionContext(text, text.length);
    };
    expect(at('    needs: ')).toMatchObject({
      kind: 'value',
      prefix: '',
      keys: [
        { key: 'build', snippet: 'build' },
        { key: 'lint', snippet: 'lint' },
      ],
    });
    // Already listed ones are left out; the prefix filters
    expect(at('    needs: [build, ')?.keys.map(k => k.key)).toEqual(['lint']);
    expect(at('    needs: [l')?.keys.map(k => k.key)).toEqual(['lint']);
    expect(
      at('    needs:\n      - lint\n      - ')?.keys.map(k => k.key),
    ).toEqual(['build']);
    const text = `${jobs}    needs: [b`;
    expect(completionContext(text, text.length)?.from).toBe(text.length - 1);
  });

  it('completes uses with the known step types and param types', () => {
    const steps =
      'jobs:\n  a:\n    steps:\n      - name: Scan\n        uses: so';
    expect(
      completionContext(steps, steps.length, {
        stepTypes: ['sonarqube/quality-gate', 'docker/build'],
      })?.keys.map(k => k.key),
    ).toEqual(['sonarqube/quality-gate']);
    expect(completionContext(steps, steps.length)?.keys).toEqual([]);
    const param = 'params:\n  mode:\n    type: ';
    expect(
      completionContext(param, param.length)?.keys.map(k => k.key),
    ).toEqual([...PIPELINE_PARAM_TYPES]);
    const choice = 'params:\n  mode:\n    type: ch';
    expect(
      completionContext(choice, choice.length)?.keys.map(k => k.snippet),
    ).toEqual(['choice']);
    // Not a value the editor knows
    expect(keysAt('jobs:\n  a:\n    timeout: ')).toBeUndefined();
  });
});

describe('schema and parser agree', () => {
  it('offers exactly the keys the parser lists, each with help', () => {
    for (const [level, keys] of Object.entries(PIPELINE_KEYS)) {
      const help = KEY_HELP[level as keyof typeof KEY_HELP];
      // both directions: no help for a key the parser lacks, no parser key without help
      expect({ level, keys: Object.keys(help).sort() }).toEqual({
        level,
        keys: [...keys].sort(),
      });
    }
    expect(SCHEMA.JOB.map(k => k.key)).toEqual([...PIPELINE_KEYS.job]);
    expect(SCHEMA.STEP.every(k => k.help)).toBe(true);
  });

  it('the parser accepts every offered key and refuses others', () => {
    for (const key of SCHEMA.JOB.map(k => k.key)) {
      const text =
        key === 'steps'
          ? 'name: x\njobs:\n  a:\n    steps: [{run: echo}]\n'
          : `name: x\njobs:\n  a:\n    ${key}: x\n    steps: [{run: echo}]\n`;
      expect({ key, unknown: unknownKeys(text) }).toEqual({
        key,
        unknown: [],
      });
    }
    for (const key of SCHEMA.STEP.map(k => k.key)) {
      const text = `name: x\njobs:\n  a:\n    steps:\n      - run: echo\n        ${key}: x\n`;
      expect({ key, unknown: unknownKeys(text) }).toEqual({
        key,
        unknown: [],
      });
    }
    for (const key of SCHEMA.TOP.map(k => k.key)) {
      expect({ key, unknown: unknownKeys(`${key}: x\n`) }).toEqual({
        key,
        unknown: [],
      });
    }
    for (const key of SCHEMA.PARAM.map(k => k.key)) {
      const text = `name: x\nparams:\n  p:\n    ${key}: x\njobs:\n  a:\n    steps: [{run: echo}]\n`;
      expect({ key, unknown: unknownKeys(text) }).toEqual({
        key,
        unknown: [],
      });
    }
    // A key not offered is refused, at every level checked above
    expect(unknownKeys('name: x\nstpes: x\n')).toHaveLength(1);
    expect(
      unknownKeys('name: x\njobs:\n  a:\n    stpes: x\n    steps: [{run: e}]'),
    ).toHaveLength(1);
    for (const type of PIPELINE_PARAM_TYPES) {
      const text = `name: x\nparams:\n  p:\n    type: ${type}\n${
        type === 'choice' ? '    options: [a]\n' : ''
      }jobs:\n  a:\n    steps: [{run: echo}]\n`;
      expect({ type, issues: parsePipeline(text).issues }).toEqual({
        type,
        issues: [],
      });
    }
    expect(parsePipeline(STARTER_PIPELINE).ok).toBe(true);
  });
});
