import { Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Box,
  Button,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
} from '@material-ui/core';
import { useLoader } from '@internal/react-common';
import { useState } from 'react';
import { testRecorderApiRef } from '../api';
import { formatDuration, formatWhen } from '../format';
import { useTestRecorderLinks } from '../links';
import { ProblemAlert } from './ProblemAlert';
import { StatusChip } from './StatusChip';

export type SuiteRunsPanelProps = { suiteName: string };

const PAGE_SIZE = 20;

/** The suite's runs, newest first, a page at a time. */
export function SuiteRunsPanel(props: SuiteRunsPanelProps) {
  const api = useApi(testRecorderApiRef);
  const links = useTestRecorderLinks();
  // The cursors of the pages before this one, so Previous needs no backend support
  const [cursors, setCursors] = useState<Array<string | undefined>>([
    undefined,
  ]);
  const cursor = cursors[cursors.length - 1];
  const page = useLoader(
    () => api.listRuns({ suite: props.suiteName, limit: PAGE_SIZE, cursor }),
    [api, props.suiteName, cursor],
  );

  if (page.error)
    return <ProblemAlert error={page.error} title="The runs cannot be shown" />;
  if (!page.value) return <Progress />;
  const { runs, nextCursor } = page.value;
  return (
    <Box>
      <Table size="small" aria-label="Runs">
        <TableHead>
          <TableRow>
            <TableCell>When</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Results</TableCell>
            <TableCell>Trigger</TableCell>
            <TableCell>Version</TableCell>
            <TableCell>Duration</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {runs.map(run => (
            <TableRow key={run.runId}>
              <TableCell>
                <Link to={links.run(run.runId)}>
                  {formatWhen(run.createdAt)}
                </Link>
              </TableCell>
              <TableCell>
                <StatusChip status={run.status} />
              </TableCell>
              <TableCell>
                {run.counts.passed} passed · {run.counts.failed} failed ·{' '}
                {run.counts.flaky} flaky · {run.counts.skipped} skipped
              </TableCell>
              <TableCell>
                {run.trigger} by {run.triggeredBy}
              </TableCell>
              <TableCell>{run.suiteVersion}</TableCell>
              <TableCell>{formatDuration(run.durationMs)}</TableCell>
            </TableRow>
          ))}
          {runs.length === 0 && (
            <TableRow>
              <TableCell colSpan={6}>No runs yet.</TableCell>
            </TableRow>
          )}
        </TableBody>
      </Table>
      <Box display="flex" justifyContent="flex-end" style={{ gap: 8 }} mt={1}>
        <Button
          disabled={cursors.length === 1}
          onClick={() => setCursors(c => c.slice(0, -1))}
        >
          Previous
        </Button>
        <Button
          disabled={!nextCursor}
          onClick={() => setCursors(c => [...c, nextCursor])}
        >
          Next
        </Button>
      </Box>
    </Box>
  );
}
