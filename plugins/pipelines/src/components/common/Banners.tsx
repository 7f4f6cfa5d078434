import Alert from '@material-ui/lab/Alert';
import Button from '@material-ui/core/Button';
import { isUnavailable } from './usePolled';

export type ReconnectingBannerProps = {
  error?: Error;
  retryInMs?: number;
  what?: string;
  onRetry?: () => void;
};

/** Shown while the backend cannot be reached: the page keeps its data and retries. */
export function ReconnectingBanner(props: ReconnectingBannerProps) {
  const { error, retryInMs, what = 'the pipelines backend', onRetry } = props;
  if (!error) return null;
  if (!isUnavailable(error)) {
    return (
      <Alert severity="error" role="alert">
        {error.message}
      </Alert>
    );
  }
  return (
    <Alert
      severity="warning"
      role="status"
      action={
        onRetry ? (
          <Button color="inherit" size="small" onClick={onRetry}>
            Retry now
          </Button>
        ) : undefined
      }
    >
      Cannot reach {what}; reconnecting
      {retryInMs ? ` in ${Math.round(retryInMs / 1000)} s` : ''}… (
      {error.message})
    </Alert>
  );
}
