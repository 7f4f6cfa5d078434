import { Box, makeStyles, Typography } from '@material-ui/core';
import {
  KeyboardEvent as ReactKeyboardEvent,
  MouseEvent as ReactMouseEvent,
  useEffect,
  useRef,
} from 'react';
import {
  buttonName,
  classifyKey,
  mapToFrame,
  modifiersOf,
} from '../coordinates';
import type { RecordingClientMessage } from '../recordingMessages';

/** The last frame the backend sent: a JPEG and the page's viewport it shows. */
export type LiveFrame = { src: string; width: number; height: number };

export type LiveViewProps = {
  frame?: LiveFrame;
  send: (message: RecordingClientMessage) => void;
  /** Overrides `requestAnimationFrame` (tests). */
  requestFrame?: (callback: () => void) => unknown;
  now?: () => number;
};

const useStyles = makeStyles(theme => ({
  frame: { display: 'block', width: '100%', height: 'auto' },
  view: {
    display: 'block',
    width: '100%',
    cursor: 'default',
    userSelect: 'none',
    border: `1px solid ${theme.palette.divider}`,
    '&:focus': { outline: 'none' },
    '&:focus-visible, &:focus': {
      boxShadow: `0 0 0 3px ${theme.palette.primary.main}`,
    },
  },
}));

/**
 * The remote page, drawn from the backend's frames, forwarding the user's mouse, wheel and
 * keyboard. Coordinates are mapped from the displayed size to the page's viewport.
 */
export function LiveView(props: LiveViewProps) {
  const classes = useStyles();
  const { frame, send } = props;
  /** The drawn frame: its displayed box is what pointer positions are mapped from. */
  const ref = useRef<HTMLImageElement>(null);
  /** The focusable element that receives the user's input. */
  const viewRef = useRef<HTMLDivElement>(null);
  const pendingMove = useRef<RecordingClientMessage | undefined>();
  const now = props.now ?? (() => Date.now());
  const requestFrame =
    props.requestFrame ??
    ((cb: () => void) => window.requestAnimationFrame(cb));

  const position = (event: { clientX: number; clientY: number }) => {
    const box = ref.current!.getBoundingClientRect();
    return mapToFrame(event.clientX, event.clientY, box, frame!);
  };

  // React's wheel listeners are passive: the page would scroll with the view. A native one
  // that may prevent that is needed.
  const latest = useRef({ frame, send, now });
  latest.current = { frame, send, now };
  useEffect(() => {
    const element = viewRef.current;
    const image = ref.current;
    if (!element || !image) return undefined;
    const onWheel = (event: WheelEvent) => {
      const current = latest.current;
      if (!current.frame) return;
      event.preventDefault();
      const box = image.getBoundingClientRect();
      const { x, y } = mapToFrame(
        event.clientX,
        event.clientY,
        box,
        current.frame,
      );
      current.send({
        type: 'mouse',
        action: 'wheel',
        x,
        y,
        deltaX: event.deltaX,
        deltaY: event.deltaY,
        modifiers: modifiersOf(event),
        sentAt: current.now(),
      });
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, [frame === undefined]); // eslint-disable-line react-hooks/exhaustive-deps

  if (!frame) {
    return (
      <Box p={4} border={1} borderColor="divider" textAlign="center">
        <Typography color="textSecondary">
          Waiting for the first frame…
        </Typography>
      </Box>
    );
  }

  const mouse = (action: 'down' | 'up') => (event: ReactMouseEvent) => {
    event.preventDefault();
    if (action === 'down') viewRef.current?.focus();
    send({
      type: 'mouse',
      action,
      ...position(event),
      button: buttonName(event.button),
      clickCount: Math.max(event.detail, 1),
      modifiers: modifiersOf(event),
      sentAt: now(),
    });
  };

  const onMouseMove = (event: ReactMouseEvent) => {
    const first = pendingMove.current === undefined;
    pendingMove.current = {
      type: 'mouse',
      action: 'move',
      ...position(event),
      modifiers: modifiersOf(event),
      sentAt: now(),
    };
    // One move per animation frame at most: the latest position wins
    if (first) {
      requestFrame(() => {
        const message = pendingMove.current;
        pendingMove.current = undefined;
        if (message) send(message);
      });
    }
  };

  const key = (action: 'down' | 'up') => (event: ReactKeyboardEvent) => {
    // Tab would leave the view; every key belongs to the remote page while it has focus
    event.preventDefault();
    const kind = classifyKey(event);
    if (kind === 'text') {
      if (action === 'down') {
        send({
          type: 'key',
          action: 'insertText',
          text: event.key,
          sentAt: now(),
        });
      }
      return;
    }
    send({
      type: 'key',
      action,
      key: event.key,
      modifiers: modifiersOf(event),
      sentAt: now(),
    });
  };

  // The view is a remote control of another page: "application" tells screen readers to pass
  // every key through, which the lint rule's list of interactive roles does not cover
  return (
    // eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions
    <div
      ref={viewRef}
      role="application"
      aria-label={`Live view of the page being recorded (${frame.width}×${frame.height}): click to interact, type to send keys`}
      // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
      tabIndex={0}
      className={classes.view}
      onMouseDown={mouse('down')}
      onMouseUp={mouse('up')}
      onMouseMove={onMouseMove}
      onContextMenu={event => event.preventDefault()}
      onKeyDown={key('down')}
      onKeyUp={key('up')}
    >
      <img
        ref={ref}
        src={frame.src}
        alt=""
        draggable={false}
        className={classes.frame}
      />
    </div>
  );
}
