import { Chip } from '@material-ui/core';
import type {
  GitHubChecksSummary,
  GitHubReviewState,
} from '@internal/plugin-github-common';

const reviewLabels: Record<GitHubReviewState, string> = {
  approved: 'Approved',
  changes_requested: 'Changes requested',
  none: 'No review yet',
};

export type ReviewStateChipProps = { state: GitHubReviewState };

/** The reviews' verdict, as words (colour only repeats them). */
export function ReviewStateChip(props: ReviewStateChipProps) {
  const label = reviewLabels[props.state] ?? props.state;
  let color: 'primary' | 'secondary' | 'default' = 'default';
  if (props.state === 'approved') color = 'primary';
  else if (props.state === 'changes_requested') color = 'secondary';
  return (
    <Chip
      size="small"
      label={label}
      color={color}
      variant={props.state === 'none' ? 'outlined' : 'default'}
    />
  );
}

/** `3/4 passed, 1 failed`, `2 pending`, `No checks`. */
export function checksText(checks: GitHubChecksSummary): string {
  if (checks.state === 'none' || checks.total === 0) return 'No checks';
  const parts = [`${checks.successful}/${checks.total} passed`];
  if (checks.failed) parts.push(`${checks.failed} failed`);
  if (checks.pending) parts.push(`${checks.pending} pending`);
  return parts.join(', ');
}

const checksStateLabels: Record<GitHubChecksSummary['state'], string> = {
  success: 'Checks passed',
  failure: 'Checks failed',
  pending: 'Checks running',
  none: 'No checks',
};

export type ChecksSummaryProps = { checks: GitHubChecksSummary };

/** The head commit's checks, counted, with the overall state in words. */
export function ChecksSummary(props: ChecksSummaryProps) {
  const { checks } = props;
  let color: 'primary' | 'secondary' | 'default' = 'default';
  if (checks.state === 'success') color = 'primary';
  else if (checks.state === 'failure') color = 'secondary';
  const text = checksText(checks);
  return (
    <Chip
      size="small"
      color={color}
      variant={checks.state === 'none' ? 'outlined' : 'default'}
      label={text}
      title={checksStateLabels[checks.state]}
    />
  );
}
