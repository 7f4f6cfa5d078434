import {
  Box,
  makeStyles,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
  useTheme,
} from '@material-ui/core';
import type { GitHubCycleTime } from '../api';
import { formatHours } from '../format';

const useStyles = makeStyles(theme => ({
  chart: { width: '100%', height: 160, display: 'block' },
  caption: { color: theme.palette.text.secondary },
  summary: { cursor: 'pointer', marginTop: theme.spacing(1) },
}));

export type CycleTimeChartProps = { cycleTime: GitHubCycleTime };

/**
 * Weekly median hours from opened to merged as SVG bars (merges counted above each bar),
 * described in words for screen readers, with the same numbers as a table.
 */
export function CycleTimeChart(props: CycleTimeChartProps) {
  const classes = useStyles();
  const theme = useTheme();
  const { days, weeks } = props.cycleTime;
  const merged = weeks.reduce((sum, week) => sum + week.merged, 0);
  if (merged === 0) {
    return (
      <Typography variant="body2">
        No pull requests were merged in the last {days} days.
      </Typography>
    );
  }
  const width = 600;
  const height = 150;
  const top = 16;
  const bottom = 20;
  const max = Math.max(...weeks.map(week => week.medianHours ?? 0), 1);
  const slot = width / weeks.length;
  const barWidth = Math.max(2, slot * 0.7);
  const y = (hours: number) =>
    height - bottom - (hours / max) * (height - top - bottom);
  const slowest = weeks.reduce((a, b) =>
    (b.medianHours ?? -1) > (a.medianHours ?? -1) ? b : a,
  );
  const description = `Weekly median time from opened to merged over the last ${days} days: ${merged} pull request${
    merged === 1 ? '' : 's'
  } merged; the slowest week (${
    slowest.weekStart
  }) had a median of ${formatHours(slowest.medianHours)}.`;
  return (
    <Box>
      <svg
        className={classes.chart}
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={description}
      >
        <line
          x1={0}
          y1={height - bottom}
          x2={width}
          y2={height - bottom}
          stroke={theme.palette.divider}
        />
        {weeks.map((week, index) => {
          const x = index * slot + (slot - barWidth) / 2;
          const hours = week.medianHours ?? 0;
          return (
            <g key={week.weekStart}>
              <title>
                Week of {week.weekStart}: {week.merged} merged, median{' '}
                {formatHours(week.medianHours)}
              </title>
              <rect
                x={x}
                y={y(hours)}
                width={barWidth}
                height={height - bottom - y(hours)}
                fill={theme.palette.primary.main}
              />
              {week.merged > 0 && (
                <text
                  x={x + barWidth / 2}
                  y={y(hours) - 3}
                  textAnchor="middle"
                  fontSize={10}
                  fill={theme.palette.text.primary}
                >
                  {week.merged}
                </text>
              )}
              <text
                x={x + barWidth / 2}
                y={height - 6}
                textAnchor="middle"
                fontSize={9}
                fill={theme.palette.text.secondary}
              >
                {week.weekStart.slice(5)}
              </text>
            </g>
          );
        })}
      </svg>
      <Typography variant="caption" className={classes.caption}>
        Bars: median hours from opened to merged per week (Monday start);
        numbers: pull requests merged that week.
      </Typography>
      <details>
        <summary className={classes.summary}>
          <Typography variant="body2" component="span">
            Show the numbers as a table
          </Typography>
        </summary>
        <Table size="small" aria-label="Cycle time by week">
          <TableHead>
            <TableRow>
              <TableCell>Week of</TableCell>
              <TableCell align="right">Merged</TableCell>
              <TableCell align="right">Median opened → merged</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {weeks.map(week => (
              <TableRow key={week.weekStart}>
                <TableCell>{week.weekStart}</TableCell>
                <TableCell align="right">{week.merged}</TableCell>
                <TableCell align="right">
                  {formatHours(week.medianHours)}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </details>
    </Box>
  );
}
