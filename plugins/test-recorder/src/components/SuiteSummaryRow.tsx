import { Link } from '@backstage/core-components';
import { useApi, useAppNavigate } from '@backstage/frontend-plugin-api';
import { Box, Button, Paper, Tooltip, Typography } from '@material-ui/core';
import {
  testRecorderSuiteRunPermission,
  TestSuiteSummary,
} from '@internal/plugin-test-recorder-common';
import { useLoader } from '@internal/react-common';
import { useState } from 'react';
import { TestRecorderApi, testRecorderApiRef } from '../api';
import { useAllowed } from '../hooks';
import { useTestRecorderLinks } from '../links';
import { formatWhen } from '../format';
import { RunSuiteDialog } from './RunSuiteDialog';
import { StatusChip } from './StatusChip';
import { SuiteHistoryChart } from './SuiteHistoryChart';

export type SuiteSummaryRowProps = {
  suite: TestSuiteSummary;
  /** False when the sandbox is unavailable: runs cannot start. */
  canRunHere: boolean;
};

/** Tests whose history says flaky (passed on retry, or differed on the same commit). */
async function loadFlakyTests(api: TestRecorderApi, suiteName: string) {
  const suite = await api.getSuite(suiteName);
  const histories = await Promise.all(
    suite.definition.tests.map(test =>
      api.getTestHistory(suiteName, test.id, 20),
    ),
  );
  return histories.filter(history => history.flaky);
}

/** One suite on the Tests tab: latest run, history chart, flaky tests, Run. */
export function SuiteSummaryRow(props: SuiteSummaryRowProps) {
  const { suite } = props;
  const api = useApi(testRecorderApiRef);
  const links = useTestRecorderLinks();
  const navigate = useAppNavigate();
  const mayRun = useAllowed(testRecorderSuiteRunPermission, suite.entityRef);
  const [running, setRunning] = useState(false);
  const runs = useLoader(
    () => api.listRuns({ suite: suite.name, limit: 20 }),
    [api, suite.name],
  );
  const flaky = useLoader(
    () => loadFlakyTests(api, suite.name),
    [api, suite.name],
  );
  const latest = suite.latestRun;
  let runDisabledReason: string | undefined;
  if (!props.canRunHere) {
    runDisabledReason = 'Runs need the sandbox, which is unavailable';
  } else if (!mayRun) {
    runDisabledReason = 'You may not run this suite (test-recorder.suite.run)';
  }

  return (
    <Paper
      variant="outlined"
      component="section"
      aria-label={`Suite ${suite.name}`}
    >
      <Box
        p={2}
        display="flex"
        flexWrap="wrap"
        alignItems="center"
        style={{ gap: 16 }}
      >
        <Box flex="1 1 240px">
          <Typography variant="h6">
            <Link to={links.suite(suite.name)}>
              {suite.title ?? suite.name}
            </Link>
          </Typography>
          <Typography variant="body2" color="textSecondary">
            {suite.name} · {suite.testCount}{' '}
            {suite.testCount === 1 ? 'test' : 'tests'} · version {suite.version}
          </Typography>
        </Box>
        <Box flex="1 1 240px">
          {latest ? (
            <Box display="flex" alignItems="center" style={{ gap: 8 }}>
              <Link
                to={links.run(latest.runId)}
                aria-label={`Latest run: ${latest.status}`}
              >
                <StatusChip status={latest.status} />
              </Link>
              <Typography variant="body2">
                {latest.counts.passed} passed · {latest.counts.failed} failed
                {latest.counts.flaky ? ` · ${latest.counts.flaky} flaky` : ''}
                {' · '}
                {formatWhen(latest.finishedAt ?? latest.createdAt)}
              </Typography>
            </Box>
          ) : (
            <Typography variant="body2" color="textSecondary">
              Never run
            </Typography>
          )}
        </Box>
        <Box>
          {runs.value && (
            <SuiteHistoryChart suiteName={suite.name} runs={runs.value.runs} />
          )}
        </Box>
        <Tooltip title={runDisabledReason ?? ''}>
          <span>
            <Button
              variant="contained"
              color="primary"
              disabled={Boolean(runDisabledReason)}
              onClick={() => setRunning(true)}
              aria-label={`Run ${suite.name}`}
            >
              Run
            </Button>
          </span>
        </Tooltip>
      </Box>
      {flaky.value && flaky.value.length > 0 && (
        <Box px={2} pb={2}>
          <Typography variant="subtitle2">Flaky tests</Typography>
          <ul aria-label={`Flaky tests of ${suite.name}`}>
            {flaky.value.map(history => (
              <li key={history.testId}>
                {history.testName}: flaky in{' '}
                {Math.round(history.flakeRate * 100)}% of runs
                {history.quarantined ? ' (quarantined)' : ''}
              </li>
            ))}
          </ul>
        </Box>
      )}
      <RunSuiteDialog
        suiteName={suite.name}
        open={running}
        onClose={() => setRunning(false)}
        onStarted={run => navigate(links.run(run.runId))}
      />
    </Paper>
  );
}
