import type { JiraNotice } from '@internal/plugin-jira-common';
import { Box } from '@material-ui/core';
import { Alert } from '@material-ui/lab';

export type NoticesProps = { notices?: JiraNotice[] };

/** What the backend wants the user to know: a stale answer while Jira throttles, and more. */
export function Notices(props: NoticesProps) {
  const seen = new Set<string>();
  const notices = (props.notices ?? []).filter(n => {
    if (seen.has(n.message)) return false;
    seen.add(n.message);
    return true;
  });
  if (notices.length === 0) return null;
  return (
    <Box mb={1}>
      {notices.map(notice => (
        <Alert
          key={notice.message}
          severity="info"
          role="status"
          style={{ marginBottom: 4 }}
        >
          {notice.kind === 'stale' ? 'Showing an earlier answer: ' : ''}
          {notice.message}
        </Alert>
      ))}
    </Box>
  );
}
