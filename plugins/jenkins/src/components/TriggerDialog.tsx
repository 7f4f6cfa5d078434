import { useApi } from '@backstage/frontend-plugin-api';
import type {
  JenkinsJob,
  JenkinsParameterDefinition,
  JenkinsTriggerResult,
} from '@internal/plugin-jenkins-common';
import {
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  FormControlLabel,
  TextField,
  Typography,
} from '@material-ui/core';
import { FormEvent, useState } from 'react';
import { jenkinsApiRef } from '../api';

export type TriggerDialogProps = {
  open: boolean;
  entityRef: string;
  job: JenkinsJob;
  onClose: () => void;
  onTriggered: (result: JenkinsTriggerResult) => void;
};

function initialValues(parameters: JenkinsParameterDefinition[]) {
  const values: Record<string, string | boolean> = {};
  for (const p of parameters) {
    if (p.type === 'boolean')
      values[p.name] = p.defaultValue === true || p.defaultValue === 'true';
    else if (p.type === 'choice')
      values[p.name] = String(p.defaultValue ?? p.choices?.[0] ?? '');
    else
      values[p.name] =
        p.defaultValue === undefined ? '' : String(p.defaultValue);
  }
  return values;
}

/** A form generated from the job's parameter definitions; builds on submit. */
export function TriggerDialog(props: TriggerDialogProps) {
  const { open, entityRef, job, onClose, onTriggered } = props;
  const api = useApi(jenkinsApiRef);
  const [values, setValues] = useState(() => initialValues(job.parameters));
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string>();
  const set = (name: string, value: string | boolean) =>
    setValues(v => ({ ...v, [name]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitting(true);
    setError(undefined);
    try {
      // Password parameters left empty keep the job's own default.
      const parameters = Object.fromEntries(
        Object.entries(values).filter(([name, value]) => {
          const definition = job.parameters.find(p => p.name === name);
          return !(definition?.type === 'password' && value === '');
        }),
      );
      const result = await api.triggerBuild({
        entityRef,
        job: job.jobRef,
        parameters: job.parameters.length ? parameters : undefined,
      });
      onTriggered(result);
    } catch (e) {
      setError(String((e as Error).message));
    } finally {
      setSubmitting(false);
    }
  };

  const title = job.parameters.length
    ? `Build ${job.displayName ?? job.name} with parameters`
    : `Build ${job.displayName ?? job.name}`;
  return (
    <Dialog
      open={open}
      onClose={onClose}
      aria-labelledby="jenkins-trigger-title"
      fullWidth
      maxWidth="sm"
    >
      <form onSubmit={submit}>
        <DialogTitle id="jenkins-trigger-title">{title}</DialogTitle>
        <DialogContent>
          <DialogContentText>
            {job.jobFullName} on Jenkins instance {job.instance}
          </DialogContentText>
          {job.parameters.length === 0 && (
            <Typography variant="body2">This job has no parameters.</Typography>
          )}
          {job.parameters.map(p => {
            const id = `jenkins-param-${p.name}`;
            if (p.type === 'boolean') {
              return (
                <div key={p.name}>
                  <FormControlLabel
                    control={
                      <Checkbox
                        id={id}
                        checked={values[p.name] === true}
                        onChange={e => set(p.name, e.target.checked)}
                      />
                    }
                    label={p.name}
                  />
                  {p.description && (
                    <Typography
                      variant="caption"
                      display="block"
                      color="textSecondary"
                    >
                      {p.description}
                    </Typography>
                  )}
                </div>
              );
            }
            if (p.type === 'choice') {
              return (
                <TextField
                  key={p.name}
                  id={id}
                  select
                  SelectProps={{ native: true }}
                  label={p.name}
                  helperText={p.description}
                  value={values[p.name]}
                  onChange={e => set(p.name, e.target.value)}
                  fullWidth
                  margin="normal"
                >
                  {(p.choices ?? []).map(choice => (
                    <option key={choice} value={choice}>
                      {choice}
                    </option>
                  ))}
                </TextField>
              );
            }
            return (
              <TextField
                key={p.name}
                id={id}
                label={p.name}
                helperText={p.description}
                type={p.type === 'password' ? 'password' : 'text'}
                multiline={p.type === 'text'}
                minRows={p.type === 'text' ? 3 : undefined}
                value={values[p.name]}
                onChange={e => set(p.name, e.target.value)}
                fullWidth
                margin="normal"
              />
            );
          })}
          {error && (
            <Typography color="error" role="alert" variant="body2">
              {error}
            </Typography>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            color="primary"
            variant="contained"
            disabled={submitting}
          >
            {submitting ? 'Starting…' : 'Build'}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
