import { MarkdownContent, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import type {
  JiraIssueDetail,
  JiraLinkedRun,
} from '@internal/plugin-jira-common';
import { useLoader } from '@internal/react-common';
import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControl,
  FormHelperText,
  InputLabel,
  LinearProgress,
  makeStyles,
  MenuItem,
  Select,
  TextField,
  Typography,
} from '@material-ui/core';
import OpenInNewIcon from '@material-ui/icons/OpenInNew';
import { Alert } from '@material-ui/lab';
import { FormEvent, KeyboardEvent, ReactNode, useRef, useState } from 'react';
import { jiraApiRef } from '../api';
import { fieldErrorsOf } from '../fieldErrors';
import { formatDateTime } from '../format';
import { useCanUpdateIssue } from '../hooks';
import { JiraProblem } from './JiraProblem';
import { LinkedRun } from './LinkedRun';
import { SafeHtml } from './SafeHtml';
import { StatusChip } from './StatusChip';

/** The largest attachment the backend forwards to Jira (`MAX_ATTACHMENT_BYTES`). */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

const useStyles = makeStyles(theme => ({
  fields: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(1),
    margin: 0,
    '& dt': { color: theme.palette.text.secondary },
    '& dd': { margin: 0 },
  },
  section: { marginTop: theme.spacing(3) },
  comments: { listStyle: 'none', padding: 0, margin: 0 },
  comment: {
    borderLeft: `3px solid ${theme.palette.divider}`,
    paddingLeft: theme.spacing(1.5),
    marginBottom: theme.spacing(2),
  },
  row: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-start',
    gap: theme.spacing(2),
  },
  grow: { flex: '1 1 260px' },
  action: { marginTop: theme.spacing(1) },
  status: { marginTop: theme.spacing(1) },
}));

const formatSize = (bytes: number) => {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
};

type WriteState =
  | { kind: 'idle' }
  | { kind: 'busy'; message: string }
  | { kind: 'done'; message: string }
  | { kind: 'failed'; message: string };

/** One write's progress, outcome and the fields the backend named when it refused. */
function useWrite() {
  const [state, setState] = useState<WriteState>({ kind: 'idle' });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const fail = (message: string, fields: Record<string, string> = {}) => {
    setState({ kind: 'failed', message });
    setFieldErrors(fields);
  };
  const run = async <T,>(options: {
    busy: string;
    action: () => Promise<T>;
    done: (result: T) => string;
    /** Fields of this form the backend may name (`body`, `filename`, …). */
    fields: string[];
  }): Promise<boolean> => {
    setState({ kind: 'busy', message: options.busy });
    setFieldErrors({});
    try {
      const result = await options.action();
      setState({ kind: 'done', message: options.done(result) });
      return true;
    } catch (e) {
      const error = e as Error;
      fail(error.message, fieldErrorsOf(error, options.fields));
      return false;
    }
  };
  return { state, fieldErrors, fail, run, busy: state.kind === 'busy' };
}

function WriteStatus(props: { state: WriteState }) {
  const { state } = props;
  const classes = useStyles();
  if (state.kind === 'idle') return null;
  if (state.kind === 'busy') {
    return (
      <Box className={classes.status} role="status">
        <LinearProgress aria-hidden />
        <Typography variant="body2">{state.message}</Typography>
      </Box>
    );
  }
  return (
    <Alert
      className={classes.status}
      severity={state.kind === 'done' ? 'success' : 'error'}
      role={state.kind === 'done' ? 'status' : 'alert'}
    >
      <span style={{ wordBreak: 'break-word' }}>{state.message}</span>
    </Alert>
  );
}

function Section(props: { id: string; title: string; children: ReactNode }) {
  const classes = useStyles();
  return (
    <section className={classes.section} aria-labelledby={props.id}>
      <Typography id={props.id} variant="h6" component="h3" gutterBottom>
        {props.title}
      </Typography>
      {props.children}
    </section>
  );
}

const listOrDash = (values: string[]) =>
  values.length ? values.join(', ') : '–';

