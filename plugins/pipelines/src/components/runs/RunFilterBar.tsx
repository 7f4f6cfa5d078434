import FormControl from '@material-ui/core/FormControl';
import InputLabel from '@material-ui/core/InputLabel';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import TextField from '@material-ui/core/TextField';
import { makeStyles } from '@material-ui/core/styles';
import { useEffect, useState } from 'react';
import type { PipelineRunStatus } from '@internal/plugin-pipelines-common';
import type { CiProvider, RunFilters } from '../../api/PipelinesApi';
import { statusLabel } from '../common/StatusIndicator';

const useStyles = makeStyles(theme => ({
  root: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    alignItems: 'flex-end',
    marginBottom: theme.spacing(2),
  },
  select: { minWidth: 160 },
}));

const STATUSES: PipelineRunStatus[] = [
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
];

export type RunFilterBarProps = {
  filters: RunFilters;
  onChange(filters: RunFilters): void;
  providers?: CiProvider[];
  /** Known pipeline names, offered in a list; free text otherwise. */
  pipelines?: string[];
  children?: React.ReactNode;
};

/** A text filter that applies after typing stops, not on every key. */
function DebouncedField(props: {
  label: string;
  value?: string;
  onChange(value?: string): void;
}) {
  const { label, value, onChange } = props;
  const [text, setText] = useState(value ?? '');
  useEffect(() => setText(value ?? ''), [value]);
  useEffect(() => {
    if ((value ?? '') === text) return undefined;
    const timer = setTimeout(() => onChange(text || undefined), 400);
    return () => clearTimeout(timer);
  }, [text, value, onChange]);
  return (
    <TextField
      id={`runs-filter-${label.toLowerCase()}`}
      label={label}
      value={text}
      onChange={e => setText(e.target.value)}
      onKeyDown={e => {
        if (e.key === 'Enter') onChange(text || undefined);
      }}
    />
  );
}

export function RunFilterBar(props: RunFilterBarProps) {
  const { filters, onChange, providers, pipelines, children } = props;
  const classes = useStyles();
  const select = (
    id: string,
    label: string,
    value: string | undefined,
    options: Array<{ value: string; label: string }>,
    set: (value?: string) => void,
  ) => (
    <FormControl className={classes.select}>
      <InputLabel id={`${id}-label`}>{label}</InputLabel>
      <Select
        labelId={`${id}-label`}
        id={id}
        value={value ?? ''}
        onChange={e => set((e.target.value as string) || undefined)}
      >
        <MenuItem value="">All</MenuItem>
        {options.map(option => (
          <MenuItem key={option.value} value={option.value}>
            {option.label}
          </MenuItem>
        ))}
      </Select>
    </FormControl>
  );
  return (
    <div className={classes.root} role="group" aria-label="Filter runs">
      {providers &&
        providers.length > 0 &&
        select(
          'runs-filter-provider',
          'Provider',
          filters.provider,
          providers.map(p => ({ value: p.id, label: p.title })),
          provider => onChange({ ...filters, provider }),
        )}
      {pipelines && pipelines.length > 0 ? (
        select(
          'runs-filter-pipeline',
          'Pipeline',
          filters.pipeline,
          pipelines.map(p => ({ value: p, label: p })),
          pipeline => onChange({ ...filters, pipeline }),
        )
      ) : (
        <DebouncedField
          label="Pipeline"
          value={filters.pipeline}
          onChange={pipeline => onChange({ ...filters, pipeline })}
        />
      )}
      <DebouncedField
        label="Branch"
        value={filters.branch}
        onChange={branch => onChange({ ...filters, branch })}
      />
      {select(
        'runs-filter-status',
        'Status',
        filters.status,
        STATUSES.map(s => ({ value: s, label: statusLabel(s) })),
        status => onChange({ ...filters, status: status as PipelineRunStatus }),
      )}
      {children}
    </div>
  );
}
