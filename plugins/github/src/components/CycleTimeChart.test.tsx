import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { CycleTimeChart } from './CycleTimeChart';
import { checksText } from './PullRequestBadges';

describe('CycleTimeChart', () => {
  it('describes one merge in the singular and draws a bar per week', async () => {
    const { container } = await renderInTestApp(
      <CycleTimeChart
        cycleTime={{
          days: 30,
          weeks: [
            { weekStart: '2026-11-23', merged: 0, medianHours: null },
            { weekStart: '2026-11-30', merged: 1, medianHours: 0.5 },
          ],
        }}
      />,
    );
    expect(
      screen.getByRole('img', {
        name: 'Weekly median time from opened to merged over the last 30 days: 1 pull request merged; the slowest week (2026-11-30) had a median of 30 min.',
      }),
    ).toBeInTheDocument();
    expect(container.querySelectorAll('rect')).toHaveLength(2);
    expect(container.querySelector('title')).toHaveTextContent(
      'Week of 2026-11-23: 0 merged, median no merges',
    );
    // The table alternative sits in a disclosure the keyboard can open
    const summary = screen.getByText('Show the numbers as a table');
    await userEvent.click(summary);
    expect(summary.closest('details')).toHaveAttribute('open');
    const table = screen.getByRole('table', { name: 'Cycle time by week' });
    expect(within(table).getAllByRole('row')[2]).toHaveTextContent(
      '2026-11-30130 min',
    );
  });
});

describe('checksText', () => {
  it('counts what passed, failed and is still running', () => {
    expect(
      checksText({
        state: 'pending',
        total: 2,
        successful: 0,
        failed: 0,
        pending: 2,
      }),
    ).toBe('0/2 passed, 2 pending');
    expect(
      checksText({
        state: 'success',
        total: 0,
        successful: 0,
        failed: 0,
        pending: 0,
      }),
    ).toBe('No checks');
  });
});
