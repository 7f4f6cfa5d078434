import Button from '@material-ui/core/Button';
import Card from '@material-ui/core/Card';
import CardActions from '@material-ui/core/CardActions';
import CardContent from '@material-ui/core/CardContent';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { AiPendingConfirmation } from '@internal/plugin-ai-assistant-common';
import { useEffect, useId, useRef } from 'react';
import { formatJson } from './ToolActivityView';

const useStyles = makeStyles(theme => ({
  card: {
    margin: theme.spacing(1, 0),
    borderLeft: `4px solid ${theme.palette.warning.main}`,
  },
  heading: { outline: 'none' },
  name: { fontFamily: 'monospace' },
  json: {
    background: theme.palette.background.default,
    padding: theme.spacing(1),
    borderRadius: theme.shape.borderRadius,
    fontSize: '0.85rem',
    maxHeight: 320,
    overflow: 'auto',
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
  },
  chip: { marginLeft: theme.spacing(1) },
}));

export type ConfirmationCardProps = {
  confirmation: AiPendingConfirmation;
  /** The decision on this card is being sent. */
  deciding: boolean;
  /** Another request is under way. */
  disabled: boolean;
  /** Moves the focus to the card when it appears (a confirmation asked for just now). */
  focusOnMount?: boolean;
  onDecide: (decision: 'approve' | 'reject') => void;
};

/** A write held on the server: the exact call, and Approve / Reject. */
export function ConfirmationCard(props: ConfirmationCardProps) {
  const classes = useStyles();
  const { confirmation, deciding, disabled, focusOnMount, onDecide } = props;
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusOnMount) heading.current?.focus();
    // only when it appears
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const expires = new Date(confirmation.expiresAt);
  return (
    <Card
      className={classes.card}
      variant="outlined"
      role="region"
      aria-labelledby={headingId}
    >
      <CardContent>
        <Typography
          id={headingId}
          ref={heading}
          tabIndex={-1}
          variant="h6"
          component="h3"
          className={classes.heading}
        >
          Confirm: {confirmation.actionTitle}
          {confirmation.destructive ? (
            <Chip
              size="small"
              label="Changes data"
              color="secondary"
              className={classes.chip}
            />
          ) : null}
        </Typography>
        <Typography variant="body2" gutterBottom>
          The assistant wants to run{' '}
          <code className={classes.name}>{confirmation.actionId}</code> with
          these arguments. Nothing runs until you approve; it runs with your
          permissions.
        </Typography>
        {confirmation.actionDescription ? (
          <Typography variant="body2" color="textSecondary" gutterBottom>
            {confirmation.actionDescription}
          </Typography>
        ) : null}
        <pre
          className={classes.json}
          aria-label={`Arguments of ${confirmation.actionId}`}
        >
          {formatJson(confirmation.input)}
        </pre>
        <Typography variant="caption" color="textSecondary">
          Waits until {expires.toLocaleTimeString()}; a new message drops it.
        </Typography>
      </CardContent>
      <CardActions>
        <Button
          variant="contained"
          color="primary"
          disabled={disabled || deciding}
          onClick={() => onDecide('approve')}
        >
          Approve
        </Button>
        <Button
          variant="outlined"
          disabled={disabled || deciding}
          onClick={() => onDecide('reject')}
        >
          Reject
        </Button>
      </CardActions>
    </Card>
  );
}
