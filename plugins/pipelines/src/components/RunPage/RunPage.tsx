import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import { makeStyles } from '@material-ui/core/styles';
import {
  Content,
  Header,
  InfoCard,
  Link,
  Page,
} from '@backstage/core-components';
import {
  alertApiRef,
  identityApiRef,
  useApi,
  useAppNavigate,
} from '@backstage/frontend-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  PipelineJobRun,
  PipelineRun,
  pipelinesRunApprovePermission,
  pipelinesRunCancelPermission,
  pipelinesRunCreatePermission,
  TERMINAL_RUN_STATUSES,
} from '@internal/plugin-pipelines-common';
import { useEffect, useRef, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { pipelinesApiRef } from '../../api/PipelinesApi';
import { ReconnectingBanner } from '../common/Banners';
import { RunPageActions } from '../extensions/RunPageActions';
import {
  elapsedMs,
  formatDuration,
  formatTimeAgo,
  saveBlob,
  shortSha,
} from '../common/format';
import { StatusIndicator } from '../common/StatusIndicator';
import { isUnavailable, usePolled } from '../common/usePolled';
import { useRunHref } from '../runs/RunsTable';
import { ApprovalPanel } from './ApprovalPanel';
import { Artifacts } from './Artifacts';
import { failurePoint } from './failurePoint';
import { FailureSummary } from './FailureSummary';
import { JobGraph } from './JobGraph';
import { LogViewer, LogViewerHandle } from './LogViewer';
import { prefetchRun, takePrefetched } from './prefetch';
import { StepReports } from './StepReports';
import { useLiveLog } from './useLiveLog';

const useStyles = makeStyles(theme => ({
  facts: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(3),
    alignItems: 'center',
    marginBottom: theme.spacing(2),
  },
  actions: { display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1) },
}));

const isTerminal = (run?: PipelineRun) =>
  Boolean(run && TERMINAL_RUN_STATUSES.includes(run.status));

export type RunPageProps = { runId: string };

/**
 * One run: header, actions, failure summary, what its steps reported, job graph, live log and
 * artifacts.
 */
