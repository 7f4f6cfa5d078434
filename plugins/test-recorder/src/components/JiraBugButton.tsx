import { useApi } from '@backstage/frontend-plugin-api';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  TextField,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useState } from 'react';
import { testRecorderApiRef } from '../api';
import { ProblemAlert } from './ProblemAlert';

export type JiraBugButtonProps = {
  runId: string;
  testId: string;
  testName: string;
  suiteName: string;
  /** The failure's first line: the default summary. */
  error: string;
};

/**
 * "Create Jira bug" for a failed test: the backend files it through the Jira plugin as the
 * user, with the failing step, the error and links to the screenshot, video and trace.
 */
export function JiraBugButton(props: JiraBugButtonProps) {
  const api = useApi(testRecorderApiRef);
  const defaultSummary = `${props.testName} fails in ${props.suiteName}: ${
    props.error.split('\n')[0]
  }`.slice(0, 255);
  const [open, setOpen] = useState(false);
  const [summary, setSummary] = useState(defaultSummary);
  const [projectKey, setProjectKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const [created, setCreated] = useState<{ key: string; url: string }>();

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setCreated(
        await api.createJiraBug(props.runId, props.testId, {
          summary: summary.trim() || undefined,
          projectKey: projectKey.trim() || undefined,
        }),
      );
      setOpen(false);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <Alert severity="success">
        Filed{' '}
        <a href={created.url} target="_blank" rel="noopener noreferrer">
          {created.key}
        </a>
      </Alert>
    );
  }

  return (
    <>
      <Button variant="outlined" onClick={() => setOpen(true)}>
        Create Jira bug
      </Button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        aria-labelledby={`jira-bug-${props.testId}`}
        fullWidth
      >
        <form
          onSubmit={event => {
            event.preventDefault();
            void submit();
          }}
        >
          <DialogTitle id={`jira-bug-${props.testId}`}>
            Create a Jira bug for {props.testName}
          </DialogTitle>
          <DialogContent>
            <DialogContentText>
              Filed in one of the entity's Jira projects, as you, with the
              failing step, the error and links to the screenshot, video and
              trace. Suite secrets are masked.
            </DialogContentText>
            <TextField
              id={`jira-bug-summary-${props.testId}`}
              label="Summary"
              value={summary}
              onChange={e => setSummary(e.target.value)}
              inputProps={{ maxLength: 255 }}
              fullWidth
              margin="normal"
            />
            <TextField
              id={`jira-bug-project-${props.testId}`}
              label="Project key"
              helperText="Only when the entity has several Jira projects, e.g. SHOP"
              value={projectKey}
              onChange={e => setProjectKey(e.target.value)}
              fullWidth
              margin="normal"
            />
            {error && (
              <ProblemAlert error={error} title="The bug was not filed" />
            )}
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setOpen(false)}>Cancel</Button>
            <Button type="submit" color="primary" disabled={busy}>
              {busy ? 'Filing…' : 'Create bug'}
            </Button>
          </DialogActions>
        </form>
      </Dialog>
    </>
  );
}
