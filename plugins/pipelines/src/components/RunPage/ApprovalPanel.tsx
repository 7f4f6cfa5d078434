import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import { alertApiRef, useApi } from '@backstage/frontend-plugin-api';
import type {
  PipelineJobRun,
  PipelineRun,
} from '@internal/plugin-pipelines-common';
import { useState } from 'react';
import { pipelinesApiRef } from '../../api/PipelinesApi';

export type ApprovalPanelProps = {
  run: PipelineRun;
  job: PipelineJobRun;
  canApprove: boolean;
  /** The signed-in user triggered the run: the backend refuses their decision. */
  triggeredByYou?: boolean;
  onDecided(run: PipelineRun): void;
};

/** A gate waiting for approval: its description, approvers, and Approve/Reject for one of them. */
export function ApprovalPanel(props: ApprovalPanelProps) {
  const { run, job, canApprove, triggeredByYou, onDecided } = props;
  const api = useApi(pipelinesApiRef);
  const alertApi = useApi(alertApiRef);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<string>();
  const decide = async (decision: 'approve' | 'reject') => {
    setBusy(true);
    setRefusal(undefined);
    try {
      onDecided(
        await api.decide(
          run.runId,
          job.jobRunId,
          decision,
          comment || undefined,
        ),
      );
    } catch (error) {
      const failure = error as Error & {
        response?: { status?: number };
        body?: { error?: { message?: string } };
      };
      // The backend's own words (a ResponseError's message is only the status)
      const message = failure.body?.error?.message ?? failure.message;
      // A refusal (not an approver, your own run) stays next to the buttons; anything else
      // is a passing error
      if (failure.response?.status === 403) {
        setRefusal(message);
      } else {
        alertApi.post({ message, severity: 'error' });
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <Alert severity="warning" role="region" aria-label={`Approval ${job.name}`}>
      <AlertTitle>Waiting for approval: {job.name}</AlertTitle>
      {job.approval?.description && (
        <Typography variant="body2">{job.approval.description}</Typography>
      )}
      {job.approval?.environment && (
        <Typography variant="body2">
          Environment: {job.approval.environment}
        </Typography>
      )}
      {job.approval?.approvers?.length ? (
        <Typography variant="body2">
          Approvers: {job.approval.approvers.join(', ')}
        </Typography>
      ) : null}
      {refusal && (
        <Alert severity="error" role="alert" style={{ marginTop: 8 }}>
          {refusal}
        </Alert>
      )}
      {triggeredByYou && (
        <Typography variant="body2">
          You triggered this run, so someone else among its approvers must
          decide this gate.
        </Typography>
      )}
      {!triggeredByYou && canApprove && (
        <Box display="flex" alignItems="center" mt={1} style={{ gap: 8 }}>
          <TextField
            id={`approval-comment-${job.jobRunId}`}
            size="small"
            label="Comment"
            value={comment}
            onChange={e => setComment(e.target.value)}
          />
          <Button
            variant="contained"
            color="primary"
            disabled={busy}
            onClick={() => decide('approve')}
          >
            Approve
          </Button>
          <Button
            variant="outlined"
            disabled={busy}
            onClick={() => decide('reject')}
          >
            Reject
          </Button>
        </Box>
      )}
      {!triggeredByYou && !canApprove && (
        <Typography variant="body2">
          You are not one of the approvers of this gate.
        </Typography>
      )}
    </Alert>
  );
}
