import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Box, Divider, Typography } from '@material-ui/core';
import { Fragment } from 'react';
import { sonarQubeApiRef } from '../api';
import { useLoader } from '@internal/react-common';
import { useGateChanges } from '../hooks';
import { ProblemNote, ProjectMeasures, SonarQubeLink } from './Measures';
import { NotConfigured } from './NotConfigured';
import { QualityGateBadge } from './QualityGateBadge';

/** The entity's projects: gate, ratings, key measures and a link to SonarQube. */
export function SonarQubeCard() {
  const { entity } = useEntity();
  const api = useApi(sonarQubeApiRef);
  const entityRef = stringifyEntityRef(entity);
  const summary = useLoader(() => api.getSummary(entityRef), [api, entityRef]);
  const projectKeys =
    summary.value?.configured === true
      ? summary.value.projects.map(p => p.projectKey)
      : [];
  useGateChanges(projectKeys, summary.retry);

  let body;
  if (summary.error) {
    body = <ResponseErrorPanel error={summary.error} />;
  } else if (!summary.value) {
    body = <Progress />;
  } else if (!summary.value.configured) {
    body = <NotConfigured message={summary.value.message} />;
  } else {
    body = summary.value.projects.map((project, index) => (
      <Fragment key={project.project}>
        {index > 0 && (
          <Box my={2}>
            <Divider />
          </Box>
        )}
        <Box
          display="flex"
          alignItems="center"
          justifyContent="space-between"
          flexWrap="wrap"
          mb={1}
          style={{ gap: 8 }}
        >
          <Typography variant="h6" component="h3">
            {project.name ?? project.projectKey}
          </Typography>
          {project.analysed && (
            <QualityGateBadge status={project.qualityGate?.status} />
          )}
        </Box>
        {project.error ? (
          <ProblemNote>{project.error}</ProblemNote>
        ) : (
          <ProjectMeasures project={project} compact />
        )}
        <Box mt={1}>
          <SonarQubeLink url={project.url} />
        </Box>
      </Fragment>
    ));
  }
  return <InfoCard title="Code quality">{body}</InfoCard>;
}
