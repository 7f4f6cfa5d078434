import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  aiAssistantRulesManagePermission,
  type AiFailureRuleIssue,
  type AiFailureRulesTestResult,
  type AiFailureRulesView,
} from '@internal/plugin-ai-assistant-common';
import { useLoader } from '@internal/react-common';
import {
  Accordion,
  AccordionDetails,
  AccordionSummary,
  Box,
  Button,
  Chip,
  FormControl,
  FormControlLabel,
  FormLabel,
  Link,
  List,
  ListItem,
  ListItemText,
  makeStyles,
  Radio,
  RadioGroup,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@material-ui/core';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import { Alert, AlertTitle } from '@material-ui/lab';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import {
  ExplainFailureApiError,
  explainFailureApiRef,
  FailureRulesInvalidError,
} from './api';

const useStyles = makeStyles(theme => ({
  editor: { fontFamily: 'monospace', fontSize: '0.85rem' },
  log: {
    fontFamily: 'monospace',
    fontSize: '0.8rem',
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-all',
    margin: 0,
    padding: theme.spacing(1),
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: 4,
  },
  matched: {
    background: theme.palette.type === 'dark' ? '#5c4400' : '#fff3c4',
  },
  lineNumber: {
    display: 'inline-block',
    minWidth: '5ch',
    marginRight: theme.spacing(1),
    textAlign: 'right',
    color: theme.palette.text.secondary,
  },
  gap: { color: theme.palette.text.secondary, fontStyle: 'italic' },
  row: { display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1) },
}));

/** Why matching a rule stopped before the end of the tested log. */
const STOPPED = {
  'match-limit': ' (stopped at the cap of matches)',
  'time-budget': ' (stopped: out of time on this log)',
};

/** `12:7` for people; the issue's place in the YAML. */
export function issueText(issue: AiFailureRuleIssue): string {
  const where =
    issue.line !== undefined
      ? `Line ${issue.line}${
          issue.column !== undefined ? `, column ${issue.column}` : ''
        }: `
      : '';
  let what = '';
  if (issue.ruleId) {
    what = `rule "${issue.ruleId}"${issue.field ? `, ${issue.field}` : ''}: `;
  } else if (issue.path) {
    what = `${issue.path}: `;
  }
  return `${where}${what}${issue.message}`;
}

/** Selects line `line` (1-based) of a textarea and scrolls to it. */
function selectLine(textarea: HTMLTextAreaElement | null, line: number) {
  if (!textarea) return;
  const lines = textarea.value.split('\n');
  const start = lines
    .slice(0, Math.max(0, line - 1))
    .reduce((sum, text) => sum + text.length + 1, 0);
  const end = start + (lines[line - 1]?.length ?? 0);
  textarea.focus();
  textarea.setSelectionRange(start, end);
}

function Issues(props: {
  issues: AiFailureRuleIssue[];
  onSelect?: (line: number) => void;
}) {
  return (
    <Alert severity="error">
      <AlertTitle>
        {props.issues.length === 1
          ? '1 problem'
          : `${props.issues.length} problems`}
      </AlertTitle>
      <List dense disablePadding aria-label="Problems">
        {props.issues.map((issue, index) => (
          <ListItem
            key={index}
            disableGutters
            button={(props.onSelect && issue.line !== undefined) as any}
            onClick={
              props.onSelect && issue.line !== undefined
                ? () => props.onSelect!(issue.line!)
                : undefined
            }
          >
            <ListItemText primary={issueText(issue)} />
          </ListItem>
        ))}
      </List>
    </Alert>
  );
}

