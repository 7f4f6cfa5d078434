import {
  Box,
  Chip,
  Link,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import type { GitHubPullRequestSummary } from '@internal/plugin-github-common';
import { formatAge, formatDate } from '../format';
import { ChecksSummary, ReviewStateChip } from './PullRequestBadges';

export type PullRequestsTableProps = {
  pullRequests: GitHubPullRequestSummary[];
  /** The table's accessible name. */
  label: string;
  now?: number;
};

/** Open pull requests: title link, author, draft, review verdict, checks and age. */
export function PullRequestsTable(props: PullRequestsTableProps) {
  const now = props.now ?? Date.now();
  return (
    <Table size="small" aria-label={props.label}>
      <TableHead>
        <TableRow>
          <TableCell>Pull request</TableCell>
          <TableCell>Author</TableCell>
          <TableCell>Review</TableCell>
          <TableCell>Checks</TableCell>
          <TableCell>Age</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.pullRequests.map(pr => (
          <TableRow key={pr.number}>
            <TableCell>
              <Box
                display="flex"
                alignItems="center"
                flexWrap="wrap"
                style={{ gap: 8 }}
              >
                <Link
                  href={pr.htmlUrl}
                  target="_blank"
                  rel="noopener noreferrer"
                >
                  #{pr.number} {pr.title}
                </Link>
                {pr.draft && <Chip size="small" label="Draft" />}
              </Box>
              <Typography variant="caption" color="textSecondary">
                {pr.headRef} → {pr.baseRef}
              </Typography>
            </TableCell>
            <TableCell>
              {pr.author ? (
                <Link
                  href={
                    pr.author.htmlUrl ??
                    `https://github.com/${encodeURIComponent(pr.author.login)}`
                  }
                  target="_blank"
                  rel="noopener noreferrer"
                >
                  {pr.author.login}
                </Link>
              ) : (
                'unknown'
              )}
            </TableCell>
            <TableCell>
              <ReviewStateChip state={pr.reviewState} />
            </TableCell>
            <TableCell>
              <ChecksSummary checks={pr.checks} />
            </TableCell>
            <TableCell>
              <time dateTime={pr.createdAt} title={formatDate(pr.createdAt)}>
                {formatAge(pr.createdAt, now)}
              </time>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
