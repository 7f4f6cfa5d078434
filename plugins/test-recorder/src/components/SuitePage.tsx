import { Progress } from '@backstage/core-components';
import {
  useApi,
  useAppNavigate,
  useRouteRefParams,
} from '@backstage/frontend-plugin-api';
import { Box, Button, Tab, Tabs, Tooltip, Typography } from '@material-ui/core';
import {
  testRecorderSuiteRecordPermission,
  testRecorderSuiteRunPermission,
} from '@internal/plugin-test-recorder-common';
import { useLoader } from '@internal/react-common';
import { useState } from 'react';
import { testRecorderApiRef } from '../api';
import { formatWhen } from '../format';
import { useAllowed } from '../hooks';
import { useTestRecorderLinks } from '../links';
import { suiteRouteRef } from '../routes';
import { ProblemAlert } from './ProblemAlert';
import { RunSuiteDialog } from './RunSuiteDialog';
import { SuiteCodePanel } from './SuiteCodePanel';
import { SuiteRunsPanel } from './SuiteRunsPanel';
import { SuiteSecretsPanel } from './SuiteSecretsPanel';
import { SuiteSettingsPanel } from './SuiteSettingsPanel';
import { SuiteTestsPanel } from './SuiteTestsPanel';
import { SuiteVersionsPanel } from './SuiteVersionsPanel';

const TABS = [
  'Tests',
  'Code',
  'Versions',
  'Runs',
  'Secrets',
  'Settings',
] as const;
type TabName = (typeof TABS)[number];

export type SuitePageProps = { name: string };

/** A suite: its tests with their steps, the rendered code, versions, runs, secrets, settings. */
export function SuitePage(props: SuitePageProps) {
  const { name } = props;
  const api = useApi(testRecorderApiRef);
  const links = useTestRecorderLinks();
  const navigate = useAppNavigate();
  const [tab, setTab] = useState<TabName>('Tests');
  const [running, setRunning] = useState(false);
  const suite = useLoader(() => api.getSuite(name), [api, name]);
  const entityRef = suite.value?.entityRef;
  const mayRun = useAllowed(testRecorderSuiteRunPermission, entityRef);
  const mayRecord = useAllowed(testRecorderSuiteRecordPermission, entityRef);

  if (suite.error && !suite.value) {
    return (
      <ProblemAlert
        error={suite.error}
        title={`Suite ${name} cannot be shown`}
      />
    );
  }
  if (!suite.value) return <Progress />;
  const current = suite.value;

  return (
    <Box p={3} display="flex" flexDirection="column" style={{ gap: 16 }}>
      <Box
        display="flex"
        alignItems="center"
        flexWrap="wrap"
        style={{ gap: 16 }}
      >
        <Box flex="1 1 auto">
          <Typography variant="h4" component="h1">
            {current.definition.title ?? current.name}
          </Typography>
          <Typography variant="body2" color="textSecondary">
            {current.name} · owned by {current.entityRef} · version{' '}
            {current.version} by {current.updatedBy},{' '}
            {formatWhen(current.updatedAt)} · {current.definition.baseUrl}
          </Typography>
        </Box>
        <Tooltip
          title={mayRecord ? '' : 'You may not record tests for this suite'}
        >
          <span>
            <Button
              variant="outlined"
              disabled={!mayRecord}
              onClick={() =>
                navigate(
                  links.recorder({
                    entityRef: current.entityRef,
                    suite: current.name,
                  }),
                )
              }
            >
              Record a new test
            </Button>
          </span>
        </Tooltip>
        <Tooltip title={mayRun ? '' : 'You may not run this suite'}>
          <span>
            <Button
              variant="contained"
              color="primary"
              disabled={!mayRun}
              onClick={() => setRunning(true)}
            >
              Run
            </Button>
          </span>
        </Tooltip>
      </Box>
      <Tabs
        value={tab}
        onChange={(_e, value) => setTab(value)}
        aria-label="Suite sections"
        indicatorColor="primary"
      >
        {TABS.map(t => (
          <Tab key={t} value={t} label={t} id={`suite-tab-${t}`} />
        ))}
      </Tabs>
      <Box role="tabpanel" aria-labelledby={`suite-tab-${tab}`}>
        {tab === 'Tests' && (
          <SuiteTestsPanel suite={current} onChanged={suite.retry} />
        )}
        {tab === 'Code' && <SuiteCodePanel suiteName={current.name} />}
        {tab === 'Versions' && <SuiteVersionsPanel suiteName={current.name} />}
        {tab === 'Runs' && <SuiteRunsPanel suiteName={current.name} />}
        {tab === 'Secrets' && (
          <SuiteSecretsPanel suite={current} onChanged={suite.retry} />
        )}
        {tab === 'Settings' && (
          <SuiteSettingsPanel suite={current} onSaved={suite.retry} />
        )}
      </Box>
      <RunSuiteDialog
        suiteName={current.name}
        open={running}
        onClose={() => setRunning(false)}
        onStarted={run => navigate(links.run(run.runId))}
      />
    </Box>
  );
}

/** The page at `/test-recorder/suites/:name`. */
export function SuitePageRoute() {
  const { name } = useRouteRefParams(suiteRouteRef);
  return <SuitePage key={name} name={decodeURIComponent(name)} />;
}
