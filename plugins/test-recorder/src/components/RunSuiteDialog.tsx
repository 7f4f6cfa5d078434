import { useApi } from '@backstage/frontend-plugin-api';
import {
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControl,
  FormControlLabel,
  FormLabel,
  MenuItem,
  Radio,
  RadioGroup,
  TextField,
} from '@material-ui/core';
import type { TestRunSummary } from '@internal/plugin-test-recorder-common';
import { useLoader } from '@internal/react-common';
import { useState } from 'react';
import { testRecorderApiRef } from '../api';
import { ProblemAlert } from './ProblemAlert';

export type RunSuiteDialogProps = {
  suiteName: string;
  open: boolean;
  onClose: () => void;
  /** Called with the queued run (the caller opens its page). */
  onStarted: (run: TestRunSummary) => void;
};

const DEFAULT_DEVICE = '';

/** Run a suite now: all or some of its tests, with retries, on a device preset. */
export function RunSuiteDialog(props: RunSuiteDialogProps) {
  const { suiteName, open } = props;
  const api = useApi(testRecorderApiRef);
  const details = useLoader(
    async () =>
      open
        ? Promise.all([api.getSuite(suiteName), api.getConfig()])
        : undefined,
    [api, suiteName, open],
  );
  const [which, setWhich] = useState<'all' | 'selected'>('all');
  const [selected, setSelected] = useState<string[]>([]);
  const [retries, setRetries] = useState('0');
  const [device, setDevice] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();

  const [suite, config] = details.value ?? [];
  const project = device ?? suite?.definition.project ?? DEFAULT_DEVICE;
  const retriesNumber = Number(retries);
  const retriesValid =
    Number.isInteger(retriesNumber) && retriesNumber >= 0 && retriesNumber <= 5;
  const canRun =
    !busy &&
    Boolean(suite) &&
    retriesValid &&
    (which === 'all' || selected.length > 0);

  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const started = await api.runSuite(suiteName, {
        testIds: which === 'selected' ? selected : undefined,
        retries: retriesNumber,
        project: project || undefined,
      });
      props.onStarted(started);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={open}
      onClose={props.onClose}
      aria-labelledby="run-suite-title"
      fullWidth
    >
      <DialogTitle id="run-suite-title">Run {suiteName}</DialogTitle>
      <DialogContent>
        {details.error && (
          <ProblemAlert
            error={details.error}
            title="The suite cannot be read"
          />
        )}
        {error && <ProblemAlert error={error} title="The run did not start" />}
        <FormControl component="fieldset" margin="normal">
          <FormLabel component="legend">Tests</FormLabel>
          <RadioGroup
            value={which}
            onChange={e => setWhich(e.target.value as 'all' | 'selected')}
          >
            <FormControlLabel
              value="all"
              control={<Radio />}
              label="All tests"
            />
            <FormControlLabel
              value="selected"
              control={<Radio />}
              label="Selected tests"
            />
          </RadioGroup>
          {which === 'selected' &&
            suite?.definition.tests.map(test => (
              <FormControlLabel
                key={test.id}
                label={test.name}
                control={
                  <Checkbox
                    checked={selected.includes(test.id)}
                    onChange={e =>
                      setSelected(s =>
                        e.target.checked
                          ? [...s, test.id]
                          : s.filter(id => id !== test.id),
                      )
                    }
                  />
                }
              />
            ))}
        </FormControl>
        <TextField
          id="RunSuiteDialog-retries"
          label="Retries"
          type="number"
          value={retries}
          onChange={e => setRetries(e.target.value)}
          error={!retriesValid}
          helperText={
            retriesValid
              ? 'A test that passes on a retry is reported flaky'
              : 'Retries: a whole number from 0 to 5'
          }
          inputProps={{ min: 0, max: 5 }}
          fullWidth
          margin="normal"
        />
        <TextField
          id="RunSuiteDialog-device-preset"
          select
          label="Device preset"
          value={project}
          onChange={e => setDevice(e.target.value)}
          fullWidth
          margin="normal"
        >
          <MenuItem value={DEFAULT_DEVICE}>Desktop (suite default)</MenuItem>
          {(config?.devices ?? []).map(name => (
            <MenuItem key={name} value={name}>
              {name}
            </MenuItem>
          ))}
        </TextField>
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={!canRun}
          onClick={run}
        >
          Run
        </Button>
      </DialogActions>
    </Dialog>
  );
}
