import { useApi } from '@backstage/frontend-plugin-api';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  MenuItem,
  Radio,
  RadioGroup,
  TextField,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import {
  SUITE_NAME_PATTERN,
  TestStep,
  TestSuite,
} from '@internal/plugin-test-recorder-common';
import { useLoader } from '@internal/react-common';
import { useState } from 'react';
import { isConflict, testRecorderApiRef } from '../api';
import { definitionWith, SaveTarget, secretsOf } from '../recordingSave';
import { ProblemAlert } from './ProblemAlert';

export type SaveRecordingDialogProps = {
  entityRef: string;
  sessionId: string;
  steps: TestStep[];
  /** The suite the recorder was opened for (`?suite=`), existing or not. */
  suiteName?: string;
  /** The test the recorder was opened to re-record (`?test=`). */
  testId?: string;
  /** The base URL the session records against. */
  baseUrl: string;
  onCancel: () => void;
  onSaved: (suite: TestSuite) => void;
};

type Mode = 'new' | 'existing';

/** Save the recorded steps as a test: in a new suite, or added to or replacing one in a suite. */
export function SaveRecordingDialog(props: SaveRecordingDialogProps) {
  const api = useApi(testRecorderApiRef);
  const entitySuites = useLoader(
    () => api.getEntitySuites(props.entityRef),
    [api, props.entityRef],
  );
  const suites = entitySuites.value?.suites ?? [];
  const preselected = props.suiteName;
  const [mode, setMode] = useState<Mode | undefined>();
  const [testName, setTestName] = useState('');
  const [newName, setNewName] = useState(preselected ?? '');
  const [title, setTitle] = useState('');
  const [baseUrl, setBaseUrl] = useState(props.baseUrl);
  const [existingName, setExistingName] = useState<string | undefined>();
  const [replace, setReplace] = useState<string>(props.testId ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const [conflict, setConflict] = useState<number | undefined>();

  const hasPreselectedSuite = suites.some(s => s.name === preselected);
  // Unless the user chose: the suite the recorder was opened for when it exists, a new one
  // when it was opened for a missing suite, else the entity's first suite if it has any
  const defaultMode: Mode =
    hasPreselectedSuite || (suites.length > 0 && !preselected)
      ? 'existing'
      : 'new';
  const effectiveMode: Mode = mode ?? defaultMode;
  const chosenSuite =
    existingName ?? (hasPreselectedSuite ? preselected : suites[0]?.name);
  const existing = useLoader(
    async () =>
      effectiveMode === 'existing' && chosenSuite
        ? api.getSuite(chosenSuite)
        : undefined,
    [api, effectiveMode, chosenSuite, conflict],
  );

  const problems: string[] = [];
  if (!testName.trim()) problems.push('Give the test a name');
  if (props.steps.length === 0) problems.push('Record at least one step');
  if (effectiveMode === 'new') {
    if (!SUITE_NAME_PATTERN.test(newName)) {
      problems.push('Suite name: lower-case letters, digits and dashes');
    }
    if (suites.some(s => s.name === newName)) {
      problems.push(`Suite ${newName} exists: choose "Existing suite"`);
    }
    if (!/^https?:\/\/\S+$/.test(baseUrl))
      problems.push('Base URL: an http(s) URL');
  } else if (!existing.value) {
    problems.push('Choose a suite');
  }

  const save = async () => {
    setBusy(true);
    setError(undefined);
    setConflict(undefined);
    try {
      let saved: TestSuite;
      if (effectiveMode === 'new') {
        const target: SaveTarget = {
          mode: 'new',
          name: newName,
          title,
          baseUrl,
        };
        saved = await api.createSuite({
          entityRef: props.entityRef,
          definition: definitionWith(target, testName.trim(), props.steps),
          message: `Recorded "${testName.trim()}"`,
        });
      } else {
        const suite = existing.value!;
        const target: SaveTarget = replace
          ? { mode: 'replace', definition: suite.definition, testId: replace }
          : { mode: 'add', definition: suite.definition };
        saved = await api.updateSuite(suite.name, {
          definition: definitionWith(target, testName.trim(), props.steps),
          baseVersion: suite.version,
          message: replace
            ? `Re-recorded "${testName.trim()}"`
            : `Recorded "${testName.trim()}"`,
        });
      }
      if (secretsOf(props.steps).length > 0) {
        await api.saveRecordingSecrets(props.sessionId, saved.name);
      }
      props.onSaved(saved);
    } catch (e) {
      if (isConflict(e)) {
        const latest = await api
          .getSuite(existing.value!.name)
          .catch(() => undefined);
        // Reloading `existing` through `conflict` makes the next Save build on that version
        setConflict(latest?.version ?? existing.value!.version + 1);
      } else {
        setError(e as Error);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      onClose={props.onCancel}
      aria-labelledby="save-recording-title"
      fullWidth
    >
      <DialogTitle id="save-recording-title">Save the test</DialogTitle>
      <DialogContent>
        {entitySuites.error && (
          <ProblemAlert
            error={entitySuites.error}
            title="The entity's suites cannot be read"
          />
        )}
        {conflict !== undefined && (
          <Alert severity="warning">
            Someone saved version {conflict} meanwhile: reload. Your test is
            still here; Save adds it to version {conflict}.
          </Alert>
        )}
        {error && <ProblemAlert error={error} title="The test was not saved" />}
        <TextField
          id="SaveRecordingDialog-test-name"
          label="Test name"
          value={testName}
          onChange={e => setTestName(e.target.value)}
          fullWidth
          margin="normal"
          required
        />
        <RadioGroup
          row
          value={effectiveMode}
          onChange={e => setMode(e.target.value as Mode)}
          aria-label="Suite"
        >
          <FormControlLabel value="new" control={<Radio />} label="New suite" />
          <FormControlLabel
            value="existing"
            control={<Radio />}
            label="Existing suite"
            disabled={suites.length === 0}
          />
        </RadioGroup>
        {effectiveMode === 'new' ? (
          <>
            <TextField
              id="SaveRecordingDialog-suite-name"
              label="Suite name"
              value={newName}
              onChange={e => setNewName(e.target.value)}
              helperText="Lower-case letters, digits and dashes; list it in comet.dev/test-suites"
              fullWidth
              margin="dense"
            />
            <TextField
              id="SaveRecordingDialog-suite-title"
              label="Suite title"
              value={title}
              onChange={e => setTitle(e.target.value)}
              fullWidth
              margin="dense"
            />
            <TextField
              id="SaveRecordingDialog-base-url"
              label="Base URL"
              value={baseUrl}
              onChange={e => setBaseUrl(e.target.value)}
              fullWidth
              margin="dense"
            />
          </>
        ) : (
          <>
            <TextField
              id="SaveRecordingDialog-suite"
              select
              label="Suite"
              value={chosenSuite ?? ''}
              onChange={e => {
                setExistingName(e.target.value);
                setReplace('');
              }}
              fullWidth
              margin="dense"
            >
              {suites.map(s => (
                <MenuItem key={s.name} value={s.name}>
                  {s.title ?? s.name}
                </MenuItem>
              ))}
            </TextField>
            <TextField
              id="SaveRecordingDialog-save-as"
              select
              label="Save as"
              value={replace}
              onChange={e => setReplace(e.target.value)}
              fullWidth
              margin="dense"
            >
              <MenuItem value="">A new test</MenuItem>
              {(existing.value?.definition.tests ?? []).map(t => (
                <MenuItem key={t.id} value={t.id}>
                  Replace “{t.name}”
                </MenuItem>
              ))}
            </TextField>
          </>
        )}
        {problems.length > 0 && (
          <ul aria-label="What is missing">
            {problems.map(p => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onCancel}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={busy || problems.length > 0}
          onClick={save}
        >
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
}
