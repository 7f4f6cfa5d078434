import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  githubWorkflowRunCancelPermission,
  githubWorkflowRunRerunPermission,
} from '@internal/plugin-github-common';
import {
  PipelineRun,
  PipelineRunStatus,
  TERMINAL_RUN_STATUSES,
} from '@internal/plugin-pipelines-common';
import type { CiCdRunActionProps } from '@internal/plugin-pipelines-react';
import {
  Button,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Typography,
} from '@material-ui/core';
import { useEffect, useState } from 'react';
import { gitHubApiRef } from '../api';

/** GitHub's own run id, from the pipelines provider's `github:<owner>/<repo>#<id>`. */
export function workflowRunIdOf(run: PipelineRun): number | undefined {
  const match = /^github:[^#]+#(\d+)$/.exec(run.runId);
  return match ? Number(match[1]) : undefined;
}

/** GitHub cancels a run that has not completed: queued, in progress or waiting. */
const CANCELLABLE: PipelineRunStatus[] = ['queued', 'running', 'waiting'];

type Verb = 'rerun' | 'cancel';

/**
 * Re-run (completed runs) and Cancel (queued or running runs, after a confirmation) on a
 * GitHub Actions run of the CI/CD list, for users with `github.workflowRun.rerun` /
 * `github.workflowRun.cancel` on the entity, as for Comet's own runs.
 */
export function WorkflowRunActions(props: CiCdRunActionProps) {
  const { run, onChanged } = props;
  const api = useApi(gitHubApiRef);
  const canRerun = usePermission({
    permission: githubWorkflowRunRerunPermission,
    resourceRef: run.entityRef,
  }).allowed;
  const canCancel = usePermission({
    permission: githubWorkflowRunCancelPermission,
    resourceRef: run.entityRef,
  }).allowed;
  const [busy, setBusy] = useState<Verb>();
  const [done, setDone] = useState<string>();
  const [error, setError] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  // What was asked shows until the list shows the run's new status
  useEffect(() => setDone(undefined), [run.status]);

  const workflowRunId = workflowRunIdOf(run);
  if (workflowRunId === undefined) return null;
  const name = `${run.pipeline}${run.number ? ` #${run.number}` : ''}`;
  const rerunnable = canRerun && TERMINAL_RUN_STATUSES.includes(run.status);
  const cancellable = canCancel && CANCELLABLE.includes(run.status);
  if (!rerunnable && !cancellable) return null;

  const act = async (verb: Verb) => {
    setConfirming(false);
    setBusy(verb);
    setDone(undefined);
    setError(undefined);
    try {
      if (verb === 'rerun') {
        await api.rerunWorkflowRun(run.entityRef, workflowRunId);
      } else {
        await api.cancelWorkflowRun(run.entityRef, workflowRunId);
      }
      setDone(verb === 'rerun' ? 'Re-run requested' : 'Cancel requested');
      onChanged();
    } catch (caught) {
      setError(
        `${verb === 'rerun' ? 'Re-run' : 'Cancel'} failed: ${
          (caught as Error)?.message ?? String(caught)
        }`,
      );
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <>
      {rerunnable && (
        <Button
          size="small"
          variant="outlined"
          disabled={busy !== undefined}
          aria-label={`Re-run ${name} on GitHub Actions`}
          onClick={() => act('rerun')}
          startIcon={
            busy === 'rerun' ? (
              <CircularProgress size={14} aria-hidden />
            ) : undefined
          }
        >
          {busy === 'rerun' ? 'Re-running…' : 'Re-run'}
        </Button>
      )}
      {cancellable && (
        <Button
          size="small"
          variant="outlined"
          disabled={busy !== undefined}
          aria-label={`Cancel ${name} on GitHub Actions`}
          onClick={() => setConfirming(true)}
          startIcon={
            busy === 'cancel' ? (
              <CircularProgress size={14} aria-hidden />
            ) : undefined
          }
        >
          {busy === 'cancel' ? 'Cancelling…' : 'Cancel'}
        </Button>
      )}
      {done && (
        <Typography variant="caption" role="status">
          {done}
        </Typography>
      )}
      {error && (
        <Typography variant="caption" color="error" role="alert">
          {error}
        </Typography>
      )}
      {confirming && (
        <Dialog
          open
          onClose={() => setConfirming(false)}
          aria-labelledby={`github-cancel-${workflowRunId}`}
        >
          <DialogTitle id={`github-cancel-${workflowRunId}`}>
            Cancel {name}?
          </DialogTitle>
          <DialogContent>
            <DialogContentText>
              GitHub stops the run&apos;s jobs; the run ends as cancelled.
              Re-run it to start again.
            </DialogContentText>
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setConfirming(false)}>Keep running</Button>
            <Button color="secondary" onClick={() => act('cancel')}>
              Cancel run
            </Button>
          </DialogActions>
        </Dialog>
      )}
    </>
  );
}
