import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import IconButton from '@material-ui/core/IconButton';
import Paper from '@material-ui/core/Paper';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { makeStyles } from '@material-ui/core/styles';
import DeleteIcon from '@material-ui/icons/Delete';
import DragIndicatorIcon from '@material-ui/icons/DragIndicator';
import { FormEvent, useMemo, useState } from 'react';
import {
  addJob,
  addNeed,
  addStep,
  readJobs,
  removeJob,
  removeStep,
  toggleNeed,
} from './builderOps';

const useStyles = makeStyles(theme => ({
  jobs: { display: 'flex', flexWrap: 'wrap', gap: theme.spacing(2) },
  job: {
    padding: theme.spacing(1.5),
    width: 280,
    border: `2px solid transparent`,
  },
  dropTarget: { borderColor: theme.palette.primary.main },
  handle: {
    cursor: 'grab',
    display: 'inline-flex',
    alignItems: 'center',
    gap: 4,
    fontWeight: 600,
    padding: theme.spacing(0.5),
    borderRadius: 4,
    border: `1px dashed ${theme.palette.divider}`,
  },
  form: {
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'flex-end',
    flexWrap: 'wrap',
  },
  steps: { margin: theme.spacing(1, 0), paddingLeft: theme.spacing(2) },
}));

export type PipelineBuilderProps = {
  text: string;
  onChange(text: string): void;
};

function JobCard(props: {
  job: { id: string; needs: string[]; steps: string[] };
  others: string[];
  apply(change: (text: string) => string): void;
}) {
  const { job, others, apply } = props;
  const classes = useStyles();
  const [over, setOver] = useState(false);
  const [stepName, setStepName] = useState('');
  const [stepRun, setStepRun] = useState('');
  const onAddStep = (event: FormEvent) => {
    event.preventDefault();
    if (!stepRun.trim()) return;
    apply(t =>
      addStep(t, job.id, {
        name: stepName.trim() || stepRun.trim().split('\n')[0],
        run: stepRun,
      }),
    );
    setStepName('');
    setStepRun('');
  };
  return (
    <Paper
      variant="outlined"
      className={`${classes.job} ${over ? classes.dropTarget : ''}`}
      role="group"
      aria-label={`Job ${job.id}`}
      onDragOver={event => {
        if (event.dataTransfer.types.includes('application/x-comet-job')) {
          event.preventDefault();
          setOver(true);
        }
      }}
      onDragLeave={() => setOver(false)}
      onDrop={event => {
        event.preventDefault();
        setOver(false);
        const source = event.dataTransfer.getData('application/x-comet-job');
        if (source && source !== job.id) apply(t => addNeed(t, job.id, source));
      }}
      data-job={job.id}
    >
      <Box display="flex" justifyContent="space-between" alignItems="center">
        <span
          className={classes.handle}
          draggable
          title={`Drag onto another job to make it need ${job.id}`}
          onDragStart={event => {
            event.dataTransfer.setData('application/x-comet-job', job.id);
            event.dataTransfer.effectAllowed = 'link';
          }}
        >
          <DragIndicatorIcon fontSize="small" aria-hidden />
          {job.id}
        </span>
        <IconButton
          size="small"
          aria-label={`Remove job ${job.id}`}
          onClick={() => apply(t => removeJob(t, job.id))}
        >
          <DeleteIcon fontSize="small" />
        </IconButton>
      </Box>
      <ol className={classes.steps} aria-label={`Steps of ${job.id}`}>
        {job.steps.map((step, index) => (
          <li key={index}>
            {step}{' '}
            <IconButton
              size="small"
              aria-label={`Remove step ${index + 1} of ${job.id}`}
              onClick={() => apply(t => removeStep(t, job.id, index))}
            >
              <DeleteIcon fontSize="inherit" />
            </IconButton>
          </li>
        ))}
      </ol>
      {others.length > 0 && (
        <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
          <Typography variant="caption" component="legend">
            Needs
          </Typography>
          {others.map(other => (
            <FormControlLabel
              key={other}
              control={
                <Checkbox
                  size="small"
                  checked={job.needs.includes(other)}
                  onChange={() => apply(t => toggleNeed(t, job.id, other))}
                />
              }
              label={other}
            />
          ))}
        </fieldset>
      )}
      <form className={classes.form} onSubmit={onAddStep}>
        <TextField
          id={`builder-step-name-${job.id}`}
          size="small"
          label={`Step name (${job.id})`}
          value={stepName}
          onChange={e => setStepName(e.target.value)}
        />
        <TextField
          id={`builder-step-run-${job.id}`}
          size="small"
          label={`Command (${job.id})`}
          value={stepRun}
          onChange={e => setStepRun(e.target.value)}
        />
        <Button type="submit" size="small" disabled={!stepRun.trim()}>
          Add step
        </Button>
      </form>
    </Paper>
  );
}

/**
 * Add jobs and steps, and draw `needs` by dragging one job onto another (or with the
 * "Needs" checkboxes). Every change edits the YAML text, keeping its comments.
 */
export function PipelineBuilder(props: PipelineBuilderProps) {
  const { text, onChange } = props;
  const classes = useStyles();
  const jobs = useMemo(() => readJobs(text), [text]);
  const [jobId, setJobId] = useState('');
  const [error, setError] = useState<string>();
  const apply = (change: (current: string) => string) => {
    try {
      onChange(change(text));
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div>
      <Typography variant="body2" paragraph>
        Drag a job&apos;s name onto another job to make that job need it, or
        tick its &quot;Needs&quot; boxes.
      </Typography>
      {error && (
        <Alert severity="error" role="alert">
          {error}
        </Alert>
      )}
      <form
        className={classes.form}
        onSubmit={event => {
          event.preventDefault();
          if (!jobId.trim()) return;
          apply(t => addJob(t, jobId.trim()));
          setJobId('');
        }}
      >
        <TextField
          id="builder-new-job"
          size="small"
          label="New job id"
          value={jobId}
          onChange={e => setJobId(e.target.value)}
        />
        <Button type="submit" variant="outlined" size="small">
          Add job
        </Button>
      </form>
      <Box mt={2} className={classes.jobs}>
        {jobs.map(job => (
          <JobCard
            key={job.id}
            job={job}
            others={jobs.filter(j => j.id !== job.id).map(j => j.id)}
            apply={apply}
          />
        ))}
      </Box>
    </div>
  );
}
