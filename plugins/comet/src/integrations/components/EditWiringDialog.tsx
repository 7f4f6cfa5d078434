import { useApi } from '@backstage/frontend-plugin-api';
import {
  WIRING_ANNOTATIONS,
  WIRING_FIELD_PATTERN,
  type WiringAnnotation,
  type WiringChangeResponse,
  type WiringChoices,
  type WiringResponse,
} from '@internal/plugin-comet-common';
import { useLoader } from '@internal/react-common';
import {
  Button,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  TextField,
} from '@material-ui/core';
import { Alert, Autocomplete } from '@material-ui/lab';
import { FormEvent, useMemo, useState } from 'react';
import { integrationsApiRef } from '../api';
import { FIELD_LABELS, messageOf } from './labels';

export type EditWiringDialogProps = {
  wiring: WiringResponse;
  onClose: () => void;
  onDone: (result: WiringChangeResponse) => void;
};

type Values = Record<WiringAnnotation, string>;

function initialValues(wiring: WiringResponse): Values {
  const values = {} as Values;
  for (const key of WIRING_ANNOTATIONS) {
    values[key] =
      wiring.override?.annotations[key] ?? wiring.annotations[key] ?? '';
  }
  return values;
}

/**
 * Comma-separated lists, picked several at a time: Jira projects, Jenkins jobs, SonarQube
 * projects, test suites and pipeline files.
 */
const MULTIPLE: ReadonlySet<WiringAnnotation> = new Set([
  'jira/project-key',
  'jenkins.io/job-full-name',
  'sonarqube.org/project-key',
  'comet.dev/test-suites',
  'comet.dev/pipelines',
]);

function splitList(value: string): string[] {
  return value
    .split(',')
    .map(v => v.trim())
    .filter(Boolean);
}

/**
 * What is sent: every field whose value differs from the catalog's, and the override's fields
 * still set (an override is replaced as a whole).
 */
export function changedAnnotations(
  wiring: WiringResponse,
  values: Values,
): Partial<Values> {
  const change: Partial<Values> = {};
  for (const key of WIRING_ANNOTATIONS) {
    const value = values[key].trim();
    if (value === '') continue;
    if (
      value !== (wiring.annotations[key] ?? '') ||
      wiring.override?.annotations[key] !== undefined
    ) {
      change[key] = value;
    }
  }
  return change;
}

type FieldProps = {
  field: WiringAnnotation;
  choices?: WiringChoices;
  value: string;
  error?: string;
  onChange: (value: string) => void;
};

type MultipleFieldProps = {
  id: string;
  label: string;
  options: string[];
  labelOf: (option: string) => string;
  /** Comma-separated. */
  value: string;
  error?: string;
  helperText?: string;
  onChange: (value: string) => void;
};

/**
 * Several values picked from a live list or typed (free text is validated on save). A typed
 * value is added on Enter, and also when the field loses focus, so it is never lost unsaved.
 */
function MultipleField(props: MultipleFieldProps) {
  const { id, label, options, labelOf, value, error, helperText, onChange } =
    props;
  const [typed, setTyped] = useState('');
  // One array per value: a new one each render would make the field drop what is being typed
  const picked = useMemo(() => splitList(value), [value]);
  const keepTyped = () => {
    const pending = typed.trim();
    if (!pending) return;
    setTyped('');
    if (!picked.includes(pending)) onChange([...picked, pending].join(', '));
  };
  return (
    <Autocomplete
      id={id}
      multiple
      freeSolo
      filterSelectedOptions
      options={options}
      getOptionLabel={labelOf}
      value={picked}
      onChange={(_event, next) => onChange((next as string[]).join(', '))}
      inputValue={typed}
      onInputChange={(_event, next) => setTyped(next)}
      onBlur={keepTyped}
      renderInput={params => (
        <TextField
          {...params}
          label={label}
          margin="dense"
          error={Boolean(error)}
          helperText={helperText}
        />
      )}
    />
  );
}

