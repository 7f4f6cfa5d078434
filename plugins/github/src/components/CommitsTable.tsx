import {
  Link,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
} from '@material-ui/core';
import type { GitHubCommitSummary } from '@internal/plugin-github-common';
import { formatDate, shortSha } from '../format';

export type CommitsTableProps = {
  commits: GitHubCommitSummary[];
  /** The table's accessible name. */
  label: string;
};

/** The latest commits: short sha link, the message's first line, author and date. */
export function CommitsTable(props: CommitsTableProps) {
  return (
    <Table size="small" aria-label={props.label}>
      <TableHead>
        <TableRow>
          <TableCell>Commit</TableCell>
          <TableCell>Message</TableCell>
          <TableCell>Author</TableCell>
          <TableCell>Date</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.commits.map(commit => (
          <TableRow key={commit.sha}>
            <TableCell>
              <Link
                href={commit.htmlUrl}
                target="_blank"
                rel="noopener noreferrer"
                aria-label={`Commit ${shortSha(commit.sha)}`}
              >
                <code>{shortSha(commit.sha)}</code>
              </Link>
            </TableCell>
            <TableCell>{commit.message.split('\n')[0]}</TableCell>
            <TableCell>
              {commit.author?.login || commit.author?.name || 'unknown'}
            </TableCell>
            <TableCell>
              {commit.date ? (
                <time dateTime={commit.date}>{formatDate(commit.date)}</time>
              ) : (
                'unknown'
              )}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
