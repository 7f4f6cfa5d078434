import { makeStyles } from '@material-ui/core/styles';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import ErrorIcon from '@material-ui/icons/Error';
import BlockIcon from '@material-ui/icons/Block';
import ScheduleIcon from '@material-ui/icons/Schedule';
import PauseCircleFilledIcon from '@material-ui/icons/PauseCircleFilled';
import SkipNextIcon from '@material-ui/icons/SkipNext';
import AutorenewIcon from '@material-ui/icons/Autorenew';
import type { PipelineRunStatus } from '@internal/plugin-pipelines-common';

const useStyles = makeStyles(theme => ({
  root: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    whiteSpace: 'nowrap',
  },
  icon: { fontSize: '1.1em' },
  succeeded: { color: theme.palette.success?.main ?? '#2e7d32' },
  failed: { color: theme.palette.error.main },
  cancelled: { color: theme.palette.text.secondary },
  skipped: { color: theme.palette.text.secondary },
  queued: { color: theme.palette.text.secondary },
  running: {
    color: theme.palette.info?.main ?? '#0277bd',
    '@media (prefers-reduced-motion: no-preference)': {
      animation: '$spin 1.6s linear infinite',
    },
  },
  waiting: { color: theme.palette.warning?.main ?? '#ed6c02' },
  '@keyframes spin': {
    from: { transform: 'rotate(0deg)' },
    to: { transform: 'rotate(360deg)' },
  },
}));

const LABELS: Record<PipelineRunStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  waiting: 'Waiting',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
};

export function statusLabel(status: PipelineRunStatus) {
  return LABELS[status] ?? status;
}

const ICONS: Record<PipelineRunStatus, typeof CheckCircleIcon> = {
  queued: ScheduleIcon,
  running: AutorenewIcon,
  waiting: PauseCircleFilledIcon,
  succeeded: CheckCircleIcon,
  failed: ErrorIcon,
  cancelled: BlockIcon,
  skipped: SkipNextIcon,
};

export type StatusIndicatorProps = {
  status: PipelineRunStatus;
  /** Hide the text (the icon keeps an accessible name). */
  iconOnly?: boolean;
};

/** A run, job or step status: always an icon and a word, never colour alone. */
export function StatusIndicator(props: StatusIndicatorProps) {
  const { status, iconOnly } = props;
  const classes = useStyles();
  const Icon = ICONS[status] ?? ScheduleIcon;
  return (
    <span className={classes.root} data-status={status}>
      <Icon
        className={`${classes.icon} ${classes[status] ?? ''}`}
        aria-hidden={iconOnly ? undefined : true}
        titleAccess={iconOnly ? statusLabel(status) : undefined}
      />
      {!iconOnly && <span>{statusLabel(status)}</span>}
    </span>
  );
}
