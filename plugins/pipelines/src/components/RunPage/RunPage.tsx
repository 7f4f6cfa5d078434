import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import LinearProgress from '@material-ui/core/LinearProgress';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import TextField from '@material-ui/core/TextField';
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
  PipelineLogLine,
  PipelineRun,
  pipelinesRunApprovePermission,
  pipelinesRunCancelPermission,
  pipelinesRunCreatePermission,
  TERMINAL_RUN_STATUSES,
} from '@internal/plugin-pipelines-common';
import { useEffect, useMemo, useRef, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import {
  PipelineArtifact,
  pipelinesApiRef,
  StreamState,
} from '../../api/PipelinesApi';
import { ReconnectingBanner } from '../common/Banners';
import { RunPageActions } from '../extensions/RunPageActions';
import {
  elapsedMs,
  formatBytes,
  formatDuration,
  formatTimeAgo,
  saveBlob,
  shortSha,
} from '../common/format';
import { StatusIndicator } from '../common/StatusIndicator';
import { isUnavailable, usePolled } from '../common/usePolled';
import { useRunHref } from '../runs/RunsTable';
import { JobGraph } from './JobGraph';
import { groupKey, LogModel } from './LogModel';
import { LogViewer, LogViewerHandle } from './LogViewer';
import { parseAnsi } from './ansi';
import { FIRST_LOG_PAGE, prefetchRun, takePrefetched } from './prefetch';

const useStyles = makeStyles(theme => ({
  facts: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(3),
    alignItems: 'center',
    marginBottom: theme.spacing(2),
  },
  actions: { display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1) },
  tail: {
    fontFamily: 'ui-monospace, Menlo, Consolas, monospace',
    fontSize: 12,
    whiteSpace: 'pre-wrap',
    background: '#1e1e1e',
    color: '#e5e5e5',
    padding: theme.spacing(1),
    borderRadius: 4,
    margin: theme.spacing(1, 0),
    maxHeight: 240,
    overflow: 'auto',
  },
}));

const isTerminal = (run?: PipelineRun) =>
  Boolean(run && TERMINAL_RUN_STATUSES.includes(run.status));

/** Where a failed run failed: the first failed job and its first failed step. */
export function failurePoint(run: PipelineRun) {
  if (run.status !== 'failed') return undefined;
  const job =
    run.jobs.find(
      j => j.status === 'failed' && j.steps.some(s => s.status === 'failed'),
    ) ?? run.jobs.find(j => j.status === 'failed');
  if (!job) return undefined;
  const failedStep = job.steps.find(s => s.status === 'failed');
  return {
    job,
    step: failedStep,
    key: groupKey(job.jobRunId, failedStep?.stepIndex),
  };
}

/**
 * The run's log: a first page at once, then the live stream (Server-Sent Events, resumed
 * after the last line on reconnect). While the run is going and the stream has been silent
 * for a few seconds, the ranges endpoint is polled as well: a proxy or compression layer
 * that buffers the stream then only delays lines instead of hiding them until the end.
 */
