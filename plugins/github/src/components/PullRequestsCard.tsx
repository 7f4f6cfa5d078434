import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Box, Chip, Link, List, ListItem, Typography } from '@material-ui/core';
import { GITHUB_PROJECT_SLUG_ANNOTATION } from '@internal/plugin-github-common';
import { useLoader } from '@internal/react-common';
import { gitHubApiRef } from '../api';
import { formatAge } from '../format';
import { ChecksSummary, ReviewStateChip } from './PullRequestBadges';
import { LoadError, MissingAnnotation, Problem } from './States';
import { gitHubEntityState } from './useGitHubEntity';

/** How many pull requests the card lists; the tab has them all. */
export const CARD_PULL_REQUESTS = 5;

function OpenPullRequests(props: { entityRef: string }) {
  const api = useApi(gitHubApiRef);
  const { entityRef } = props;
  const state = useLoader(
    // Review state and checks cost GitHub requests: only for those the card shows
    () =>
      api.listPullRequests(entityRef, {
        state: 'open',
        limit: CARD_PULL_REQUESTS,
      }),
    [api, entityRef],
  );
  if (state.loading && !state.value) return <Progress />;
  if (state.error) {
    return (
      <LoadError
        dense
        title="Pull requests cannot be shown"
        error={state.error}
        onRetry={state.retry}
      />
    );
  }
  const { pullRequests, count, hasMore } = state.value!;
  if (pullRequests.length === 0) {
    return <Typography variant="body2">No open pull requests.</Typography>;
  }
  const shown = pullRequests.slice(0, CARD_PULL_REQUESTS);
  const total = Math.max(count ?? pullRequests.length, shown.length);
  const now = Date.now();
  return (
    <Box>
      <Typography variant="body2" gutterBottom>
        {total}
        {hasMore ? '+' : ''} open pull request
        {total === 1 ? '' : 's'}
        {total > shown.length ? `, the ${shown.length} newest:` : ''}
      </Typography>
      <List dense disablePadding aria-label="Open pull requests">
        {shown.map(pr => (
          <ListItem key={pr.number} disableGutters divider>
            <Box display="flex" flexDirection="column" style={{ gap: 4 }}>
              <Link href={pr.htmlUrl} target="_blank" rel="noopener noreferrer">
                #{pr.number} {pr.title}
              </Link>
              <Box
                display="flex"
                alignItems="center"
                flexWrap="wrap"
                style={{ gap: 6 }}
              >
                <Typography variant="caption" color="textSecondary">
                  {pr.author?.login ?? 'unknown'} ·{' '}
                  {formatAge(pr.createdAt, now)}
                </Typography>
                {pr.draft && <Chip size="small" label="Draft" />}
                <ReviewStateChip state={pr.reviewState} />
                <ChecksSummary checks={pr.checks} />
              </Box>
            </Box>
          </ListItem>
        ))}
      </List>
    </Box>
  );
}

/** The entity's open pull requests, for the overview. */
export function PullRequestsCard() {
  const { entity } = useEntity();
  const state = gitHubEntityState(entity);
  let content;
  if (state.kind === 'missing') content = <MissingAnnotation dense />;
  else if (state.kind === 'invalid')
    content = (
      <Problem
        title={`The ${GITHUB_PROJECT_SLUG_ANNOTATION} annotation cannot be used`}
        message={state.message}
      />
    );
  else content = <OpenPullRequests entityRef={state.entityRef} />;
  return (
    <InfoCard
      title="Pull requests"
      subheader={state.kind === 'ok' ? state.slug : undefined}
      deepLink={{ title: 'All of GitHub', link: 'github' }}
    >
      {content}
    </InfoCard>
  );
}
