import LinearProgress from '@material-ui/core/LinearProgress';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { InfoCard, Link } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import { pipelinesApiRef } from '../../api/PipelinesApi';
import { ReconnectingBanner } from '../common/Banners';
import { ProviderErrors } from '../common/ProviderErrors';
import { StatusIndicator } from '../common/StatusIndicator';
import { elapsedMs, formatDuration, formatTimeAgo } from '../common/format';
import { usePolled } from '../common/usePolled';
import { useRunHref } from '../runs/RunsTable';

/** The newest run of each pipeline (any provider), from the newest runs first. */
export function latestPerPipeline(runs: PipelineRun[]) {
  const latest = new Map<string, PipelineRun>();
  for (const run of runs) {
    const key = `${run.provider}:${run.pipeline}`;
    if (!latest.has(key)) latest.set(key, run);
  }
  return [...latest.values()];
}

const newestFirst = (a: PipelineRun, b: PipelineRun) =>
  (Date.parse(b.createdAt) || 0) - (Date.parse(a.createdAt) || 0);

/**
 * Comet's latest run of each pipeline, however old (`GET /latest-runs`), beside the newest
 * run of each pipeline of the other providers among their newest runs (`GET /ci-runs`),
 * newest first. A Comet pipeline without a run among the newest runs of the entity is still
 * there.
 */
export function mergeLatestRuns(
  cometLatest: PipelineRun[],
  newestOfAllProviders: PipelineRun[],
) {
  return latestPerPipeline(
    [
      ...cometLatest,
      ...newestOfAllProviders.filter(run => run.provider !== 'comet'),
    ].sort(newestFirst),
  );
}

/** Entity overview card: the latest run of each pipeline with its status and duration. */
export function LatestRunsCard() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const api = useApi(pipelinesApiRef);
  const runHref = useRunHref();
  const runs = usePolled(
    async () => {
      const [page, comet] = await Promise.all([
        api.listCiRuns({ entityRef, limit: 50 }),
        api.getLatestRuns(entityRef),
      ]);
      return { ...page, runs: mergeLatestRuns(comet.runs, page.runs) };
    },
    [api, entityRef],
    { intervalMs: 10_000 },
  );
  const latest = runs.value?.runs ?? [];
  const errors = runs.value?.errors ?? [];
  const providerTitles = Object.fromEntries(
    (runs.value?.providers ?? []).map(p => [p.id, p.title]),
  );
  return (
    <InfoCard
      title="Latest pipeline runs"
      deepLink={{ title: 'All runs', link: 'ci-cd' }}
    >
      <ReconnectingBanner error={runs.error} retryInMs={runs.retryInMs} />
      {runs.loading && !runs.value && (
        <LinearProgress aria-label="Loading runs" />
      )}
      <ProviderErrors errors={errors} providerTitles={providerTitles} />
      {runs.value && latest.length === 0 && errors.length === 0 && (
        <Typography variant="body2">No runs yet.</Typography>
      )}
      {latest.length > 0 && (
        <Table size="small" aria-label="Latest run per pipeline">
          <TableHead>
            <TableRow>
              <TableCell>Pipeline</TableCell>
              <TableCell>Status</TableCell>
              <TableCell>Started</TableCell>
              <TableCell>Duration</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {latest.map(run => {
              const href = runHref(run);
              const title = `${run.pipeline}${
                run.number ? ` #${run.number}` : ''
              }`;
              return (
                <TableRow key={`${run.provider}:${run.runId}`}>
                  <TableCell>
                    {href ? <Link to={href}>{title}</Link> : title}
                  </TableCell>
                  <TableCell>
                    <StatusIndicator status={run.status} />
                  </TableCell>
                  <TableCell>
                    {formatTimeAgo(run.startedAt ?? run.createdAt)}
                  </TableCell>
                  <TableCell>
                    {formatDuration(
                      elapsedMs(run.startedAt, run.finishedAt, run.durationMs),
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
    </InfoCard>
  );
}
