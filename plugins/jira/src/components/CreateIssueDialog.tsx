import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import type {
  JiraCreatedIssue,
  JiraCreateField,
  JiraCreateIssueInput,
  JiraCreateMeta,
} from '@internal/plugin-jira-common';
import { useLoader } from '@internal/react-common';
import {
  Box,
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControl,
  FormHelperText,
  InputLabel,
  ListItemText,
  MenuItem,
  Select,
  TextField,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import {
  FormEvent,
  ReactNode,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { jiraApiRef } from '../api';
import { fieldErrorsOf } from '../fieldErrors';
import { splitList } from '../format';
import { JiraProblem } from './JiraProblem';

/** Values a caller fills in beforehand (a failed run's bug). */
export type CreateIssueInitialValues = {
  /** An issue type's name, matched case-insensitively; the first type otherwise. */
  issueType?: string;
  summary?: string;
  description?: string;
  labels?: string[];
};

export type CreateIssueDialogProps = {
  open: boolean;
  entityRef: string;
  onClose: () => void;
  onCreated: (issue: JiraCreatedIssue) => void;
  initial?: CreateIssueInitialValues;
  title?: string;
};

/** Fields the form has its own inputs for, or that Jira fills itself. */
const OWN_FIELDS = new Set([
  'project',
  'issuetype',
  'summary',
  'description',
  'assignee',
  'labels',
  'components',
  'reporter',
  'attachment',
  'issuelinks',
]);

type FieldValue = string | string[];
type Project = JiraCreateMeta['projects'][number];
type IssueType = Project['issueTypes'][number];

const isMulti = (field: JiraCreateField) => field.schemaType === 'array';

/** Jira's REST shape for a value of a field, by its schema type. */
function customFieldValue(field: JiraCreateField, value: FieldValue): unknown {
  if (field.allowedValues?.length) {
    return Array.isArray(value)
      ? value.map(id => ({ id }))
      : { id: value as string };
  }
  const text = Array.isArray(value) ? value.join(',') : value.trim();
  switch (field.schemaType) {
    case 'number':
      return Number(text);
    case 'array':
      return splitList(text);
    case 'datetime':
      return new Date(text).toISOString();
    default:
      // string, date (YYYY-MM-DD), user (account id / user name) and the rest go as typed
      return text;
  }
}

function isEmpty(value: FieldValue | undefined) {
  return Array.isArray(value) ? value.length === 0 : !value?.trim();
}

type FormProps = Omit<CreateIssueDialogProps, 'open'> & {
  meta: JiraCreateMeta;
};

function CreateIssueForm(props: FormProps) {
  const { meta, entityRef, initial, onClose, onCreated } = props;
  const api = useApi(jiraApiRef);
  const projects = meta.projects.filter(p =>
    p.issueTypes.some(t => !t.subtask),
  );
  const [projectIndex, setProjectIndex] = useState(0);
  const project: Project | undefined = projects[projectIndex];
  const issueTypes = (project?.issueTypes ?? []).filter(t => !t.subtask);
  const defaultType = (types: IssueType[]) =>
    (initial?.issueType &&
      types.find(t => t.name.toLowerCase() === initial.issueType!.toLowerCase())
        ?.id) ||
    types[0]?.id ||
    '';
  const [issueTypeId, setIssueTypeId] = useState(() => defaultType(issueTypes));
  const issueType = issueTypes.find(t => t.id === issueTypeId);
  const fields = useMemo(() => issueType?.fields ?? [], [issueType]);
  const field = (id: string) => fields.find(f => f.id === id);
  // Jira refuses a field that is not on the type's create screen; a meta without fields
  // (an older backend) shows them all
  const offers = (id: string) => fields.length === 0 || Boolean(field(id));

  const [summary, setSummary] = useState(initial?.summary ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [assignee, setAssignee] = useState('');
  const [labels, setLabels] = useState((initial?.labels ?? []).join(', '));
  const [componentNames, setComponentNames] = useState<string[]>([]);
  const [componentText, setComponentText] = useState('');
  const [custom, setCustom] = useState<Record<string, FieldValue>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<ReactNode>();
  const [submitting, setSubmitting] = useState(false);
  // The dialog opens on its first field
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    formRef.current
      ?.querySelector<HTMLElement>(
        '[role="button"][tabindex="0"], input:not([tabindex="-1"]):not([type="hidden"]), textarea:not([aria-hidden])',
      )
      ?.focus();
  }, []);

  const customFields = fields.filter(f => f.required && !OWN_FIELDS.has(f.id));
  const componentOptions = field('components')?.allowedValues ?? [];
  const assigneeOptions = field('assignee')?.allowedValues ?? [];

  const changeProject = (index: number) => {
    setProjectIndex(index);
    const types = (projects[index]?.issueTypes ?? []).filter(t => !t.subtask);
    setIssueTypeId(defaultType(types));
    setCustom({});
    setErrors({});
  };

  const validate = () => {
    const found: Record<string, string> = {};
    if (!summary.trim()) found.summary = 'Summary is required';
    if (summary.length > 255)
      found.summary = 'Summary must be at most 255 characters';
    if (splitList(labels).some(label => /\s/.test(label)))
      found.labels = 'Labels cannot contain spaces; separate them with commas';
    for (const f of customFields) {
      const value = custom[f.id];
      if (isEmpty(value)) {
        found[f.id] = `${f.name} is required`;
      } else if (
        f.schemaType === 'number' &&
        !f.allowedValues?.length &&
        !Number.isFinite(Number((value as string).trim()))
      ) {
        found[f.id] = `${f.name} must be a number`;
      }
    }
    return found;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!project || !issueType) return;
    const found = validate();
    setErrors(found);
    setProblem(undefined);
    if (Object.keys(found).length) return;
    const componentList = componentOptions.length
      ? componentNames.filter(name =>
          componentOptions.some(o => o.name === name),
        )
      : splitList(componentText);
    const labelList = splitList(labels);
    const input: JiraCreateIssueInput = {
      projectKey: project.key,
      issueType: issueType.id,
      summary: summary.trim(),
      ...(description.trim() ? { description: description.trim() } : {}),
      ...(assignee.trim() ? { assignee: assignee.trim() } : {}),
      ...(labelList.length ? { labels: labelList } : {}),
      ...(componentList.length ? { components: componentList } : {}),
      ...(customFields.length
        ? {
            customFields: Object.fromEntries(
              customFields.map(f => [f.id, customFieldValue(f, custom[f.id])]),
            ),
          }
        : {}),
    };
    setSubmitting(true);
    try {
      const created = await api.createIssue(entityRef, input);
      onCreated(created);
    } catch (e) {
      const error = e as Error;
      // Jira names the fields it refused, by id (or by a custom field's configured name)
      const formFields = [
        'summary',
        'description',
        'assignee',
        'labels',
        'components',
        ...customFields.flatMap(f => [f.id, f.name]),
      ];
      const onForm: Record<string, string> = {};
      const elsewhere: string[] = [];
      for (const [key, message] of Object.entries(
        fieldErrorsOf(error, formFields),
      )) {
        const id = formFields.includes(key)
          ? customFields.find(f => f.name === key)?.id ?? key
          : undefined;
        if (id) onForm[id] = message;
        else elsewhere.push(`${field(key)?.name ?? key}: ${message}`);
      }
      setErrors(onForm);
      setProblem(
        <>
          {error.message}
          {elsewhere.map(line => (
            <div key={line}>{line}</div>
          ))}
        </>,
      );
    } finally {
      setSubmitting(false);
    }
  };

  if (!project || !issueType) {
    return (
      <>
        <DialogContent>
          <Alert severity="warning">
            None of the entity's Jira projects offers an issue type that can be
            created here.
          </Alert>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Close</Button>
        </DialogActions>
      </>
    );
  }

  const customInput = (f: JiraCreateField) => {
    const id = `jira-create-${f.id}`;
    const value =
      custom[f.id] ?? (isMulti(f) && f.allowedValues?.length ? [] : '');
    const set = (v: FieldValue) => setCustom(c => ({ ...c, [f.id]: v }));
    if (f.allowedValues?.length) {
      const multi = isMulti(f);
      return (
        <FormControl
          key={f.id}
          fullWidth
          margin="dense"
          required
          error={Boolean(errors[f.id])}
        >
          <InputLabel id={`${id}-label`}>{f.name}</InputLabel>
          <Select
            labelId={`${id}-label`}
            id={id}
            multiple={multi}
            value={value}
            onChange={e => set(e.target.value as FieldValue)}
            renderValue={
              multi
                ? selected =>
                    (selected as string[])
                      .map(
                        v => f.allowedValues!.find(a => a.id === v)?.name ?? v,
                      )
                      .join(', ')
                : undefined
            }
          >
            {f.allowedValues.map(option => (
              <MenuItem key={option.id} value={option.id}>
                {multi ? (
                  <>
                    <Checkbox
                      size="small"
                      checked={(value as string[]).includes(option.id)}
                      tabIndex={-1}
                      inputProps={{ 'aria-hidden': true }}
                    />
                    <ListItemText primary={option.name} />
                  </>
                ) : (
                  option.name
                )}
              </MenuItem>
            ))}
          </Select>
          {errors[f.id] && <FormHelperText>{errors[f.id]}</FormHelperText>}
        </FormControl>
      );
    }
    const type =
      { number: 'number', date: 'date', datetime: 'datetime-local' }[
        f.schemaType
      ] ?? 'text';
    const help =
      {
        array: 'Separate values with commas',
        user: 'Jira account id (Cloud) or user name (Data Center)',
      }[f.schemaType] ?? undefined;
    return (
      <TextField
        key={f.id}
        id={id}
        label={f.name}
        fullWidth
        margin="dense"
        required
        type={type}
        InputLabelProps={
          type === 'text' || type === 'number' ? undefined : { shrink: true }
        }
        value={value as string}
        onChange={e => set(e.target.value)}
        error={Boolean(errors[f.id])}
        helperText={errors[f.id] ?? help}
      />
    );
  };

  const several = projects.length > 1;

  return (
    <form
      ref={formRef}
      onSubmit={submit}
      noValidate
      aria-label="New Jira issue"
    >
      <DialogContent>
        {several && (
          <FormControl fullWidth margin="dense" required>
            <InputLabel id="jira-create-project-label">Project</InputLabel>
            <Select
              labelId="jira-create-project-label"
              id="jira-create-project"
              value={projectIndex}
              onChange={e => changeProject(Number(e.target.value))}
            >
              {projects.map((p, index) => (
                <MenuItem key={`${p.instance}/${p.key}`} value={index}>
                  {p.name} ({p.key}, {p.instance})
                </MenuItem>
              ))}
            </Select>
          </FormControl>
        )}
        <FormControl fullWidth margin="dense" required>
          <InputLabel id="jira-create-issuetype-label">Issue type</InputLabel>
          <Select
            labelId="jira-create-issuetype-label"
            id="jira-create-issuetype"
            value={issueTypeId}
            onChange={e => {
              setIssueTypeId(String(e.target.value));
              setCustom({});
              setErrors({});
            }}
          >
            {issueTypes.map(t => (
              <MenuItem key={t.id} value={t.id}>
                {t.name}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
        <TextField
          id="jira-create-summary"
          label="Summary"
          fullWidth
          margin="dense"
          required
          value={summary}
          onChange={e => setSummary(e.target.value)}
          error={Boolean(errors.summary)}
          helperText={errors.summary}
        />
        {offers('description') && (
          <TextField
            id="jira-create-description"
            label="Description"
            fullWidth
            margin="dense"
            multiline
            minRows={5}
            value={description}
            onChange={e => setDescription(e.target.value)}
            error={Boolean(errors.description)}
            helperText={errors.description ?? 'Markdown'}
          />
        )}
        {offers('assignee') &&
          (assigneeOptions.length ? (
            <FormControl
              fullWidth
              margin="dense"
              error={Boolean(errors.assignee)}
            >
              <InputLabel id="jira-create-assignee-label">Assignee</InputLabel>
              <Select
                labelId="jira-create-assignee-label"
                id="jira-create-assignee"
                value={assignee}
                onChange={e => setAssignee(String(e.target.value))}
              >
                <MenuItem value="">Unassigned</MenuItem>
                {assigneeOptions.map(o => (
                  <MenuItem key={o.id} value={o.id}>
                    {o.name}
                  </MenuItem>
                ))}
              </Select>
              {errors.assignee && (
                <FormHelperText>{errors.assignee}</FormHelperText>
              )}
            </FormControl>
          ) : (
            <TextField
              id="jira-create-assignee"
              label="Assignee"
              fullWidth
              margin="dense"
              value={assignee}
              onChange={e => setAssignee(e.target.value)}
              error={Boolean(errors.assignee)}
              helperText={
                errors.assignee ??
                'Jira account id (Cloud) or user name (Data Center); empty leaves it unassigned'
              }
            />
          ))}
        {offers('labels') && (
          <TextField
            id="jira-create-labels"
            label="Labels"
            fullWidth
            margin="dense"
            value={labels}
            onChange={e => setLabels(e.target.value)}
            error={Boolean(errors.labels)}
            helperText={errors.labels ?? 'Separate labels with commas'}
          />
        )}
        {offers('components') &&
          (componentOptions.length ? (
            <FormControl
              fullWidth
              margin="dense"
              error={Boolean(errors.components)}
            >
              <InputLabel id="jira-create-components-label">
                Components
              </InputLabel>
              <Select
                labelId="jira-create-components-label"
                id="jira-create-components"
                multiple
                value={componentNames}
                onChange={e => setComponentNames(e.target.value as string[])}
                renderValue={selected => (selected as string[]).join(', ')}
              >
                {componentOptions.map(o => (
                  <MenuItem key={o.id} value={o.name}>
                    <Checkbox
                      size="small"
                      checked={componentNames.includes(o.name)}
                      tabIndex={-1}
                      inputProps={{ 'aria-hidden': true }}
                    />
                    <ListItemText primary={o.name} />
                  </MenuItem>
                ))}
              </Select>
              {errors.components && (
                <FormHelperText>{errors.components}</FormHelperText>
              )}
            </FormControl>
          ) : (
            <TextField
              id="jira-create-components"
              label="Components"
              fullWidth
              margin="dense"
              value={componentText}
              onChange={e => setComponentText(e.target.value)}
              error={Boolean(errors.components)}
              helperText={
                errors.components ?? 'Separate components with commas'
              }
            />
          ))}
        {customFields.map(customInput)}
        {problem && (
          <Box mt={2}>
            <Alert severity="error" role="alert">
              {problem}
            </Alert>
          </Box>
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
          {submitting ? 'Creating…' : 'Create'}
        </Button>
      </DialogActions>
    </form>
  );
}

function CreateIssueLoader(props: Omit<CreateIssueDialogProps, 'open'>) {
  const api = useApi(jiraApiRef);
  const meta = useLoader(
    () => api.getCreateMeta(props.entityRef),
    [api, props.entityRef],
  );
  if (meta.error) {
    return (
      <>
        <DialogContent>
          <JiraProblem
            error={meta.error}
            title="Jira's create form cannot be loaded"
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={props.onClose}>Close</Button>
        </DialogActions>
      </>
    );
  }
  if (!meta.value) {
    return (
      <DialogContent>
        <Progress />
      </DialogContent>
    );
  }
  return <CreateIssueForm {...props} meta={meta.value} />;
}

/**
 * Creates an issue in one of the entity's projects, with the fields Jira's create metadata
 * lists for the chosen type (required custom fields by schema type), and Jira's refusals shown
 * next to the fields they name.
 */
export function CreateIssueDialog(props: CreateIssueDialogProps) {
  const { open, title = 'Create Jira issue', ...rest } = props;
  return (
    <Dialog
      open={open}
      onClose={rest.onClose}
      aria-labelledby="jira-create-title"
      fullWidth
      maxWidth="sm"
    >
      <DialogTitle id="jira-create-title">{title}</DialogTitle>
      {open && <CreateIssueLoader {...rest} />}
    </Dialog>
  );
}
