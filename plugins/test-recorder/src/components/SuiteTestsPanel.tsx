import { useApi } from '@backstage/frontend-plugin-api';
import {
  Box,
  Button,
  FormControlLabel,
  Paper,
  Switch,
  Typography,
} from '@material-ui/core';
import {
  testRecorderSuiteEditPermission,
  TestSuite,
} from '@internal/plugin-test-recorder-common';
import { useState } from 'react';
import { testRecorderApiRef } from '../api';
import { useAllowed } from '../hooks';
import { ProblemAlert } from './ProblemAlert';
import { StepList } from './StepList';
import { TestHistoryPanel } from './TestHistoryPanel';

export type SuiteTestsPanelProps = {
  suite: TestSuite;
  /** After a quarantine change: read the suite again. */
  onChanged: () => void;
};

/** Each test with its steps, a quarantine toggle and its history. */
export function SuiteTestsPanel(props: SuiteTestsPanelProps) {
  const { suite } = props;
  const api = useApi(testRecorderApiRef);
  const mayEdit = useAllowed(testRecorderSuiteEditPermission, suite.entityRef);
  const [historyOf, setHistoryOf] = useState<string | undefined>();
  const [error, setError] = useState<Error | undefined>();

  const toggleQuarantine = async (testId: string, quarantined: boolean) => {
    setError(undefined);
    try {
      await api.setQuarantine(suite.name, testId, quarantined);
      props.onChanged();
    } catch (e) {
      setError(e as Error);
    }
  };

  if (suite.definition.tests.length === 0) {
    return <Typography>This suite has no tests yet.</Typography>;
  }
  return (
    <Box display="flex" flexDirection="column" style={{ gap: 16 }}>
      {error && (
        <ProblemAlert
          error={error}
          title="The quarantine could not be changed"
        />
      )}
      {suite.definition.tests.map(test => {
        const quarantined = suite.quarantinedTestIds.includes(test.id);
        return (
          <Paper
            key={test.id}
            variant="outlined"
            component="section"
            aria-label={`Test ${test.name}`}
          >
            <Box p={2}>
              <Box display="flex" alignItems="center" style={{ gap: 16 }}>
                <Typography variant="h6" style={{ flex: 1 }}>
                  {test.name}
                </Typography>
                <FormControlLabel
                  label="Quarantined"
                  control={
                    <Switch
                      checked={quarantined}
                      disabled={!mayEdit}
                      onChange={e =>
                        toggleQuarantine(test.id, e.target.checked)
                      }
                      inputProps={{ 'aria-label': `Quarantine ${test.name}` }}
                    />
                  }
                />
                <Button
                  onClick={() =>
                    setHistoryOf(h => (h === test.id ? undefined : test.id))
                  }
                  aria-expanded={historyOf === test.id}
                >
                  History
                </Button>
              </Box>
              <StepList steps={test.steps} label={`Steps of ${test.name}`} />
              {historyOf === test.id && (
                <TestHistoryPanel suiteName={suite.name} testId={test.id} />
              )}
            </Box>
          </Paper>
        );
      })}
    </Box>
  );
}
