import { InfoCard, Progress } from '@backstage/core-components';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  ANNOTATION_JIRA_PROJECT_KEY,
  JiraCreatedIssue,
  parseJiraProjectKeyAnnotation,
} from '@internal/plugin-jira-common';
import { useLoader } from '@internal/react-common';
import { Box, Button, Grid } from '@material-ui/core';
import AddIcon from '@material-ui/icons/Add';
import { useState } from 'react';
import { jiraApiRef } from '../api';
import { useCanCreateIssue } from '../hooks';
import { CreatedIssueSnackbar } from './CreatedIssueSnackbar';
import { CreateIssueDialog } from './CreateIssueDialog';
import { IssuesTable } from './IssuesTable';
import { JiraProblem } from './JiraProblem';
import { MissingAnnotation } from './MissingAnnotation';
import { Notices } from './Notices';
import { Overview } from './Overview';
import { ReleaseNotes } from './ReleaseNotes';
import { SprintSection } from './SprintSection';

function JiraTab(props: { entityRef: string }) {
  const { entityRef } = props;
  const api = useApi(jiraApiRef);
  const [refreshKey, setRefreshKey] = useState(0);
  const overview = useLoader(
    () => api.getOverview(entityRef),
    [api, entityRef, refreshKey],
  );
  const canCreate = useCanCreateIssue(entityRef);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<JiraCreatedIssue>();

  if (overview.error) {
    return (
      <JiraProblem error={overview.error} title="Jira issues cannot be shown" />
    );
  }
  if (!overview.value) return <Progress />;

  const onCreated = (issue: JiraCreatedIssue) => {
    setCreating(false);
    setCreated(issue);
    setRefreshKey(k => k + 1);
  };

  return (
    <Grid container spacing={3}>
      <Grid item xs={12} md={6}>
        <InfoCard title="Overview">
          <Notices notices={overview.value.notices} />
          <Overview overview={overview.value} />
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Active sprint">
          <SprintSection entityRef={entityRef} refreshKey={refreshKey} />
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard
          title="Issues"
          action={
            canCreate ? (
              <Box pt={1} pr={1}>
                <Button
                  variant="contained"
                  color="primary"
                  startIcon={<AddIcon />}
                  onClick={() => setCreating(true)}
                >
                  Create issue
                </Button>
              </Box>
            ) : undefined
          }
        >
          <IssuesTable
            entityRef={entityRef}
            overview={overview.value}
            refreshKey={refreshKey}
            onIssueChanged={() => setRefreshKey(k => k + 1)}
          />
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Release notes">
          <ReleaseNotes entityRef={entityRef} />
        </InfoCard>
      </Grid>
      {canCreate && (
        <CreateIssueDialog
          open={creating}
          entityRef={entityRef}
          onClose={() => setCreating(false)}
          onCreated={onCreated}
        />
      )}
      <CreatedIssueSnackbar
        issue={created}
        onClose={() => setCreated(undefined)}
      />
    </Grid>
  );
}

/**
 * The Jira tab: the entity's issues in numbers, the table with filters and paging, the
 * active sprint's burndown, release notes per fix version, and creating an issue.
 */
export function JiraContent() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const annotation = entity.metadata.annotations?.[ANNOTATION_JIRA_PROJECT_KEY];
  if (!annotation?.trim()) return <MissingAnnotation />;
  const parsed = parseJiraProjectKeyAnnotation(annotation);
  if (!parsed.ok) return <MissingAnnotation message={parsed.message} />;
  return <JiraTab entityRef={entityRef} />;
}
