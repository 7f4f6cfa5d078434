import type { JiraIssue } from '@internal/plugin-jira-common';
import { Link } from '@material-ui/core';

export type IssueKeyLinkProps = { issue: Pick<JiraIssue, 'key' | 'url'> };

/** The issue's key, opening the issue in Jira in a new tab. */
export function IssueKeyLink(props: IssueKeyLinkProps) {
  const { key, url } = props.issue;
  return (
    <Link
      href={url}
      target="_blank"
      rel="noopener noreferrer"
      aria-label={`${key} (opens in Jira in a new tab)`}
      style={{ whiteSpace: 'nowrap', fontWeight: 500 }}
    >
      {key}
    </Link>
  );
}
