import { Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { Box, Typography } from '@material-ui/core';
import { useLoader } from '@internal/react-common';
import { testRecorderApiRef } from '../api';
import { formatDuration, formatWhen } from '../format';
import { useTestRecorderLinks } from '../links';
import { ProblemAlert } from './ProblemAlert';
import { StatusChip } from './StatusChip';

export type TestHistoryPanelProps = { suiteName: string; testId: string };

const percent = (rate: number) => `${Math.round(rate * 100)}%`;

/** One test across runs: pass, flake and failure rates, failure groups, recent runs. */
export function TestHistoryPanel(props: TestHistoryPanelProps) {
  const api = useApi(testRecorderApiRef);
  const links = useTestRecorderLinks();
  const history = useLoader(
    () => api.getTestHistory(props.suiteName, props.testId, 50),
    [api, props.suiteName, props.testId],
  );
  if (history.error) {
    return (
      <ProblemAlert error={history.error} title="The history cannot be shown" />
    );
  }
  if (!history.value) return <Progress />;
  const h = history.value;
  return (
    <Box aria-label={`History of ${h.testName}`} component="section">
      <Typography variant="body2">
        Passed {percent(h.passRate)} · flaky {percent(h.flakeRate)} · failed{' '}
        {percent(h.failureRate)} of {h.runs.length} runs
        {h.flaky ? ' · flaky' : ''}
      </Typography>
      {h.failureGroups.length > 0 && (
        <>
          <Typography variant="subtitle2">Failures by cause</Typography>
          <ul>
            {h.failureGroups.map(group => (
              <li key={group.signature}>
                <code>{group.signature}</code> × {group.count} (
                <Link to={links.run(group.lastRunId)}>latest</Link>)
              </li>
            ))}
          </ul>
        </>
      )}
      <ul aria-label="Recent runs">
        {h.runs.map(run => (
          <li key={run.runId}>
            <Link to={links.run(run.runId)}>{formatWhen(run.createdAt)}</Link>{' '}
            <StatusChip status={run.status} /> {formatDuration(run.durationMs)}
            {run.commit ? ` · ${run.commit.slice(0, 7)}` : ''}
          </li>
        ))}
      </ul>
    </Box>
  );
}
