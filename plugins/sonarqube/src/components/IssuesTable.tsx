import { Link, Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Box,
  Collapse,
  FormControl,
  IconButton,
  InputLabel,
  makeStyles,
  MenuItem,
  Select,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TablePagination,
  TableRow,
  Typography,
} from '@material-ui/core';
import KeyboardArrowDownIcon from '@material-ui/icons/KeyboardArrowDown';
import KeyboardArrowRightIcon from '@material-ui/icons/KeyboardArrowRight';
import type { SonarQubeIssue } from '@internal/plugin-sonarqube-common';
import { Fragment, useState } from 'react';
import { SonarQubeProjectRequest, sonarQubeApiRef } from '../api';
import { useLoader } from '@internal/react-common';
import { ProblemNote } from './Measures';

const TYPES = [
  ['', 'All types'],
  ['BUG', 'Bug'],
  ['VULNERABILITY', 'Vulnerability'],
  ['CODE_SMELL', 'Code smell'],
];
const SEVERITIES = [
  ['', 'All severities'],
  ['BLOCKER', 'Blocker'],
  ['CRITICAL', 'Critical'],
  ['MAJOR', 'Major'],
  ['MINOR', 'Minor'],
  ['INFO', 'Info'],
];
const TYPE_LABEL = Object.fromEntries(TYPES);
const SEVERITY_LABEL = Object.fromEntries(SEVERITIES);

const useStyles = makeStyles(theme => ({
  filters: {
    display: 'flex',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(1),
  },
  select: { minWidth: 180 },
  detail: { padding: theme.spacing(1, 2, 2, 6) },
  row: { cursor: 'pointer' },
  nowrap: { whiteSpace: 'nowrap' },
}));

function IssueRow(props: { issue: SonarQubeIssue }) {
  const { issue } = props;
  const classes = useStyles();
  const [open, setOpen] = useState(false);
  const location = `${issue.component}${issue.line ? `:${issue.line}` : ''}`;
  return (
    <Fragment>
      <TableRow hover className={classes.row} onClick={() => setOpen(o => !o)}>
        <TableCell padding="checkbox">
          <IconButton
            size="small"
            aria-expanded={open}
            aria-label={`${open ? 'Hide' : 'Show'} details of issue: ${
              issue.message
            }`}
            onClick={event => {
              event.stopPropagation();
              setOpen(o => !o);
            }}
          >
            {open ? <KeyboardArrowDownIcon /> : <KeyboardArrowRightIcon />}
          </IconButton>
        </TableCell>
        <TableCell>
          {SEVERITY_LABEL[issue.severity] ?? issue.severity}
        </TableCell>
        <TableCell className={classes.nowrap}>
          {TYPE_LABEL[issue.type] ?? issue.type}
        </TableCell>
        <TableCell>{issue.message}</TableCell>
        <TableCell>
          <code>{location}</code>
        </TableCell>
        <TableCell className={classes.nowrap}>{issue.effort ?? '–'}</TableCell>
      </TableRow>
      <TableRow>
        <TableCell
          colSpan={6}
          style={{ padding: 0, borderBottom: open ? undefined : 'none' }}
        >
          <Collapse in={open} timeout="auto" unmountOnExit>
            <Box className={classes.detail}>
              <Typography variant="body2">
                Rule <code>{issue.rule}</code> · status {issue.status}
                {issue.creationDate
                  ? ` · since ${issue.creationDate.slice(0, 10)}`
                  : ''}
                {issue.tags.length ? ` · tags: ${issue.tags.join(', ')}` : ''}
              </Typography>
              {issue.url && (
                <Link to={issue.url} target="_blank" rel="noopener noreferrer">
                  Open issue {issue.key} in SonarQube
                </Link>
              )}
            </Box>
          </Collapse>
        </TableCell>
      </TableRow>
    </Fragment>
  );
}

export type IssuesTableProps = {
  request: SonarQubeProjectRequest;
  refreshKey: number;
};

/** Open issues, filtered and paged on the server (SonarQube's 10,000-result limit applies). */
export function IssuesTable(props: IssuesTableProps) {
  const classes = useStyles();
  const api = useApi(sonarQubeApiRef);
  const [type, setType] = useState('');
  const [severity, setSeverity] = useState('');
  const [page, setPage] = useState(0);
  const [pageSize, setPageSize] = useState(25);
  const { entityRef, project, branch, pullRequest } = props.request;
  const issues = useLoader(
    () =>
      api.getIssues({
        entityRef,
        project,
        branch,
        pullRequest,
        types: type ? [type] : undefined,
        severities: severity ? [severity] : undefined,
        page: page + 1,
        pageSize,
      }),
    [
      api,
      entityRef,
      project,
      branch,
      pullRequest,
      type,
      severity,
      page,
      pageSize,
      props.refreshKey,
    ],
  );
  const value = issues.value;
  return (
    <Box>
      <Box className={classes.filters}>
        <FormControl className={classes.select}>
          <InputLabel id="sonarqube-issue-type" shrink>
            Type
          </InputLabel>
          <Select
            labelId="sonarqube-issue-type"
            name="sonarqube-issue-type"
            displayEmpty
            value={type}
            onChange={e => {
              setType(String(e.target.value));
              setPage(0);
            }}
          >
            {TYPES.map(([v, label]) => (
              <MenuItem key={v} value={v}>
                {label}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
        <FormControl className={classes.select}>
          <InputLabel id="sonarqube-issue-severity" shrink>
            Severity
          </InputLabel>
          <Select
            labelId="sonarqube-issue-severity"
            name="sonarqube-issue-severity"
            displayEmpty
            value={severity}
            onChange={e => {
              setSeverity(String(e.target.value));
              setPage(0);
            }}
          >
            {SEVERITIES.map(([v, label]) => (
              <MenuItem key={v} value={v}>
                {label}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
      </Box>
      {issues.error && <ResponseErrorPanel error={issues.error} />}
      {!value && !issues.error && <Progress />}
      {value && (
        <>
          {value.securityHidden && (
            <ProblemNote>
              Vulnerabilities are hidden: you need the sonarqube.security.read
              permission
            </ProblemNote>
          )}
          {value.total > value.reachableTotal && (
            <Typography variant="body2" color="textSecondary">
              SonarQube returns the first{' '}
              {value.reachableTotal.toLocaleString('en-US')} of{' '}
              {value.total.toLocaleString('en-US')} issues; filter by type or
              severity to reach the rest.
            </Typography>
          )}
          <Table size="small" aria-label="Issues" aria-busy={issues.loading}>
            <TableHead>
              <TableRow>
                <TableCell padding="checkbox" />
                <TableCell className={classes.nowrap}>Severity</TableCell>
                <TableCell className={classes.nowrap}>Type</TableCell>
                <TableCell>Message</TableCell>
                <TableCell className={classes.nowrap}>Location</TableCell>
                <TableCell className={classes.nowrap}>Effort</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {value.issues.map(issue => (
                <IssueRow key={issue.key} issue={issue} />
              ))}
              {value.issues.length === 0 && (
                <TableRow>
                  <TableCell colSpan={6}>No open issues</TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
          <TablePagination
            component="div"
            count={value.reachableTotal}
            page={page}
            rowsPerPage={pageSize}
            rowsPerPageOptions={[25, 50, 100]}
            onPageChange={(_e, next) => setPage(next)}
            onRowsPerPageChange={e => {
              setPageSize(Number(e.target.value));
              setPage(0);
            }}
          />
        </>
      )}
    </Box>
  );
}
