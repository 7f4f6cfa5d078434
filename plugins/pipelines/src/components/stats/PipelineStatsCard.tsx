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
import { useState } from 'react';
import { pipelinesApiRef, PipelineStats } from '../../api/PipelinesApi';
import { ReconnectingBanner } from '../common/Banners';
import { formatDuration } from '../common/format';
import { statusLabel } from '../common/StatusIndicator';
import { usePolled } from '../common/usePolled';

const CHART_HEIGHT = 120;
const BAR = 10;
const GAP = 3;

const useStyles = makeStyles(theme => ({
  figure: { margin: 0 },
  caption: { color: theme.palette.text.secondary, fontSize: 12 },
  figures: { display: 'flex', gap: theme.spacing(3), flexWrap: 'wrap' },
  figureValue: { fontSize: 22, fontWeight: 600 },
}));

type BarDatum = { label: string; value: number; failed?: boolean };

/** A bar chart as SVG; every bar has a title, and the chart a summary for screen readers. */
function BarChart(props: { data: BarDatum[]; summary: string; unit: string }) {
  const { data, summary, unit } = props;
  const theme = useTheme();
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
            fill={
              d.failed
                ? theme.palette.error.main
                : theme.palette.success?.main ?? '#2e7d32'
            }
            // failed bars are also hatched with a lighter fill, not told by colour alone
            fillOpacity={d.failed ? 0.55 : 1}
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

function PipelineStatsView(props: { stats: PipelineStats }) {
  const { stats } = props;
  const classes = useStyles();
  const durations = stats.runs.filter(r => r.durationMs !== undefined);
  const lastDuration = durations[durations.length - 1]?.durationMs;
  return (
    <Box mb={3}>
      <Typography variant="h6" component="h3">
        {stats.pipeline}
      </Typography>
      <div className={classes.figures}>
        <div>
          <div className={classes.figureValue}>
            {stats.successRate === undefined
              ? '—'
              : `${Math.round(stats.successRate * 100)}%`}
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
        <Grid item xs={12} md={7}>
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
              Duration per run, oldest first (lighter red: not successful)
            </figcaption>
          </figure>
        </Grid>
        <Grid item xs={12} md={5}>
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

/** Per pipeline: duration trend, success rate and time to recovery, as charts. */
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
