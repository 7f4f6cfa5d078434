import type { PipelineRun } from '@internal/plugin-pipelines-common';
import { latestPerPipeline } from '../OverviewCard/LatestRunsCard';
import { layoutGraph } from './graphLayout';
import { failurePoint } from './failurePoint';

const base: PipelineRun = {
  provider: 'comet',
  runId: 'r1',
  entityRef: 'component:default/ledger-worker',
  pipeline: 'release',
  status: 'failed',
  trigger: { type: 'manual' },
  params: {},
  createdAt: '2026-11-26T10:00:00Z',
  links: [],
  jobs: [
    {
      jobRunId: 'build',
      jobId: 'build',
      name: 'build',
      needs: [],
      status: 'succeeded',
      attempt: 1,
      steps: [{ stepIndex: 0, name: 'Build', status: 'succeeded' }],
    },
    {
      jobRunId: 'deploy',
      jobId: 'deploy',
      name: 'deploy',
      needs: ['build'],
      status: 'failed',
      attempt: 1,
      steps: [
        { stepIndex: 0, name: 'Deploy', status: 'succeeded' },
        { stepIndex: 1, name: 'Smoke check', status: 'failed', exitCode: 1 },
      ],
    },
  ],
};

describe('failurePoint', () => {
  it('names the first failed job and its failed step', () => {
    const point = failurePoint(base)!;
    expect(point.job.name).toBe('deploy');
    expect(point.step?.name).toBe('Smoke check');
    expect(point.key).toBe('deploy\u00001');
    expect(failurePoint({ ...base, status: 'succeeded' })).toBeUndefined();
  });
});

describe('latestPerPipeline', () => {
  it('keeps the newest run of each provider and pipeline', () => {
    const runs = [
      { ...base, runId: 'new', pipeline: 'ci' },
      { ...base, runId: 'old', pipeline: 'ci' },
      { ...base, runId: 'rel', pipeline: 'release' },
      { ...base, runId: 'j', pipeline: 'ci', provider: 'jenkins' },
    ];
    expect(latestPerPipeline(runs).map(r => r.runId)).toEqual([
      'new',
      'rel',
      'j',
    ]);
  });
});

describe('layoutGraph', () => {
  it('puts jobs in columns by the depth of their needs, parallel jobs stacked', () => {
    const { placed, columns, rows } = layoutGraph([
      { id: 'install', needs: [] },
      { id: 'lint', needs: ['install'] },
      { id: 'test (1)', needs: ['install'] },
      { id: 'test (2)', needs: ['install'] },
      { id: 'package', needs: ['lint', 'test (1)', 'test (2)'] },
    ]);
    const at = Object.fromEntries(placed.map(p => [p.id, [p.column, p.row]]));
    expect(at.install).toEqual([0, 0]);
    expect(at.lint).toEqual([1, 0]);
    expect(at['test (2)']).toEqual([1, 2]);
    expect(at.package).toEqual([2, 0]);
    expect(columns).toBe(3);
    expect(rows).toBe(3);
    // a cycle (which validation reports) still lays out
    expect(
      layoutGraph([
        { id: 'a', needs: ['b'] },
        { id: 'b', needs: ['a'] },
      ]).placed,
    ).toHaveLength(2);
  });
});
