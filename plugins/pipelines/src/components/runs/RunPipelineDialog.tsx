import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormHelperText from '@material-ui/core/FormHelperText';
import InputLabel from '@material-ui/core/InputLabel';
import LinearProgress from '@material-ui/core/LinearProgress';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { makeStyles } from '@material-ui/core/styles';
import { useApi } from '@backstage/frontend-plugin-api';
import type {
  PipelineParam,
  PipelineRun,
} from '@internal/plugin-pipelines-common';
import { FormEvent, useEffect, useMemo, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { pipelinesApiRef, PipelineFile } from '../../api/PipelinesApi';
import { IssueList } from '../common/IssueList';

const useStyles = makeStyles(theme => ({
  field: { marginBottom: theme.spacing(2), display: 'flex' },
}));

type ParamValue = string | number | boolean;

function defaultsOf(file?: PipelineFile): Record<string, ParamValue> {
  const values: Record<string, ParamValue> = {};
  for (const [name, param] of Object.entries(file?.definition?.params ?? {})) {
    if (param.default !== undefined) values[name] = param.default;
    else if (param.type === 'boolean') values[name] = false;
    else if (param.type === 'choice') values[name] = param.options?.[0] ?? '';
    else values[name] = '';
  }
  return values;
}

function ParamField(props: {
  name: string;
  param: PipelineParam;
  value: ParamValue | undefined;
  onChange(value: ParamValue): void;
}) {
  const { name, param, value, onChange } = props;
  const classes = useStyles();
  const id = `run-param-${name}`;
  const help = param.description;
  if (param.type === 'boolean') {
    return (
      <FormControl className={classes.field}>
        <FormControlLabel
          control={
            <Checkbox
              id={id}
              checked={value === true || value === 'true'}
              onChange={e => onChange(e.target.checked)}
            />
          }
          label={name}
        />
        {help && <FormHelperText>{help}</FormHelperText>}
      </FormControl>
    );
  }
  if (param.type === 'choice') {
    return (
      <FormControl className={classes.field}>
        <InputLabel id={`${id}-label`}>{name}</InputLabel>
        <Select
          labelId={`${id}-label`}
          id={id}
          value={String(value ?? '')}
          onChange={e => onChange(e.target.value as string)}
        >
          {(param.options ?? []).map(option => (
            <MenuItem key={option} value={option}>
              {option}
            </MenuItem>
          ))}
        </Select>
        {help && <FormHelperText>{help}</FormHelperText>}
      </FormControl>
    );
  }
  return (
    <TextField
      id={id}
      className={classes.field}
      label={name}
      type={param.type === 'number' ? 'number' : 'text'}
      value={value ?? ''}
      required={param.required}
      helperText={help}
      onChange={e =>
        onChange(
          param.type === 'number' && e.target.value !== ''
            ? Number(e.target.value)
            : e.target.value,
        )
      }
    />
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
  const [values, setValues] = useState<Record<string, ParamValue>>({});
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<Error>();
  const file = pipelines.find(p => p.path === path) ?? pipelines[0];

  useEffect(() => {
    setValues(defaultsOf(file));
  }, [file]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file?.definition) return;
    setSubmitting(true);
    setError(undefined);
    try {
      const params: Record<string, ParamValue> = {};
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
              {Object.entries(file.definition.params).map(([name, param]) => (
                <ParamField
                  key={name}
                  name={name}
                  param={param}
                  value={values[name]}
                  onChange={value => setValues(v => ({ ...v, [name]: value }))}
                />
              ))}
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
