import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import type {
  AiGeneratedTestSuite,
  AiTestSuiteProgressEvent,
} from '@internal/plugin-ai-assistant-common';
import type { SuiteListActionProps } from '@internal/plugin-test-recorder-react';
import {
  Box,
  Button,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  TextField,
  Typography,
} from '@material-ui/core';
import { Alert, AlertTitle } from '@material-ui/lab';
import { type FormEvent, useId, useState } from 'react';
import { generateTestSuiteApiRef } from './api';

const SUITE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

type State =
  | { kind: 'form' }
  | { kind: 'running'; progress: string[] }
  | { kind: 'done'; result: AiGeneratedTestSuite; progress: string[] }
  | { kind: 'failed'; message: string; progress: string[] };

/** One progress event, for people. */
export function describeProgress(event: AiTestSuiteProgressEvent): string {
  switch (event.type) {
    case 'attempt':
      return `Attempt ${event.attempt} of ${event.maxAttempts}: writing the suite…`;
    case 'saved':
      return `Saved version ${event.version}`;
    case 'running':
      return `Running… (run ${event.runId})`;
    case 'run-finished':
      return `Run ${event.runId} ${event.status}`;
    case 'repairing':
    default:
      return `Repairing: ${(event as { problems: string[] }).problems
        .slice(0, 2)
        .join('; ')}`;
  }
}

function suiteNameProblem(value: string): string | undefined {
  if (!value) return 'Required';
  if (!SUITE_NAME.test(value)) {
    return 'Lower-case letters, digits and dashes, e.g. storefront-checkout';
  }
  return undefined;
}

function urlProblem(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return undefined;
  } catch {
    // not a URL
  }
  return 'An http(s) URL, e.g. http://127.0.0.1:4173';
}

/**
 * "Generate suite with AI" in the toolbar of an entity's Tests tab: a journey, a base URL and
 * a suite name in; the assistant writes the suite, saves and runs it, and repairs it from the
 * failing step, showing each step as it happens and ending with links to the suite and run.
 */
