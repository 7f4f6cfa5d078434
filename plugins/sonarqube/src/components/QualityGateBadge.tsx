import { Box, makeStyles, Typography } from '@material-ui/core';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import CancelIcon from '@material-ui/icons/Cancel';
import HelpOutlineIcon from '@material-ui/icons/HelpOutline';
import WarningIcon from '@material-ui/icons/Warning';
import type { QualityGateStatus } from '@internal/plugin-sonarqube-common';

const useStyles = makeStyles(theme => ({
  badge: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    padding: theme.spacing(0.25, 1),
    borderRadius: theme.shape.borderRadius,
    border: '1px solid',
    fontWeight: 600,
  },
  OK: {
    color: theme.palette.success.dark,
    borderColor: theme.palette.success.main,
  },
  ERROR: {
    color: theme.palette.error.dark,
    borderColor: theme.palette.error.main,
  },
  WARN: {
    color: theme.palette.warning.dark,
    borderColor: theme.palette.warning.main,
  },
  NONE: {
    color: theme.palette.text.secondary,
    borderColor: theme.palette.divider,
  },
}));

const ICONS = {
  OK: CheckCircleIcon,
  ERROR: CancelIcon,
  WARN: WarningIcon,
  NONE: HelpOutlineIcon,
};

const LABELS: Record<QualityGateStatus, string> = {
  OK: 'Passed',
  ERROR: 'Failed',
  WARN: 'Warning',
  NONE: 'Not computed',
};

export type QualityGateBadgeProps = { status?: QualityGateStatus };

/** The gate as icon and text (never colour alone). */
export function QualityGateBadge(props: QualityGateBadgeProps) {
  const classes = useStyles();
  const status = props.status ?? 'NONE';
  const Icon = ICONS[status];
  return (
    <Box
      component="span"
      className={`${classes.badge} ${classes[status]}`}
      data-testid="quality-gate"
    >
      <Icon fontSize="small" aria-hidden />
      <Typography component="span" variant="body2">
        Quality gate: {LABELS[status]}
      </Typography>
    </Box>
  );
}