function IssueFields(props: {
  issue: JiraIssueDetail;
  linkedRun?: JiraLinkedRun;
}) {
  const { issue, linkedRun } = props;
  const classes = useStyles();
  const rows: Array<[string, ReactNode]> = [
    ['Status', <StatusChip status={issue.status} />],
    ['Type', issue.type.name],
    ['Priority', issue.priority?.name ?? '–'],
    ['Assignee', issue.assignee?.displayName ?? 'Unassigned'],
    ['Labels', listOrDash(issue.labels)],
    ['Components', listOrDash(issue.components)],
    ['Fix versions', listOrDash(issue.fixVersions)],
    [
      'Updated',
      <time dateTime={issue.updated}>{formatDateTime(issue.updated)}</time>,
    ],
    ['Latest run', linkedRun ? <LinkedRun run={linkedRun} /> : 'None'],
  ];
  return (
    <dl className={classes.fields} aria-label={`Fields of ${issue.key}`}>
      {rows.map(([name, value]) => (
        <Box key={name} display="contents">
          <dt>{name}</dt>
          <dd>{value}</dd>
        </Box>
      ))}
    </dl>
  );
}

type FormProps = {
  entityRef: string;
  issueKey: string;
  /** Changes after every write: what the form lists loads again. */
  version: number;
  onDone: () => void;
};

function TransitionForm(props: FormProps) {
  const { entityRef, issueKey, version, onDone } = props;
  const classes = useStyles();
  const api = useApi(jiraApiRef);
  const transitions = useLoader(
    () => api.getTransitions({ entityRef, key: issueKey }),
    [api, entityRef, issueKey, version],
  );
  const [transitionId, setTransitionId] = useState('');
  const selectRef = useRef<{ focus: () => void }>();
  const write = useWrite();
  const available = transitions.value?.transitions ?? [];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const chosen = available.find(t => t.id === transitionId);
    // Apply is disabled until a transition is chosen
    if (!chosen) return;
    const ok = await write.run({
      busy: `Moving ${issueKey} to ${chosen.to.name}…`,
      action: () =>
        api.transitionIssue({
          entityRef,
          key: issueKey,
          transition: chosen.id,
        }),
      done: moved => `Moved ${issueKey} to ${moved.to.name}`,
      fields: ['transition'],
    });
    if (ok) {
      setTransitionId('');
      // The Apply button is disabled now: the choice of the next transition keeps the focus
      selectRef.current?.focus();
      onDone();
    }
  };

  let control: ReactNode;
  if (transitions.error) {
    control = (
      <JiraProblem
        error={transitions.error}
        title="The transitions cannot be listed"
      />
    );
  } else if (transitions.value && available.length === 0) {
    control = (
      <Typography variant="body2" color="textSecondary">
        No transition is open to you from this status.
      </Typography>
    );
  } else {
    control = (
      <Box className={classes.row}>
        <FormControl
          className={classes.grow}
          margin="dense"
          error={Boolean(write.fieldErrors.transition)}
          disabled={!transitions.value}
        >
          <InputLabel id="jira-issue-transition-label">Transition</InputLabel>
          <Select
            labelId="jira-issue-transition-label"
            id="jira-issue-transition"
            value={transitionId}
            inputRef={selectRef}
            onChange={e => setTransitionId(String(e.target.value))}
          >
            {available.map(t => (
              <MenuItem key={t.id} value={t.id}>
                {t.name === t.to.name ? t.name : `${t.name} (to ${t.to.name})`}
              </MenuItem>
            ))}
          </Select>
          <FormHelperText>
            {write.fieldErrors.transition ??
              (transitions.value
                ? 'The transitions Jira allows from the current status'
                : 'Loading the transitions…')}
          </FormHelperText>
        </FormControl>
        <Button
          className={classes.action}
          type="submit"
          variant="outlined"
          color="primary"
          disabled={write.busy || !transitionId}
        >
          Apply
        </Button>
      </Box>
    );
  }

  return (
    <Section id="jira-issue-transition-heading" title="Change status">
      <form onSubmit={submit} aria-label="Transition" noValidate>
        {control}
        <WriteStatus state={write.state} />
      </form>
    </Section>
  );
}

