import {
  Checkbox,
  FormControl,
  InputLabel,
  ListItemText,
  makeStyles,
  MenuItem,
  Select,
} from '@material-ui/core';

const useStyles = makeStyles({ control: { minWidth: 180, maxWidth: 320 } });

export type MultiSelectOption = { value: string; label: string };

export type MultiSelectProps = {
  id: string;
  label: string;
  options: MultiSelectOption[];
  value: string[];
  onChange: (value: string[]) => void;
};

/** A labelled multi-select: nothing chosen means no filter. */
export function MultiSelect(props: MultiSelectProps) {
  const { id, label, options, value, onChange } = props;
  const classes = useStyles();
  const labelOf = (v: string) => options.find(o => o.value === v)?.label ?? v;
  return (
    <FormControl className={classes.control}>
      <InputLabel id={`${id}-label`}>{label}</InputLabel>
      <Select
        labelId={`${id}-label`}
        id={id}
        name={id}
        multiple
        value={value}
        onChange={e => onChange(e.target.value as string[])}
        renderValue={selected => (selected as string[]).map(labelOf).join(', ')}
        MenuProps={{ getContentAnchorEl: null }}
      >
        {options.map(option => (
          <MenuItem key={option.value} value={option.value}>
            <Checkbox
              size="small"
              checked={value.includes(option.value)}
              inputProps={{ 'aria-hidden': true }}
              tabIndex={-1}
            />
            <ListItemText primary={option.label} />
          </MenuItem>
        ))}
      </Select>
    </FormControl>
  );
}
