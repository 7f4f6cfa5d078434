import { useApi } from '@backstage/frontend-plugin-api';
import {
  Box,
  Button,
  Chip,
  Paper,
  Tab,
  Tabs,
  Typography,
} from '@material-ui/core';
import type { TestResult } from '@internal/plugin-test-recorder-common';
import { useState } from 'react';
import { testRecorderApiRef } from '../api';
import { formatDuration } from '../format';
import { JiraBugButton } from './JiraBugButton';
import { ArtifactImage } from './ArtifactImage';
import { ArtifactVideo } from './ArtifactVideo';
import { ProblemAlert } from './ProblemAlert';
import { StatusChip } from './StatusChip';
import { VisualComparison } from './VisualComparison';

export type TestResultCardProps = {
  runId: string;
  result: TestResult;
  mayAcceptBaseline: boolean;
  /** The suite's name, for a Jira bug's summary. */
  suiteName?: string;
  /** Whether "Create Jira bug" is offered (Jira is configured). */
  jiraBugs?: boolean;
  /** An artifact a link points at (`?artifact=`): its attempt is shown first. */
  focusArtifactId?: string;
};

function attemptHolding(result: TestResult, artifactId?: string): number {
  if (!artifactId) return -1;
  return result.attempts.findIndex(
    a =>
      a.videoArtifactId === artifactId ||
      a.traceArtifactId === artifactId ||
      a.steps.some(
        step =>
          step.screenshotArtifactId === artifactId ||
          step.visual?.actualArtifactId === artifactId ||
          step.visual?.diffArtifactId === artifactId ||
          step.visual?.baselineArtifactId === artifactId,
      ),
  );
}

/** One test of a run: status, attempts, the failing step, screenshots, video, trace, visuals. */
export function TestResultCard(props: TestResultCardProps) {
  const { result, runId } = props;
  const api = useApi(testRecorderApiRef);
  const [attemptIndex, setAttemptIndex] = useState(() => {
    const focused = attemptHolding(result, props.focusArtifactId);
    return focused >= 0 ? focused : Math.max(result.attempts.length - 1, 0);
  });
  const [traceError, setTraceError] = useState<Error | undefined>();
  const attempt = result.attempts[attemptIndex];
  // The failure to show: the last failed attempt's
  const failure = [...result.attempts].reverse().find(a => a.error)?.error;

  const openTrace = async (artifactId: string) => {
    setTraceError(undefined);
    // Opened before the await, so the browser counts it as the user's click
    const tab = window.open('', '_blank');
    try {
      const url = await api.getTraceViewerUrl(artifactId);
      if (tab) {
        tab.opener = null;
        tab.location.href = url;
      } else {
        window.open(url, '_blank', 'noopener');
      }
    } catch (e) {
      tab?.close();
      setTraceError(e as Error);
    }
  };

  return (
    <Paper
      variant="outlined"
      component="section"
      id={`test-${result.testId}`}
      aria-label={`Test ${result.testName}`}
    >
      <Box p={2}>
        <Box
          display="flex"
          alignItems="center"
          flexWrap="wrap"
          style={{ gap: 8 }}
        >
          <Typography variant="h6" style={{ flex: 1 }}>
            {result.testName}
          </Typography>
          <StatusChip status={result.status} />
          {result.quarantined && <StatusChip status="quarantined" />}
          <Typography variant="body2">
            {result.attempts.length}{' '}
            {result.attempts.length === 1 ? 'attempt' : 'attempts'} ·{' '}
            {formatDuration(result.durationMs)}
          </Typography>
        </Box>
        {failure && (
          <Box my={1} p={1} bgcolor="rgba(198,40,40,0.08)" aria-label="Failure">
            <Typography variant="body2">
              {failure.stepIndex !== undefined
                ? `Step ${failure.stepIndex + 1} failed: `
                : 'Failed: '}
              <span style={{ whiteSpace: 'pre-wrap' }}>{failure.message}</span>
            </Typography>
          </Box>
        )}
        {failure && props.jiraBugs && (
          <Box my={1}>
            <JiraBugButton
              runId={runId}
              testId={result.testId}
              testName={result.testName}
              suiteName={props.suiteName ?? ''}
              error={failure.message}
            />
          </Box>
        )}
        {result.attempts.length > 1 && (
          <Tabs
            value={attemptIndex}
            onChange={(_e, value) => setAttemptIndex(value)}
            aria-label={`Attempts of ${result.testName}`}
          >
            {result.attempts.map((a, index) => (
              <Tab
                key={a.attempt}
                value={index}
                label={`Attempt ${a.attempt} (${a.status})`}
              />
            ))}
          </Tabs>
        )}
        {attempt && (
          <>
            <Box
              component="ol"
              pl={3}
              aria-label={`Steps of ${result.testName}`}
            >
              {attempt.steps.map(step => (
                <li key={`${step.stepId}-${step.index}`}>
                  <Box
                    display="flex"
                    alignItems="center"
                    flexWrap="wrap"
                    style={{ gap: 8 }}
                  >
                    <Typography variant="body2">{step.action}</Typography>
                    <StatusChip status={step.status} />
                    <Typography variant="body2" color="textSecondary">
                      {formatDuration(step.durationMs)}
                    </Typography>
                    {step.usedFallback && (
                      <Chip
                        size="small"
                        label={`matched by fallback ${step.usedFallback}`}
                      />
                    )}
                  </Box>
                  {step.error && (
                    <Typography
                      variant="body2"
                      color="error"
                      style={{ whiteSpace: 'pre-wrap' }}
                    >
                      {step.error}
                    </Typography>
                  )}
                  {step.screenshotArtifactId && (
                    <ArtifactImage
                      artifactId={step.screenshotArtifactId}
                      label={`Screenshot after step ${step.index + 1}`}
                    />
                  )}
                  {step.visual && (
                    <VisualComparison
                      runId={runId}
                      testId={result.testId}
                      stepId={step.stepId}
                      visual={step.visual}
                      mayAccept={props.mayAcceptBaseline}
                    />
                  )}
                </li>
              ))}
            </Box>
            {attempt.traceArtifactId && (
              <Button
                variant="outlined"
                onClick={() => openTrace(attempt.traceArtifactId!)}
              >
                Open trace
              </Button>
            )}
            {traceError && (
              <ProblemAlert
                error={traceError}
                title="The trace cannot be opened"
              />
            )}
            {attempt.videoArtifactId && (
              <Box mt={2}>
                <ArtifactVideo
                  artifactId={attempt.videoArtifactId}
                  label={`Video of ${result.testName}, attempt ${attempt.attempt}`}
                />
              </Box>
            )}
          </>
        )}
      </Box>
    </Paper>
  );
}
