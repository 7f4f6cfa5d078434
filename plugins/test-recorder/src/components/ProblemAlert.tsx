import { Alert, AlertTitle } from '@material-ui/lab';

export type ProblemAlertProps = { error: Error; title: string };

/** An error in the backend's own words, under what could not be done. */
export function ProblemAlert(props: ProblemAlertProps) {
  return (
    <Alert severity="error">
      <AlertTitle>{props.title}</AlertTitle>
      <span style={{ wordBreak: 'break-word' }}>{props.error.message}</span>
    </Alert>
  );
}
