import Box from '@material-ui/core/Box';
import FormControl from '@material-ui/core/FormControl';
import Grid from '@material-ui/core/Grid';
import InputLabel from '@material-ui/core/InputLabel';
import LinearProgress from '@material-ui/core/LinearProgress';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import Typography from '@material-ui/core/Typography';
import { makeStyles, useTheme } from '@material-ui/core/styles';
import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useId, useState } from 'react';
import { pipelinesApiRef, PipelineStats } from '../../api/PipelinesApi';
import { ReconnectingBanner } from '../common/Banners';
import { formatDuration } from '../common/format';
import { statusLabel } from '../common/StatusIndicator';
import { usePolled } from '../common/usePolled';

const CHART_HEIGHT = 120;
const BAR = 10;
const GAP = 3;
/** Runs the success-rate chart looks back over at each run. */
export const SUCCESS_RATE_WINDOW = 10;
/** Room left of the success-rate chart for its 0 %, 50 % and 100 % labels. */
const AXIS = 34;

const useStyles = makeStyles(theme => ({
  figure: { margin: 0 },
  caption: { color: theme.palette.text.secondary, fontSize: 12 },
  figures: { display: 'flex', gap: theme.spacing(3), flexWrap: 'wrap' },
  figureValue: { fontSize: 22, fontWeight: 600 },
}));

type BarDatum = { label: string; value: number; failed?: boolean };

/** An SVG id from React's `useId` (whose colons would need escaping in `url(#…)`). */
function useSvgId(prefix: string) {
  return `${prefix}-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
}

/**
 * A bar chart as SVG; every bar has a title, and the chart a summary for screen readers.
 * Failed bars are hatched (white diagonal stripes over red), so status is not told by colour
 * alone.
 */
function BarChart(props: { data: BarDatum[]; summary: string; unit: string }) {
  const { data, summary, unit } = props;
  const theme = useTheme();
  const hatchId = useSvgId('failed-hatch');
  const max = Math.max(1, ...data.map(d => d.value));
  const width = Math.max(1, data.length) * (BAR + GAP);
  return (
    <svg
      role="img"
      aria-label={summary}
      width={width}
      height={CHART_HEIGHT + 1}
      style={{ maxWidth: '100%' }}
    >
      <defs>
        <pattern
          id={hatchId}
          data-testid="failed-hatch"
          width={4}
          height={4}
          patternUnits="userSpaceOnUse"
          patternTransform="rotate(45)"
        >
          <rect width={4} height={4} fill={theme.palette.error.main} />
          <line x1={0} y1={0} x2={0} y2={4} stroke="#fff" strokeWidth={2} />
        </pattern>
      </defs>
      <line
        x1={0}
        x2={width}
        y1={CHART_HEIGHT}
        y2={CHART_HEIGHT}
        stroke={theme.palette.divider}
      />
      {data.map((d, i) => {
        const h = Math.max(2, (d.value / max) * (CHART_HEIGHT - 4));
        return (
          <rect
            key={i}
            x={i * (BAR + GAP)}
            y={CHART_HEIGHT - h}
            width={BAR}
            height={h}
            // failed bars are hatched, not told by colour alone
            fill={
              d.failed
                ? `url(#${hatchId})`
                : theme.palette.success?.main ?? '#2e7d32'
            }
            stroke={d.failed ? theme.palette.error.main : undefined}
          >
            <title>{`${d.label}: ${
              unit === 'ms' ? formatDuration(d.value) : d.value
            }`}</title>
          </rect>
        );
      })}
    </svg>
  );
}

export type RollingSuccessPoint = {
  runId: string;
  number?: number;
  status: 'succeeded' | 'failed';
  /** Succeeded over succeeded and failed among this run and the ones before it in the window. */
  rate: number;
  /** How many runs the rate is over (fewer than the window at the start). */
  over: number;
};

/**
 * After each succeeded or failed run (oldest first), the success rate over it and the
 * `window - 1` succeeded or failed runs before it. Cancelled and skipped runs do not count,
 * as in the overall success rate.
 */
