import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { Box, Button, Typography } from '@material-ui/core';
import { useLoader } from '@internal/react-common';
import { useState } from 'react';
import { testRecorderApiRef } from '../api';
import { formatWhen } from '../format';
import { ProblemAlert } from './ProblemAlert';
import { SuiteCodePanel } from './SuiteCodePanel';

export type SuiteVersionsPanelProps = { suiteName: string };

/** Who changed the suite, when and why; an old version's code on request. */
export function SuiteVersionsPanel(props: SuiteVersionsPanelProps) {
  const api = useApi(testRecorderApiRef);
  const versions = useLoader(
    () => api.getVersions(props.suiteName),
    [api, props.suiteName],
  );
  const [viewing, setViewing] = useState<number | undefined>();

  if (versions.error) {
    return (
      <ProblemAlert
        error={versions.error}
        title="The versions cannot be shown"
      />
    );
  }
  if (!versions.value) return <Progress />;
  return (
    <Box display="flex" flexDirection="column" style={{ gap: 16 }}>
      <Box
        component="ul"
        aria-label="Versions"
        pl={0}
        style={{ listStyle: 'none' }}
      >
        {versions.value.versions.map(v => (
          <li key={v.version}>
            <Box
              display="flex"
              alignItems="center"
              style={{ gap: 16 }}
              py={0.5}
            >
              <Typography variant="body2" style={{ flex: 1 }}>
                <strong>Version {v.version}</strong> · {v.createdBy} ·{' '}
                {formatWhen(v.createdAt)}
                {v.message ? ` · ${v.message}` : ''}
              </Typography>
              <Button
                size="small"
                onClick={() => setViewing(v.version)}
                aria-label={`View the code of version ${v.version}`}
              >
                View code
              </Button>
            </Box>
          </li>
        ))}
      </Box>
      {viewing !== undefined && (
        <>
          <Typography variant="h6">Code of version {viewing}</Typography>
          <SuiteCodePanel suiteName={props.suiteName} version={viewing} />
        </>
      )}
    </Box>
  );
}
