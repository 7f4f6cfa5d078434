import { ErrorBoundary, Link, Progress } from '@backstage/core-components';
import { useApi, useRouteRefParams } from '@backstage/frontend-plugin-api';
import { Box, Button, Typography } from '@material-ui/core';
import { Alert, AlertTitle } from '@material-ui/lab';
import {
  testRecorderBaselineAcceptPermission,
  testRecorderSuiteRunPermission,
  TestRun,
} from '@internal/plugin-test-recorder-common';
import type {
  TestRunAction,
  TestRunActionProps,
} from '@internal/plugin-test-recorder-react';
import { ComponentType, lazy, Suspense, useEffect, useState } from 'react';
import { testRecorderApiRef } from '../api';
import { formatDuration, formatWhen } from '../format';
import { useAllowed } from '../hooks';
import { useTestRecorderLinks } from '../links';
import { runRouteRef } from '../routes';
import { ProblemAlert } from './ProblemAlert';
import { StatusChip } from './StatusChip';
import { TestResultCard } from './TestResultCard';

export type RunPageProps = {
  runId: string;
  /** How often a queued or running run is read again (2 s). */
  pollIntervalMs?: number;
  /** Buttons other plugins attached to the run page (`TestRunActionBlueprint`). */
  actions?: readonly TestRunAction[];
};

// One lazy component per attached action, so a run page opened twice loads its code once
const lazyActions = new WeakMap<
  TestRunAction,
  ComponentType<TestRunActionProps>
>();
function lazyAction(action: TestRunAction) {
  let component = lazyActions.get(action);
  if (!component) {
    component = lazy(() => action.loader().then(c => ({ default: c })));
    lazyActions.set(action, component);
  }
  return component;
}

const isActive = (run: TestRun) =>
  run.status === 'queued' || run.status === 'running';

/** One run: its status (live while it runs), per-test results and artifacts. */
export function RunPage(props: RunPageProps) {
  const { runId, pollIntervalMs = 2000, actions = [] } = props;
  const api = useApi(testRecorderApiRef);
  const links = useTestRecorderLinks();
  const [run, setRun] = useState<TestRun | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const [reads, setReads] = useState(0);
  const [cancelError, setCancelError] = useState<Error | undefined>();
  const mayAccept = useAllowed(
    testRecorderBaselineAcceptPermission,
    run?.entityRef,
  );
  const mayRun = useAllowed(testRecorderSuiteRunPermission, run?.entityRef);
  const [jiraBugs, setJiraBugs] = useState(false);
  // A link from a Jira bug: `?test=<testId>&artifact=<artifactId>`
  const [focus] = useState(() => {
    const params = new URLSearchParams(window.location.search);
    return {
      testId: params.get('test') ?? undefined,
      artifactId: params.get('artifact') ?? undefined,
    };
  });

  useEffect(() => {
    let gone = false;
    api.getConfig().then(
      config => {
        if (!gone) setJiraBugs(Boolean(config.jiraBugs));
      },
      () => {},
    );
    return () => {
      gone = true;
    };
  }, [api]);

  const loaded = Boolean(run);
  useEffect(() => {
    if (loaded && focus.testId) {
      document
        .getElementById(`test-${focus.testId}`)
        ?.scrollIntoView?.({ block: 'start' });
    }
  }, [loaded, focus.testId]);

  useEffect(() => {
    let gone = false;
    api.getRun(runId).then(
      value => {
        if (gone) return;
        setRun(value);
        setError(undefined);
      },
      e => {
        if (!gone) setError(e);
      },
    );
    return () => {
      gone = true;
    };
  }, [api, runId, reads]);

  const active = run ? isActive(run) : false;
  useEffect(() => {
    if (!active) return undefined;
    const timer = setTimeout(() => setReads(r => r + 1), pollIntervalMs);
    return () => clearTimeout(timer);
  }, [active, run, pollIntervalMs]);

  if (error && !run)
    return (
      <ProblemAlert error={error} title={`Run ${runId} cannot be shown`} />
    );
  if (!run) return <Progress />;

  const cancel = async () => {
    setCancelError(undefined);
    try {
      await api.cancelRun(runId);
      setReads(r => r + 1);
    } catch (e) {
      setCancelError(e as Error);
    }
  };

  return (
    <Box p={3} display="flex" flexDirection="column" style={{ gap: 16 }}>
      <Box
        display="flex"
        alignItems="center"
        flexWrap="wrap"
        style={{ gap: 16 }}
      >
        <Box flex="1 1 auto">
          <Typography variant="h4" component="h1">
            Run of <Link to={links.suite(run.suiteName)}>{run.suiteName}</Link>
          </Typography>
          <Typography variant="body2" color="textSecondary">
            Version {run.suiteVersion} · {run.trigger} by {run.triggeredBy} ·{' '}
            {formatWhen(run.createdAt)} · {run.baseUrl}
            {run.project ? ` · ${run.project}` : ''} · {run.retries}{' '}
            {run.retries === 1 ? 'retry' : 'retries'}
            {run.durationMs !== undefined
              ? ` · ${formatDuration(run.durationMs)}`
              : ''}
            {run.commit ? ` · commit ${run.commit.slice(0, 7)}` : ''}
          </Typography>
        </Box>
        <StatusChip status={run.status} />
        {active && mayRun && (
          <Button variant="outlined" onClick={cancel}>
            Cancel run
          </Button>
        )}
        {actions.map((action, index) => {
          const Action = lazyAction(action);
          return (
            <ErrorBoundary key={index}>
              <Suspense fallback={null}>
                <Action run={run} />
              </Suspense>
            </ErrorBoundary>
          );
        })}
      </Box>
      {cancelError && (
        <ProblemAlert error={cancelError} title="The run was not cancelled" />
      )}
      {error && (
        <ProblemAlert error={error} title="The run could not be read again" />
      )}
      <Typography aria-label="Counts">
        {run.counts.passed} passed · {run.counts.failed} failed ·{' '}
        {run.counts.flaky} flaky · {run.counts.skipped} skipped
      </Typography>
      {run.reason && (
        <Alert severity="error">
          <AlertTitle>The run failed</AlertTitle>
          {run.reason}
        </Alert>
      )}
      {run.videoUnavailable && (
        <Alert severity="info">
          <AlertTitle>No video for this run</AlertTitle>
          {run.videoUnavailable}
        </Alert>
      )}
      {active && run.results.length === 0 && (
        <Typography color="textSecondary">
          {run.status === 'queued' ? 'Waiting for a free worker…' : 'Running…'}
        </Typography>
      )}
      {run.results.map(result => (
        <TestResultCard
          key={result.testId}
          runId={run.runId}
          result={result}
          mayAcceptBaseline={mayAccept}
          suiteName={run.suiteName}
          jiraBugs={jiraBugs}
          focusArtifactId={
            result.testId === focus.testId ? focus.artifactId : undefined
          }
        />
      ))}
    </Box>
  );
}

/** The page at `/test-recorder/runs/:runId`. */
export function RunPageRoute(props: { actions?: readonly TestRunAction[] }) {
  const { runId } = useRouteRefParams(runRouteRef);
  const decoded = decodeURIComponent(runId);
  return <RunPage key={decoded} runId={decoded} actions={props.actions} />;
}
