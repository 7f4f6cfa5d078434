import { useAppNavigate } from '@backstage/frontend-plugin-api';
import type { TestRunSummary } from '@internal/plugin-test-recorder-common';
import { useTestRecorderLinks } from '../links';
import { statusColour } from './StatusChip';

export type SuiteHistoryChartProps = {
  suiteName: string;
  /** Newest first, as `GET /runs` answers; the last 20 are drawn, oldest on the left. */
  runs: TestRunSummary[];
};

const BAR_WIDTH = 10;
const GAP = 3;
const HEIGHT = 40;

function passRate(run: TestRunSummary): number | undefined {
  const { passed, failed, flaky, skipped } = run.counts;
  const total = passed + failed + flaky + skipped;
  return total === 0 ? undefined : (passed + flaky) / total;
}

/** Pass rate of the suite's last 20 runs: one bar per run, coloured by status, each a link. */
export function SuiteHistoryChart(props: SuiteHistoryChartProps) {
  const links = useTestRecorderLinks();
  const navigate = useAppNavigate();
  const runs = props.runs.slice(0, 20).reverse();
  if (runs.length === 0) return null;
  return (
    <svg
      role="img"
      aria-label={`Pass rate of the last ${runs.length} runs of ${props.suiteName}`}
      width={runs.length * (BAR_WIDTH + GAP)}
      height={HEIGHT}
    >
      {runs.map((run, index) => {
        const rate = passRate(run);
        // A run without results (queued, failed before any test) still shows as a stub
        const height = Math.max(3, Math.round((rate ?? 0) * HEIGHT));
        const href = links.run(run.runId);
        const label = `Run of ${new Date(run.createdAt).toLocaleString()}: ${
          run.status
        }${rate === undefined ? '' : `, ${Math.round(rate * 100)}% passed`}`;
        return (
          <a
            key={run.runId}
            href={href}
            aria-label={label}
            onClick={event => {
              event.preventDefault();
              navigate(href);
            }}
          >
            <title>{label}</title>
            <rect
              x={index * (BAR_WIDTH + GAP)}
              y={HEIGHT - height}
              width={BAR_WIDTH}
              height={height}
              fill={statusColour(run.status)}
              data-status={run.status}
            />
          </a>
        );
      })}
    </svg>
  );
}
