import type { ComponentType } from 'react';
import {
  createExtensionBlueprint,
  createExtensionDataRef,
} from '@backstage/frontend-plugin-api';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import { pipelinesAttachPoints } from './attachPoints';

/** What a run-page action is given: the run as the page shows it, kept current while live. */
export type RunPageActionProps = { run: PipelineRun };

/** A run-page action: its component is loaded when a run's page first renders it. */
export type RunPageAction = {
  loader: () => Promise<ComponentType<RunPageActionProps>>;
};

export const runPageActionDataRef =
  createExtensionDataRef<RunPageAction>().with({
    id: 'pipelines.run-page-action',
  });

/**
 * A button (or menu) in the header of a pipeline run's page, beside Cancel and Re-run, e.g.
 * "Open Jira issue" or "Explain this failure". The component is loaded lazily so that other
 * plugins' actions do not grow the app's start-up scripts.
 */
export const RunPageActionBlueprint = createExtensionBlueprint({
  kind: 'run-page-action',
  attachTo: pipelinesAttachPoints.runPageActions,
  output: [runPageActionDataRef],
  dataRefs: { action: runPageActionDataRef },
  *factory(params: RunPageAction) {
    yield runPageActionDataRef(params);
  },
});
