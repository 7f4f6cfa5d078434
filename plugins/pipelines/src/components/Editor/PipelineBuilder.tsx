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
import ArrowDownwardIcon from '@material-ui/icons/ArrowDownward';
import ArrowUpwardIcon from '@material-ui/icons/ArrowUpward';
import { DragEvent, FormEvent, useEffect, useMemo, useState } from 'react';
import {
  addJob,
  addNeed,
  addStep,
  moveStep,
  newStep,
  readJobs,
  removeJob,
  removeStep,
  toggleNeed,
  uniqueJobId,
} from './builderOps';

/** What is dragged, as `dataTransfer` types. */
const DRAG = {
  /** A job's id, dropped on another job: that job needs it. */
  job: 'application/x-comet-job',
  /** From the palette: a new job, dropped on the canvas. */
  newJob: 'application/x-comet-new-job',
  /** From the palette: `run` or `uses`, dropped on a job or before one of its steps. */
  newStep: 'application/x-comet-new-step',
  /** A step, `{"jobId", "index"}`, dropped before another step of its job. */
  step: 'application/x-comet-step',
};

const carries = (event: DragEvent, ...types: string[]) =>
  types.some(type => Array.from(event.dataTransfer.types).includes(type));

type Apply = (change: (text: string) => string, done?: string) => void;

