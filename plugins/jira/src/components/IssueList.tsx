import type { JiraIssue } from '@internal/plugin-jira-common';
import { Box, List, ListItem, makeStyles, Typography } from '@material-ui/core';
import { formatDateTime } from '../format';
import { IssueKeyLink } from './IssueKeyLink';
import { StatusChip } from './StatusChip';

const useStyles = makeStyles(theme => ({
  item: { display: 'block', paddingLeft: 0, paddingRight: 0 },
  line: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    flexWrap: 'wrap',
  },
  summary: { wordBreak: 'break-word' },
}));

export type IssueListProps = {
  issues: JiraIssue[];
  label: string;
  empty: string;
};

/** A compact list of issues for cards: key, status, summary, type, assignee and when updated. */
export function IssueList(props: IssueListProps) {
  const { issues, label, empty } = props;
  const classes = useStyles();
  if (issues.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        {empty}
      </Typography>
    );
  }
  return (
    <List dense aria-label={label}>
      {issues.map(issue => (
        <ListItem key={issue.key} className={classes.item} divider>
          <Box className={classes.line}>
            <IssueKeyLink issue={issue} />
            <StatusChip status={issue.status} />
            <Typography variant="body2" className={classes.summary}>
              {issue.summary}
            </Typography>
          </Box>
          <Typography variant="caption" color="textSecondary">
            {issue.type.name}
            {issue.priority ? ` · ${issue.priority.name}` : ''}
            {` · ${issue.assignee?.displayName ?? 'Unassigned'}`}
            {' · updated '}
            <time dateTime={issue.updated}>
              {formatDateTime(issue.updated)}
            </time>
          </Typography>
        </ListItem>
      ))}
    </List>
  );
}
