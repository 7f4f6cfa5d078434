import Link from '@material-ui/core/Link';
import type { PipelineIssue } from '@internal/plugin-pipelines-common';

export function issueLocation(issue: PipelineIssue) {
  return [issue.file, issue.line, issue.column].filter(Boolean).join(':');
}

export type IssueListProps = {
  issues: PipelineIssue[];
  /** Makes each issue a button that moves the cursor to its line and column. */
  onSelect?(issue: PipelineIssue): void;
};

/** Validation problems, each with its line and column. */
export function IssueList(props: IssueListProps) {
  const { issues, onSelect } = props;
  return (
    <ul aria-label="Validation problems">
      {issues.map((issue, index) => {
        const where = issueLocation(issue);
        const text = `${where ? `${where}: ` : ''}${issue.message}${
          issue.path ? ` (at ${issue.path})` : ''
        }`;
        return (
          <li key={index}>
            {onSelect && issue.line ? (
              <Link
                component="button"
                type="button"
                variant="body2"
                onClick={() => onSelect(issue)}
              >
                {text}
              </Link>
            ) : (
              text
            )}
          </li>
        );
      })}
    </ul>
  );
}
