import Chip from '@material-ui/core/Chip';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { Link } from '@backstage/core-components';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import type { CiCdRunAction } from '@internal/plugin-pipelines-react';
import { CiCdRunActions, hasRunActionsFor } from '../extensions/CiCdRunActions';
import { StatusIndicator } from '../common/StatusIndicator';
import {
  elapsedMs,
  formatDuration,
  formatTimeAgo,
  shortSha,
} from '../common/format';
import { runRouteRef } from '../../routes';

const useStyles = makeStyles(theme => ({
  provider: { fontWeight: 600 },
  muted: { color: theme.palette.text.secondary },
  commitMessage: {
    display: 'block',
    maxWidth: 280,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    color: theme.palette.text.secondary,
  },
  actions: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
  },
}));

export type RunsTableProps = {
  runs: PipelineRun[];
  providerTitles?: Record<string, string>;
  /** Add an entity column, for lists across entities. */
  showEntity?: boolean;
  caption?: string;
  /** Actions other plugins attached for their providers' runs (`CiCdRunActionBlueprint`). */
  runActions?: readonly CiCdRunAction[];
  /** Called when an action changed a run, to reload the list. */
  onRunChanged?: () => void;
};

function triggerText(run: PipelineRun) {
  const actor = run.trigger.actor?.replace(/^user:(default\/)?/, '');
  switch (run.trigger.type) {
    case 'manual':
      return actor ? `manual by ${actor}` : 'manual';
    case 'rerun':
      return actor ? `re-run by ${actor}` : 're-run';
    case 'pull_request':
      return 'pull request';
    default:
      return run.trigger.type;
  }
}

/** The link to a run: Comet's own run page, or the provider's page for other providers. */
export function useRunHref() {
  const runRoute = useRouteRef(runRouteRef);
  return (run: PipelineRun) => {
    if (run.provider === 'comet') {
      return runRoute
        ? runRoute({ runId: run.runId })
        : `/pipelines/runs/${encodeURIComponent(run.runId)}`;
    }
    return run.links[0]?.url;
  };
}

/** Runs of any provider: provider badge, status (icon and text), pipeline, branch, commit … */
export function RunsTable(props: RunsTableProps) {
  const { runs, providerTitles = {}, showEntity, caption, runActions } = props;
  const classes = useStyles();
  const runHref = useRunHref();
  // The column is there only when a run on this page has an action
  const showActions = hasRunActionsFor(runActions, runs);
  const onRunChanged = props.onRunChanged ?? (() => undefined);
  const columns = 8 + (showEntity ? 1 : 0) + (showActions ? 1 : 0);
  return (
    <Table size="small" aria-label={caption ?? 'Pipeline runs'}>
      <TableHead>
        <TableRow>
          <TableCell>Provider</TableCell>
          <TableCell>Status</TableCell>
          {showEntity && <TableCell>Entity</TableCell>}
          <TableCell>Pipeline</TableCell>
          <TableCell>Branch</TableCell>
          <TableCell>Commit</TableCell>
          <TableCell>Trigger</TableCell>
          <TableCell>Started</TableCell>
          <TableCell>Duration</TableCell>
          {showActions && <TableCell>Actions</TableCell>}
        </TableRow>
      </TableHead>
      <TableBody>
        {runs.length === 0 && (
          <TableRow>
            <TableCell colSpan={columns}>
              <Typography className={classes.muted}>
                No runs match these filters.
              </Typography>
            </TableCell>
          </TableRow>
        )}
        {runs.map(run => {
          const href = runHref(run);
          const title = `${run.pipeline}${run.number ? ` #${run.number}` : ''}`;
          return (
            <TableRow key={`${run.provider}:${run.runId}`} hover>
              <TableCell>
                <Chip
                  size="small"
                  variant="outlined"
                  className={classes.provider}
                  label={providerTitles[run.provider] ?? run.provider}
                />
              </TableCell>
              <TableCell>
                <StatusIndicator status={run.status} />
              </TableCell>
              {showEntity && (
                <TableCell>
                  {run.entityRef.replace(/^component:default\//, '')}
                </TableCell>
              )}
              <TableCell>
                {href ? <Link to={href}>{title}</Link> : title}
              </TableCell>
              <TableCell>{run.branch ?? '—'}</TableCell>
              <TableCell>
                {run.commit?.url ? (
                  <Link to={run.commit.url}>{shortSha(run.commit.sha)}</Link>
                ) : (
                  <code>{shortSha(run.commit?.sha)}</code>
                )}
                {run.commit?.message && (
                  <span className={classes.commitMessage}>
                    {run.commit.message.split('\n')[0]}
                  </span>
                )}
              </TableCell>
              <TableCell>{triggerText(run)}</TableCell>
              <TableCell>
                <time dateTime={run.startedAt ?? run.createdAt}>
                  {formatTimeAgo(run.startedAt ?? run.createdAt)}
                </time>
              </TableCell>
              <TableCell>
                {formatDuration(
                  elapsedMs(run.startedAt, run.finishedAt, run.durationMs),
                )}
              </TableCell>
              {showActions && (
                <TableCell>
                  <div className={classes.actions}>
                    <CiCdRunActions
                      actions={runActions}
                      run={run}
                      onChanged={onRunChanged}
                    />
                  </div>
                </TableCell>
              )}
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