function useLiveLog(
  runId: string,
  live: boolean | undefined,
  firstLines?: PipelineLogLine[],
) {
  const api = useApi(pipelinesApiRef);
  const model = useMemo(() => {
    const created = new LogModel();
    // Lines already at hand show on the first render; the read below adds only newer ones
    if (firstLines) created.append(firstLines);
    return created;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const [version, setVersion] = useState(0);
  const [loading, setLoading] = useState(true);
  const [stream, setStream] = useState<StreamState>({ state: 'connecting' });
  const [streamRun, setStreamRun] = useState<PipelineRun>();
  const frame = useRef<number>();
  const lastLineAt = useRef(Date.now());
  const liveRef = useRef(live);
  liveRef.current = live;

  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    let polling = false;
    const bump = () => {
      lastLineAt.current = Date.now();
      if (frame.current !== undefined) return;
      frame.current = requestAnimationFrame(() => {
        frame.current = undefined;
        setVersion(model.version);
      });
    };
    const poll = setInterval(async () => {
      if (polling || liveRef.current === false) return;
      if (Date.now() - lastLineAt.current < 3000) return;
      polling = true;
      try {
        const { lines } = await api.getLogs(runId, {
          after: model.lastSeq,
          limit: 10_000,
        });
        if (!cancelled && model.append(lines)) bump();
      } catch {
        // the stream's banner reports an unreachable backend
      } finally {
        polling = false;
      }
    }, 2000);
    (async () => {
      const prefetched = takePrefetched(api, runId);
      const runRead = (prefetched?.run ?? api.getRun(runId)).then(
        run => ({ run, error: undefined }),
        (error: Error) => ({ run: undefined, error }),
      );
      try {
        // A first page straight away, so the page shows lines before the rest arrives
        const { lines } = await (prefetched?.logs ??
          api.getLogs(runId, { ...FIRST_LOG_PAGE }));
        if (cancelled) return;
        model.append(lines);
        setVersion(model.version);
        const { run: current } = await runRead;
        if (current && TERMINAL_RUN_STATUSES.includes(current.status)) {
          // A finished run: its log in large pages, no stream to keep open
          for (let page = lines; page.length && !cancelled; ) {
            page = (
              await api.getLogs(runId, { after: model.lastSeq, limit: 10_000 })
            ).lines;
            if (model.append(page)) bump();
            if (page.length < 10_000) break;
          }
          if (!cancelled) {
            setLoading(false);
            setStream({ state: 'ended' });
          }
          return;
        }
      } catch {
        // the stream below retries and reports
      }
      if (cancelled) return;
      setLoading(false);
      const { error } = await runRead;
      if (cancelled) return;
      if (error && !isUnavailable(error)) {
        // No such run, or not ours to read (4xx): there is no log to follow
        clearInterval(poll);
        setStream({ state: 'ended' });
        return;
      }
      stop = api.streamLogs(runId, model.lastSeq, {
        onLines: lines => {
          if (model.append(lines)) bump();
        },
        onRun: run => setStreamRun(run),
        onState: setStream,
      });
    })();
    return () => {
      cancelled = true;
      clearInterval(poll);
      stop?.();
      if (frame.current !== undefined) cancelAnimationFrame(frame.current);
    };
  }, [api, runId, model]);

  return {
    model,
    version,
    loading: loading && live !== false,
    stream,
    streamRun,
  };
}

