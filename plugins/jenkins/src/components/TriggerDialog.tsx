import { useApi } from '@backstage/frontend-plugin-api';
import type {
  JenkinsJob,
  JenkinsParameterDefinition,
  JenkinsTriggerResult,
} from '@internal/plugin-jenkins-common';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Typography,
} from '@material-ui/core';
import {
  defaultParameterValues,
  ParameterField,
  ParameterForm,
} from '@internal/react-common';
import { FormEvent, useMemo, useState } from 'react';
import { jenkinsApiRef } from '../api';

export type TriggerDialogProps = {
  open: boolean;
  entityRef: string;
  job: JenkinsJob;
  onClose: () => void;
  onTriggered: (result: JenkinsTriggerResult) => void;
};

/** The job's parameters as the shared form's fields; Jenkins' other types are free text. */
function parameterFields(parameters: JenkinsParameterDefinition[]) {
  return parameters.map(
    (p): ParameterField => ({
      name: p.name,
      type: p.type === 'other' ? 'string' : p.type,
      description: p.description,
      default: p.defaultValue,
      choices: p.choices,
    }),
  );
}

/** A form generated from the job's parameter definitions; builds on submit. */
export function TriggerDialog(props: TriggerDialogProps) {
  const { open, entityRef, job, onClose, onTriggered } = props;
  const api = useApi(jenkinsApiRef);
  const fields = useMemo(() => parameterFields(job.parameters), [job]);
  const [values, setValues] = useState(() => defaultParameterValues(fields));
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitting(true);
    setError(undefined);
    try {
      // Password parameters left empty keep the job's own default.
      // Jenkins has no number parameters: every value is text or a boolean.
      const parameters = Object.fromEntries(
        Object.entries(values)
          .filter(([name, value]) => {
            const definition = job.parameters.find(p => p.name === name);
            return !(definition?.type === 'password' && value === '');
          })
          .map(([name, value]) => [
            name,
            typeof value === 'number' ? String(value) : value,
          ]),
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
          <ParameterForm
            idPrefix="jenkins-param-"
            fields={fields}
            values={values}
            onChange={(name, value) =>
              setValues(v => ({ ...v, [name]: value }))
            }
            nativeSelect
          />
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
