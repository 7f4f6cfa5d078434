import type { ComponentType } from 'react';
import {
  createExtensionBlueprint,
  createExtensionDataRef,
} from '@backstage/frontend-plugin-api';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import { pipelinesAttachPoints } from './attachPoints';

/**
 * What a CI/CD run action is given: the run as the CI/CD list has it (`run.provider`, the
 * provider's own id in `run.runId`, `run.status`, `run.entityRef`, …), kept current as the list
 * refreshes.
 */
export type CiCdRunActionProps = {
  run: PipelineRun;
  /** Call once the action changed the run (re-run, cancelled), so the list reloads it. */
  onChanged(): void;
};

/** A CI/CD run action: its component is loaded when the list first shows a run it is for. */
export type CiCdRunAction = {
  /** The provider whose runs get the action, as runs name it (`PipelineRun.provider`). */
  provider: string;
  loader: () => Promise<ComponentType<CiCdRunActionProps>>;
};

export const ciCdRunActionDataRef =
  createExtensionDataRef<CiCdRunAction>().with({
    id: 'pipelines.ci-cd-run-action',
  });

/**
 * Buttons in the rows of the CI/CD tab's run list for the runs of one external provider, e.g.
 * "Re-run" and "Cancel" for GitHub Actions runs. Comet's own runs have theirs on the run page
 * (`RunPageActionBlueprint`). The component is loaded lazily.
 */
export const CiCdRunActionBlueprint = createExtensionBlueprint({
  kind: 'ci-cd-run-action',
  attachTo: pipelinesAttachPoints.ciCdRunActions,
  output: [ciCdRunActionDataRef],
  dataRefs: { action: ciCdRunActionDataRef },
  *factory(params: CiCdRunAction) {
    yield ciCdRunActionDataRef(params);
  },
});
