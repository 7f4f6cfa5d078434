import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import { makeStyles } from '@material-ui/core/styles';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import type { FailurePoint } from './failurePoint';
import { parseAnsi } from './ansi';

const useStyles = makeStyles(theme => ({
  tail: {
    fontFamily: 'ui-monospace, Menlo, Consolas, monospace',
    fontSize: 12,
    whiteSpace: 'pre-wrap',
    background: '#1e1e1e',
    color: '#e5e5e5',
    padding: theme.spacing(1),
    borderRadius: 4,
    margin: theme.spacing(1, 0),
    maxHeight: 240,
    overflow: 'auto',
  },
}));

export type FailureSummaryProps = {
  run: PipelineRun;
  failure: FailurePoint;
  /** The last lines of the failing step's log. */
  tail: string[];
  onShowInLog(jobRunId: string): void;
};

/** Where the run failed, why, and the failing step's last log lines. */
export function FailureSummary(props: FailureSummaryProps) {
  const { run, failure, tail, onShowInLog } = props;
  const classes = useStyles();
  return (
    <Alert severity="error" role="region" aria-label="Failure">
      <AlertTitle>
        Failed at {failure.job.name}
        {failure.step ? ` › ${failure.step.name}` : ''}
        {failure.step?.exitCode !== undefined
          ? ` (exit code ${failure.step.exitCode})`
          : ''}
      </AlertTitle>
      {(failure.step?.error ?? failure.job.error ?? run.error) && (
        <Typography variant="body2">
          {failure.step?.error ?? failure.job.error ?? run.error}
        </Typography>
      )}
      {tail.length > 0 && (
        <pre
          className={classes.tail}
          aria-label="Last lines of the failing step"
        >
          {tail.map((text, i) => (
            <div key={i}>
              {parseAnsi(text).map((segment, j) => (
                <span key={j}>{segment.text}</span>
              ))}
            </div>
          ))}
        </pre>
      )}
      <Button size="small" onClick={() => onShowInLog(failure.job.jobRunId)}>
        Show in log
      </Button>
    </Alert>
  );
}