const useStyles = makeStyles(theme => ({
  jobs: { display: 'flex', flexWrap: 'wrap', gap: theme.spacing(2) },
  job: {
    padding: theme.spacing(1.5),
    width: 280,
    border: `2px solid transparent`,
  },
  dropTarget: { borderColor: theme.palette.primary.main },
  canvas: {
    minHeight: 120,
    padding: theme.spacing(1),
    border: `2px dashed transparent`,
    borderRadius: 4,
  },
  canvasTarget: { borderColor: theme.palette.primary.main },
  palette: {
    display: 'flex',
    gap: theme.spacing(1),
    flexWrap: 'wrap',
    alignItems: 'center',
    margin: theme.spacing(1, 0),
  },
  step: {
    display: 'flex',
    alignItems: 'center',
    gap: 2,
    borderTop: '2px solid transparent',
  },
  stepTarget: { borderTopColor: theme.palette.primary.main },
  stepName: {
    flex: 1,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
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
  /** Known step types; a new `uses` step names the first. */
  stepTypes?: readonly string[];
};

/** What the step `index` of a job carries when dragged. */
function readStepDrag(event: DragEvent) {
  try {
    const data = JSON.parse(event.dataTransfer.getData(DRAG.step));
    return typeof data?.jobId === 'string' && Number.isInteger(data?.index)
      ? (data as { jobId: string; index: number })
      : undefined;
  } catch {
    return undefined;
  }
}

const moveButtonId = (jobId: string, index: number, dir: 'up' | 'down') =>
  `builder-step-${jobId}-${index}-${dir}`;

function StepItem(props: {
  jobId: string;
  index: number;
  name: string;
  count: number;
  stepTypes?: readonly string[];
  apply: Apply;
  onMoved(index: number, dir: 'up' | 'down'): void;
}) {
  const { jobId, index, name, count, stepTypes, apply, onMoved } = props;
  const classes = useStyles();
  const [over, setOver] = useState(false);
  const move = (dir: 'up' | 'down') => {
    const to = dir === 'up' ? index - 1 : index + 1;
    apply(
      t => moveStep(t, jobId, index, to),
      `Moved step "${name}" of ${jobId} to position ${to + 1}`,
    );
    onMoved(to, dir);
  };
  return (
    <li
      className={`${classes.step} ${over ? classes.stepTarget : ''}`}
      data-step={index}
      onDragOver={event => {
        if (carries(event, DRAG.step, DRAG.newStep)) {
          event.preventDefault();
          event.stopPropagation();
          setOver(true);
        }
      }}
      onDragLeave={() => setOver(false)}
      onDrop={event => {
        setOver(false);
        const kind = event.dataTransfer.getData(DRAG.newStep);
        const source = readStepDrag(event);
        if (kind === 'run' || kind === 'uses') {
          event.preventDefault();
          event.stopPropagation();
          apply(
            t => addStep(t, jobId, newStep(kind, stepTypes), index),
            `Added a ${kind} step to ${jobId} at position ${index + 1}`,
          );
        } else if (source && source.jobId === jobId) {
          event.preventDefault();
          event.stopPropagation();
          apply(
            t => moveStep(t, jobId, source.index, index),
            `Moved step ${source.index + 1} of ${jobId} to position ${
              index + 1
            }`,
          );
        }
      }}
    >
      <span
        className={classes.handle}
        draggable
        title="Drag onto another step of this job to move it there"
        aria-hidden
        onDragStart={event => {
          event.dataTransfer.setData(
            DRAG.step,
            JSON.stringify({ jobId, index }),
          );
          event.dataTransfer.effectAllowed = 'move';
        }}
      >
        <DragIndicatorIcon fontSize="inherit" aria-hidden />
      </span>
      <span className={classes.stepName}>{name}</span>
      <IconButton
        size="small"
        id={moveButtonId(jobId, index, 'up')}
        aria-label={`Move step ${index + 1} of ${jobId} up`}
        disabled={index === 0}
        onClick={() => move('up')}
      >
        <ArrowUpwardIcon fontSize="inherit" />
      </IconButton>
      <IconButton
        size="small"
        id={moveButtonId(jobId, index, 'down')}
        aria-label={`Move step ${index + 1} of ${jobId} down`}
        disabled={index === count - 1}
        onClick={() => move('down')}
      >
        <ArrowDownwardIcon fontSize="inherit" />
      </IconButton>
      <IconButton
        size="small"
        aria-label={`Remove step ${index + 1} of ${jobId}`}
        onClick={() =>
          apply(
            t => removeStep(t, jobId, index),
            `Removed step "${name}" of ${jobId}`,
          )
        }
      >
        <DeleteIcon fontSize="inherit" />
      </IconButton>
    </li>
  );
}

function JobCard(props: {
  job: { id: string; needs: string[]; steps: string[] };
  others: string[];
  stepTypes?: readonly string[];
  apply: Apply;
}) {
  const { job, others, stepTypes, apply } = props;
  const classes = useStyles();
  const [over, setOver] = useState(false);
  // After a move with the keyboard, focus follows the moved step
  const [focus, setFocus] = useState<{ index: number; dir: 'up' | 'down' }>();
  useEffect(() => {
    if (!focus) return;
    const { index, dir } = focus;
    const button =
      (document.getElementById(
        moveButtonId(job.id, index, dir),
      ) as HTMLButtonElement | null) ?? undefined;
    const other = document.getElementById(
      moveButtonId(job.id, index, dir === 'up' ? 'down' : 'up'),
    );
    (button && !button.disabled ? button : other)?.focus();
    setFocus(undefined);
  }, [focus, job.id, job.steps]);
  const [stepName, setStepName] = useState('');
  const [stepRun, setStepRun] = useState('');
  const onAddStep = (event: FormEvent) => {
    event.preventDefault();
    if (!stepRun.trim()) return;
    apply(
      t =>
        addStep(t, job.id, {
          name: stepName.trim() || stepRun.trim().split('\n')[0],
          run: stepRun,
        }),
      `Added a step to ${job.id}`,
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
        if (carries(event, DRAG.job, DRAG.newStep)) {
          event.preventDefault();
          event.stopPropagation();
          setOver(true);
        }
      }}
      onDragLeave={() => setOver(false)}
      onDrop={event => {
        setOver(false);
        const kind = event.dataTransfer.getData(DRAG.newStep);
        const source = event.dataTransfer.getData(DRAG.job);
        if (kind === 'run' || kind === 'uses') {
          event.preventDefault();
          event.stopPropagation();
          apply(
            t => addStep(t, job.id, newStep(kind, stepTypes)),
            `Added a ${kind} step to ${job.id}`,
          );
        } else if (source) {
          event.preventDefault();
          event.stopPropagation();
          if (source !== job.id) {
            apply(
              t => addNeed(t, job.id, source),
              `${job.id} now needs ${source}`,
            );
          }
        }
      }}
      data-job={job.id}
    >
      <Box display="flex" justifyContent="space-between" alignItems="center">
        <span
          className={classes.handle}
          draggable
          title={`Drag onto another job to make it need ${job.id}`}
          onDragStart={event => {
            event.dataTransfer.setData(DRAG.job, job.id);
            event.dataTransfer.effectAllowed = 'link';
          }}
        >
          <DragIndicatorIcon fontSize="small" aria-hidden />
          {job.id}
        </span>
        <IconButton
          size="small"
          aria-label={`Remove job ${job.id}`}
          onClick={() => apply(t => removeJob(t, job.id), `Removed ${job.id}`)}
        >
          <DeleteIcon fontSize="small" />
        </IconButton>
      </Box>
      <ol className={classes.steps} aria-label={`Steps of ${job.id}`}>
        {job.steps.map((step, index) => (
          <StepItem
            key={index}
            jobId={job.id}
            index={index}
            name={step}
            count={job.steps.length}
            stepTypes={stepTypes}
            apply={apply}
            onMoved={(to, dir) => setFocus({ index: to, dir })}
          />
        ))}
      </ol>
      <Box display="flex" style={{ gap: 4 }}>
        {(['run', 'uses'] as const).map(kind => (
          <Button
            key={kind}
            size="small"
            variant="outlined"
            aria-label={`Add ${kind} step to ${job.id}`}
            onClick={() =>
              apply(
                t => addStep(t, job.id, newStep(kind, stepTypes)),
                `Added a ${kind} step to ${job.id}`,
              )
            }
          >
            + {kind}
          </Button>
        ))}
      </Box>
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
 * Add jobs and steps by dragging them from the palette (or with the buttons and forms),
 * reorder steps by dragging (or with the move buttons), and draw `needs` by dragging one job
 * onto another (or with the "Needs" checkboxes). Every change edits the YAML text, keeping
 * its comments.
 */
export function PipelineBuilder(props: PipelineBuilderProps) {
  const { text, onChange, stepTypes } = props;
  const classes = useStyles();
  const jobs = useMemo(() => readJobs(text), [text]);
  const [jobId, setJobId] = useState('');
  const [error, setError] = useState<string>();
  const [status, setStatus] = useState('');
  const [canvasOver, setCanvasOver] = useState(false);
  const apply: Apply = (change, done) => {
    try {
      onChange(change(text));
      setError(undefined);
      setStatus(done ?? '');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const addNewJob = () => {
    const id = uniqueJobId(text);
    apply(t => addJob(t, id), `Added job ${id}`);
  };
  return (
    <div>
      <Typography variant="body2" paragraph>
        Drag a job or a step from the palette onto the jobs, drag a step by its
        handle onto another step to move it there, and drag a job&apos;s name
        onto another job to make that job need it. With the keyboard: &quot;Add
        job&quot;, the &quot;+ run&quot;/&quot;+ uses&quot; buttons of a job,
        the arrows of each step, and the &quot;Needs&quot; boxes.
      </Typography>
      {error && (
        <Alert severity="error" role="alert">
          {error}
        </Alert>
      )}
      <div role="group" aria-label="Palette" className={classes.palette}>
        <Typography variant="subtitle2" component="span">
          Palette:
        </Typography>
        <span
          className={classes.handle}
          draggable
          title='Drag onto the jobs; or press "Add job" (the id is optional)'
          onDragStart={event => {
            event.dataTransfer.setData(DRAG.newJob, 'job');
            event.dataTransfer.effectAllowed = 'copy';
          }}
        >
          <DragIndicatorIcon fontSize="small" aria-hidden />
          New job
        </span>
        {(['run', 'uses'] as const).map(kind => (
          <span
            key={kind}
            className={classes.handle}
            draggable
            title={`Drag onto a job, or before one of its steps; or use "+ ${kind}" in a job`}
            onDragStart={event => {
              event.dataTransfer.setData(DRAG.newStep, kind);
              event.dataTransfer.effectAllowed = 'copy';
            }}
          >
            <DragIndicatorIcon fontSize="small" aria-hidden />
            {kind === 'run' ? 'Run step' : 'Uses step'}
          </span>
        ))}
      </div>
      <form
        className={classes.form}
        onSubmit={event => {
          event.preventDefault();
          if (!jobId.trim()) {
            addNewJob();
            return;
          }
          const id = jobId.trim();
          apply(t => addJob(t, id), `Added job ${id}`);
          setJobId('');
        }}
      >
        <TextField
          id="builder-new-job"
          size="small"
          label="New job id (optional)"
          value={jobId}
          onChange={e => setJobId(e.target.value)}
        />
        <Button type="submit" variant="outlined" size="small">
          Add job
        </Button>
      </form>
      <Box
        mt={2}
        role="region"
        aria-label="Jobs"
        className={`${classes.jobs} ${classes.canvas} ${
          canvasOver ? classes.canvasTarget : ''
        }`}
        onDragOver={(event: DragEvent) => {
          if (carries(event, DRAG.newJob)) {
            event.preventDefault();
            setCanvasOver(true);
          }
        }}
        onDragLeave={() => setCanvasOver(false)}
        onDrop={(event: DragEvent) => {
          setCanvasOver(false);
          if (event.dataTransfer.getData(DRAG.newJob)) {
            event.preventDefault();
            addNewJob();
          }
        }}
      >
        {jobs.map(job => (
          <JobCard
            key={job.id}
            job={job}
            others={jobs.filter(j => j.id !== job.id).map(j => j.id)}
            stepTypes={stepTypes}
            apply={apply}
          />
        ))}
      </Box>
      <Typography variant="caption" role="status" component="p">
        {status}
      </Typography>
    </div>
  );
}
