import { Alert, AlertTitle } from '@material-ui/lab';
import { isNotConfigured, JiraApiError } from '../api';
import { MissingAnnotation } from './MissingAnnotation';
import { NotConfigured } from './NotConfigured';

export type JiraProblemProps = {
  error: Error;
  /** What could not be shown, e.g. "The active sprint cannot be shown". */
  title: string;
};

/**
 * An error a user can act on, in the backend's own words: the config key when Jira is off,
 * the annotation when the entity has none, else the message verbatim (Jira's 401/403 name the
 * instance and what to check).
 */
export function JiraProblem(props: JiraProblemProps) {
  const { error, title } = props;
  if (isNotConfigured(error)) return <NotConfigured message={error.message} />;
  if (
    error instanceof JiraApiError &&
    error.status === 404 &&
    error.errorName === 'NotFoundError' &&
    error.message.includes('jira/project-key')
  ) {
    return <MissingAnnotation message={error.message} />;
  }
  return (
    <Alert severity="error">
      <AlertTitle>{title}</AlertTitle>
      <span style={{ wordBreak: 'break-word' }}>{error.message}</span>
    </Alert>
  );
}
