import type { PipelineRun } from '@internal/plugin-pipelines-common';

/**
 * For tests: a finished Comet run with the fields every run has; `overrides` sets the ones a
 * test is about.
 */
export function makePipelineRun(
  overrides: Partial<PipelineRun> = {},
): PipelineRun {
  return {
    provider: 'comet',
    runId: 'run-1',
    entityRef: 'component:default/demo',
    pipeline: 'ci',
    status: 'succeeded',
    trigger: { type: 'manual' },
    params: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    links: [],
    jobs: [],
    ...overrides,
  };
}
