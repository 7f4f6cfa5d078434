import Checkbox from '@material-ui/core/Checkbox';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormHelperText from '@material-ui/core/FormHelperText';
import InputLabel from '@material-ui/core/InputLabel';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import TextField from '@material-ui/core/TextField';

export type ParameterValue = string | number | boolean;

/** One parameter of a run or build: what the form shows for it. */
export type ParameterField = {
  name: string;
  /** `text` is multi-line; `password` is masked; a `number` is sent as a number. */
  type: 'string' | 'text' | 'password' | 'number' | 'boolean' | 'choice';
  description?: string;
  default?: ParameterValue;
  /**
   * The allowed values of a `choice`, or of a `string` limited to a list (a pipeline param's
   * `enum`): either is shown as a select.
   */
  choices?: string[];
  /** A regular expression the whole value must match; a hint here, the server decides. */
  pattern?: string;
  /** The most characters the value may have. */
  maxLength?: number;
  required?: boolean;
};

/** Whether the field is picked from a list rather than typed. */
function isSelect(field: ParameterField): boolean {
  return (
    field.type === 'choice' ||
    (field.type === 'string' && field.choices !== undefined)
  );
}

/** What is wrong with a typed value by the field's `maxLength` and `pattern`, if anything. */
function ruleProblem(field: ParameterField, value: string): string | undefined {
  if (value === '') {
    return undefined;
  }
  if (field.maxLength !== undefined && value.length > field.maxLength) {
    return `At most ${field.maxLength} characters`;
  }
  if (field.pattern !== undefined) {
    let matches = true;
    try {
      matches = new RegExp(`^(?:${field.pattern})$`, 'u').test(value);
    } catch {
      // A pattern this browser cannot compile gives no hint; the server still checks
    }
    if (!matches) {
      return `Must match ${field.pattern}`;
    }
  }
  return undefined;
}

/**
 * The values a form starts with: each field's default, else unchecked for a boolean, the first
 * choice for a choice, and empty for the rest.
 */
export function defaultParameterValues(
  fields: ParameterField[],
): Record<string, ParameterValue> {
  const values: Record<string, ParameterValue> = {};
  for (const field of fields) {
    if (field.type === 'boolean') {
      values[field.name] = field.default === true || field.default === 'true';
    } else if (isSelect(field)) {
      values[field.name] =
        field.default !== undefined
          ? String(field.default)
          : field.choices?.[0] ?? '';
    } else if (field.type === 'number') {
      values[field.name] = field.default ?? '';
    } else {
      values[field.name] =
        field.default === undefined ? '' : String(field.default);
    }
  }
  return values;
}

const inputTypes: Partial<Record<ParameterField['type'], string>> = {
  password: 'password',
  number: 'number',
};

export type ParameterFormProps = {
  /** Prefix of the inputs' ids, unique on the page (e.g. `run-param-`). */
  idPrefix: string;
  fields: ParameterField[];
  values: Record<string, ParameterValue>;
  onChange(name: string, value: ParameterValue): void;
  /**
   * Choices as the browser's own `<select>` rather than Material UI's menu. The Jenkins
   * dialog uses it: a job can have long lists of choices, which the native list handles.
   */
  nativeSelect?: boolean;
};

/**
 * The fields of a parameterised run or build, one per parameter, labelled with its name and
 * described by its description. The caller keeps the values and submits them.
 */
export function ParameterForm(props: ParameterFormProps) {
  const { idPrefix, fields, values, onChange, nativeSelect } = props;
  return (
    <>
      {fields.map(field => {
        const id = `${idPrefix}${field.name}`;
        const value = values[field.name];
        const help = field.description;
        if (field.type === 'boolean') {
          return (
            <FormControl key={field.name} fullWidth margin="dense">
              <FormControlLabel
                control={
                  <Checkbox
                    id={id}
                    checked={value === true || value === 'true'}
                    onChange={e => onChange(field.name, e.target.checked)}
                  />
                }
                label={field.name}
              />
              {help && <FormHelperText>{help}</FormHelperText>}
            </FormControl>
          );
        }
        if (isSelect(field) && nativeSelect) {
          return (
            <TextField
              key={field.name}
              id={id}
              select
              SelectProps={{ native: true }}
              label={field.name}
              helperText={help}
              required={field.required}
              value={String(value ?? '')}
              onChange={e => onChange(field.name, e.target.value)}
              fullWidth
              margin="normal"
            >
              {(field.choices ?? []).map(choice => (
                <option key={choice} value={choice}>
                  {choice}
                </option>
              ))}
            </TextField>
          );
        }
        if (isSelect(field)) {
          return (
            <FormControl
              key={field.name}
              fullWidth
              margin="normal"
              required={field.required}
            >
              <InputLabel id={`${id}-label`}>{field.name}</InputLabel>
              <Select
                labelId={`${id}-label`}
                id={id}
                value={String(value ?? '')}
                onChange={e => onChange(field.name, e.target.value as string)}
              >
                {(field.choices ?? []).map(choice => (
                  <MenuItem key={choice} value={choice}>
                    {choice}
                  </MenuItem>
                ))}
              </Select>
              {help && <FormHelperText>{help}</FormHelperText>}
            </FormControl>
          );
        }
        const problem =
          field.type === 'number'
            ? undefined
            : ruleProblem(field, String(value ?? ''));
        return (
          <TextField
            key={field.name}
            id={id}
            label={field.name}
            helperText={problem ?? help}
            error={problem !== undefined}
            inputProps={
              field.maxLength === undefined
                ? undefined
                : { maxLength: field.maxLength }
            }
            required={field.required}
            type={inputTypes[field.type] ?? 'text'}
            multiline={field.type === 'text'}
            minRows={field.type === 'text' ? 3 : undefined}
            value={value ?? ''}
            onChange={e =>
              onChange(
                field.name,
                field.type === 'number' && e.target.value !== ''
                  ? Number(e.target.value)
                  : e.target.value,
              )
            }
            fullWidth
            margin="normal"
          />
        );
      })}
    </>
  );
}
