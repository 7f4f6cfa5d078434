import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import { planJobs } from '../engine/RunPlanner';
import {
  effectiveJobTimeoutMs,
  formatMinutes,
  jobTimeoutIssues,
} from './jobTimeout';

const MINUTE = 60_000;
const limits = { defaultMs: 60 * MINUTE, maxMs: 360 * MINUTE };

function definition(timeouts: Array<number | undefined>): PipelineDefinition {
  return {
    name: 'ci',
    on: { manual: {} },
    params: {},
    env: {},
    jobs: timeouts.map((timeoutMs, i) => ({
      id: `job${i}`,
      name: `Job ${i}`,
      needs: [],
      retry: 0,
      env: {},
      artifacts: [],
      steps: [{ name: 'make', run: 'make', env: {}, continueOnError: false }],
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    })),
  };
}

describe('job timeouts', () => {
  it('gives jobs without a timeout the default and holds the others to the maximum', () => {
    expect(effectiveJobTimeoutMs(undefined, limits)).toBe(60 * MINUTE);
    expect(effectiveJobTimeoutMs(0, limits)).toBe(60 * MINUTE);
    expect(effectiveJobTimeoutMs(5 * MINUTE, limits)).toBe(5 * MINUTE);
    expect(effectiveJobTimeoutMs(600 * MINUTE, limits)).toBe(360 * MINUTE);
    // Without limits, what the job says
    expect(effectiveJobTimeoutMs(undefined, undefined)).toBeUndefined();
    expect(effectiveJobTimeoutMs(5, undefined)).toBe(5);
  });

  it('plans job runs with the effective timeout', () => {
    const jobs = planJobs(
      definition([undefined, 5 * MINUTE, 600 * MINUTE]),
      undefined,
      limits,
    );
    expect(jobs.map(j => j.timeoutMs)).toEqual([
      60 * MINUTE,
      5 * MINUTE,
      360 * MINUTE,
    ]);
  });

  it('reports each job that asks for more than the maximum', () => {
    expect(
      jobTimeoutIssues(
        definition([undefined, 360 * MINUTE, 390 * MINUTE, 1440 * MINUTE]),
        limits,
        '.comet/pipeline.yaml',
      ),
    ).toEqual([
      {
        message:
          'Job "job2" asks for a timeout of 6 h 30 min; this backend allows at most 6 h (pipelines.jobTimeout.maxMinutes)',
        path: 'jobs.job2.timeout',
        file: '.comet/pipeline.yaml',
      },
      {
        message:
          'Job "job3" asks for a timeout of 24 h; this backend allows at most 6 h (pipelines.jobTimeout.maxMinutes)',
        path: 'jobs.job3.timeout',
        file: '.comet/pipeline.yaml',
      },
    ]);
    expect(jobTimeoutIssues(definition([400 * MINUTE]), limits)[0]).toEqual({
      message: expect.any(String),
      path: 'jobs.job0.timeout',
    });
  });

  it('formats minutes and hours', () => {
    expect(formatMinutes(45 * MINUTE)).toBe('45 min');
    expect(formatMinutes(120 * MINUTE)).toBe('2 h');
    expect(formatMinutes(90 * MINUTE)).toBe('1 h 30 min');
  });
});