function CommentForm(props: FormProps) {
  const { entityRef, issueKey, onDone } = props;
  const classes = useStyles();
  const api = useApi(jiraApiRef);
  const [body, setBody] = useState('');
  const write = useWrite();

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (write.busy) return;
    if (!body.trim()) {
      write.fail('Write a comment first', { body: 'The comment is empty' });
      return;
    }
    const ok = await write.run({
      busy: 'Adding the comment…',
      action: () => api.addComment({ entityRef, key: issueKey, body }),
      done: () => `Comment added to ${issueKey}`,
      fields: ['body'],
    });
    if (ok) {
      setBody('');
      onDone();
    }
  };

  // Ctrl+Enter (⌘+Enter) sends, as in Jira; Enter alone starts a new line
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <Section id="jira-issue-comment-heading" title="Add comment">
      <form onSubmit={submit} aria-label="Add comment" noValidate>
        <TextField
          id="jira-issue-comment"
          label="Comment"
          fullWidth
          multiline
          minRows={3}
          margin="dense"
          variant="outlined"
          value={body}
          onChange={e => setBody(e.target.value)}
          onKeyDown={onKeyDown}
          error={Boolean(write.fieldErrors.body)}
          helperText={
            write.fieldErrors.body ?? 'Markdown; Ctrl+Enter adds the comment'
          }
        />
        <Button
          className={classes.action}
          type="submit"
          variant="outlined"
          color="primary"
          disabled={write.busy}
        >
          Add comment
        </Button>
        <WriteStatus state={write.state} />
      </form>
    </Section>
  );
}

function AttachForm(props: FormProps) {
  const { entityRef, issueKey, onDone } = props;
  const classes = useStyles();
  const api = useApi(jiraApiRef);
  const [file, setFile] = useState<File>();
  const inputRef = useRef<HTMLInputElement>(null);
  const write = useWrite();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // Attach is disabled until a file is chosen
    if (!file) return;
    if (file.size > MAX_ATTACHMENT_BYTES) {
      write.fail(
        `${file.name} is ${formatSize(
          file.size,
        )}; Comet forwards files up to ${formatSize(
          MAX_ATTACHMENT_BYTES,
        )} to Jira`,
        { filename: 'The file is too large' },
      );
      return;
    }
    const ok = await write.run({
      busy: `Attaching ${file.name}…`,
      action: () =>
        api.addAttachment({
          entityRef,
          key: issueKey,
          filename: file.name,
          content: file,
        }),
      done: attached =>
        `Attached ${attached.filename} (${formatSize(attached.size)})`,
      fields: ['filename'],
    });
    if (ok) {
      setFile(undefined);
      if (inputRef.current) {
        inputRef.current.value = '';
        inputRef.current.focus();
      }
      onDone();
    }
  };

  const help =
    write.fieldErrors.filename ??
    (file
      ? `${file.name}, ${formatSize(file.size)}`
      : `Up to ${formatSize(MAX_ATTACHMENT_BYTES)}`);

  return (
    <Section id="jira-issue-attach-heading" title="Attach file">
      <form onSubmit={submit} aria-label="Attach file" noValidate>
        <Box className={classes.row}>
          <FormControl
            className={classes.grow}
            margin="dense"
            error={Boolean(write.fieldErrors.filename)}
          >
            <InputLabel shrink htmlFor="jira-issue-attachment">
              File
            </InputLabel>
            <Box mt={3}>
              <input
                ref={inputRef}
                id="jira-issue-attachment"
                type="file"
                aria-describedby="jira-issue-attachment-help"
                aria-invalid={Boolean(write.fieldErrors.filename)}
                onChange={e => setFile(e.target.files?.[0] ?? undefined)}
              />
            </Box>
            <FormHelperText id="jira-issue-attachment-help">
              {help}
            </FormHelperText>
          </FormControl>
          <Button
            className={classes.action}
            type="submit"
            variant="outlined"
            color="primary"
            disabled={write.busy || !file}
          >
            Attach
          </Button>
        </Box>
        <WriteStatus state={write.state} />
      </form>
    </Section>
  );
}

