import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import type {
  JiraIssue,
  JiraLinkedRun,
  JiraOverview,
} from '@internal/plugin-jira-common';
import { useLoader } from '@internal/react-common';
import {
  Box,
  Button,
  Link,
  makeStyles,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@material-ui/core';
import ChevronLeftIcon from '@material-ui/icons/ChevronLeft';
import ChevronRightIcon from '@material-ui/icons/ChevronRight';
import OpenInNewIcon from '@material-ui/icons/OpenInNew';
import { KeyboardEvent, useEffect, useMemo, useState } from 'react';
import { JiraApiError, jiraApiRef } from '../api';
import { formatDateTime } from '../format';
import { IssueDetailDialog } from './IssueDetailDialog';
import { JiraProblem } from './JiraProblem';
import { LinkedRun } from './LinkedRun';
import { MultiSelect, MultiSelectOption } from './MultiSelect';
import { Notices } from './Notices';
import { StatusChip } from './StatusChip';

export const PAGE_SIZE = 25;

const useStyles = makeStyles(theme => ({
  filters: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-start',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(2),
  },
  jql: { flex: '1 1 320px' },
  nowrap: { whiteSpace: 'nowrap' },
  key: { fontWeight: 500, whiteSpace: 'nowrap', verticalAlign: 'baseline' },
  summary: { textAlign: 'left', verticalAlign: 'baseline' },
  external: { marginLeft: theme.spacing(0.5), verticalAlign: 'middle' },
  paging: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'flex-end',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1),
  },
}));

type Query = {
  status: string[];
  type: string[];
  assignee: string[];
  jql: string;
  /** The page tokens from the first page to the current one (`undefined`: the first page). */
  tokens: Array<string | undefined>;
};

const FIRST_PAGE: Query['tokens'] = [undefined];

const FIXED_ASSIGNEES: MultiSelectOption[] = [
  { value: 'me', label: 'Me' },
  { value: 'unassigned', label: 'Unassigned' },
];

/** A 400 while extra JQL is applied is Jira refusing that JQL: shown next to the field. */
function jqlErrorOf(error: Error | undefined, jql: string): string | undefined {
  if (!error || !jql.trim()) return undefined;
  return error instanceof JiraApiError && error.status === 400
    ? error.message
    : undefined;
}

function IssueRow(props: {
  issue: JiraIssue;
  linkedRun?: JiraLinkedRun;
  onOpen: (key: string) => void;
}) {
  const { issue, linkedRun, onOpen } = props;
  const classes = useStyles();
  return (
    <TableRow hover>
      <TableCell className={classes.nowrap}>
        <Link
          component="button"
          variant="body2"
          className={classes.key}
          aria-haspopup="dialog"
          onClick={() => onOpen(issue.key)}
        >
          {issue.key}
        </Link>
        <Link
          href={issue.url}
          target="_blank"
          rel="noopener noreferrer"
          className={classes.external}
          aria-label={`${issue.key} in Jira (opens in a new tab)`}
        >
          <OpenInNewIcon fontSize="inherit" />
        </Link>
      </TableCell>
      <TableCell>
        <Link
          component="button"
          variant="body2"
          color="inherit"
          className={classes.summary}
          aria-haspopup="dialog"
          onClick={() => onOpen(issue.key)}
        >
          {issue.summary}
        </Link>
      </TableCell>
      <TableCell className={classes.nowrap}>{issue.type.name}</TableCell>
      <TableCell className={classes.nowrap}>
        <StatusChip status={issue.status} />
      </TableCell>
      <TableCell className={classes.nowrap}>
        {issue.priority?.name ?? '–'}
      </TableCell>
      <TableCell className={classes.nowrap}>
        {issue.assignee?.displayName ?? 'Unassigned'}
      </TableCell>
      <TableCell className={classes.nowrap}>
        <time dateTime={issue.updated}>{formatDateTime(issue.updated)}</time>
      </TableCell>
      <TableCell className={classes.nowrap}>
        {linkedRun && <LinkedRun run={linkedRun} />}
      </TableCell>
    </TableRow>
  );
}

export type IssuesTableProps = {
  entityRef: string;
  /** Status and type names to filter by come from the overview's counts. */
  overview?: JiraOverview;
  /** Changes when the issues changed (an issue was created): the page loads again. */
  refreshKey: number;
  /** An issue was changed from its detail dialog (transitioned, commented, attached to). */
  onIssueChanged: () => void;
};

/**
 * The entity's issues, filtered on the server by status, type, assignee and extra JQL, paged
 * with Jira's `nextPageToken` (a stack of tokens gives Previous).
 */
