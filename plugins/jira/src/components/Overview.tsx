import type { JiraOverview } from '@internal/plugin-jira-common';
import {
  Box,
  Grid,
  List,
  ListItem,
  ListItemText,
  makeStyles,
  Typography,
} from '@material-ui/core';
import { CATEGORIES, CATEGORY_LABEL } from '../format';
import { StatusChip } from './StatusChip';

const useStyles = makeStyles(theme => ({
  total: { fontSize: '2rem', fontWeight: 600, lineHeight: 1.2 },
  category: {
    padding: theme.spacing(1, 2),
    borderRadius: theme.shape.borderRadius,
    border: `1px solid ${theme.palette.divider}`,
    minWidth: 110,
  },
  count: { fontWeight: 600, fontSize: '1.25rem' },
  scope: { wordBreak: 'break-word' },
}));

/** Issues per status category. */
export function categoryCounts(overview: Pick<JiraOverview, 'byStatus'>) {
  return CATEGORIES.map(category => ({
    category,
    count: overview.byStatus
      .filter(s => s.category === category)
      .reduce((sum, s) => sum + s.count, 0),
  }));
}

export type OverviewProps = { overview: JiraOverview };

/** The entity's issues in numbers: total, per status category, per status and per type. */
export function Overview(props: OverviewProps) {
  const { overview } = props;
  const classes = useStyles();
  const projects = overview.scope.projects
    .map(p => `${p.projectKey} (${p.instance})`)
    .join(', ');
  return (
    <Box>
      <Box
        display="flex"
        flexWrap="wrap"
        alignItems="flex-end"
        style={{ gap: 16 }}
      >
        <Box>
          <Typography
            className={classes.total}
            aria-label={`${overview.total} issues in total`}
          >
            {overview.total}
          </Typography>
          <Typography variant="body2" color="textSecondary">
            issues in total
          </Typography>
        </Box>
        {categoryCounts(overview).map(({ category, count }) => (
          <Box
            key={category}
            className={classes.category}
            aria-label={`${CATEGORY_LABEL[category]}: ${count}`}
          >
            <Typography className={classes.count}>{count}</Typography>
            <Typography variant="body2" color="textSecondary">
              {CATEGORY_LABEL[category]}
            </Typography>
          </Box>
        ))}
      </Box>
      <Typography
        variant="body2"
        color="textSecondary"
        className={classes.scope}
      >
        {projects}
        {overview.scope.component
          ? ` · component ${overview.scope.component}`
          : ''}
        {overview.scope.label ? ` · label ${overview.scope.label}` : ''}
      </Typography>
      <Grid container spacing={2}>
        <Grid item xs={12} sm={6}>
          <Typography variant="subtitle2" component="h4" id="jira-by-status">
            By status
          </Typography>
          <List dense aria-labelledby="jira-by-status">
            {overview.byStatus.map(status => (
              <ListItem key={status.name} disableGutters>
                <Box display="flex" alignItems="center" style={{ gap: 8 }}>
                  <StatusChip status={status} />
                  <Typography variant="body2">{status.count}</Typography>
                </Box>
              </ListItem>
            ))}
            {overview.byStatus.length === 0 && (
              <ListItem disableGutters>
                <ListItemText primary="No issues" />
              </ListItem>
            )}
          </List>
        </Grid>
        <Grid item xs={12} sm={6}>
          <Typography variant="subtitle2" component="h4" id="jira-by-type">
            By type
          </Typography>
          <List dense aria-labelledby="jira-by-type">
            {overview.byType.map(type => (
              <ListItem key={type.name} disableGutters>
                <ListItemText primary={`${type.name}: ${type.count}`} />
              </ListItem>
            ))}
            {overview.byType.length === 0 && (
              <ListItem disableGutters>
                <ListItemText primary="No issues" />
              </ListItem>
            )}
          </List>
        </Grid>
      </Grid>
    </Box>
  );
}
