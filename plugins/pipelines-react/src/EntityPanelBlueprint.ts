import type { Entity } from '@backstage/catalog-model';
import {
  createExtensionBlueprint,
  createExtensionDataRef,
} from '@backstage/frontend-plugin-api';
import { pipelinesAttachPoints } from './attachPoints';

/** A panel of the CI/CD entity tab; it reads the entity with `useEntity()`. */
export type EntityPanel = {
  title: string;
  /** The entities it shows on; all the tab's entities when absent. */
  appliesTo?(entity: Entity): boolean;
  loader: () => Promise<JSX.Element>;
};

export const entityPanelDataRef = createExtensionDataRef<EntityPanel>().with({
  id: 'pipelines.entity-panel',
});

/**
 * A panel below the runs on the CI/CD entity tab, e.g. recorded test results or a provider's
 * own summary. Loaded when the tab renders it.
 */
export const EntityPanelBlueprint = createExtensionBlueprint({
  kind: 'pipelines-entity-panel',
  attachTo: pipelinesAttachPoints.ciCdContentPanels,
  output: [entityPanelDataRef],
  dataRefs: { panel: entityPanelDataRef },
  *factory(params: EntityPanel) {
    yield entityPanelDataRef(params);
  },
});
