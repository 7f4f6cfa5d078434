import type { JiraCreatedIssue } from '@internal/plugin-jira-common';
import { Link, Snackbar } from '@material-ui/core';
import { Alert } from '@material-ui/lab';

export type CreatedIssueSnackbarProps = {
  issue?: JiraCreatedIssue;
  onClose: () => void;
};

/** "Created PAY-124", the key linking to the new issue in Jira. */
export function CreatedIssueSnackbar(props: CreatedIssueSnackbarProps) {
  const { issue, onClose } = props;
  return (
    <Snackbar
      open={Boolean(issue)}
      autoHideDuration={15_000}
      onClose={(_event, reason) => {
        // A click elsewhere should not hide the link before it could be used
        if (reason !== 'clickaway') onClose();
      }}
      anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
    >
      <Alert severity="success" role="status" onClose={onClose}>
        {issue && (
          <>
            Created{' '}
            <Link href={issue.url} target="_blank" rel="noopener noreferrer">
              {issue.key}
            </Link>
          </>
        )}
      </Alert>
    </Snackbar>
  );
}
