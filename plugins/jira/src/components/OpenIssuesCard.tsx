import { InfoCard, Progress } from '@backstage/core-components';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { useLoader } from '@internal/react-common';
import { Box, Typography } from '@material-ui/core';
import { jiraApiRef } from '../api';
import { CATEGORY_LABEL } from '../format';
import { IssueList } from './IssueList';
import { JiraProblem } from './JiraProblem';
import { Notices } from './Notices';
import { categoryCounts } from './Overview';

export const OPEN_ISSUES_SHOWN = 5;

/** The entity's issue counts and its most recently updated open issues. */
export function OpenIssuesCard() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const api = useApi(jiraApiRef);
  const overview = useLoader(
    () => api.getOverview(entityRef),
    [api, entityRef],
  );
  const open = useLoader(
    () =>
      api.getEntityIssues({
        entityRef,
        jql: 'statusCategory != Done',
        limit: OPEN_ISSUES_SHOWN,
      }),
    [api, entityRef],
  );

  const error = overview.error ?? open.error;
  let body;
  if (error) {
    body = <JiraProblem error={error} title="Jira issues cannot be shown" />;
  } else if (!overview.value || !open.value) {
    body = <Progress />;
  } else {
    // The backend orders by last update; sorting again keeps the card right if that changes
    const latest = [...open.value.issues]
      .sort((a, b) => Date.parse(b.updated) - Date.parse(a.updated))
      .slice(0, OPEN_ISSUES_SHOWN);
    const counts = categoryCounts(overview.value);
    const openCount = counts
      .filter(c => c.category !== 'done')
      .reduce((sum, c) => sum + c.count, 0);
    body = (
      <>
        <Notices notices={[...overview.value.notices, ...open.value.notices]} />
        <Typography variant="h6" component="p">
          {openCount} open of {overview.value.total}
        </Typography>
        <Box mb={1}>
          <Typography variant="body2" color="textSecondary">
            {counts
              .map(c => `${CATEGORY_LABEL[c.category]}: ${c.count}`)
              .join(' · ')}
          </Typography>
        </Box>
        <IssueList
          issues={latest}
          label="Recently updated open issues"
          empty="No open issues"
        />
      </>
    );
  }
  return <InfoCard title="Jira issues">{body}</InfoCard>;
}
