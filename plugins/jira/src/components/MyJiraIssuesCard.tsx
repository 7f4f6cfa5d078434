import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useLoader } from '@internal/react-common';
import { jiraApiRef } from '../api';
import { IssueList } from './IssueList';
import { JiraProblem } from './JiraProblem';
import { Notices } from './Notices';

export type MyJiraIssuesCardProps = {
  /** How many issues to show (1..100); 10 by default. */
  limit?: number;
};

/** The signed-in user's open Jira issues, on every configured instance. */
export function MyJiraIssuesContent(props: MyJiraIssuesCardProps) {
  const limit = props.limit ?? 10;
  const api = useApi(jiraApiRef);
  const mine = useLoader(() => api.getMyIssues({ limit }), [api, limit]);
  if (mine.error) {
    return (
      <JiraProblem
        error={mine.error}
        title="Your Jira issues cannot be shown"
      />
    );
  }
  if (!mine.value) return <Progress />;
  return (
    <>
      <Notices notices={mine.value.notices} />
      <IssueList
        issues={mine.value.issues}
        label="My open Jira issues"
        empty="No open issues are assigned to you"
      />
    </>
  );
}

/** A card for a home page or any page: the signed-in user's open Jira issues. */
export function MyJiraIssuesCard(props: MyJiraIssuesCardProps) {
  return (
    <InfoCard title="My Jira issues">
      <MyJiraIssuesContent {...props} />
    </InfoCard>
  );
}