export function rollingSuccessRates(
  runs: PipelineStats['runs'],
  window = SUCCESS_RATE_WINDOW,
): RollingSuccessPoint[] {
  const decided = runs.filter(
    (r): r is typeof r & { status: 'succeeded' | 'failed' } =>
      r.status === 'succeeded' || r.status === 'failed',
  );
  return decided.map((run, i) => {
    const span = decided.slice(Math.max(0, i - window + 1), i + 1);
    return {
      runId: run.runId,
      number: run.number,
      status: run.status,
      rate: span.filter(r => r.status === 'succeeded').length / span.length,
      over: span.length,
    };
  });
}

const percent = (rate: number) => `${Math.round(rate * 100)}%`;

/**
 * The rolling success rate as an SVG line with a marker per run: a circle for a success, a
 * cross for a failure (shape, not only colour). Every marker has a title and the chart a
 * summary for screen readers.
 */
function SuccessRateChart(props: {
  points: RollingSuccessPoint[];
  summary: string;
}) {
  const { points, summary } = props;
  const theme = useTheme();
  const step = BAR + GAP;
  const width = AXIS + Math.max(1, points.length) * step;
  const top = 6;
  const bottom = CHART_HEIGHT - 6;
  const y = (rate: number) => bottom - rate * (bottom - top);
  const x = (i: number) => AXIS + i * step + BAR / 2;
  const success = theme.palette.success?.main ?? '#2e7d32';
  const failure = theme.palette.error.main;
  return (
    <svg
      role="img"
      aria-label={summary}
      width={width}
      height={CHART_HEIGHT + 1}
      style={{ maxWidth: '100%' }}
    >
      {[0, 0.5, 1].map(rate => (
        <g key={rate}>
          <line
            x1={AXIS - 4}
            x2={width}
            y1={y(rate)}
            y2={y(rate)}
            stroke={theme.palette.divider}
            strokeDasharray={rate === 0 ? undefined : '2 3'}
          />
          <text
            x={AXIS - 6}
            y={y(rate) + 4}
            textAnchor="end"
            fontSize={10}
            fill={theme.palette.text.secondary}
          >
            {percent(rate)}
          </text>
        </g>
      ))}
      {points.length > 1 && (
        <polyline
          fill="none"
          stroke={theme.palette.text.primary}
          strokeWidth={1.5}
          points={points.map((p, i) => `${x(i)},${y(p.rate)}`).join(' ')}
        />
      )}
      {points.map((p, i) => {
        const title = `#${p.number ?? p.runId} ${statusLabel(
          p.status,
        )}: ${percent(p.rate)} of the last ${p.over} succeeded`;
        const cx = x(i);
        const cy = y(p.rate);
        return p.status === 'succeeded' ? (
          <circle
            key={p.runId}
            data-status="succeeded"
            cx={cx}
            cy={cy}
            r={3.5}
            fill={success}
          >
            <title>{title}</title>
          </circle>
        ) : (
          <path
            key={p.runId}
            data-status="failed"
            d={`M${cx - 4},${cy - 4}L${cx + 4},${cy + 4}M${cx - 4},${cy + 4}L${
              cx + 4
            },${cy - 4}`}
            stroke={failure}
            strokeWidth={2.5}
          >
            <title>{title}</title>
          </path>
        );
      })}
    </svg>
  );
}

