import Button from '@material-ui/core/Button';
import FormControl from '@material-ui/core/FormControl';
import InputLabel from '@material-ui/core/InputLabel';
import LinearProgress from '@material-ui/core/LinearProgress';
import MenuItem from '@material-ui/core/MenuItem';
import Paper from '@material-ui/core/Paper';
import Select from '@material-ui/core/Select';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  aiAssistantUsageReadPermission,
  AiUsageRow,
} from '@internal/plugin-ai-assistant-common';
import { useLoader } from '@internal/react-common';
import { useState } from 'react';
import { AiAssistantApiError, aiAssistantApiRef } from '../api';

const useStyles = makeStyles(theme => ({
  root: { display: 'flex', flexDirection: 'column', gap: theme.spacing(2) },
  controls: { display: 'flex', alignItems: 'center', gap: theme.spacing(2) },
  select: { minWidth: 160 },
}));

const number = (value: number) => value.toLocaleString('en-US');

function UsageTable(props: {
  label: string;
  firstColumn: string;
  rows: Array<AiUsageRow & { key: string }>;
}) {
  return (
    <Paper variant="outlined">
      <Table size="small" aria-label={props.label}>
        <TableHead>
          <TableRow>
            <TableCell>{props.firstColumn}</TableCell>
            <TableCell align="right">Model calls</TableCell>
            <TableCell align="right">Prompt tokens</TableCell>
            <TableCell align="right">Completion tokens</TableCell>
            <TableCell align="right">Total tokens</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {props.rows.length === 0 ? (
            <TableRow>
              <TableCell colSpan={5}>No model calls in this period.</TableCell>
            </TableRow>
          ) : null}
          {props.rows.map(row => (
            <TableRow key={row.key}>
              <TableCell component="th" scope="row">
                {row.key}
              </TableCell>
              <TableCell align="right">{number(row.requests)}</TableCell>
              <TableCell align="right">{number(row.promptTokens)}</TableCell>
              <TableCell align="right">
                {number(row.completionTokens)}
              </TableCell>
              <TableCell align="right">{number(row.totalTokens)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Paper>
  );
}

/** Token usage per user and per model, for administrators (`ai-assistant.usage.read`). */
export function UsageView() {
  const classes = useStyles();
  const api = useApi(aiAssistantApiRef);
  const [days, setDays] = useState(30);
  const usage = useLoader(() => api.getUsage(days), [api, days]);

  if (usage.error) {
    const denied =
      usage.error instanceof AiAssistantApiError && usage.error.status === 403;
    return (
      <Alert
        severity={denied ? 'warning' : 'error'}
        action={
          denied ? undefined : (
            <Button color="inherit" size="small" onClick={usage.retry}>
              Retry
            </Button>
          )
        }
      >
        {denied
          ? `Only administrators see the assistant's usage: it needs the permission ${aiAssistantUsageReadPermission.name}. ${usage.error.message}`
          : usage.error.message}
      </Alert>
    );
  }

  const report = usage.value;
  return (
    <div className={classes.root}>
      <div className={classes.controls}>
        <FormControl variant="outlined" size="small" className={classes.select}>
          <InputLabel id="ai-usage-days">Period</InputLabel>
          <Select
            id="ai-usage-days-select"
            labelId="ai-usage-days"
            label="Period"
            value={days}
            onChange={event => setDays(Number(event.target.value))}
          >
            <MenuItem value={1}>Last day</MenuItem>
            <MenuItem value={7}>Last 7 days</MenuItem>
            <MenuItem value={30}>Last 30 days</MenuItem>
            <MenuItem value={90}>Last 90 days</MenuItem>
          </Select>
        </FormControl>
        {report ? (
          <Typography variant="body2" color="textSecondary">
            Since {new Date(report.since).toLocaleString()}:{' '}
            {number(report.totals.requests)} model calls,{' '}
            {number(report.totals.totalTokens)} tokens. Tokens count only when
            the provider reports them.
          </Typography>
        ) : null}
      </div>
      {usage.loading ? <LinearProgress aria-label="Loading usage" /> : null}
      {report ? (
        <>
          <UsageTable
            label="Usage per user"
            firstColumn="User"
            rows={report.byUser.map(row => ({ ...row, key: row.userRef }))}
          />
          <UsageTable
            label="Usage per model"
            firstColumn="Model"
            rows={report.byModel.map(row => ({ ...row, key: row.model }))}
          />
          <UsageTable
            label="Usage per day"
            firstColumn="Day (UTC)"
            rows={report.byDay.map(row => ({ ...row, key: row.day }))}
          />
        </>
      ) : null}
    </div>
  );
}
