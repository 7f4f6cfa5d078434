import { useApi } from '@backstage/frontend-plugin-api';
import type {
  AiExplainRunRequest,
  AiFailureExplanation,
} from '@internal/plugin-ai-assistant-common';
import {
  Box,
  Button,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Typography,
} from '@material-ui/core';
import { Alert, AlertTitle } from '@material-ui/lab';
import { useCallback, useId, useRef, useState } from 'react';
import { explainFailureApiRef } from './api';
import { ExplanationView } from './ExplanationView';

export type ExplainFailureButtonProps = {
  request: AiExplainRunRequest;
  /** The run, for people: `payments-api · release #42`. */
  what: string;
  /** `small` in lists, `medium` in a page header. */
  size?: 'small' | 'medium';
};

type State =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'done'; explanation: AiFailureExplanation }
  | { kind: 'failed'; message: string };

/**
 * "Explain this failure": a button that opens a dialog with the explanation of a failed run,
 * read when the dialog opens (and again on request).
 */
export function ExplainFailureButton(props: ExplainFailureButtonProps) {
  const { request, what, size = 'medium' } = props;
  const api = useApi(explainFailureApiRef);
  const titleId = useId();
  const [open, setOpen] = useState(false);
  const [state, setState] = useState<State>({ kind: 'idle' });
  const latest = useRef(0);

  const load = useCallback(async () => {
    const call = ++latest.current;
    setState({ kind: 'loading' });
    try {
      const explanation = await api.explainRun(request);
      if (call === latest.current) setState({ kind: 'done', explanation });
    } catch (error) {
      if (call === latest.current) {
        setState({
          kind: 'failed',
          message: (error as Error)?.message ?? String(error),
        });
      }
    }
  }, [api, request]);

  const openDialog = () => {
    setOpen(true);
    if (state.kind !== 'done') void load();
  };

  return (
    <>
      <Button
        variant="outlined"
        size={size}
        onClick={openDialog}
        aria-label={`Explain this failure of ${what}`}
      >
        {size === 'small' ? 'Explain' : 'Explain this failure'}
      </Button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        maxWidth="md"
        fullWidth
        aria-labelledby={titleId}
      >
        <DialogTitle id={titleId}>Why did {what} fail?</DialogTitle>
        <DialogContent dividers>
          {state.kind === 'loading' && (
            <Box
              display="flex"
              alignItems="center"
              role="status"
              style={{ gap: 12 }}
            >
              <CircularProgress size={20} aria-hidden />
              <Typography>
                Reading the run, its log and earlier runs…
              </Typography>
            </Box>
          )}
          {state.kind === 'failed' && (
            <Alert severity="error">
              <AlertTitle>The failure could not be explained</AlertTitle>
              {state.message}
            </Alert>
          )}
          {state.kind === 'done' && (
            <ExplanationView explanation={state.explanation} />
          )}
        </DialogContent>
        <DialogActions>
          <Button
            onClick={() => void load()}
            disabled={state.kind === 'loading'}
          >
            Explain again
          </Button>
          <Button onClick={() => setOpen(false)} color="primary">
            Close
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
