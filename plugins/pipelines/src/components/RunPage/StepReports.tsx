import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import {
  Link,
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import type {
  PipelineRunReport,
  PipelineStepReportStatus,
} from '@internal/plugin-pipelines-common';

const useStyles = makeStyles(theme => ({
  list: { listStyle: 'none', margin: 0, padding: 0 },
  item: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'baseline',
    gap: theme.spacing(1),
    padding: theme.spacing(0.75, 0),
    '& + &': { borderTop: `1px solid ${theme.palette.divider}` },
  },
  title: { fontWeight: 500 },
  where: { color: theme.palette.text.secondary },
}));

const STATUS: Record<
  PipelineStepReportStatus,
  { label: string; Indicator: typeof StatusOK }
> = {
  passed: { label: 'Passed', Indicator: StatusOK },
  failed: { label: 'Failed', Indicator: StatusError },
  warning: { label: 'Warning', Indicator: StatusWarning },
  info: { label: 'Info', Indicator: StatusPending },
};

export type StepReportsProps = { reports: PipelineRunReport[] };

/**
 * What the run's steps reported (a quality gate, a test suite's counts): one line each with
 * its status, summary, the job and step that reported it, and its link.
 */
export function StepReports(props: StepReportsProps) {
  const classes = useStyles();
  return (
    <ul className={classes.list} aria-label="Step reports">
      {props.reports.map(report => {
        const { label, Indicator } = STATUS[report.status] ?? STATUS.info;
        return (
          <li
            key={`${report.jobRunId}\u0000${report.stepIndex}\u0000${report.kind}\u0000${report.title}`}
            className={classes.item}
          >
            <Indicator>{label}</Indicator>
            <Typography
              variant="body2"
              component="span"
              className={classes.title}
            >
              {report.title}
            </Typography>
            <Typography variant="body2" component="span">
              {report.summary}
            </Typography>
            <Typography
              variant="caption"
              component="span"
              className={classes.where}
            >
              {report.jobName} › {report.stepName}
            </Typography>
            {report.url && (
              <Link to={report.url} aria-label={`Details of ${report.title}`}>
                Details
              </Link>
            )}
          </li>
        );
      })}
    </ul>
  );
}
