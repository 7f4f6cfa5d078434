import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import { makeStyles } from '@material-ui/core/styles';
import SendIcon from '@material-ui/icons/Send';
import StopIcon from '@material-ui/icons/Stop';
import { forwardRef, KeyboardEvent, useId } from 'react';

/** The backend's limit on one message. */
export const MAX_MESSAGE_CHARS = 20_000;

const useStyles = makeStyles(theme => ({
  root: {
    display: 'flex',
    alignItems: 'flex-end',
    gap: theme.spacing(1),
    padding: theme.spacing(1, 0, 0),
  },
  field: { flex: 1 },
}));

export type ComposerProps = {
  value: string;
  onChange: (value: string) => void;
  onSend: () => void;
  /** No provider: nothing can be sent. */
  disabled?: boolean;
  /** An answer is being written: typing goes on, sending waits. */
  busy?: boolean;
  /** Stops the answer being written (the "Stop generating" button, or Escape in the box). */
  onStop?: () => void;
  label?: string;
  /** Takes the focus when it appears (the page's and the panel's main control). */
  focusOnMount?: boolean;
};

/**
 * The message box: Enter sends, Shift+Enter starts a new line; while an answer is written,
 * "Stop generating" (or Escape in the box) stops it.
 */
export const Composer = forwardRef<HTMLTextAreaElement, ComposerProps>(
  function ComposerForm(props, ref) {
    const classes = useStyles();
    const id = useId();
    const { value, onChange, onSend, disabled, busy, onStop } = props;
    const canStop = Boolean(busy && onStop);
    const tooLong = value.length > MAX_MESSAGE_CHARS;
    const canSend = !disabled && !busy && value.trim() !== '' && !tooLong;
    const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
      if (event.key === 'Escape' && canStop) {
        event.preventDefault();
        onStop?.();
        return;
      }
      if (
        event.key === 'Enter' &&
        !event.shiftKey &&
        !event.nativeEvent.isComposing
      ) {
        event.preventDefault();
        if (canSend) onSend();
      }
    };
    return (
      <form
        className={classes.root}
        onSubmit={event => {
          event.preventDefault();
          if (canSend) onSend();
        }}
      >
        <TextField
          className={classes.field}
          id={id}
          inputRef={ref}
          label={props.label ?? 'Message the assistant'}
          multiline
          minRows={2}
          maxRows={10}
          variant="outlined"
          value={value}
          disabled={disabled}
          onChange={event => onChange(event.target.value)}
          onKeyDown={onKeyDown}
          error={tooLong}
          helperText={
            tooLong
              ? `At most ${MAX_MESSAGE_CHARS.toLocaleString(
                  'en-US',
                )} characters (this one has ${value.length.toLocaleString(
                  'en-US',
                )})`
              : `Enter sends, Shift+Enter starts a new line${
                  canStop ? ', Escape stops the answer' : ''
                }`
          }
        />
        {canStop ? (
          <Button
            type="button"
            variant="outlined"
            onClick={onStop}
            startIcon={<StopIcon />}
          >
            Stop generating
          </Button>
        ) : null}
        <Button
          type="submit"
          variant="contained"
          color="primary"
          disabled={!canSend}
          endIcon={<SendIcon />}
        >
          Send
        </Button>
      </form>
    );
  },
);
