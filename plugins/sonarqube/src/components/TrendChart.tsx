import { Box, makeStyles, Typography, useTheme } from '@material-ui/core';

const useStyles = makeStyles(theme => ({
  chart: {
    width: '100%',
    height: 90,
    display: 'block',
    overflow: 'visible',
  },
  title: { fontWeight: 600 },
  caption: { color: theme.palette.text.secondary },
}));

export type TrendChartProps = {
  title: string;
  points: Array<{ date: string; value?: string }>;
  unit?: string;
};

/** A measure over time as a plain SVG line, with the first and last values in text. */
export function TrendChart(props: TrendChartProps) {
  const classes = useStyles();
  const theme = useTheme();
  const points = props.points
    .filter(p => p.value !== undefined && Number.isFinite(Number(p.value)))
    .map(p => ({ t: Date.parse(p.date), v: Number(p.value) }));
  const width = 300;
  const height = 80;
  if (points.length === 0) {
    return (
      <Box>
        <Typography variant="body2" className={classes.title}>
          {props.title}
        </Typography>
        <Typography variant="caption" className={classes.caption}>
          No history yet
        </Typography>
      </Box>
    );
  }
  const minT = points[0].t;
  const maxT = points[points.length - 1].t;
  const minV = Math.min(...points.map(p => p.v));
  const maxV = Math.max(...points.map(p => p.v));
  const x = (t: number) =>
    maxT === minT ? width / 2 : ((t - minT) / (maxT - minT)) * width;
  const y = (v: number) =>
    maxV === minV
      ? height / 2
      : height - ((v - minV) / (maxV - minV)) * (height - 8) - 4;
  const path = points
    .map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`)
    .join(' ');
  const first = points[0];
  const last = points[points.length - 1];
  const fmt = (v: number) =>
    `${Number.isInteger(v) ? v : v.toFixed(1)}${props.unit ?? ''}`;
  const date = (t: number) => new Date(t).toISOString().slice(0, 10);
  const description = `${props.title}: ${fmt(first.v)} on ${date(
    first.t,
  )}, ${fmt(last.v)} on ${date(last.t)} (${points.length} analyses)`;
  return (
    <Box>
      <Typography variant="body2" className={classes.title}>
        {props.title}: {fmt(last.v)}
      </Typography>
      <svg
        className={classes.chart}
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={description}
      >
        <line
          x1={0}
          y1={height}
          x2={width}
          y2={height}
          stroke={theme.palette.divider}
        />
        <path
          d={path}
          fill="none"
          stroke={theme.palette.primary.main}
          strokeWidth={2}
        />
        {points.map(p => (
          <circle
            key={p.t}
            cx={x(p.t)}
            cy={y(p.v)}
            r={2.5}
            fill={theme.palette.primary.main}
          />
        ))}
      </svg>
      <Typography variant="caption" className={classes.caption}>
        {date(first.t)}: {fmt(first.v)} → {date(last.t)}: {fmt(last.v)}
      </Typography>
    </Box>
  );
}
