import Button from '@material-ui/core/Button';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import ToggleButton from '@material-ui/lab/ToggleButton';
import ToggleButtonGroup from '@material-ui/lab/ToggleButtonGroup';
import {
  Content,
  ContentHeader,
  Header,
  InfoCard,
  Link,
  Page,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/frontend-plugin-api';
import type { PipelineRunStatus } from '@internal/plugin-pipelines-common';
import { useState } from 'react';
import { pipelinesApiRef } from '../../api/PipelinesApi';
import { editorRouteRef } from '../../routes';
import { ReconnectingBanner } from '../common/Banners';
import { usePolled } from '../common/usePolled';
import { useCursorPaging } from '../CiCdTab/CiCdTab';
import { CursorPager } from '../runs/CursorPager';
import { RunFilterBar } from '../runs/RunFilterBar';
import { RunsTable } from '../runs/RunsTable';

type Scope = 'owned' | 'all';

/**
 * Comet's runs across every entity the user can see; "owned by my groups" first. Only
 * Comet's: asking Jenkins (or GitHub) about every entity would cost too much, so the page
 * says where those runs are.
 */
export function GlobalRunsPage() {
  const api = useApi(pipelinesApiRef);
  const editorRoute = useRouteRef(editorRouteRef);
  const [scope, setScope] = useState<Scope>('owned');
  const paging = useCursorPaging<{
    pipeline?: string;
    branch?: string;
    status?: PipelineRunStatus;
  }>({});
  const runs = usePolled(
    () =>
      api.listRuns({
        scope,
        ...paging.filters,
        limit: 25,
        cursor: paging.cursor,
      }),
    [api, scope, paging.filters, paging.cursor],
    { intervalMs: 5000 },
  );
  return (
    <Page themeId="tool">
      <Header
        title="Pipelines"
        subtitle="Runs of every entity you can see, across Comet's pipelines"
      />
      <Content>
        <ContentHeader title="Pipeline runs">
          {editorRoute && (
            <Button component={Link} to={editorRoute()}>
              Pipeline editor
            </Button>
          )}
        </ContentHeader>
        <Typography variant="body2" color="textSecondary" paragraph>
          Comet pipeline runs; Jenkins and GitHub Actions runs are on each
          entity's CI/CD tab.
        </Typography>
        <ReconnectingBanner
          error={runs.error}
          retryInMs={runs.retryInMs}
          onRetry={runs.reload}
        />
        <InfoCard>
          <RunFilterBar filters={paging.filters} onChange={paging.setFilters}>
            <ToggleButtonGroup
              exclusive
              size="small"
              value={scope}
              aria-label="Whose runs"
              onChange={(_, value: Scope | null) => {
                if (value) {
                  setScope(value);
                  paging.setFilters({ ...paging.filters });
                }
              }}
            >
              <ToggleButton value="owned">Owned by my groups</ToggleButton>
              <ToggleButton value="all">All</ToggleButton>
            </ToggleButtonGroup>
          </RunFilterBar>
          {runs.loading && !runs.value && (
            <LinearProgress aria-label="Loading runs" />
          )}
          {runs.value && (
            <>
              <RunsTable
                runs={runs.value.runs}
                providerTitles={{ comet: 'Comet' }}
                showEntity
                caption="Pipeline runs across entities"
              />
              <CursorPager
                page={paging.page}
                hasNext={Boolean(runs.value.nextCursor)}
                onNext={() => paging.next(runs.value!.nextCursor!)}
                onPrevious={paging.previous}
                total={runs.value.totalCount}
                totalIsLowerBound={runs.value.totalCountIsLowerBound}
              />
            </>
          )}
        </InfoCard>
      </Content>
    </Page>
  );
}
