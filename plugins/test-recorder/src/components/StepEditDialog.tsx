import {
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  MenuItem,
  TextField,
  Typography,
} from '@material-ui/core';
import type {
  TestLocator,
  TestStep,
} from '@internal/plugin-test-recorder-common';
import { useState } from 'react';
import { describeStep } from '../stepText';

export type StepEditDialogProps = {
  step: TestStep;
  onCancel: () => void;
  onSave: (step: TestStep) => void;
};

type Draft = Record<string, any>;

/** The fields a person edits for each locator kind: a role has two, the rest one value. */
function locatorFields(locator: TestLocator, update: (l: TestLocator) => void) {
  if (locator.kind === 'role') {
    return (
      <>
        <TextField
          id="StepEditDialog-role"
          label="Role"
          value={locator.role}
          onChange={e => update({ ...locator, role: e.target.value })}
          fullWidth
          margin="dense"
        />
        <TextField
          id="StepEditDialog-accessible-name"
          label="Accessible name"
          value={locator.name ?? ''}
          onChange={e =>
            update({ ...locator, name: e.target.value || undefined })
          }
          fullWidth
          margin="dense"
        />
      </>
    );
  }
  return (
    <TextField
      id={`StepEditDialog-locator-${locator.kind}`}
      label={`Locator (${locator.kind})`}
      value={locator.value}
      onChange={e =>
        update({ ...locator, value: e.target.value } as TestLocator)
      }
      fullWidth
      margin="dense"
    />
  );
}

/** Why a draft cannot be saved, or undefined when it can. */
export function stepProblem(step: TestStep): string | undefined {
  if ('target' in step && step.target) {
    const l = step.target.locator;
    if (l.kind === 'role' ? !l.role.trim() : !l.value.trim()) {
      return 'The locator needs a value';
    }
  }
  switch (step.action) {
    case 'navigate':
    case 'assertUrl':
      return step.url.trim() ? undefined : 'The URL is empty';
    case 'press':
      return step.key.trim() ? undefined : 'The key is empty';
    case 'assertScreenshot':
      return /^[a-z0-9-]+$/.test(step.name)
        ? undefined
        : 'Screenshot name: lower-case letters, digits and dashes';
    default:
      return undefined;
  }
}

/** Edit one recorded step: its locator and the fields its kind has. */
export function StepEditDialog(props: StepEditDialogProps) {
  const [draft, setDraft] = useState<Draft>(() => ({ ...props.step }));
  // Typed as is, so a trailing comma survives until the next value is typed
  const [valuesText, setValuesText] = useState(() =>
    props.step.action === 'select' ? props.step.values.join(', ') : '',
  );
  const step = draft as TestStep;
  const set = (patch: Draft) => setDraft(d => ({ ...d, ...patch }));
  const problem = stepProblem(step);
  const text = (label: string, name: string) => (
    <TextField
      id={`StepEditDialog-${name}`}
      label={label}
      value={draft[name] ?? ''}
      onChange={e => set({ [name]: e.target.value })}
      fullWidth
      margin="dense"
    />
  );

  return (
    <Dialog
      open
      onClose={props.onCancel}
      aria-labelledby="edit-step-title"
      fullWidth
    >
      <DialogTitle id="edit-step-title">Edit step</DialogTitle>
      <DialogContent>
        <Typography variant="body2" color="textSecondary" gutterBottom>
          {describeStep(props.step)}
        </Typography>
        {'target' in step &&
          step.target &&
          locatorFields(step.target.locator, locator =>
            set({
              target: { ...step.target, locator, description: undefined },
            }),
          )}
        {(step.action === 'navigate' || step.action === 'assertUrl') &&
          text('URL', 'url')}
        {step.action === 'fill' &&
          (step.secret !== undefined ? (
            <Typography variant="body2">
              Types the suite secret <code>{step.secret}</code>
            </Typography>
          ) : (
            text('Value', 'value')
          ))}
        {step.action === 'press' && text('Key', 'key')}
        {step.action === 'assertText' && text('Text', 'text')}
        {step.action === 'assertValue' && text('Value', 'value')}
        {step.action === 'assertScreenshot' && text('Screenshot name', 'name')}
        {step.action === 'select' && (
          <TextField
            id="StepEditDialog-values-comma-separated"
            label="Values (comma separated)"
            value={valuesText}
            onChange={e => {
              setValuesText(e.target.value);
              set({
                values: e.target.value
                  .split(',')
                  .map(v => v.trim())
                  .filter(Boolean),
              });
            }}
            fullWidth
            margin="dense"
          />
        )}
        {(step.action === 'assertText' || step.action === 'assertUrl') && (
          <TextField
            id="StepEditDialog-match"
            select
            label="Match"
            value={step.match}
            onChange={e => set({ match: e.target.value })}
            fullWidth
            margin="dense"
          >
            <MenuItem value="exact">exactly</MenuItem>
            <MenuItem value="contains">contains</MenuItem>
          </TextField>
        )}
        {(step.action === 'check' || step.action === 'assertChecked') && (
          <FormControlLabel
            label="Checked"
            control={
              <Checkbox
                checked={step.checked}
                onChange={e => set({ checked: e.target.checked })}
              />
            }
          />
        )}
        {step.action === 'assertVisible' && (
          <FormControlLabel
            label="Visible (unchecked: hidden)"
            control={
              <Checkbox
                checked={step.visible}
                onChange={e => set({ visible: e.target.checked })}
              />
            }
          />
        )}
        {problem && (
          <Typography color="error" variant="body2">
            {problem}
          </Typography>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onCancel}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={Boolean(problem)}
          onClick={() => props.onSave(step)}
        >
          Save step
        </Button>
      </DialogActions>
    </Dialog>
  );
}
