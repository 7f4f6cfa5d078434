import type { JenkinsBuildStatus } from '@internal/plugin-jenkins-common';
import { Box, CircularProgress, Typography } from '@material-ui/core';
import BlockIcon from '@material-ui/icons/Block';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import ErrorIcon from '@material-ui/icons/Error';
import RemoveCircleOutlineIcon from '@material-ui/icons/RemoveCircleOutline';
import ScheduleIcon from '@material-ui/icons/Schedule';
import WarningIcon from '@material-ui/icons/Warning';

const LABELS: Record<JenkinsBuildStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  success: 'Success',
  unstable: 'Unstable',
  failure: 'Failed',
  aborted: 'Aborted',
  not_built: 'Not built',
};

export function statusText(status: JenkinsBuildStatus) {
  return LABELS[status];
}

export type StatusLabelProps = { status: JenkinsBuildStatus };

/** A build status as icon and text, never colour alone. */
export function StatusLabel(props: StatusLabelProps) {
  const { status } = props;
  const icon = {
    queued: <ScheduleIcon fontSize="small" color="action" />,
    running: <CircularProgress size={14} aria-hidden />,
    success: <CheckCircleIcon fontSize="small" style={{ color: '#2e7d32' }} />,
    unstable: <WarningIcon fontSize="small" style={{ color: '#b26a00' }} />,
    failure: <ErrorIcon fontSize="small" color="error" />,
    aborted: <BlockIcon fontSize="small" color="action" />,
    not_built: <RemoveCircleOutlineIcon fontSize="small" color="action" />,
  }[status];
  return (
    <Box
      display="inline-flex"
      alignItems="center"
      style={{ gap: 4 }}
      data-status={status}
    >
      <span aria-hidden style={{ display: 'inline-flex' }}>
        {icon}
      </span>
      <Typography variant="body2" component="span">
        {LABELS[status]}
      </Typography>
    </Box>
  );
}
