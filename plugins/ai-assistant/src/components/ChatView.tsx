import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import type {
  AiAssistantConfigStatus,
  AiMessage,
  AiPendingConfirmation,
} from '@internal/plugin-ai-assistant-common';
import { Fragment, ReactNode, useEffect, useRef, useState } from 'react';
import { useChat, UseChatOptions } from '../useChat';
import { Composer } from './Composer';
import { ConfirmationCard } from './ConfirmationCard';
import { NotConfigured } from './NotConfigured';
import { SafeMarkdown } from './SafeMarkdown';
import { ToolActivityView } from './ToolActivityView';

const useStyles = makeStyles(theme => ({
  root: {
    display: 'flex',
    flexDirection: 'column',
    height: '100%',
    minHeight: 0,
  },
  log: {
    flex: 1,
    minHeight: 0,
    overflowY: 'auto',
    padding: theme.spacing(1, 0.5),
  },
  user: {
    marginLeft: 'auto',
    maxWidth: '85%',
    width: 'fit-content',
    background: theme.palette.primary.main,
    color: theme.palette.primary.contrastText,
    borderRadius: theme.shape.borderRadius * 2,
    padding: theme.spacing(1, 1.5),
    margin: theme.spacing(1, 0),
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
  },
  assistant: {
    maxWidth: '95%',
    margin: theme.spacing(1, 0),
    padding: theme.spacing(1, 1.5),
    borderRadius: theme.shape.borderRadius * 2,
    background: theme.palette.background.default,
  },
  notice: { margin: theme.spacing(1, 0) },
  thinking: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    color: theme.palette.text.secondary,
    margin: theme.spacing(1, 0),
  },
  empty: { padding: theme.spacing(2, 1), color: theme.palette.text.secondary },
  suggestions: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1),
  },
  srOnly: {
    position: 'absolute',
    width: 1,
    height: 1,
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
  },
}));

export type ChatViewProps = UseChatOptions & {
  /** `GET /config`; undefined while loading. */
  config?: AiAssistantConfigStatus;
  /** What an empty conversation says. */
  intro?: ReactNode;
  /** Questions offered in an empty conversation; a click puts one in the message box. */
  suggestions?: string[];
  /** The message box takes the focus when the view appears. */
  focusOnMount?: boolean;
};

function UserBubble(props: { text: string; pending?: boolean }) {
  const classes = useStyles();
  return (
    <div className={classes.user} aria-label="You wrote">
      {props.text}
      {props.pending ? (
        <span className={classes.srOnly}> (sending)</span>
      ) : null}
    </div>
  );
}

function NoticeView(props: { message: AiMessage }) {
  const classes = useStyles();
  const { message } = props;
  return (
    <Alert
      className={classes.notice}
      severity={message.notice === 'error' ? 'error' : 'info'}
    >
      {message.content}
    </Alert>
  );
}

/** The status line a screen reader announces: what the assistant is doing. */
function statusText(
  busy: boolean,
  outcome: string | undefined,
  waiting: AiPendingConfirmation[],
): string {
  if (busy) return 'The assistant is answering…';
  if (waiting.length > 0) {
    return `Waiting for your confirmation of ${waiting
      .map(c => c.actionId)
      .join(', ')}`;
  }
  if (outcome === 'completed') return 'The assistant answered.';
  if (outcome === 'failed') return 'The answer failed; the chat says why.';
  if (outcome === 'stopped') return 'You stopped the answer.';
  return '';
}

/**
 * One conversation: its messages, each tool call as it happens, the writes waiting for a
 * decision, the answer as it streams in, and the message box.
 */
