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
  Typography,
} from '@material-ui/core';
import type { TestStep } from '@internal/plugin-test-recorder-common';
import { useState } from 'react';
import type { PickedElement } from '../recordingMessages';
import { describeLocator } from '../stepText';

export type AssertionDialogProps = {
  picked: PickedElement;
  /** A fresh step id. */
  newStepId: () => string;
  onAdd: (step: TestStep) => void;
  onCancel: () => void;
};

type Kind = 'visible' | 'text' | 'value' | 'checked' | 'screenshot';

/** What to assert about the element the user picked in the live view. */
export function AssertionDialog(props: AssertionDialogProps) {
  const { picked } = props;
  const { state } = picked;
  const hasValue = state.value !== undefined;
  const hasChecked = state.checked !== undefined;
  const [kind, setKind] = useState<Kind>(() => {
    if (state.text) return 'text';
    return hasValue ? 'value' : 'visible';
  });
  const [text, setText] = useState(state.text ?? '');
  const [match, setMatch] = useState<'exact' | 'contains'>('exact');
  const [value, setValue] = useState(state.value ?? '');
  const [name, setName] = useState('');
  const nameValid = /^[a-z0-9-]+$/.test(name);
  const target = picked.target;

  const build = (): TestStep => {
    const id = props.newStepId();
    switch (kind) {
      case 'text':
        return { id, action: 'assertText', target, text, match };
      case 'value':
        return { id, action: 'assertValue', target, value };
      case 'checked':
        return {
          id,
          action: 'assertChecked',
          target,
          checked: Boolean(state.checked),
        };
      case 'screenshot':
        return { id, action: 'assertScreenshot', target, name };
      default:
        return { id, action: 'assertVisible', target, visible: state.visible };
    }
  };

  return (
    <Dialog
      open
      onClose={props.onCancel}
      aria-labelledby="assertion-title"
      fullWidth
    >
      <DialogTitle id="assertion-title">Add an assertion</DialogTitle>
      <DialogContent>
        <Typography variant="body2" gutterBottom>
          On {target.description ?? describeLocator(target.locator)} (
          {state.tagName})
        </Typography>
        {picked.fragile && (
          <Typography variant="body2" style={{ color: '#e65100' }} gutterBottom>
            Fragile: {picked.fragile.reason}. {picked.fragile.suggestion}
          </Typography>
        )}
        <RadioGroup
          value={kind}
          onChange={e => setKind(e.target.value as Kind)}
          aria-label="Assertion"
        >
          <FormControlLabel
            value="visible"
            control={<Radio />}
            label={state.visible ? 'Is visible' : 'Is hidden'}
          />
          <FormControlLabel value="text" control={<Radio />} label="Has text" />
          <FormControlLabel
            value="value"
            control={<Radio />}
            label="Has value"
            disabled={!hasValue}
          />
          <FormControlLabel
            value="checked"
            control={<Radio />}
            label={state.checked ? 'Is checked' : 'Is unchecked'}
            disabled={!hasChecked}
          />
          <FormControlLabel
            value="screenshot"
            control={<Radio />}
            label="Looks the same (screenshot)"
          />
        </RadioGroup>
        {kind === 'text' && (
          <>
            <TextField
              id="AssertionDialog-text"
              label="Text"
              value={text}
              onChange={e => setText(e.target.value)}
              fullWidth
              margin="dense"
            />
            <TextField
              id="AssertionDialog-match"
              select
              label="Match"
              value={match}
              onChange={e => setMatch(e.target.value as 'exact' | 'contains')}
              fullWidth
              margin="dense"
            >
              <MenuItem value="exact">exactly</MenuItem>
              <MenuItem value="contains">contains</MenuItem>
            </TextField>
          </>
        )}
        {kind === 'value' && (
          <TextField
            id="AssertionDialog-value"
            label="Value"
            value={value}
            onChange={e => setValue(e.target.value)}
            fullWidth
            margin="dense"
          />
        )}
        {kind === 'screenshot' && (
          <TextField
            id="AssertionDialog-screenshot-name"
            label="Screenshot name"
            value={name}
            onChange={e => setName(e.target.value)}
            error={name !== '' && !nameValid}
            helperText="Lower-case letters, digits and dashes: the baseline's name"
            fullWidth
            margin="dense"
          />
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onCancel}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={
            (kind === 'screenshot' && !nameValid) ||
            (kind === 'text' && text === '')
          }
          onClick={() => props.onAdd(build())}
        >
          Add assertion
        </Button>
      </DialogActions>
    </Dialog>
  );
}