function WiringField({ field, choices, value, error, onChange }: FieldProps) {
  const label = `${FIELD_LABELS[field]} (${field})`;
  const disabled = choices?.notConfigured !== undefined;
  const helperText =
    error ?? choices?.notConfigured ?? choices?.error ?? choices?.hint;
  const id = `wiring-${field.replace(/[^a-z0-9]+/gi, '-')}`;
  if (choices?.input === 'list' && !disabled) {
    const options = choices.values.map(v => v.value);
    const labelOf = (option: string) =>
      choices.values.find(v => v.value === option)?.label ?? option;
    if (MULTIPLE.has(field)) {
      return (
        <MultipleField
          id={id}
          label={label}
          options={options}
          labelOf={labelOf}
          value={value}
          error={error}
          helperText={helperText}
          onChange={onChange}
        />
      );
    }
    return (
      <Autocomplete
        id={id}
        freeSolo
        options={options}
        getOptionLabel={labelOf}
        inputValue={value}
        onInputChange={(_event, typed) => onChange(typed)}
        renderInput={params => (
          <TextField
            {...params}
            label={label}
            margin="dense"
            error={Boolean(error)}
            helperText={helperText}
          />
        )}
      />
    );
  }
  return (
    <TextField
      id={id}
      label={label}
      value={value}
      onChange={event => onChange(event.target.value)}
      disabled={disabled}
      error={Boolean(error)}
      helperText={helperText}
      margin="dense"
      fullWidth
    />
  );
}

/** The editor: each field fed by `/options`, errors shown at their field. */
export function EditWiringDialog({
  wiring,
  onClose,
  onDone,
}: EditWiringDialogProps) {
  const api = useApi(integrationsApiRef);
  const options = useLoader(
    () => api.getOptions(wiring.entityRef),
    [api, wiring.entityRef],
  );
  const [values, setValues] = useState<Values>(() => initialValues(wiring));
  const [fieldErrors, setFieldErrors] = useState<
    Partial<Record<string, string>>
  >({});
  const [formError, setFormError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const mode = wiring.mode === 'pull-request' ? 'pull-request' : 'override';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFieldErrors({});
    setFormError(undefined);
    const annotations = changedAnnotations(wiring, values);
    if (Object.keys(annotations).length === 0) {
      setFormError('Nothing changed: set or change at least one field.');
      return;
    }
    setSaving(true);
    try {
      onDone(
        await api.changeWiring({
          entityRef: wiring.entityRef,
          annotations,
          mode,
        }),
      );
    } catch (error) {
      const message = messageOf(error);
      const field = WIRING_FIELD_PATTERN.exec(message)?.[1];
      if (field && (WIRING_ANNOTATIONS as readonly string[]).includes(field)) {
        setFieldErrors({ [field]: message.replace(/^.*?field "[^"]+": /, '') });
      } else {
        setFormError(message);
      }
      setSaving(false);
    }
  };

  return (
    <Dialog
      open
      onClose={onClose}
      fullWidth
      maxWidth="sm"
      aria-labelledby="edit-wiring-title"
    >
      <form onSubmit={submit} noValidate>
        <DialogTitle id="edit-wiring-title">Edit wiring</DialogTitle>
        <DialogContent>
          {options.error && (
            <Alert severity="error">{options.error.message}</Alert>
          )}
          {formError && <Alert severity="error">{formError}</Alert>}
          {!options.value && !options.error ? (
            <CircularProgress aria-label="Loading choices" />
          ) : (
            WIRING_ANNOTATIONS.map(field => (
              <WiringField
                key={field}
                field={field}
                choices={options.value?.fields[field]}
                value={values[field]}
                error={fieldErrors[field]}
                onChange={next =>
                  setValues(current => ({ ...current, [field]: next }))
                }
              />
            ))
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            color="primary"
            variant="contained"
            disabled={saving || !options.value}
          >
            {mode === 'pull-request' ? 'Open pull request' : 'Save override'}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