function PipelineStatsView(props: { stats: PipelineStats }) {
  const { stats } = props;
  const classes = useStyles();
  const durations = stats.runs.filter(r => r.durationMs !== undefined);
  const lastDuration = durations[durations.length - 1]?.durationMs;
  const rolling = rollingSuccessRates(stats.runs);
  return (
    <Box mb={3}>
      <Typography variant="h6" component="h3">
        {stats.pipeline}
      </Typography>
      <div className={classes.figures}>
        <div>
          <div className={classes.figureValue}>
            {stats.successRate === undefined ? '—' : percent(stats.successRate)}
          </div>
          <div className={classes.caption}>
            success rate, last {stats.runs.length} finished runs
          </div>
        </div>
        <div>
          <div className={classes.figureValue}>
            {formatDuration(stats.meanTimeToRecoveryMs)}
          </div>
          <div className={classes.caption}>
            mean time to recovery ({stats.recoveries.length} recover
            {stats.recoveries.length === 1 ? 'y' : 'ies'})
          </div>
        </div>
        <div>
          <div className={classes.figureValue}>
            {formatDuration(lastDuration)}
          </div>
          <div className={classes.caption}>last duration</div>
        </div>
      </div>
      <Grid container spacing={2}>
        <Grid item xs={12} md={6}>
          <figure className={classes.figure}>
            <BarChart
              unit="ms"
              summary={`Durations of the last ${durations.length} runs of ${
                stats.pipeline
              }, oldest first: ${durations
                .map(
                  r =>
                    `${formatDuration(r.durationMs)} ${statusLabel(
                      r.status,
                    ).toLowerCase()}`,
                )
                .join(', ')}`}
              data={durations.map(r => ({
                label: `#${r.number ?? r.runId} ${statusLabel(r.status)}`,
                value: r.durationMs!,
                failed: r.status !== 'succeeded',
              }))}
            />
            <figcaption className={classes.caption}>
              Duration per run, oldest first (hatched red: not successful)
            </figcaption>
          </figure>
        </Grid>
        <Grid item xs={12} md={6}>
          <figure className={classes.figure}>
            <SuccessRateChart
              points={rolling}
              summary={`Success rate of ${
                stats.pipeline
              } over the last ${SUCCESS_RATE_WINDOW} succeeded or failed runs, after each run, oldest first: ${
                rolling
                  .map(
                    p =>
                      `#${p.number ?? p.runId} ${statusLabel(
                        p.status,
                      ).toLowerCase()} ${percent(p.rate)}`,
                  )
                  .join(', ') || 'no succeeded or failed runs'
              }`}
            />
            <figcaption className={classes.caption}>
              Success rate over the last {SUCCESS_RATE_WINDOW} runs, after each
              run, oldest first (circle: succeeded, cross: failed; cancelled
              runs do not count)
            </figcaption>
          </figure>
        </Grid>
        <Grid item xs={12} md={6}>
          <figure className={classes.figure}>
            <BarChart
              unit="ms"
              summary={`Time to recovery after each failure of ${
                stats.pipeline
              }: ${
                stats.recoveries.map(r => formatDuration(r.ms)).join(', ') ||
                'no failures followed by a success'
              }`}
              data={stats.recoveries.map(r => ({
                label: 'Recovered after',
                value: r.ms,
              }))}
            />
            <figcaption className={classes.caption}>
              Time to recovery after each failure
            </figcaption>
          </figure>
        </Grid>
      </Grid>
    </Box>
  );
}

export type PipelineStatsCardProps = { entityRef: string };

/** Per pipeline: duration trend, rolling success rate and time to recovery, as charts. */
export function PipelineStatsCard(props: PipelineStatsCardProps) {
  const { entityRef } = props;
  const api = useApi(pipelinesApiRef);
  const [last, setLast] = useState(30);
  const stats = usePolled(
    () => api.getStats({ entityRef, last }),
    [api, entityRef, last],
    { intervalMs: 60_000 },
  );
  return (
    <InfoCard
      title="Pipeline stats"
      action={
        <Box mt={1} mr={1}>
          <FormControl size="small" style={{ minWidth: 140 }}>
            <InputLabel id="stats-last-label">Runs</InputLabel>
            <Select
              labelId="stats-last-label"
              id="stats-last"
              value={last}
              onChange={e => setLast(Number(e.target.value))}
            >
              {[10, 30, 100].map(n => (
                <MenuItem key={n} value={n}>
                  Last {n}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
        </Box>
      }
    >
      <ReconnectingBanner error={stats.error} retryInMs={stats.retryInMs} />
      {stats.loading && !stats.value && (
        <LinearProgress aria-label="Loading stats" />
      )}
      {stats.value && stats.value.pipelines.length === 0 && (
        <Typography variant="body2">No finished runs yet.</Typography>
      )}
      {stats.value?.pipelines.map(p => (
        <PipelineStatsView key={p.pipeline} stats={p} />
      ))}
    </InfoCard>
  );
}
