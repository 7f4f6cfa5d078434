import type { JiraBurndownPoint } from '@internal/plugin-jira-common';
import { Box, makeStyles, Typography, useTheme } from '@material-ui/core';

const useStyles = makeStyles(theme => ({
  chart: { width: '100%', height: 200, display: 'block', overflow: 'visible' },
  legend: {
    display: 'flex',
    gap: theme.spacing(2),
    color: theme.palette.text.secondary,
  },
  swatch: {
    display: 'inline-block',
    width: 16,
    height: 0,
    borderTopWidth: 2,
    marginRight: 4,
    verticalAlign: 'middle',
  },
}));

export type BurndownChartProps = {
  sprintName: string;
  points: JiraBurndownPoint[];
};

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

/** Remaining story points per day against the ideal line, as a plain SVG with a text summary. */
export function BurndownChart(props: BurndownChartProps) {
  const { sprintName, points } = props;
  const classes = useStyles();
  const theme = useTheme();
  if (points.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No burndown yet: the sprint has no estimated issues.
      </Typography>
    );
  }
  const width = 600;
  const height = 180;
  const left = 32;
  const bottom = 20;
  const max = Math.max(1, ...points.map(p => Math.max(p.remaining, p.ideal)));
  const x = (index: number) =>
    points.length === 1
      ? left + (width - left) / 2
      : left + (index / (points.length - 1)) * (width - left);
  const y = (value: number) => (height - bottom) * (1 - value / max);
  const line = (key: 'remaining' | 'ideal') =>
    points
      .map(
        (p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p[key]).toFixed(1)}`,
      )
      .join(' ');
  const first = points[0];
  const last = points[points.length - 1];
  const description = `Burndown of ${sprintName}: ${fmt(
    last.remaining,
  )} story points remaining on ${last.date} against ${fmt(
    last.ideal,
  )} ideal; ${fmt(first.remaining)} remaining on ${first.date}`;
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
          x1={left}
          y1={height - bottom}
          x2={width}
          y2={height - bottom}
          stroke={theme.palette.divider}
        />
        <line
          x1={left}
          y1={0}
          x2={left}
          y2={height - bottom}
          stroke={theme.palette.divider}
        />
        <text
          x={left - 4}
          y={10}
          textAnchor="end"
          fontSize={11}
          fill={theme.palette.text.secondary}
        >
          {fmt(max)}
        </text>
        <text
          x={left - 4}
          y={height - bottom}
          textAnchor="end"
          fontSize={11}
          fill={theme.palette.text.secondary}
        >
          0
        </text>
        <text
          x={left}
          y={height - 4}
          fontSize={11}
          fill={theme.palette.text.secondary}
        >
          {first.date}
        </text>
        <text
          x={width}
          y={height - 4}
          textAnchor="end"
          fontSize={11}
          fill={theme.palette.text.secondary}
        >
          {last.date}
        </text>
        <path
          data-series="ideal"
          d={line('ideal')}
          fill="none"
          stroke={theme.palette.text.secondary}
          strokeDasharray="6 4"
          strokeWidth={1.5}
        />
        <path
          data-series="remaining"
          d={line('remaining')}
          fill="none"
          stroke={theme.palette.primary.main}
          strokeWidth={2}
        />
        {points.map((p, i) => (
          <circle
            key={p.date}
            cx={x(i)}
            cy={y(p.remaining)}
            r={2.5}
            fill={theme.palette.primary.main}
          >
            <title>{`${p.date}: ${fmt(p.remaining)} remaining, ${fmt(
              p.ideal,
            )} ideal`}</title>
          </circle>
        ))}
      </svg>
      <Box className={classes.legend} aria-hidden>
        <Typography variant="caption">
          <span
            className={classes.swatch}
            style={{
              borderTopStyle: 'solid',
              borderTopColor: theme.palette.primary.main,
            }}
          />
          Remaining
        </Typography>
        <Typography variant="caption">
          <span
            className={classes.swatch}
            style={{
              borderTopStyle: 'dashed',
              borderTopColor: theme.palette.text.secondary,
            }}
          />
          Ideal
        </Typography>
      </Box>
    </Box>
  );
}
