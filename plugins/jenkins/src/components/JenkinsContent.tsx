import { stringifyEntityRef } from '@backstage/catalog-model';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  jenkinsBuildAbortPermission,
  jenkinsBuildTriggerPermission,
  type JenkinsTriggerResult,
} from '@internal/plugin-jenkins-common';
import { Box, Typography } from '@material-ui/core';
import { useState } from 'react';
import { jenkinsApiRef } from '../api';
import { useLoader } from '@internal/react-common';
import { BuildDetails } from './BuildDetails';
import { JobSection } from './JobSection';
import { Problem } from './Problem';

const PAGE_SIZE = 10;

/** The Jenkins tab: every annotated job with its builds, a build's details and live console. */
export function JenkinsContent() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const api = useApi(jenkinsApiRef);
  const [refreshKey, setRefreshKey] = useState(0);
  const jobs = useLoader(
    () => api.getEntityJobs({ entityRef, limit: PAGE_SIZE }),
    [api, entityRef, refreshKey],
  );
  // Buttons the user may not press are not shown (the backend refuses them anyway)
  const { allowed: canTrigger } = usePermission({
    permission: jenkinsBuildTriggerPermission,
    resourceRef: entityRef,
  });
  const { allowed: canAbort } = usePermission({
    permission: jenkinsBuildAbortPermission,
    resourceRef: entityRef,
  });
  const [selected, setSelected] = useState<{ job: string; number: number }>();
  const [notice, setNotice] = useState<string>();

  const onTriggered = (result: JenkinsTriggerResult) => {
    setNotice(
      result.buildNumber
        ? `Build #${result.buildNumber} of ${result.jobRef} started`
        : `Build of ${result.jobRef} queued (queue item ${result.queueId})`,
    );
    if (result.buildNumber)
      setSelected({ job: result.jobRef, number: result.buildNumber });
    setRefreshKey(k => k + 1);
  };

  if (jobs.loading && !jobs.value) return <Progress />;
  if (jobs.error) {
    return (
      <Problem
        title="Jenkins builds cannot be shown"
        message={jobs.error.message}
      />
    );
  }
  const value = jobs.value!;
  if (!value.configured) {
    return (
      <Problem severity="info" title="Jenkins is off" message={value.message} />
    );
  }
  return (
    <Box>
      {value.error && (
        <Problem
          title="The jenkins.io/job-full-name annotation cannot be used"
          message={value.error.message}
        />
      )}
      {notice && (
        <Typography role="status" variant="body2" gutterBottom>
          {notice}
        </Typography>
      )}
      {value.jobs.map(entry => (
        <JobSection
          key={entry.jobRef}
          entityRef={entityRef}
          entry={entry}
          pageSize={PAGE_SIZE}
          selected={selected}
          onSelect={setSelected}
          onTriggered={onTriggered}
          canTrigger={canTrigger}
          refreshKey={refreshKey}
        />
      ))}
      {selected && (
        <BuildDetails
          key={`${selected.job}#${selected.number}`}
          entityRef={entityRef}
          job={selected.job}
          number={selected.number}
          canTrigger={canTrigger}
          canAbort={canAbort}
          onRebuilt={onTriggered}
          onChanged={() => setRefreshKey(k => k + 1)}
        />
      )}
    </Box>
  );
}
