import { screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { PipelineRunStatus } from '@internal/plugin-pipelines-common';
import {
  PipelinesApi,
  pipelinesApiRef,
  PipelineStats,
} from '../../api/PipelinesApi';
import { PipelineStatsCard, rollingSuccessRates } from './PipelineStatsCard';

jest.setTimeout(30_000);

function runs(statuses: PipelineRunStatus[]): PipelineStats['runs'] {
  return statuses.map((status, i) => ({
    runId: `r${i + 1}`,
    number: i + 1,
    status,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    durationMs: (i + 1) * 60_000,
  }));
}

describe('rollingSuccessRates', () => {
  it('gives the success rate over the window before each run, cancelled runs left out', () => {
    const points = rollingSuccessRates(
      runs(['succeeded', 'failed', 'cancelled', 'failed', 'succeeded']),
      3,
    );
    expect(points.map(p => [p.number, p.status, p.rate, p.over])).toEqual([
      [1, 'succeeded', 1, 1],
      [2, 'failed', 1 / 2, 2],
      // #3 was cancelled: no point
      [4, 'failed', 1 / 3, 3],
      // the window (3) has moved past #1
      [5, 'succeeded', 1 / 3, 3],
    ]);
  });

  it('has no points without succeeded or failed runs', () => {
    expect(rollingSuccessRates(runs(['cancelled', 'skipped']))).toEqual([]);
  });
});

describe('PipelineStatsCard', () => {
  async function renderCard(stats: PipelineStats) {
    const api = { getStats: jest.fn(async () => ({ pipelines: [stats] })) };
    await renderInTestApp(
      <PipelineStatsCard entityRef="component:default/payments-api" />,
      { apis: [[pipelinesApiRef, api as unknown as PipelinesApi]] },
    );
    return api;
  }

  it('charts the rolling success rate with a text alternative and a shape per outcome', async () => {
    const api = await renderCard({
      pipeline: 'build',
      runs: runs(['succeeded', 'failed', 'succeeded', 'succeeded']),
      successRate: 0.75,
      recoveries: [],
    });
    expect(api.getStats).toHaveBeenCalledWith({
      entityRef: 'component:default/payments-api',
      last: 30,
    });
    const chart = await screen.findByRole('img', {
      name: /^Success rate of build over the last 10 succeeded or failed runs/,
    });
    expect(chart).toHaveAccessibleName(
      'Success rate of build over the last 10 succeeded or failed runs, after each run, oldest first: #1 succeeded 100%, #2 failed 50%, #3 succeeded 67%, #4 succeeded 75%',
    );
    // Status by shape: circles for successes, crosses for failures, each with a title
    const circles = chart.querySelectorAll('circle[data-status="succeeded"]');
    const crosses = chart.querySelectorAll('path[data-status="failed"]');
    expect(circles).toHaveLength(3);
    expect(crosses).toHaveLength(1);
    expect(crosses[0].querySelector('title')?.textContent).toBe(
      '#2 Failed: 50% of the last 2 succeeded',
    );
    // Higher rate, higher point: #1 (100%) above #2 (50%)
    expect(Number(circles[0].getAttribute('cy'))).toBeLessThan(
      Number(crosses[0].getAttribute('d')!.split(/[ML,]/)[2]) + 4,
    );
    expect(within(chart).getByText('100%')).toBeInTheDocument();
    expect(screen.getByText('75%')).toBeInTheDocument();
  });

  it('hatches failed duration bars with a pattern, not only a colour', async () => {
    await renderCard({
      pipeline: 'build',
      runs: runs(['succeeded', 'failed']),
      successRate: 0.5,
      recoveries: [],
    });
    const chart = await screen.findByRole('img', {
      name: /^Durations of the last 2 runs of build/,
    });
    const pattern = chart.querySelector('pattern[data-testid="failed-hatch"]');
    expect(pattern).not.toBeNull();
    // the stripes that make the hatch
    expect(pattern!.querySelector('line')).not.toBeNull();
    const bars = [...chart.querySelectorAll('rect[x]')];
    expect(bars.map(b => b.querySelector('title')?.textContent)).toEqual([
      '#1 Succeeded: 1m 0s',
      '#2 Failed: 2m 0s',
    ]);
    expect(bars[1].getAttribute('fill')).toBe(`url(#${pattern!.id})`);
    expect(bars[0].getAttribute('fill')).not.toMatch(/^url\(/);
    expect(screen.getByText(/hatched red: not successful/)).toBeInTheDocument();
  });
});
