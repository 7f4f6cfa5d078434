import type {
  CiCdRunActionProps,
  RunPageActionProps,
} from '@internal/plugin-pipelines-react';
import { useMemo } from 'react';
import { ExplainFailureButton } from './ExplainFailureButton';

/** A run of the CI/CD views has something to explain once it failed or was cancelled. */
const EXPLAINABLE = ['failed', 'cancelled'];

function titleOf(run: RunPageActionProps['run']) {
  return `${run.pipeline}${run.number !== undefined ? ` #${run.number}` : ''}`;
}

/** "Explain this failure" in the header of a failed Comet run's page. */
export function RunPageExplainAction(props: RunPageActionProps) {
  const { run } = props;
  const request = useMemo(() => ({ runId: run.runId }), [run.runId]);
  if (!EXPLAINABLE.includes(run.status)) return null;
  return <ExplainFailureButton request={request} what={titleOf(run)} />;
}

/**
 * "Explain" in the CI/CD list's rows of failed Jenkins builds and GitHub Actions runs: the
 * run id as the list gives it, with the entity it lists them for.
 */
export function CiCdExplainAction(props: CiCdRunActionProps) {
  const { run } = props;
  const request = useMemo(
    () => ({ runId: run.runId, entityRef: run.entityRef }),
    [run.runId, run.entityRef],
  );
  if (!EXPLAINABLE.includes(run.status)) return null;
  return (
    <ExplainFailureButton request={request} what={titleOf(run)} size="small" />
  );
}
