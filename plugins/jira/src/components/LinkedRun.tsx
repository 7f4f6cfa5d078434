import { Link } from '@backstage/core-components';
import type { JiraLinkedRun } from '@internal/plugin-jira-common';
import { Chip, makeStyles } from '@material-ui/core';
import { formatDateTime } from '../format';

// The pipelines UI's meaning of colours: green succeeded, red failed, blue under way
const useStyles = makeStyles(theme => ({
  run: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    whiteSpace: 'nowrap',
  },
  other: {
    backgroundColor: theme.palette.grey[300],
    color: theme.palette.getContrastText(theme.palette.grey[300]),
  },
  succeeded: {
    backgroundColor: theme.palette.success.main,
    color: theme.palette.success.contrastText,
  },
  failed: {
    backgroundColor: theme.palette.error.main,
    color: theme.palette.error.contrastText,
  },
  active: {
    backgroundColor: theme.palette.info.main,
    color: theme.palette.info.contrastText,
  },
}));

const ACTIVE = new Set(['queued', 'running', 'waiting']);

export type RunStatusChipProps = { status: string };

/** A pipeline run's status on its colour. */
export function RunStatusChip(props: RunStatusChipProps) {
  const classes = useStyles();
  const { status } = props;
  let colour = classes.other;
  if (status === 'succeeded') colour = classes.succeeded;
  else if (status === 'failed') colour = classes.failed;
  else if (ACTIVE.has(status)) colour = classes.active;
  return (
    <Chip size="small" label={status} className={colour} data-status={status} />
  );
}

export type LinkedRunProps = { run: JiraLinkedRun };

/** `<pipeline> #<runNumber>` linking to the run page, with its status. */
export function LinkedRun(props: LinkedRunProps) {
  const { run } = props;
  const classes = useStyles();
  return (
    <span className={classes.run}>
      <Link
        to={run.path}
        title={`Last changed ${formatDateTime(run.updatedAt)}`}
      >{`${run.pipeline} #${run.runNumber}`}</Link>
      <RunStatusChip status={run.status} />
    </span>
  );
}