export type IssueDetailDialogProps = {
  entityRef: string;
  /** The issue shown; the dialog is closed while undefined. */
  issueKey?: string;
  /** The latest pipeline run that named the issue, from the issues page. */
  linkedRun?: JiraLinkedRun;
  onClose: () => void;
  /** After a write went through: the issue changed, lists showing it should load again. */
  onChanged: () => void;
};

function IssueDetail(props: IssueDetailDialogProps & { issueKey: string }) {
  const { entityRef, issueKey, linkedRun, onClose, onChanged } = props;
  const classes = useStyles();
  const api = useApi(jiraApiRef);
  const canUpdate = useCanUpdateIssue(entityRef);
  const [version, setVersion] = useState(0);
  const detail = useLoader(
    () => api.getIssue({ entityRef, key: issueKey }),
    [api, entityRef, issueKey, version],
  );
  const issue = detail.value;
  const changed = () => {
    setVersion(v => v + 1);
    onChanged();
  };
  const forms: FormProps = { entityRef, issueKey, version, onDone: changed };

  return (
    <>
      <DialogTitle id="jira-issue-title">
        {issue ? `${issue.key}: ${issue.summary}` : issueKey}
      </DialogTitle>
      <DialogContent dividers aria-busy={detail.loading}>
        {detail.error && (
          <JiraProblem
            error={detail.error}
            title={`${issueKey} cannot be shown`}
          />
        )}
        {!issue && !detail.error && <Progress />}
        {issue && (
          <>
            <IssueFields issue={issue} linkedRun={linkedRun} />
            <Section id="jira-issue-description-heading" title="Description">
              {issue.descriptionHtml.trim() ? (
                <SafeHtml html={issue.descriptionHtml} />
              ) : (
                <Typography variant="body2" color="textSecondary">
                  No description
                </Typography>
              )}
            </Section>
            <Section id="jira-issue-comments-heading" title="Latest comments">
              {issue.comments.length ? (
                <ul
                  className={classes.comments}
                  aria-labelledby="jira-issue-comments-heading"
                >
                  {issue.comments.map(comment => (
                    <li key={comment.id} className={classes.comment}>
                      <Typography variant="subtitle2" component="p">
                        {comment.author?.displayName ?? 'Unknown author'}
                        {' · '}
                        <time dateTime={comment.created}>
                          {formatDateTime(comment.created)}
                        </time>
                      </Typography>
                      <MarkdownContent
                        content={comment.bodyMarkdown}
                        linkTarget="_blank"
                      />
                    </li>
                  ))}
                </ul>
              ) : (
                <Typography variant="body2" color="textSecondary">
                  No comments
                </Typography>
              )}
            </Section>
            {canUpdate && (
              <>
                <TransitionForm {...forms} />
                <CommentForm {...forms} />
                <AttachForm {...forms} />
              </>
            )}
          </>
        )}
      </DialogContent>
      <DialogActions>
        {issue && (
          <Button
            href={issue.url}
            target="_blank"
            rel="noopener noreferrer"
            endIcon={<OpenInNewIcon />}
            aria-label={`Open ${issue.key} in Jira (new tab)`}
          >
            Open in Jira
          </Button>
        )}
        <Button onClick={onClose} color="primary">
          Close
        </Button>
      </DialogActions>
    </>
  );
}

/**
 * One issue of the entity: its fields, description, latest comments and linked run, and what
 * the user may do to it (transition, comment, attach), each write with its progress and the
 * backend's own message when it is refused.
 */
export function IssueDetailDialog(props: IssueDetailDialogProps) {
  const { issueKey, onClose } = props;
  return (
    <Dialog
      open={Boolean(issueKey)}
      onClose={onClose}
      aria-labelledby="jira-issue-title"
      fullWidth
      maxWidth="md"
      scroll="paper"
    >
      {issueKey && <IssueDetail {...props} issueKey={issueKey} />}
    </Dialog>
  );
}