export function RunPage(props: RunPageProps) {
  const { runId } = props;
  const classes = useStyles();
  const api = useApi(pipelinesApiRef);
  const alertApi = useApi(alertApiRef);
  const identityApi = useApi(identityApiRef);
  const navigate = useAppNavigate();
  const runHref = useRunHref();
  const viewer = useRef<LogViewerHandle>(null);
  // Once, on the first render: the run and its first log lines leave before React commits the
  // page (re-renders, e.g. the running timer's every second, ask nothing more). Answers read
  // when the app started on this address are at hand, and the first render shows them.
  const [initial] = useState(() => {
    prefetchRun(api, runId);
    return takePrefetched(api, runId)?.value;
  });
  // The first read takes the prefetched answer; every later one (polls, reloads) asks again
  const firstRead = useRef(true);
  const polled = usePolled(
    () => {
      const prefetched = firstRead.current
        ? takePrefetched(api, runId)
        : undefined;
      firstRead.current = false;
      return prefetched?.run ?? api.getRun(runId);
    },
    [api, runId],
    {
      intervalMs: 4000,
      keepPolling: run => !isTerminal(run),
      initialValue: initial?.run,
    },
  );
  const [run, setRun] = useState<PipelineRun | undefined>(initial?.run);
  useEffect(() => setRun(polled.value), [polled.value]);
  // A run read that failed with a 4xx (not found, forbidden) will not get better: nothing to
  // follow. A 5xx or network error leaves `live` unknown, and the page keeps retrying.
  let live: boolean | undefined;
  if (run) live = !isTerminal(run);
  else if (polled.error && !isUnavailable(polled.error)) live = false;
  const log = useLiveLog(runId, live, initial?.lines);
  useEffect(() => {
    if (log.streamRun) setRun(log.streamRun);
  }, [log.streamRun]);
  const [busy, setBusy] = useState(false);
  const [selectedJob, setSelectedJob] = useState<string>();
  const identity = useAsync(
    () => identityApi.getBackstageIdentity(),
    [identityApi],
  );
  const ownership = { value: identity.value?.ownershipEntityRefs };
  const entityRef = run?.entityRef;
  const canCancel = usePermission({
    permission: pipelinesRunCancelPermission,
    resourceRef: entityRef,
  }).allowed;
  const canCreate = usePermission({
    permission: pipelinesRunCreatePermission,
    resourceRef: entityRef,
  }).allowed;
  const canApproveAny = usePermission({
    permission: pipelinesRunApprovePermission,
    resourceRef: entityRef,
  }).allowed;
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!run || isTerminal(run)) return undefined;
    const timer = setInterval(() => setTick(t => t + 1), 1000);
    return () => clearInterval(timer);
  }, [run]);

  const readStatus = run
    ? undefined
    : (polled.error as { response?: { status?: number } } | undefined)?.response
        ?.status;
  if (readStatus === 404 || readStatus === 403) {
    return (
      <Page themeId="tool">
        <Header
          title={readStatus === 404 ? 'Run not found' : 'Run not available'}
          type="Pipelines"
        />
        <Content>
          <Alert severity="error" role="alert">
            {readStatus === 404 ? (
              <>
                <AlertTitle>No pipeline run {runId}</AlertTitle>
                It does not exist, or its entity is hidden from you or was
                deleted.
              </>
            ) : (
              <>
                <AlertTitle>You may not see pipeline run {runId}</AlertTitle>
                Your permissions do not include reading the runs of its entity.
              </>
            )}
          </Alert>
          <Box mt={2}>
            <Link to="/pipelines">Back to all pipeline runs</Link>
          </Box>
        </Content>
      </Page>
    );
  }

  const act = async (action: () => Promise<PipelineRun>, opensNew: boolean) => {
    setBusy(true);
    try {
      const result = await action();
      if (opensNew) {
        const href = runHref(result);
        if (href) navigate(href);
      } else {
        setRun(result);
      }
    } catch (error) {
      alertApi.post({ message: (error as Error).message, severity: 'error' });
    } finally {
      setBusy(false);
    }
  };

  const failure = run ? failurePoint(run) : undefined;
  const failureTail = failure
    ? log.model.tail(failure.key, 12).map(i => log.model.texts[i])
    : [];
  const isApprover = (job: PipelineJobRun) => {
    const approvers = job.approval?.approvers ?? [];
    if (!approvers.length) return true;
    return approvers.some(a => ownership.value?.includes(a));
  };
  const waiting = (run?.jobs ?? []).filter(
    j => j.status === 'waiting' && j.approval && !j.approval.decision,
  );
  const hasFailedJobs = (run?.jobs ?? []).some(j =>
    ['failed', 'cancelled'].includes(j.status),
  );
  const title = run
    ? `${run.pipeline}${run.number ? ` #${run.number}` : ''}`
    : 'Pipeline run';

  return (
    <Page themeId="tool">
      <Header title={title} subtitle={run?.pipelinePath} type="Pipeline run" />
      <Content>
        <ReconnectingBanner
          error={polled.error}
          retryInMs={polled.retryInMs}
          onRetry={polled.reload}
        />
        {log.stream.state === 'reconnecting' && (
          <Alert severity="warning" role="status">
            {log.stream.attempt === -1
              ? `The live log stopped: ${log.stream.error}`
              : `Live log disconnected (${
                  log.stream.error
                }); reconnecting in ${Math.round(
                  log.stream.retryInMs / 1000,
                )} s…`}
          </Alert>
        )}
        {!run && polled.loading && <LinearProgress aria-label="Loading run" />}
        {run && (
          <>
            <section aria-label="Run summary" className={classes.facts}>
              <Typography variant="h6" component="p" data-testid="run-status">
                <StatusIndicator status={run.status} />
              </Typography>
              <span>
                Entity: <EntityRefLink entityRef={run.entityRef} />
              </span>
              <span>Branch: {run.branch ?? 'default'}</span>
              <span>
                Commit:{' '}
                {run.commit?.url ? (
                  <Link
                    to={run.commit.url}
                    aria-label={`Commit ${shortSha(run.commit.sha)}`}
                    title={run.commit.sha}
                  >
                    {shortSha(run.commit.sha)}
                  </Link>
                ) : (
                  <code>{shortSha(run.commit?.sha)}</code>
                )}
                {run.commit?.message
                  ? ` ${run.commit.message.split('\n')[0]}`
                  : ''}
              </span>
              {run.links.map(link => (
                <span key={link.url}>
                  <Link to={link.url}>{link.title}</Link>
                  {run.trigger.pullRequest?.url === link.url &&
                  run.trigger.pullRequest.title
                    ? ` ${run.trigger.pullRequest.title}`
                    : ''}
                </span>
              ))}
              <span>
                Triggered: {run.trigger.type}
                {run.trigger.actor ? ` by ${run.trigger.actor}` : ''}
                {run.trigger.rerunOf && (
                  <>
                    {' '}
                    (re-run of{' '}
                    <Link
                      to={runHref({ ...run, runId: run.trigger.rerunOf }) ?? ''}
                    >
                      a previous run
                    </Link>
                    )
                  </>
                )}
              </span>
              <span>
                Started:{' '}
                <time dateTime={run.startedAt ?? run.createdAt}>
                  {formatTimeAgo(run.startedAt ?? run.createdAt)}
                </time>
              </span>
              <span>
                Duration:{' '}
                {formatDuration(
                  elapsedMs(run.startedAt, run.finishedAt, run.durationMs),
                )}
              </span>
              {Object.entries(run.params).map(([name, value]) => (
                <Chip
                  key={name}
                  size="small"
                  label={`${name}=${String(value)}`}
                />
              ))}
            </section>
            <Box className={classes.actions} mb={2}>
              {!isTerminal(run) && canCancel && (
                <Button
                  variant="outlined"
                  disabled={busy}
                  onClick={() => act(() => api.cancelRun(runId), false)}
                >
                  Cancel run
                </Button>
              )}
              {isTerminal(run) && canCreate && (
                <Button
                  variant="outlined"
                  disabled={busy}
                  onClick={() => act(() => api.rerun(runId), true)}
                >
                  Re-run
                </Button>
              )}
              {isTerminal(run) && canCreate && hasFailedJobs && (
                <Button
                  variant="outlined"
                  disabled={busy}
                  onClick={() =>
                    act(() => api.rerun(runId, { failedOnly: true }), true)
                  }
                >
                  Re-run failed jobs
                </Button>
              )}
              <RunPageActions run={run} />
            </Box>
            {run.error && run.status !== 'failed' && (
              <Alert severity="info">{run.error}</Alert>
            )}
            {failure && (
              <Box mb={2}>
                <FailureSummary
                  run={run}
                  failure={failure}
                  tail={failureTail}
                  onShowInLog={jobRunId =>
                    viewer.current?.scrollToJob(jobRunId)
                  }
                />
              </Box>
            )}
            {waiting.map(job => (
              <Box mb={2} key={job.jobRunId}>
                <ApprovalPanel
                  run={run}
                  job={job}
                  canApprove={canApproveAny && isApprover(job)}
                  triggeredByYou={
                    !!run.trigger.actor &&
                    run.trigger.actor === identity.value?.userEntityRef
                  }
                  onDecided={setRun}
                />
              </Box>
            ))}
            <Grid container spacing={2}>
              {run.reports && run.reports.length > 0 && (
                <Grid item xs={12}>
                  <InfoCard title="Reports">
                    <StepReports reports={run.reports} />
                  </InfoCard>
                </Grid>
              )}
              <Grid item xs={12}>
                <InfoCard title="Jobs">
                  <JobGraph
                    label="Job graph"
                    selected={selectedJob}
                    onSelect={id => {
                      setSelectedJob(id);
                      viewer.current?.scrollToJob(id);
                    }}
                    nodes={run.jobs.map(job => ({
                      id: job.jobRunId,
                      name: job.name,
                      needs: job.needs,
                      status: job.status,
                      detail: job.approval ? (
                        <span>approval</span>
                      ) : (
                        <span>
                          {formatDuration(
                            elapsedMs(
                              job.startedAt,
                              job.finishedAt,
                              job.durationMs,
                            ),
                          )}
                          {job.attempt > 1 ? ` · attempt ${job.attempt}` : ''}
                        </span>
                      ),
                    }))}
                  />
                </InfoCard>
              </Grid>
              <Grid item xs={12}>
                <InfoCard title="Log">
                  <LogViewer
                    ref={viewer}
                    model={log.model}
                    version={log.version}
                    run={run}
                    failingKey={failure?.key}
                    live={!isTerminal(run)}
                    loading={log.loading}
                    onDownload={async () => {
                      try {
                        saveBlob(await api.downloadLog(runId), `${runId}.log`);
                      } catch (error) {
                        alertApi.post({
                          message: (error as Error).message,
                          severity: 'error',
                        });
                      }
                    }}
                  />
                </InfoCard>
              </Grid>
              <Grid item xs={12}>
                <Artifacts runId={runId} finished={isTerminal(run)} />
              </Grid>
            </Grid>
          </>
        )}
      </Content>
    </Page>
  );
}
