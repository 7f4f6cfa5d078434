import { useApi } from '@backstage/frontend-plugin-api';
import type {
  JenkinsStage,
  JenkinsTriggerResult,
} from '@internal/plugin-jenkins-common';
import { Box, Button, Chip, Link, Typography } from '@material-ui/core';
import ArrowForwardIcon from '@material-ui/icons/ArrowForward';
import { Fragment, useEffect, useState } from 'react';
import { jenkinsApiRef } from '../api';
import { formatDuration, formatTime, shortSha } from '../format';
import { useLoader } from '@internal/react-common';
import { ConsoleView } from './ConsoleView';
import { Problem } from './Problem';
import { StatusLabel } from './StatusLabel';

export type BuildDetailsProps = {
  entityRef: string;
  job: string;
  number: number;
  /** `jenkins.build.trigger` on the entity: Rebuild is shown. */
  canTrigger: boolean;
  /** `jenkins.build.abort` on the entity: Abort is shown. */
  canAbort: boolean;
  onRebuilt: (result: JenkinsTriggerResult) => void;
  onChanged: () => void;
};

function StageGraph(props: { stages: JenkinsStage[] }) {
  const { stages } = props;
  if (stages.length === 0) return null;
  return (
    <Box
      component="ol"
      aria-label="Stages"
      display="flex"
      flexWrap="wrap"
      alignItems="center"
      p={0}
      m={0}
      style={{ listStyle: 'none', gap: 4 }}
    >
      {stages.map((stage, index) => (
        <Fragment key={stage.id}>
          {index > 0 && (
            <ArrowForwardIcon fontSize="small" color="action" aria-hidden />
          )}
          <Box
            component="li"
            border={1}
            borderColor="divider"
            borderRadius={4}
            px={1}
            py={0.5}
          >
            <Typography variant="body2" style={{ fontWeight: 600 }}>
              {stage.name}
            </Typography>
            <StatusLabel status={stage.status} />
            <Typography variant="caption" display="block" color="textSecondary">
              {formatDuration(stage.durationMs)}
            </Typography>
          </Box>
        </Fragment>
      ))}
    </Box>
  );
}

/** One build: stages, tests, parameters, changes, artifacts and its live console. */
export function BuildDetails(props: BuildDetailsProps) {
  const { entityRef, job, number, canTrigger, canAbort, onRebuilt, onChanged } =
    props;
  const api = useApi(jenkinsApiRef);
  const [tick, setTick] = useState(0);
  const build = useLoader(
    () => api.getBuild({ entityRef, job, number }),
    [api, entityRef, job, number, tick],
  );
  const failedTests = build.value?.tests?.failed ?? 0;
  const report = useLoader(
    () =>
      failedTests > 0
        ? api.getTestReport({ entityRef, job, number })
        : Promise.resolve(undefined),
    [api, entityRef, job, number, failedTests],
  );
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string>();
  const running = build.value?.building;

  // Stages move while the build runs.
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => setTick(t => t + 1), 3000);
    return () => clearInterval(timer);
  }, [running]);

  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setActionError(undefined);
    try {
      await action();
    } catch (e) {
      setActionError(String((e as Error).message));
    } finally {
      setBusy(false);
    }
  };

  const b = build.value;
  return (
    <Box
      component="section"
      aria-label={`Build ${number}`}
      mt={2}
      p={2}
      border={1}
      borderColor="divider"
      borderRadius={4}
    >
      <Box
        display="flex"
        alignItems="center"
        style={{ gap: 12 }}
        flexWrap="wrap"
      >
        <Typography variant="h6" component="h3">
          Build #{number}
        </Typography>
        {b && <StatusLabel status={b.status} />}
        {b?.branch && <Chip size="small" label={`branch ${b.branch}`} />}
        <Box flexGrow={1} />
        {b && canAbort && b.building && (
          <Button
            variant="outlined"
            disabled={busy}
            onClick={() =>
              act(async () => {
                await api.abortBuild({ entityRef, job, number });
                setTick(t => t + 1);
                onChanged();
              })
            }
          >
            Abort
          </Button>
        )}
        {b && canTrigger && !b.building && (
          <Button
            variant="outlined"
            disabled={busy}
            onClick={() =>
              act(async () =>
                onRebuilt(await api.rebuild({ entityRef, job, number })),
              )
            }
          >
            Rebuild
          </Button>
        )}
        {b && (
          <Link href={b.url} target="_blank" rel="noopener noreferrer">
            Open in Jenkins
          </Link>
        )}
      </Box>
      {actionError && (
        <Problem title="The action failed" message={actionError} />
      )}
      {build.error && (
        <Problem
          title={`Build #${number} cannot be shown`}
          message={build.error.message}
        />
      )}
      {b && (
        <Box mt={1} display="grid" style={{ gap: 12 }}>
          <Typography variant="body2">
            {b.causes.map(c => c.description).join('; ') || 'Started'} ·{' '}
            {formatTime(b.startedAt)} ·{' '}
            {b.building
              ? `running, about ${formatDuration(
                  b.estimatedDurationMs,
                )} expected`
              : formatDuration(b.durationMs)}
          </Typography>
          {b.stages && <StageGraph stages={b.stages} />}
          {b.tests && (
            <Typography variant="body2" aria-label="Test results">
              Tests: {b.tests.passed} passed, {b.tests.failed} failed,{' '}
              {b.tests.skipped} skipped ({b.tests.total} total)
            </Typography>
          )}
          {report.value && report.value.failures.length > 0 && (
            <Box component="ul" m={0} aria-label="Failed tests">
              {report.value.failures.slice(0, 20).map(f => (
                <li key={`${f.className}.${f.name}`}>
                  <Typography variant="body2">
                    {f.className} › {f.name}
                    {f.errorDetails ? `: ${f.errorDetails}` : ''}
                  </Typography>
                </li>
              ))}
            </Box>
          )}
          {Object.keys(b.parameters).length > 0 && (
            <Typography variant="body2" aria-label="Parameters">
              Parameters:{' '}
              {Object.entries(b.parameters)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')}
            </Typography>
          )}
          {b.changes.length > 0 && (
            <Box component="ul" m={0} aria-label="Changes">
              {b.changes.map(c => (
                <li key={c.sha}>
                  <Typography variant="body2">
                    <code>{shortSha(c.sha)}</code> {c.message}{' '}
                    {c.author ? `(${c.author})` : ''}
                  </Typography>
                </li>
              ))}
            </Box>
          )}
          {b.artifacts.length > 0 && (
            <Typography variant="body2" component="div">
              Artifacts:{' '}
              {b.artifacts.map((a, i) => (
                <Fragment key={a.relativePath}>
                  {i > 0 && ', '}
                  <Link href={a.url} target="_blank" rel="noopener noreferrer">
                    {a.relativePath}
                  </Link>
                </Fragment>
              ))}
            </Typography>
          )}
        </Box>
      )}
      <Box mt={2}>
        <ConsoleView
          entityRef={entityRef}
          job={job}
          number={number}
          onEnd={() => {
            setTick(t => t + 1);
            onChanged();
          }}
        />
      </Box>
    </Box>
  );
}