export function GenerateSuiteAction(props: SuiteListActionProps) {
  const { entityRef, suiteNames, onSuitesChanged } = props;
  const api = useApi(generateTestSuiteApiRef);
  const titleId = useId();
  const [open, setOpen] = useState(false);
  const [description, setDescription] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [suiteName, setSuiteName] = useState('');
  const [pageSnapshot, setPageSnapshot] = useState('');
  const [touched, setTouched] = useState(false);
  const [state, setState] = useState<State>({ kind: 'form' });

  const baseUrlProblem = baseUrl ? urlProblem(baseUrl.trim()) : 'Required';
  const nameProblem = suiteNameProblem(suiteName);
  const descriptionProblem = description.trim() ? undefined : 'Required';
  const invalid = Boolean(baseUrlProblem || nameProblem || descriptionProblem);
  const existing = suiteNames.includes(suiteName);

  const close = () => {
    if (state.kind === 'running') return;
    setOpen(false);
    setState({ kind: 'form' });
    setTouched(false);
  };

  const generate = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (invalid) return;
    const progress: string[] = [];
    setState({ kind: 'running', progress });
    try {
      const result = await api.generateTestSuite(
        {
          description: description.trim(),
          entityRef,
          baseUrl: baseUrl.trim(),
          suiteName,
          ...(pageSnapshot.trim() ? { pageSnapshot } : {}),
        },
        step => {
          progress.push(describeProgress(step));
          setState({ kind: 'running', progress: [...progress] });
        },
      );
      setState({ kind: 'done', result, progress });
      if (result.version !== undefined) onSuitesChanged();
    } catch (error) {
      setState({
        kind: 'failed',
        message: (error as Error)?.message ?? String(error),
        progress,
      });
      // A version may have been saved before it failed
      onSuitesChanged();
    }
  };

  const show = (problem: string | undefined) => (touched ? problem : undefined);
  const progress = state.kind === 'form' ? [] : state.progress;

  return (
    <>
      <Button variant="outlined" onClick={() => setOpen(true)}>
        Generate suite with AI
      </Button>
      <Dialog
        open={open}
        onClose={close}
        aria-labelledby={titleId}
        maxWidth="md"
        fullWidth
      >
        <form onSubmit={generate} noValidate>
          <DialogTitle id={titleId}>Generate a test suite with AI</DialogTitle>
          <DialogContent>
            <Box display="flex" flexDirection="column" style={{ gap: 16 }}>
              <Typography variant="body2" color="textSecondary">
                The assistant writes a suite for {entityRef} from the journey,
                saves it, runs it and repairs it from the failing step until it
                passes. It acts with your permissions.
              </Typography>
              <TextField
                id={`${titleId}-journey`}
                label="User journey"
                multiline
                minRows={3}
                required
                value={description}
                onChange={e => setDescription(e.target.value)}
                error={Boolean(show(descriptionProblem))}
                helperText={
                  show(descriptionProblem) ??
                  'What a user does and what they should see, e.g. "open the cart, pay by card, see the order confirmed"'
                }
                disabled={state.kind === 'running'}
              />
              <TextField
                id={`${titleId}-base-url`}
                label="Base URL"
                required
                value={baseUrl}
                onChange={e => setBaseUrl(e.target.value)}
                error={Boolean(show(baseUrlProblem))}
                helperText={
                  show(baseUrlProblem) ??
                  'The app under test; it must be an origin the test recorder allows'
                }
                disabled={state.kind === 'running'}
              />
              <TextField
                id={`${titleId}-suite-name`}
                label="Suite name"
                required
                value={suiteName}
                onChange={e => setSuiteName(e.target.value)}
                error={Boolean(show(nameProblem))}
                helperText={
                  show(nameProblem) ??
                  (existing
                    ? `${suiteName} exists: a new version of it is saved`
                    : 'A new suite of this entity')
                }
                disabled={state.kind === 'running'}
              />
              <TextField
                id={`${titleId}-snapshot`}
                label="Page snapshot (optional)"
                multiline
                minRows={2}
                value={pageSnapshot}
                onChange={e => setPageSnapshot(e.target.value)}
                helperText="The page's accessibility snapshot or visible text, to pick locators from"
                disabled={state.kind === 'running'}
              />
              {progress.length > 0 && (
                <Box component="ol" aria-label="Progress" m={0} pl={3}>
                  {progress.map((line, index) => (
                    <li key={index}>
                      <Typography variant="body2">{line}</Typography>
                    </li>
                  ))}
                </Box>
              )}
              {state.kind === 'running' && (
                <Box display="flex" alignItems="center" style={{ gap: 8 }}>
                  <CircularProgress size={20} />
                  <Typography role="status">Generating…</Typography>
                </Box>
              )}
              {state.kind === 'failed' && (
                <Alert severity="error">
                  <AlertTitle>The suite was not generated</AlertTitle>
                  {state.message}
                </Alert>
              )}
              {state.kind === 'done' && <Result result={state.result} />}
            </Box>
          </DialogContent>
          <DialogActions>
            <Button onClick={close} disabled={state.kind === 'running'}>
              {state.kind === 'done' ? 'Close' : 'Cancel'}
            </Button>
            <Button
              type="submit"
              color="primary"
              variant="contained"
              disabled={state.kind === 'running'}
            >
              {state.kind === 'form' ? 'Generate' : 'Generate again'}
            </Button>
          </DialogActions>
        </form>
      </Dialog>
    </>
  );
}

function Result(props: { result: AiGeneratedTestSuite }) {
  const { result } = props;
  const run = result.lastRun;
  return (
    <Alert severity={result.valid ? 'success' : 'warning'}>
      <AlertTitle>
        {result.valid
          ? `The suite passes (version ${result.version}, ${result.attempts} ${
              result.attempts === 1 ? 'attempt' : 'attempts'
            })`
          : `The suite does not pass yet (${result.attempts} ${
              result.attempts === 1 ? 'attempt' : 'attempts'
            })`}
      </AlertTitle>
      {result.problems.length > 0 && (
        <ul aria-label="Problems">
          {result.problems.map((problem, index) => (
            <li key={index}>{problem}</li>
          ))}
        </ul>
      )}
      <Box display="flex" style={{ gap: 16 }}>
        {result.version !== undefined && (
          <Link
            to={`/test-recorder/suites/${encodeURIComponent(result.suiteName)}`}
          >
            Open suite {result.suiteName}
          </Link>
        )}
        {run && (
          <Link to={`/test-recorder/runs/${encodeURIComponent(run.runId)}`}>
            Open run {run.runId}
          </Link>
        )}
      </Box>
    </Alert>
  );
}