/** Lines around the matches of a test, matched ones highlighted and labelled with their rules. */
function MatchedLog(props: {
  log: string;
  result: Extract<AiFailureRulesTestResult, { ok: true }>;
}) {
  const classes = useStyles();
  const lines = useMemo(() => props.log.split('\n'), [props.log]);
  const matched = new Map<number, string[]>();
  for (const rule of props.result.results) {
    for (const match of rule.matches) {
      for (let line = match.line; line <= match.endLine; line++) {
        matched.set(line, [...(matched.get(line) ?? []), rule.ruleId]);
      }
    }
  }
  const shown = new Set<number>();
  for (const line of matched.keys()) {
    for (let near = line - 2; near <= line + 2; near++) {
      if (near >= 1 && near <= lines.length) shown.add(near);
    }
  }
  const ordered = [...shown].sort((a, b) => a - b);
  if (ordered.length === 0) return null;
  const rows: JSX.Element[] = [];
  let previous = 0;
  for (const line of ordered) {
    if (line > previous + 1) {
      rows.push(
        <div key={`gap-${line}`} className={classes.gap}>
          … {line - previous - 1} lines …
        </div>,
      );
    }
    const rules = matched.get(line);
    rows.push(
      <div
        key={line}
        className={rules ? classes.matched : undefined}
        data-matched={rules ? 'true' : undefined}
        title={rules ? `Matched by ${rules.join(', ')}` : undefined}
      >
        <span className={classes.lineNumber}>{line}</span>
        {lines[line - 1]}
        {rules ? `   ← ${rules.join(', ')}` : ''}
      </div>,
    );
    previous = line;
  }
  return (
    <pre className={classes.log} aria-label="Matched lines">
      {rows}
    </pre>
  );
}

