import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import LinearProgress from '@material-ui/core/LinearProgress';
import PlayArrowIcon from '@material-ui/icons/PlayArrow';
import { InfoCard, Link } from '@backstage/core-components';
import {
  useApi,
  useAppNavigate,
  useRouteRef,
} from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  ANNOTATION_PIPELINES,
  ANNOTATION_SOURCE_LOCATION,
  pipelinesRunCreatePermission,
  TERMINAL_RUN_STATUSES,
} from '@internal/plugin-pipelines-common';
import type {
  CiCdRunAction,
  EntityPanel,
} from '@internal/plugin-pipelines-react';
import { useCallback, useMemo, useState } from 'react';
import { pipelinesApiRef, RunFilters } from '../../api/PipelinesApi';
import { editorRouteRef } from '../../routes';
import { ReconnectingBanner } from '../common/Banners';
import { usePolled } from '../common/usePolled';
import { CursorPager } from '../runs/CursorPager';
import { RunFilterBar } from '../runs/RunFilterBar';
import { RunPipelineDialog } from '../runs/RunPipelineDialog';
import { RunsTable, useRunHref } from '../runs/RunsTable';
import { PipelineStatsCard } from '../stats/PipelineStatsCard';
import { ProviderErrors } from '../common/ProviderErrors';
import { EntityPanels } from '../extensions/EntityPanels';

const PAGE_SIZE = 20;

/** Filters and paging state shared by the tab and the global page: a filter change goes to page 1. */
export function useCursorPaging<F>(initial: F) {
  const [filters, setFiltersState] = useState<F>(initial);
  const [cursors, setCursors] = useState<Array<string | undefined>>([
    undefined,
  ]);
  const page = cursors.length - 1;
  const setFilters = useCallback((next: F) => {
    setFiltersState(next);
    setCursors([undefined]);
  }, []);
  return {
    filters,
    setFilters,
    page,
    cursor: cursors[page],
    next: (cursor: string) => setCursors(c => [...c, cursor]),
    previous: () => setCursors(c => (c.length > 1 ? c.slice(0, -1) : c)),
  };
}

export type CiCdTabProps = {
  /** Panels other plugins attached to the tab (`EntityPanelBlueprint`). */
  panels?: readonly EntityPanel[];
  /** Actions other plugins attached to their providers' runs (`CiCdRunActionBlueprint`). */
  runActions?: readonly CiCdRunAction[];
};

/**
 * The entity's CI/CD tab: every provider's runs in one table, "Run pipeline", and the panels
 * other plugins attached.
 */
export function CiCdTab(props: CiCdTabProps) {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const api = useApi(pipelinesApiRef);
  const navigate = useAppNavigate();
  const runHref = useRunHref();
  const editorRoute = useRouteRef(editorRouteRef);
  const annotations = entity.metadata.annotations ?? {};
  const hasCometPipelines = Boolean(
    annotations[ANNOTATION_PIPELINES] ||
      (entity.kind.toLowerCase() === 'component' &&
        annotations[ANNOTATION_SOURCE_LOCATION]),
  );
  const { allowed: canRun } = usePermission({
    permission: pipelinesRunCreatePermission,
    resourceRef: entityRef,
  });
  const [dialogOpen, setDialogOpen] = useState(false);
  const paging = useCursorPaging<RunFilters>({});
  const { filters, cursor } = paging;

  const runs = usePolled(
    () => api.listCiRuns({ entityRef, ...filters, limit: PAGE_SIZE, cursor }),
    [api, entityRef, filters, cursor],
    { intervalMs: 5000 },
  );
  const pipelineFiles = usePolled(
    () =>
      hasCometPipelines
        ? api.listPipelines(entityRef)
        : Promise.resolve(undefined),
    [api, entityRef, hasCometPipelines],
  );
  const pipelineNames = useMemo(() => {
    const names = new Set<string>();
    for (const file of pipelineFiles.value?.pipelines ?? []) {
      if (file.definition) names.add(file.definition.name);
    }
    for (const run of runs.value?.runs ?? []) names.add(run.pipeline);
    return [...names].sort();
  }, [pipelineFiles.value, runs.value]);
  const providerTitles = Object.fromEntries(
    (runs.value?.providers ?? []).map(p => [p.id, p.title]),
  );
  const active = (runs.value?.runs ?? []).filter(
    r => !TERMINAL_RUN_STATUSES.includes(r.status),
  ).length;

  return (
    <Box display="flex" flexDirection="column" style={{ gap: 16 }}>
      <ReconnectingBanner
        error={runs.error}
        retryInMs={runs.retryInMs}
        onRetry={runs.reload}
      />
      <ProviderErrors
        errors={runs.value?.errors}
        providerTitles={providerTitles}
      />
      <InfoCard
        title="Pipeline runs"
        subheader={
          active
            ? `${active} run${active === 1 ? '' : 's'} in progress on this page`
            : undefined
        }
        action={
          <Box display="flex" style={{ gap: 8 }} mt={1} mr={1}>
            {hasCometPipelines && editorRoute && (
              <Button
                component={Link}
                to={`${editorRoute()}?entityRef=${encodeURIComponent(
                  entityRef,
                )}`}
              >
                Open editor
              </Button>
            )}
            {hasCometPipelines && canRun && (
              <Button
                variant="contained"
                color="primary"
                startIcon={<PlayArrowIcon />}
                onClick={() => setDialogOpen(true)}
              >
                Run pipeline
              </Button>
            )}
          </Box>
        }
      >
        <RunFilterBar
          filters={filters}
          onChange={paging.setFilters}
          providers={runs.value?.providers}
          pipelines={pipelineNames}
        />
        {runs.loading && !runs.value && (
          <LinearProgress aria-label="Loading runs" />
        )}
        {runs.value && (
          <>
            <RunsTable
              runs={runs.value.runs}
              providerTitles={providerTitles}
              runActions={props.runActions}
              onRunChanged={runs.reload}
              caption={`Pipeline runs of ${
                entity.metadata.title ?? entity.metadata.name
              }`}
            />
            <CursorPager
              page={paging.page}
              hasNext={Boolean(runs.value.nextCursor)}
              onNext={() => paging.next(runs.value!.nextCursor!)}
              onPrevious={paging.previous}
            />
          </>
        )}
      </InfoCard>
      {hasCometPipelines && <PipelineStatsCard entityRef={entityRef} />}
      <EntityPanels entity={entity} panels={props.panels} />
      {dialogOpen && (
        <RunPipelineDialog
          entityRef={entityRef}
          open={dialogOpen}
          onClose={() => setDialogOpen(false)}
          onTriggered={run => {
            setDialogOpen(false);
            const href = runHref(run);
            if (href) navigate(href);
            else runs.reload();
          }}
        />
      )}
    </Box>
  );
}
