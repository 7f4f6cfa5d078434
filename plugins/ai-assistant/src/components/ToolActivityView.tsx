import Box from '@material-ui/core/Box';
import CircularProgress from '@material-ui/core/CircularProgress';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import BlockIcon from '@material-ui/icons/Block';
import BuildIcon from '@material-ui/icons/Build';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import ErrorIcon from '@material-ui/icons/Error';
import HourglassEmptyIcon from '@material-ui/icons/HourglassEmpty';
import type {
  AiToolActivity,
  AiToolCallStatus,
} from '@internal/plugin-ai-assistant-common';
import type { JsonObject, JsonValue } from '@backstage/types';

const useStyles = makeStyles(theme => ({
  root: {
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
    padding: theme.spacing(1, 1.5),
    margin: theme.spacing(1, 0),
    background: theme.palette.background.paper,
  },
  head: { display: 'flex', alignItems: 'center', gap: theme.spacing(1) },
  name: { fontFamily: 'monospace', fontWeight: 600 },
  json: {
    margin: theme.spacing(0.5, 0, 0),
    background: theme.palette.background.default,
    padding: theme.spacing(1),
    borderRadius: theme.shape.borderRadius,
    fontSize: '0.8rem',
    maxHeight: 320,
    overflow: 'auto',
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
  },
  summary: { cursor: 'pointer', marginTop: theme.spacing(0.5) },
  succeeded: { color: theme.palette.success.main },
  failed: { color: theme.palette.error.main },
  waiting: { color: theme.palette.warning.main },
  muted: { color: theme.palette.text.secondary },
}));

export const STATUS_LABELS: Record<AiToolCallStatus | 'unknown', string> = {
  running: 'Running…',
  succeeded: 'Succeeded',
  failed: 'Failed',
  'awaiting-confirmation': 'Waiting for your confirmation',
  rejected: 'Rejected: not run',
  expired: 'Expired: not run',
  skipped: 'Not run',
  unknown: 'No result recorded',
};

/** Arguments or a result as the chat shows them. */
export function formatJson(value: JsonValue | undefined): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value ?? null, null, 2);
}

function StatusIcon(props: { status: AiToolCallStatus | 'unknown' }) {
  const classes = useStyles();
  switch (props.status) {
    case 'running':
      return <CircularProgress size={16} aria-hidden />;
    case 'succeeded':
      return <CheckCircleIcon fontSize="small" className={classes.succeeded} />;
    case 'failed':
      return <ErrorIcon fontSize="small" className={classes.failed} />;
    case 'awaiting-confirmation':
      return (
        <HourglassEmptyIcon fontSize="small" className={classes.waiting} />
      );
    case 'unknown':
      return <BuildIcon fontSize="small" className={classes.muted} />;
    default:
      return <BlockIcon fontSize="small" className={classes.muted} />;
  }
}

export type ToolActivityViewProps = {
  /** The latest state of the call; absent when only the model's request is known. */
  activity?: AiToolActivity;
  /** What the model asked for, when no activity was reported. */
  call: { toolCallId: string; actionId: string; input: JsonObject };
};

/** One tool call: what was called with which arguments, how it went, and its result (collapsed). */
export function ToolActivityView(props: ToolActivityViewProps) {
  const classes = useStyles();
  const { activity, call } = props;
  const status = activity?.status ?? 'unknown';
  const actionId = activity?.actionId ?? call.actionId;
  const input = activity?.input ?? call.input;
  const label = STATUS_LABELS[status];
  return (
    <Box
      className={classes.root}
      role="group"
      aria-label={`Tool ${actionId}: ${label}`}
      data-testid="tool-activity"
    >
      <div className={classes.head}>
        <StatusIcon status={status} />
        <Typography variant="body2" component="span" className={classes.name}>
          {actionId}
        </Typography>
        {activity?.title && activity.title !== actionId ? (
          <Typography
            variant="body2"
            component="span"
            className={classes.muted}
          >
            {activity.title}
          </Typography>
        ) : null}
        <Typography variant="body2" component="span">
          · {label}
        </Typography>
      </div>
      {Object.keys(input).length > 0 ? (
        <pre className={classes.json} aria-label={`Arguments of ${actionId}`}>
          {formatJson(input)}
        </pre>
      ) : (
        <Typography variant="caption" className={classes.muted}>
          No arguments
        </Typography>
      )}
      {activity?.error ? (
        <Typography variant="body2" className={classes.failed}>
          {activity.error}
        </Typography>
      ) : null}
      {activity?.output !== undefined ? (
        <details>
          <summary className={classes.summary}>Result</summary>
          <pre className={classes.json} aria-label={`Result of ${actionId}`}>
            {formatJson(activity.output)}
          </pre>
        </details>
      ) : null}
    </Box>
  );
}
