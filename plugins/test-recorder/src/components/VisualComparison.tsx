import { useApi } from '@backstage/frontend-plugin-api';
import { Box, Button, Typography } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import type { TestVisualResult } from '@internal/plugin-test-recorder-common';
import { useState } from 'react';
import { testRecorderApiRef } from '../api';
import { ArtifactImage } from './ArtifactImage';
import { ProblemAlert } from './ProblemAlert';
import { StatusChip } from './StatusChip';

export type VisualComparisonProps = {
  runId: string;
  testId: string;
  stepId: string;
  visual: TestVisualResult;
  /** Whether the user holds test-recorder.baseline.accept on the suite's entity. */
  mayAccept: boolean;
};

/** Baseline, actual and diff side by side; a permitted user accepts the actual as baseline. */
export function VisualComparison(props: VisualComparisonProps) {
  const { visual } = props;
  const api = useApi(testRecorderApiRef);
  const [state, setState] = useState<'idle' | 'busy' | 'accepted'>('idle');
  const [error, setError] = useState<Error | undefined>();

  const accept = async () => {
    setState('busy');
    setError(undefined);
    try {
      await api.acceptBaseline(props.runId, {
        testId: props.testId,
        stepId: props.stepId,
      });
      setState('accepted');
    } catch (e) {
      setError(e as Error);
      setState('idle');
    }
  };

  return (
    <Box component="section" aria-label={`Visual check ${visual.name}`} my={1}>
      <Box display="flex" alignItems="center" style={{ gap: 8 }}>
        <Typography variant="subtitle2">
          Visual check “{visual.name}”
        </Typography>
        <StatusChip status={visual.status} />
        {visual.diffRatio !== undefined && (
          <Typography variant="body2">
            {visual.diffPixels ?? 0} pixels differ (
            {(visual.diffRatio * 100).toFixed(2)}%)
          </Typography>
        )}
      </Box>
      <Box display="flex" flexWrap="wrap" style={{ gap: 16 }} mt={1}>
        {[
          ['Baseline', visual.baselineArtifactId],
          ['Actual', visual.actualArtifactId],
          ['Diff', visual.diffArtifactId],
        ].map(([title, artifactId]) =>
          artifactId ? (
            <Box key={title}>
              <Typography variant="caption" display="block">
                {title}
              </Typography>
              <ArtifactImage
                artifactId={artifactId}
                label={`${title} of ${visual.name}`}
                width={240}
              />
            </Box>
          ) : null,
        )}
      </Box>
      {error && (
        <ProblemAlert error={error} title="The baseline was not accepted" />
      )}
      {state === 'accepted' ? (
        <Alert severity="success">
          Accepted: the next runs compare with this screenshot.
        </Alert>
      ) : (
        visual.status !== 'match' &&
        props.mayAccept && (
          <Button
            variant="outlined"
            disabled={state === 'busy'}
            onClick={accept}
            style={{ marginTop: 8 }}
          >
            Accept as new baseline
          </Button>
        )
      )}
    </Box>
  );
}
