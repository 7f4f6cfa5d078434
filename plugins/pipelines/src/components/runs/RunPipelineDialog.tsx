import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import FormControl from '@material-ui/core/FormControl';
import InputLabel from '@material-ui/core/InputLabel';
import LinearProgress from '@material-ui/core/LinearProgress';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { makeStyles } from '@material-ui/core/styles';
import { useApi } from '@backstage/frontend-plugin-api';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import {
  defaultParameterValues,
  ParameterField,
  ParameterForm,
  ParameterValue,
} from '@internal/react-common';
import { FormEvent, useEffect, useMemo, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { pipelinesApiRef, PipelineFile } from '../../api/PipelinesApi';
import { IssueList } from '../common/IssueList';

const useStyles = makeStyles(theme => ({
  field: { marginBottom: theme.spacing(2), display: 'flex' },
}));

/** The pipeline's params as the shared form's fields, in the order the file declares them. */
function parameterFields(file?: PipelineFile): ParameterField[] {
  return Object.entries(file?.definition?.params ?? {}).map(
    ([name, param]) => ({
      name,
      type: param.type,
      description: param.description,
      default: param.default,
      // A string's enum is a list to pick from, like a choice's options
      choices: param.options ?? param.enum,
      pattern: param.pattern,
      maxLength: param.maxLength,
      required: param.required,
    }),
  );
}

export type RunPipelineDialogProps = {
  entityRef: string;
  open: boolean;
  onClose(): void;
  onTriggered(run: PipelineRun): void;
};

/** Trigger a run: pick the pipeline, a branch, and its typed parameters (defaults filled in). */
export function RunPipelineDialog(props: RunPipelineDialogProps) {
  const { entityRef, open, onClose, onTriggered } = props;
  const classes = useStyles();
  const api = useApi(pipelinesApiRef);
  const files = useAsync(
    async () => (open ? api.listPipelines(entityRef) : undefined),
    [api, entityRef, open],
  );
  const pipelines = useMemo(() => files.value?.pipelines ?? [], [files.value]);
  const [path, setPath] = useState<string>();
  const [branch, setBranch] = useState('');
  const [values, setValues] = useState<Record<string, ParameterValue>>({});
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<Error>();
  const file = pipelines.find(p => p.path === path) ?? pipelines[0];
  const fields = useMemo(() => parameterFields(file), [file]);

  useEffect(() => {
    setValues(defaultParameterValues(fields));
  }, [fields]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file?.definition) return;
    setSubmitting(true);
    setError(undefined);
    try {
      const params: Record<string, ParameterValue> = {};
      for (const [name, value] of Object.entries(values)) {
        if (value !== '') params[name] = value;
      }
      const run = await api.triggerRun({
        entityRef,
        pipelinePath: file.path,
        branch: branch || undefined,
        params,
      });
      onTriggered(run);
    } catch (e) {
      setError(e as Error);
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      aria-labelledby="run-pipeline-title"
      fullWidth
      maxWidth="sm"
    >
      <form onSubmit={submit}>
        <DialogTitle id="run-pipeline-title">Run pipeline</DialogTitle>
        <DialogContent>
          {files.loading && <LinearProgress aria-label="Loading pipelines" />}
          {files.error && <Alert severity="error">{files.error.message}</Alert>}
          {pipelines.length > 0 && (
            <FormControl className={classes.field}>
              <InputLabel id="run-pipeline-file-label">Pipeline</InputLabel>
              {/* In a modal dialog the focus moves to its first field (the WAI-ARIA dialog
                  pattern); the rule is about pages taking the focus on load */}
              <Select
                // eslint-disable-next-line jsx-a11y/no-autofocus
                autoFocus
                labelId="run-pipeline-file-label"
                id="run-pipeline-file"
                value={file?.path ?? ''}
                onChange={e => setPath(e.target.value as string)}
              >
                {pipelines.map(p => (
                  <MenuItem key={p.path} value={p.path}>
                    {p.definition?.name ?? p.path} ({p.path})
                  </MenuItem>
                ))}
              </Select>
            </FormControl>
          )}
          {file?.issues && file.issues.length > 0 && (
            <Alert severity="error">
              <Typography variant="body2">
                {file.path} cannot run: it does not validate.
              </Typography>
              <IssueList issues={file.issues} />
            </Alert>
          )}
          {file?.definition && (
            <>
              <TextField
                id="run-branch"
                className={classes.field}
                label="Branch"
                placeholder="default branch"
                value={branch}
                onChange={e => setBranch(e.target.value)}
              />
              <ParameterForm
                idPrefix="run-param-"
                fields={fields}
                values={values}
                onChange={(name, value) =>
                  setValues(v => ({ ...v, [name]: value }))
                }
              />
            </>
          )}
          {error && <Alert severity="error">{error.message}</Alert>}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            color="primary"
            variant="contained"
            disabled={!file?.definition || submitting}
          >
            Run
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
