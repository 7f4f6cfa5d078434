import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Box, Grid, Link, Typography } from '@material-ui/core';
import { GITHUB_PROJECT_SLUG_ANNOTATION } from '@internal/plugin-github-common';
import { useLoader } from '@internal/react-common';
import { gitHubApiRef, GitHubRepositoryInfo } from '../api';
import { CommitsTable } from './CommitsTable';
import { CycleTimeChart } from './CycleTimeChart';
import { PullRequestsTable } from './PullRequestsTable';
import { LoadError, MissingAnnotation, NotConfigured, Problem } from './States';
import { gitHubEntityState } from './useGitHubEntity';

/** Days of merged pull requests the cycle-time chart covers. */
export const CYCLE_TIME_DAYS = 90;

type SectionProps = { entityRef: string };

function PullRequestsSection(props: SectionProps) {
  const api = useApi(gitHubApiRef);
  const { entityRef } = props;
  const state = useLoader(
    () => api.listPullRequests(entityRef, { state: 'open' }),
    [api, entityRef],
  );
  let content;
  if (state.loading && !state.value) content = <Progress />;
  else if (state.error)
    content = (
      <LoadError
        title="Pull requests cannot be shown"
        error={state.error}
        onRetry={state.retry}
      />
    );
  else if (state.value!.pullRequests.length === 0)
    content = <Typography variant="body2">No open pull requests.</Typography>;
  else
    content = (
      <PullRequestsTable
        label="Open pull requests"
        pullRequests={state.value!.pullRequests}
      />
    );
  return (
    <section aria-labelledby="github-open-pull-requests">
      <InfoCard
        title={<span id="github-open-pull-requests">Open pull requests</span>}
      >
        {content}
      </InfoCard>
    </section>
  );
}

function CommitsSection(props: SectionProps & { defaultBranch: string }) {
  const api = useApi(gitHubApiRef);
  const { entityRef } = props;
  const state = useLoader(
    () => api.listCommits(entityRef, { perPage: 20 }),
    [api, entityRef],
  );
  const branch = state.value?.branch ?? props.defaultBranch;
  let content;
  if (state.loading && !state.value) content = <Progress />;
  else if (state.error)
    content = (
      <LoadError
        title="Commits cannot be shown"
        error={state.error}
        onRetry={state.retry}
      />
    );
  else if (state.value!.commits.length === 0)
    content = (
      <Typography variant="body2">No commits on {branch} yet.</Typography>
    );
  else
    content = (
      <CommitsTable
        label={`Recent commits on ${branch}`}
        commits={state.value!.commits}
      />
    );
  return (
    <section aria-labelledby="github-recent-commits">
      <InfoCard
        title={<span id="github-recent-commits">Recent commits</span>}
        subheader={`on ${branch}`}
      >
        {content}
      </InfoCard>
    </section>
  );
}

function CycleTimeSection(props: SectionProps) {
  const api = useApi(gitHubApiRef);
  const { entityRef } = props;
  const state = useLoader(
    () => api.getCycleTime(entityRef, { days: CYCLE_TIME_DAYS }),
    [api, entityRef],
  );
  let content;
  if (state.loading && !state.value) content = <Progress />;
  else if (state.error)
    content = (
      <LoadError
        title="Cycle time cannot be shown"
        error={state.error}
        onRetry={state.retry}
      />
    );
  else content = <CycleTimeChart cycleTime={state.value!} />;
  return (
    <section aria-labelledby="github-cycle-time">
      <InfoCard
        title={<span id="github-cycle-time">Cycle time</span>}
        subheader={`Opened → merged, last ${CYCLE_TIME_DAYS} days`}
      >
        {content}
      </InfoCard>
    </section>
  );
}

type Setup =
  | { configured: false }
  | { configured: true; repository: GitHubRepositoryInfo };

function RepositoryContent(props: SectionProps) {
  const api = useApi(gitHubApiRef);
  const { entityRef } = props;
  const setup = useLoader<Setup>(async () => {
    const config = await api.getConfig();
    if (!config.configured) return { configured: false };
    const { repository } = await api.getRepository(entityRef);
    return { configured: true, repository };
  }, [api, entityRef]);

  if (setup.loading && !setup.value) return <Progress />;
  if (setup.error) {
    return (
      <LoadError
        title="The GitHub repository cannot be shown"
        error={setup.error}
        onRetry={setup.retry}
      />
    );
  }
  const value = setup.value!;
  if (!value.configured) return <NotConfigured />;
  const { repository } = value;
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <Typography variant="body1">
          <Link
            href={repository.htmlUrl}
            target="_blank"
            rel="noopener noreferrer"
          >
            {repository.owner}/{repository.repo}
          </Link>{' '}
          on {repository.host} · default branch {repository.defaultBranch}
        </Typography>
      </Grid>
      <Grid item xs={12}>
        <PullRequestsSection entityRef={entityRef} />
      </Grid>
      <Grid item xs={12} lg={6}>
        <CommitsSection
          entityRef={entityRef}
          defaultBranch={repository.defaultBranch}
        />
      </Grid>
      <Grid item xs={12} lg={6}>
        <CycleTimeSection entityRef={entityRef} />
      </Grid>
    </Grid>
  );
}

/** The GitHub tab: open pull requests, recent commits and cycle time of the entity's repository. */
export function GitHubContent() {
  const { entity } = useEntity();
  const state = gitHubEntityState(entity);
  let content;
  if (state.kind === 'missing') content = <MissingAnnotation />;
  else if (state.kind === 'invalid')
    content = (
      <Problem
        title={`The ${GITHUB_PROJECT_SLUG_ANNOTATION} annotation cannot be used`}
        message={state.message}
      />
    );
  else content = <RepositoryContent entityRef={state.entityRef} />;
  return <Box p={0}>{content}</Box>;
}