function ApprovalPanel(props: {
  run: PipelineRun;
  job: PipelineJobRun;
  canApprove: boolean;
  onDecided(run: PipelineRun): void;
}) {
  const { run, job, canApprove, onDecided } = props;
  const api = useApi(pipelinesApiRef);
  const alertApi = useApi(alertApiRef);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const decide = async (decision: 'approve' | 'reject') => {
    setBusy(true);
    try {
      onDecided(
        await api.decide(
          run.runId,
          job.jobRunId,
          decision,
          comment || undefined,
        ),
      );
    } catch (error) {
      alertApi.post({ message: (error as Error).message, severity: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Alert severity="warning" role="region" aria-label={`Approval ${job.name}`}>
      <AlertTitle>Waiting for approval: {job.name}</AlertTitle>
      {job.approval?.description && (
        <Typography variant="body2">{job.approval.description}</Typography>
      )}
      {job.approval?.approvers?.length ? (
        <Typography variant="body2">
          Approvers: {job.approval.approvers.join(', ')}
        </Typography>
      ) : null}
      {canApprove ? (
        <Box display="flex" alignItems="center" mt={1} style={{ gap: 8 }}>
          <TextField
            id={`approval-comment-${job.jobRunId}`}
            size="small"
            label="Comment"
            value={comment}
            onChange={e => setComment(e.target.value)}
          />
          <Button
            variant="contained"
            color="primary"
            disabled={busy}
            onClick={() => decide('approve')}
          >
            Approve
          </Button>
          <Button
            variant="outlined"
            disabled={busy}
            onClick={() => decide('reject')}
          >
            Reject
          </Button>
        </Box>
      ) : (
        <Typography variant="body2">
          You are not one of the approvers of this gate.
        </Typography>
      )}
    </Alert>
  );
}

function Artifacts(props: { runId: string; finished: boolean }) {
  const { runId, finished } = props;
  const api = useApi(pipelinesApiRef);
  const alertApi = useApi(alertApiRef);
  const artifacts = useAsync(
    () => api.listArtifacts(runId),
    [api, runId, finished],
  );
  const download = async (artifact: PipelineArtifact) => {
    try {
      const blob = await api.downloadArtifact({ ...artifact, runId });
      saveBlob(blob, artifact.path.split('/').pop() ?? 'artifact');
    } catch (error) {
      alertApi.post({ message: (error as Error).message, severity: 'error' });
    }
  };
  return (
    <InfoCard title="Artifacts">
      {artifacts.loading && <LinearProgress aria-label="Loading artifacts" />}
      {artifacts.error && (
        <Alert severity="error">{artifacts.error.message}</Alert>
      )}
      {artifacts.value && artifacts.value.length === 0 && (
        <Typography variant="body2">
          {finished ? 'This run kept no artifacts.' : 'None yet.'}
        </Typography>
      )}
      {artifacts.value && artifacts.value.length > 0 && (
        <List dense>
          {artifacts.value.map(artifact => (
            <ListItem key={`${artifact.jobRunId}/${artifact.path}`}>
              <ListItemText
                primary={artifact.path}
                secondary={`${artifact.jobRunId} · ${formatBytes(
                  artifact.size,
                )}`}
              />
              <Button
                size="small"
                onClick={() => download(artifact)}
                aria-label={`Download ${artifact.path} from ${artifact.jobRunId}`}
              >
                Download
              </Button>
            </ListItem>
          ))}
        </List>
      )}
    </InfoCard>
  );
}

export type RunPageProps = { runId: string };

/** One run: header, actions, job graph, failure summary, live log and artifacts. */
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
  const ownership = useAsync(
    async () => (await identityApi.getBackstageIdentity()).ownershipEntityRefs,
    [identityApi],
  );
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
                <Alert severity="error" role="region" aria-label="Failure">
                  <AlertTitle>
                    Failed at {failure.job.name}
                    {failure.step ? ` › ${failure.step.name}` : ''}
                    {failure.step?.exitCode !== undefined
                      ? ` (exit code ${failure.step.exitCode})`
                      : ''}
                  </AlertTitle>
                  {(failure.step?.error ?? failure.job.error ?? run.error) && (
                    <Typography variant="body2">
                      {failure.step?.error ?? failure.job.error ?? run.error}
                    </Typography>
                  )}
                  {failureTail.length > 0 && (
                    <pre
                      className={classes.tail}
                      aria-label="Last lines of the failing step"
                    >
                      {failureTail.map((text, i) => (
                        <div key={i}>
                          {parseAnsi(text).map((segment, j) => (
                            <span key={j}>{segment.text}</span>
                          ))}
                        </div>
                      ))}
                    </pre>
                  )}
                  <Button
                    size="small"
                    onClick={() =>
                      viewer.current?.scrollToJob(failure.job.jobRunId)
                    }
                  >
                    Show in log
                  </Button>
                </Alert>
              </Box>
            )}
            {waiting.map(job => (
              <Box mb={2} key={job.jobRunId}>
                <ApprovalPanel
                  run={run}
                  job={job}
                  canApprove={canApproveAny && isApprover(job)}
                  onDecided={setRun}
                />
              </Box>
            ))}
            <Grid container spacing={2}>
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