export function IssuesTable(props: IssuesTableProps) {
  const { entityRef, overview, refreshKey, onIssueChanged } = props;
  const classes = useStyles();
  const api = useApi(jiraApiRef);
  const [query, setQuery] = useState<Query>({
    status: [],
    type: [],
    assignee: [],
    jql: '',
    tokens: FIRST_PAGE,
  });
  const [jqlDraft, setJqlDraft] = useState('');
  const [openKey, setOpenKey] = useState<string>();
  const pageToken = query.tokens[query.tokens.length - 1];
  const issues = useLoader(
    () =>
      api.getEntityIssues({
        entityRef,
        status: query.status.length ? query.status : undefined,
        type: query.type.length ? query.type : undefined,
        assignee: query.assignee.length ? query.assignee : undefined,
        jql: query.jql || undefined,
        pageToken,
        limit: PAGE_SIZE,
      }),
    [api, entityRef, JSON.stringify(query), refreshKey],
  );

  // Assignees seen so far become filter options (the API has no list of assignable users)
  const [seenAssignees, setSeenAssignees] = useState<Map<string, string>>(
    () => new Map(),
  );
  useEffect(() => {
    const found = (issues.value?.issues ?? []).flatMap(i =>
      i.assignee ? [i.assignee] : [],
    );
    if (found.some(user => !seenAssignees.has(user.id))) {
      setSeenAssignees(previous => {
        const next = new Map(previous);
        for (const user of found) next.set(user.id, user.displayName);
        return next;
      });
    }
  }, [issues.value, seenAssignees]);

  const statusOptions = useMemo(
    () =>
      (overview?.byStatus ?? []).map(s => ({ value: s.name, label: s.name })),
    [overview],
  );
  const typeOptions = useMemo(
    () => (overview?.byType ?? []).map(t => ({ value: t.name, label: t.name })),
    [overview],
  );
  const assigneeOptions = useMemo(
    () => [
      ...FIXED_ASSIGNEES,
      ...Array.from(seenAssignees, ([value, label]) => ({ value, label })).sort(
        (a, b) => a.label.localeCompare(b.label),
      ),
    ],
    [seenAssignees],
  );

  const setFilter = (change: Partial<Omit<Query, 'tokens'>>) =>
    setQuery(q => ({ ...q, ...change, tokens: FIRST_PAGE }));

  const onJqlKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      setFilter({ jql: jqlDraft.trim() });
    }
  };

  const jqlError = jqlErrorOf(issues.error, query.jql);
  const value = issues.value;
  const pageNumber = query.tokens.length;
  const first = (pageNumber - 1) * PAGE_SIZE;

  return (
    <Box>
      <Notices notices={value?.notices} />
      <Box className={classes.filters}>
        <MultiSelect
          id="jira-filter-status"
          label="Status"
          options={statusOptions}
          value={query.status}
          onChange={status => setFilter({ status })}
        />
        <MultiSelect
          id="jira-filter-type"
          label="Type"
          options={typeOptions}
          value={query.type}
          onChange={type => setFilter({ type })}
        />
        <MultiSelect
          id="jira-filter-assignee"
          label="Assignee"
          options={assigneeOptions}
          value={query.assignee}
          onChange={assignee => setFilter({ assignee })}
        />
        <TextField
          id="jira-filter-jql"
          className={classes.jql}
          label="JQL"
          placeholder='e.g. labels = "flaky" AND created >= -14d'
          value={jqlDraft}
          onChange={e => setJqlDraft(e.target.value)}
          onKeyDown={onJqlKeyDown}
          error={Boolean(jqlError)}
          helperText={
            jqlError ?? "Narrows the entity's own JQL; press Enter to apply"
          }
          inputProps={{ spellCheck: false }}
        />
      </Box>
      {issues.error && !jqlError && (
        <JiraProblem
          error={issues.error}
          title="Jira issues cannot be listed"
        />
      )}
      {!value && !issues.error && <Progress />}
      {value && (
        <>
          <Table
            size="small"
            aria-label="Jira issues"
            aria-busy={issues.loading}
          >
            <TableHead>
              <TableRow>
                <TableCell>Key</TableCell>
                <TableCell>Summary</TableCell>
                <TableCell>Type</TableCell>
                <TableCell>Status</TableCell>
                <TableCell>Priority</TableCell>
                <TableCell>Assignee</TableCell>
                <TableCell>Updated</TableCell>
                <TableCell>Latest run</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {value.issues.map(issue => (
                <IssueRow
                  key={issue.key}
                  issue={issue}
                  linkedRun={value.linkedRuns[issue.key]}
                  onOpen={setOpenKey}
                />
              ))}
              {value.issues.length === 0 && (
                <TableRow>
                  <TableCell colSpan={8}>No issues match</TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
          <Box className={classes.paging}>
            <Typography variant="body2" color="textSecondary" role="status">
              {value.issues.length
                ? `Issues ${first + 1}–${first + value.issues.length}`
                : `Page ${pageNumber}`}
              {value.total !== undefined ? ` of ${value.total}` : ''}
            </Typography>
            <Button
              size="small"
              startIcon={<ChevronLeftIcon />}
              disabled={issues.loading || pageNumber === 1}
              onClick={() =>
                setQuery(q => ({ ...q, tokens: q.tokens.slice(0, -1) }))
              }
            >
              Previous
            </Button>
            <Button
              size="small"
              endIcon={<ChevronRightIcon />}
              disabled={issues.loading || !value.nextPageToken}
              onClick={() =>
                setQuery(q => ({
                  ...q,
                  tokens: [...q.tokens, value.nextPageToken],
                }))
              }
            >
              Next
            </Button>
          </Box>
        </>
      )}
      <IssueDetailDialog
        entityRef={entityRef}
        issueKey={openKey}
        linkedRun={openKey ? value?.linkedRuns[openKey] : undefined}
        onClose={() => setOpenKey(undefined)}
        onChanged={onIssueChanged}
      />
    </Box>
  );
}
