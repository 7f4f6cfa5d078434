import { InputError } from '@backstage/errors';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import { planJobs, resolveParams } from './RunPlanner';

const definition: PipelineDefinition = {
  name: 'ci',
  on: { manual: {} },
  params: {
    version: { type: 'string', required: true },
    shards: { type: 'number', default: 2 },
    dryRun: { type: 'boolean' },
  },
  env: {},
  jobs: [
    {
      id: 'test',
      name: 'Test',
      needs: [],
      retry: 1,
      env: {},
      artifacts: [],
      matrix: { shard: [1, 2] },
      steps: [{ name: 'run', run: 'make', env: {}, continueOnError: false }],
    },
    {
      id: 'deploy',
      name: 'Deploy',
      needs: ['test'],
      retry: 0,
      env: {},
      artifacts: [],
      steps: [],
    },
  ],
} as unknown as PipelineDefinition;

describe('RunPlanner', () => {
  it('expands matrices into job runs that the needing jobs wait for', () => {
    const jobs = planJobs(definition, new Set(['test (shard=1)']));
    expect(
      jobs.map(({ jobRunId, name, needs, maxAttempts, initialState }) => ({
        jobRunId,
        name,
        needs,
        maxAttempts,
        initialState,
      })),
    ).toEqual([
      {
        jobRunId: 'test (shard=1)',
        name: 'Test (1)',
        needs: [],
        maxAttempts: 2,
        initialState: 'succeeded',
      },
      {
        jobRunId: 'test (shard=2)',
        name: 'Test (2)',
        needs: [],
        maxAttempts: 2,
        initialState: 'pending',
      },
      {
        jobRunId: 'deploy',
        name: 'Deploy',
        needs: ['test (shard=1)', 'test (shard=2)'],
        maxAttempts: 1,
        initialState: 'pending',
      },
    ]);
  });

  it('checks and completes parameters', () => {
    expect(
      resolveParams(definition, { version: '1.2', dryRun: 'true' }),
    ).toEqual({ version: '1.2', shards: 2, dryRun: true });
    expect(() => resolveParams(definition, {})).toThrow(
      'Parameter "version" is required',
    );
    expect(() => resolveParams(definition, { version: '1', nope: 1 })).toThrow(
      'Unknown parameter "nope"; ci takes version, shards, dryRun',
    );
    expect(() =>
      resolveParams(definition, { version: '1', shards: 'many' }),
    ).toThrow('Parameter "shards" must be a number, got "many"');
  });

  it('holds a string to its enum, pattern and maxLength, else 1000 characters', () => {
    const ruled: PipelineDefinition = {
      ...definition,
      params: {
        env: { type: 'string', pattern: '[a-z]+' },
        reporter: { type: 'string', enum: ['spec', 'tap'] },
        tag: { type: 'string', maxLength: 4 },
        notes: { type: 'string' },
      },
    };
    expect(
      resolveParams(ruled, {
        env: 'prod',
        reporter: 'tap',
        tag: 'v1.2',
        notes: 'n'.repeat(1000),
      }),
    ).toEqual({
      env: 'prod',
      reporter: 'tap',
      tag: 'v1.2',
      notes: 'n'.repeat(1000),
    });
    // The whole value must match, not a part of it
    expect(() => resolveParams(ruled, { env: 'prod; id' })).toThrow(
      new InputError('param "env": must match [a-z]+'),
    );
    expect(() =>
      resolveParams(ruled, { reporter: '--require=/tmp/x.js' }),
    ).toThrow(new InputError('param "reporter": must be one of spec, tap'));
    expect(() => resolveParams(ruled, { tag: 'v1.2.3' })).toThrow(
      new InputError('param "tag": must be at most 4 characters, got 6'),
    );
    expect(() => resolveParams(ruled, { notes: 'n'.repeat(1001) })).toThrow(
      new InputError(
        'param "notes": must be at most 1000 characters, got 1001',
      ),
    );
  });
});