function ShippedRules(props: { view: AiFailureRulesView }) {
  const classes = useStyles();
  const { shipped, overridden } = props.view;
  const [showYaml, setShowYaml] = useState(false);
  return (
    <Accordion>
      <AccordionSummary expandIcon={<ExpandMoreIcon />}>
        <Typography>
          Comet's shipped rules ({shipped.rules.length}
          {overridden.length > 0 ? `, ${overridden.length} replaced` : ''})
        </Typography>
      </AccordionSummary>
      <AccordionDetails>
        <Box width="100%">
          <Table size="small" aria-label="Shipped rules">
            <TableHead>
              <TableRow>
                <TableCell>Id</TableCell>
                <TableCell>Name</TableCell>
                <TableCell>Category</TableCell>
                <TableCell align="right">Priority</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {shipped.rules.map(rule => (
                <TableRow key={rule.id}>
                  <TableCell>
                    {rule.id}
                    {overridden.includes(rule.id) && (
                      <Chip
                        size="small"
                        label="replaced by yours"
                        style={{ marginLeft: 8 }}
                      />
                    )}
                  </TableCell>
                  <TableCell>{rule.name}</TableCell>
                  <TableCell>{rule.category}</TableCell>
                  <TableCell align="right">{rule.priority}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <Box mt={1}>
            <Link component="button" onClick={() => setShowYaml(s => !s)}>
              {showYaml ? 'Hide' : 'Show'} the shipped rules file
            </Link>
          </Box>
          {showYaml && (
            <pre className={classes.log} aria-label="Shipped rules file">
              {shipped.yaml}
            </pre>
          )}
        </Box>
      </AccordionDetails>
    </Accordion>
  );
}

type Notice =
  | { kind: 'saved'; text: string }
  | { kind: 'valid'; text: string }
  | { kind: 'error'; text: string; conflict?: boolean };

function RulesEditor(props: {
  view: AiFailureRulesView;
  canManage: boolean;
  onSaved: (view: AiFailureRulesView) => void;
  onReload: () => void;
}) {
  const classes = useStyles();
  const api = useApi(explainFailureApiRef);
  const { view, canManage } = props;
  const [yaml, setYaml] = useState(view.custom.yaml);
  const [issues, setIssues] = useState<AiFailureRuleIssue[]>([]);
  const [notice, setNotice] = useState<Notice>();
  const [busy, setBusy] = useState(false);
  const editor = useRef<HTMLTextAreaElement>(null);
  const editorId = useId();
  useEffect(() => setYaml(view.custom.yaml), [view.custom.yaml]);
  const changed = yaml !== view.custom.yaml;

  const check = async () => {
    setBusy(true);
    setNotice(undefined);
    try {
      const result = await api.testRules({ rules: yaml, log: '' });
      if (result.ok) {
        setIssues([]);
        setNotice({
          kind: 'valid',
          text: `No problems: ${result.results.length} ${
            result.results.length === 1 ? 'rule' : 'rules'
          }.`,
        });
      } else {
        setIssues(result.issues);
      }
    } catch (error) {
      setNotice({ kind: 'error', text: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    setBusy(true);
    setNotice(undefined);
    try {
      const saved = await api.saveRules(yaml, view.custom.version);
      setIssues([]);
      setNotice({
        kind: 'saved',
        text: `Saved as version ${saved.custom.version}: ${
          saved.custom.rules.length
        } ${
          saved.custom.rules.length === 1 ? 'rule' : 'rules'
        }, used by every explanation from now on.`,
      });
      props.onSaved(saved);
    } catch (error) {
      if (error instanceof FailureRulesInvalidError) {
        setIssues(error.issues);
        setNotice({ kind: 'error', text: error.message });
      } else {
        setNotice({
          kind: 'error',
          text: (error as Error).message,
          conflict:
            error instanceof ExplainFailureApiError && error.status === 409,
        });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box>
      <Typography variant="h6" component="h2" gutterBottom>
        Your rules
      </Typography>
      <Typography variant="body2" color="textSecondary" paragraph>
        {view.custom.version > 0
          ? `Version ${view.custom.version}, saved ${
              view.custom.updatedAt
                ? new Date(view.custom.updatedAt).toLocaleString()
                : ''
            } by ${view.custom.updatedBy}. `
          : 'None saved yet. '}
        They are used together with the shipped rules; a rule with the id of a
        shipped one replaces it. Same format as the shipped file: a "rules" list
        of rules with id, name, category, patterns or multiLinePatterns,
        description and an optional fix.
      </Typography>
      <TextField
        id={editorId}
        label="Rules (YAML)"
        value={yaml}
        onChange={e => setYaml(e.target.value)}
        multiline
        minRows={14}
        fullWidth
        variant="outlined"
        disabled={!canManage}
        inputRef={editor}
        inputProps={{ className: classes.editor, spellCheck: false }}
        placeholder={'rules:\n  - id: my-rule\n    name: …'}
      />
      {canManage ? (
        <Box className={classes.row} mt={1}>
          <Button
            variant="contained"
            color="primary"
            onClick={save}
            disabled={busy || !changed}
          >
            Save
          </Button>
          <Button variant="outlined" onClick={check} disabled={busy}>
            Check
          </Button>
          <Button
            onClick={() => setYaml(view.custom.yaml)}
            disabled={busy || !changed}
          >
            Undo changes
          </Button>
        </Box>
      ) : (
        <Alert severity="info" style={{ marginTop: 8 }}>
          You can read the rules. Changing and testing them needs the permission{' '}
          {aiAssistantRulesManagePermission.name} (administrators).
        </Alert>
      )}
      <Box mt={1} role="status" aria-live="polite">
        {notice?.kind === 'saved' && (
          <Alert severity="success">{notice.text}</Alert>
        )}
        {notice?.kind === 'valid' && (
          <Alert severity="success">{notice.text}</Alert>
        )}
        {notice?.kind === 'error' && (
          <Alert
            severity="error"
            action={
              notice.conflict ? (
                <Button color="inherit" size="small" onClick={props.onReload}>
                  Reload
                </Button>
              ) : undefined
            }
          >
            {notice.text}
          </Alert>
        )}
      </Box>
      {issues.length > 0 && (
        <Box mt={1}>
          <Issues
            issues={issues}
            onSelect={line => selectLine(editor.current, line)}
          />
        </Box>
      )}
      {canManage && <RuleTester yaml={yaml} view={view} />}
    </Box>
  );
}

/** "Test this rule against this log": the matches, highlighted in the log. */
function RuleTester(props: { yaml: string; view: AiFailureRulesView }) {
  const api = useApi(explainFailureApiRef);
  const classes = useStyles();
  const [source, setSource] = useState<'editor' | 'shipped'>('editor');
  const [ruleId, setRuleId] = useState('');
  const [log, setLog] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{
    log: string;
    value: AiFailureRulesTestResult;
  }>();
  const [error, setError] = useState<string>();
  const ids = useId();

  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const value = await api.testRules({
        rules: source === 'editor' ? props.yaml : props.view.shipped.yaml,
        ...(ruleId.trim() ? { ruleId: ruleId.trim() } : {}),
        log,
      });
      setResult({ log, value });
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const value = result?.value;
  return (
    <Box mt={4} component="section" aria-label="Test against a log">
      <Typography variant="h6" component="h2" gutterBottom>
        Test against a log
      </Typography>
      <FormControl component="fieldset">
        <FormLabel component="legend">Rules to test</FormLabel>
        <RadioGroup
          row
          value={source}
          onChange={e => setSource(e.target.value as 'editor' | 'shipped')}
        >
          <FormControlLabel
            value="editor"
            control={<Radio />}
            label="Your rules, as in the editor"
          />
          <FormControlLabel
            value="shipped"
            control={<Radio />}
            label="The shipped rules"
          />
        </RadioGroup>
      </FormControl>
      <TextField
        id={`${ids}-rule`}
        label="Only the rule with this id (all when empty)"
        value={ruleId}
        onChange={e => setRuleId(e.target.value)}
        fullWidth
        margin="dense"
      />
      <TextField
        id={`${ids}-log`}
        label="Log"
        value={log}
        onChange={e => setLog(e.target.value)}
        multiline
        minRows={8}
        fullWidth
        variant="outlined"
        margin="dense"
        inputProps={{ className: classes.editor, spellCheck: false }}
      />
      <Box mt={1}>
        <Button variant="outlined" onClick={run} disabled={busy || log === ''}>
          Test
        </Button>
      </Box>
      {error && (
        <Box mt={1}>
          <Alert severity="error">{error}</Alert>
        </Box>
      )}
      {value && !value.ok && (
        <Box mt={1}>
          <Issues issues={value.issues} />
        </Box>
      )}
      {value && value.ok && result && (
        <Box mt={2}>
          <List dense aria-label="Test results">
            {value.results.map(rule => (
              <ListItem key={rule.ruleId} disableGutters>
                <ListItemText
                  primary={`${rule.ruleId}: ${
                    rule.matchCount === 0
                      ? 'no match'
                      : `${rule.matchCount} ${
                          rule.matchCount === 1 ? 'match' : 'matches'
                        }`
                  }${rule.stoppedBy ? STOPPED[rule.stoppedBy] : ''}`}
                  secondary={rule.matches[0]?.description}
                />
              </ListItem>
            ))}
          </List>
          {value.warnings.map(warning => (
            <Alert key={warning} severity="warning">
              {warning}
            </Alert>
          ))}
          <MatchedLog log={result.log} result={value} />
          <Typography variant="caption" color="textSecondary">
            {value.logLines} lines tested in {value.durationMs} ms.
          </Typography>
        </Box>
      )}
    </Box>
  );
}

/** The failure-rules admin page: the knowledge base "Explain this failure" matches logs with. */
export function FailureRulesPage() {
  const api = useApi(explainFailureApiRef);
  const { allowed: canManage } = usePermission({
    permission: aiAssistantRulesManagePermission,
  });
  const [saved, setSaved] = useState<AiFailureRulesView>();
  const loaded = useLoader(() => api.getRules(), [api]);
  const view = saved ?? loaded.value;

  return (
    <Box p={3} maxWidth={1100}>
      <Typography variant="h4" component="h1" gutterBottom>
        Failure rules
      </Typography>
      <Typography paragraph color="textSecondary">
        The known causes of failures that "Explain this failure" recognises in a
        run's log, without a model: patterns, a category, a description and a
        fix.
      </Typography>
      {loaded.error && !view && (
        <Alert severity="error">
          <AlertTitle>The rules could not be loaded</AlertTitle>
          {loaded.error.message}
        </Alert>
      )}
      {!view && !loaded.error && <Progress />}
      {view && (
        <>
          <RulesEditor
            view={view}
            canManage={canManage}
            onSaved={setSaved}
            onReload={() => {
              setSaved(undefined);
              loaded.retry();
            }}
          />
          <Box mt={4}>
            <ShippedRules view={view} />
          </Box>
        </>
      )}
    </Box>
  );
}
