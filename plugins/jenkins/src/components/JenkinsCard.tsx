import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Box, Link, Typography } from '@material-ui/core';
import { jenkinsApiRef } from '../api';
import { formatDuration, formatTime } from '../format';
import { useLoader } from '@internal/react-common';
import { Problem } from './Problem';
import { StatusLabel } from './StatusLabel';

/** The latest build of each of the entity's Jenkins jobs. */
export function JenkinsCard() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const api = useApi(jenkinsApiRef);
  const jobs = useLoader(
    () => api.getEntityJobs({ entityRef, limit: 1 }),
    [api, entityRef],
  );

  let content;
  if (jobs.loading && !jobs.value) content = <Progress />;
  else if (jobs.error)
    content = (
      <Problem
        title="Jenkins builds cannot be shown"
        message={jobs.error.message}
      />
    );
  else if (!jobs.value!.configured)
    content = (
      <Problem
        severity="info"
        title="Jenkins is off"
        message={jobs.value!.message}
      />
    );
  else {
    const value = jobs.value!;
    content = (
      <Box display="grid" style={{ gap: 12 }}>
        {value.error && (
          <Problem
            title="The jenkins.io/job-full-name annotation cannot be used"
            message={value.error.message}
          />
        )}
        {value.jobs.map(entry => {
          const latest = entry.builds[0];
          return (
            <Box key={entry.jobRef}>
              <Typography variant="subtitle2" component="h3">
                {entry.job?.displayName ?? entry.jobFullName}{' '}
                <Typography
                  variant="caption"
                  component="span"
                  color="textSecondary"
                >
                  ({entry.instance})
                </Typography>
              </Typography>
              {entry.error && (
                <Problem
                  title={`${entry.source} cannot be shown`}
                  message={entry.error.message}
                />
              )}
              {!entry.error && !latest && (
                <Typography variant="body2">No builds yet.</Typography>
              )}
              {latest && (
                <Box
                  display="flex"
                  alignItems="center"
                  flexWrap="wrap"
                  style={{ gap: 8 }}
                >
                  <Link
                    href={latest.url}
                    target="_blank"
                    rel="noopener noreferrer"
                  >
                    #{latest.number}
                  </Link>
                  <StatusLabel status={latest.status} />
                  {latest.branch && (
                    <Typography variant="body2">on {latest.branch}</Typography>
                  )}
                  <Typography variant="body2" color="textSecondary">
                    {formatTime(latest.startedAt)} ·{' '}
                    {latest.building
                      ? 'running'
                      : formatDuration(latest.durationMs)}
                  </Typography>
                </Box>
              )}
            </Box>
          );
        })}
      </Box>
    );
  }
  return (
    <InfoCard
      title="Jenkins"
      subheader="Latest builds"
      deepLink={{ title: 'All builds', link: 'jenkins' }}
    >
      {content}
    </InfoCard>
  );
}
