import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import type { JiraActiveSprint } from '@internal/plugin-jira-common';
import { useLoader } from '@internal/react-common';
import { Box, Typography } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { JiraApiError, jiraApiRef } from '../api';
import { CATEGORIES, CATEGORY_LABEL, formatDate } from '../format';
import { BurndownChart } from './BurndownChart';
import { JiraProblem } from './JiraProblem';
import { Notices } from './Notices';

function SprintSummary(props: { value: JiraActiveSprint }) {
  const { board, sprint, issues, burndown, notices } = props.value;
  if (!sprint) {
    return (
      <>
        <Notices notices={notices} />
        <Typography variant="body2" role="status">
          The board {board.name} has no active sprint.
        </Typography>
      </>
    );
  }
  const counts = CATEGORIES.map(category => {
    const inCategory = issues.filter(i => i.status.category === category);
    return {
      category,
      count: inCategory.length,
      points: inCategory.reduce((sum, i) => sum + (i.storyPoints ?? 0), 0),
    };
  });
  return (
    <Box>
      <Notices notices={notices} />
      <Typography variant="h6" component="h3">
        {sprint.name}
      </Typography>
      <Typography variant="body2" color="textSecondary">
        Board {board.name}
        {sprint.startDate ? ` · ${formatDate(sprint.startDate)}` : ''}
        {sprint.endDate ? ` → ${formatDate(sprint.endDate)}` : ''}
      </Typography>
      {sprint.goal && (
        <Typography variant="body2" gutterBottom>
          Goal: {sprint.goal}
        </Typography>
      )}
      <Typography variant="body2" gutterBottom>
        {counts
          .map(
            c =>
              `${CATEGORY_LABEL[c.category]}: ${c.count} (${c.points} points)`,
          )
          .join(' · ')}
      </Typography>
      <BurndownChart sprintName={sprint.name} points={burndown} />
    </Box>
  );
}

export type SprintSectionProps = { entityRef: string; refreshKey: number };

/** The board's active sprint: its goal, progress and burndown (remaining vs ideal). */
export function SprintSection(props: SprintSectionProps) {
  const { entityRef, refreshKey } = props;
  const api = useApi(jiraApiRef);
  const sprint = useLoader(
    () => api.getActiveSprint(entityRef),
    [api, entityRef, refreshKey],
  );
  if (sprint.error) {
    // 404: the projects have no board; nothing is wrong, there is just no sprint to show
    if (sprint.error instanceof JiraApiError && sprint.error.status === 404) {
      return (
        <Alert severity="info" role="status">
          No active sprint: {sprint.error.message}
        </Alert>
      );
    }
    return (
      <JiraProblem
        error={sprint.error}
        title="The active sprint cannot be shown"
      />
    );
  }
  if (!sprint.value) return <Progress />;
  return <SprintSummary value={sprint.value} />;
}