export function ChatView(props: ChatViewProps) {
  const classes = useStyles();
  const { config } = props;
  const chat = useChat(props);
  const { state } = chat;
  const [draft, setDraft] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const log = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);

  const configured = config?.configured === true;

  // The box is disabled until the settings say a model answers; it takes the focus then
  const { focusOnMount } = props;
  useEffect(() => {
    if (focusOnMount && configured) input.current?.focus();
  }, [focusOnMount, configured]);

  useEffect(() => {
    const element = log.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  }, [
    state.messages.length,
    state.streamingText,
    state.activities,
    state.confirmations.length,
    state.pendingUserText,
  ]);

  const send = async (text: string) => {
    const trimmed = text.trim();
    if (!trimmed) return;
    setDraft('');
    pinned.current = true;
    const accepted = await chat.send(trimmed);
    // Refused before anything was stored: the text goes back into the box
    if (!accepted) {
      setDraft(current => current || text);
      input.current?.focus();
    }
  };

  const decide = async (
    confirmation: AiPendingConfirmation,
    decision: 'approve' | 'reject',
  ) => {
    pinned.current = true;
    // The card goes away once the server takes the decision: the focus goes back to the box
    input.current?.focus();
    await chat.decide(confirmation, decision);
  };

  const confirmationFor = (toolCallId: string) =>
    state.confirmations.find(c => c.toolCallId === toolCallId);
  const shownCalls = new Set<string>();
  for (const message of state.messages) {
    for (const call of message.toolCalls ?? []) shownCalls.add(call.toolCallId);
  }

  // A confirmation asked for just now takes the focus; one loaded with the history does not
  const renderConfirmation = (confirmation: AiPendingConfirmation) => (
    <ConfirmationCard
      key={confirmation.confirmationId}
      confirmation={confirmation}
      deciding={state.decidingConfirmationId === confirmation.confirmationId}
      disabled={state.busy}
      focusOnMount={state.arrivedConfirmationIds.includes(
        confirmation.confirmationId,
      )}
      onDecide={decision => decide(confirmation, decision)}
    />
  );

  const renderMessage = (message: AiMessage) => {
    switch (message.role) {
      case 'user':
        return <UserBubble key={message.messageId} text={message.content} />;
      case 'assistant':
        return (
          <Fragment key={message.messageId}>
            {message.content.trim() ? (
              <div
                className={classes.assistant}
                aria-label={
                  message.stopped
                    ? 'The assistant wrote (stopped)'
                    : 'The assistant wrote'
                }
              >
                <SafeMarkdown content={message.content} />
                {message.stopped ? (
                  <Typography variant="caption" color="textSecondary">
                    Stopped by you
                  </Typography>
                ) : null}
              </div>
            ) : null}
            {(message.toolCalls ?? []).map(call => {
              const confirmation = confirmationFor(call.toolCallId);
              return (
                <Fragment key={call.toolCallId}>
                  <ToolActivityView
                    call={call}
                    activity={state.activities[call.toolCallId]}
                  />
                  {confirmation ? renderConfirmation(confirmation) : null}
                </Fragment>
              );
            })}
          </Fragment>
        );
      case 'tool':
        // Shown with the assistant message that made the call
        if (!message.activity || shownCalls.has(message.activity.toolCallId)) {
          return null;
        }
        return (
          <ToolActivityView
            key={message.messageId}
            call={message.activity}
            activity={
              state.activities[message.activity.toolCallId] ?? message.activity
            }
          />
        );
      default:
        return <NoticeView key={message.messageId} message={message} />;
    }
  };

  const empty =
    state.messages.length === 0 &&
    !state.pendingUserText &&
    !state.loading &&
    !state.loadError;
  const orphanConfirmations = state.confirmations.filter(
    c => !shownCalls.has(c.toolCallId),
  );

  return (
    <div className={classes.root}>
      {config && !config.configured ? <NotConfigured config={config} /> : null}
      <div
        ref={log}
        className={classes.log}
        role="log"
        aria-label="Conversation"
        aria-busy={state.busy}
        // A scrolling region must be reachable with the keyboard (axe: scrollable-region-focusable)
        // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
        tabIndex={0}
        onScroll={event => {
          const element = event.currentTarget;
          pinned.current =
            element.scrollHeight - element.scrollTop - element.clientHeight <
            48;
        }}
      >
        {state.loading && state.messages.length === 0 ? (
          <div className={classes.thinking}>
            <CircularProgress size={16} aria-hidden /> Loading the conversation…
          </div>
        ) : null}
        {state.loadError ? (
          <Alert
            severity="error"
            action={
              <Button color="inherit" size="small" onClick={chat.reload}>
                Retry
              </Button>
            }
          >
            {state.loadError}
          </Alert>
        ) : null}
        {empty && configured ? (
          <div className={classes.empty}>
            {props.intro ?? (
              <Typography variant="body2">
                Ask about your services, pipeline runs, builds, quality gates
                and Jira issues. The assistant works with your permissions:
                reading runs at once, and anything that changes something waits
                for your approval.
              </Typography>
            )}
            {props.suggestions?.length ? (
              <div className={classes.suggestions}>
                {props.suggestions.map(suggestion => (
                  <Button
                    key={suggestion}
                    size="small"
                    variant="outlined"
                    onClick={() => {
                      setDraft(suggestion);
                      input.current?.focus();
                    }}
                  >
                    {suggestion}
                  </Button>
                ))}
              </div>
            ) : null}
          </div>
        ) : null}
        {state.messages.map(renderMessage)}
        {state.pendingUserText ? (
          <UserBubble text={state.pendingUserText} pending />
        ) : null}
        {orphanConfirmations.map(renderConfirmation)}
        {state.streamingText ? (
          <div
            className={classes.assistant}
            aria-label="The assistant is writing"
          >
            <SafeMarkdown content={state.streamingText} />
          </div>
        ) : null}
        {state.busy && !state.streamingText ? (
          <div className={classes.thinking}>
            <CircularProgress size={16} aria-hidden /> The assistant is working…
          </div>
        ) : null}
        {state.streamErrors.map((message, index) => (
          <Alert key={index} className={classes.notice} severity="error">
            {message}
          </Alert>
        ))}
        {state.problem ? (
          <Alert className={classes.notice} severity="error">
            {state.problem.message}
            {state.problem.retryAfterSeconds
              ? ` (Retry-After: ${state.problem.retryAfterSeconds} s)`
              : ''}
          </Alert>
        ) : null}
      </div>
      {state.turnTokens && !state.busy ? (
        <Typography variant="caption" color="textSecondary">
          The last answer used {state.turnTokens.toLocaleString('en-US')}{' '}
          tokens.
        </Typography>
      ) : null}
      <div role="status" className={classes.srOnly}>
        {statusText(state.busy, state.outcome, state.confirmations)}
      </div>
      <Composer
        ref={input}
        value={draft}
        onChange={setDraft}
        onSend={() => send(draft)}
        disabled={!configured}
        busy={state.busy}
        onStop={chat.stop}
      />
    </div>
  );
}
