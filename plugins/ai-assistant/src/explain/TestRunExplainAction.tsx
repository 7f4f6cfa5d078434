import type { TestRunActionProps } from '@internal/plugin-test-recorder-react';
import { useMemo } from 'react';
import { ExplainFailureButton } from './ExplainFailureButton';

/** "Explain this failure" in the header of a failed (or cancelled) test-recorder run's page. */
export function TestRunExplainAction(props: TestRunActionProps) {
  const { run } = props;
  const request = useMemo(() => ({ testRunId: run.runId }), [run.runId]);
  if (run.status !== 'failed' && run.status !== 'cancelled') return null;
  return (
    <ExplainFailureButton
      request={request}
      what={`this run of ${run.suiteName}`}
    />
  );
}
