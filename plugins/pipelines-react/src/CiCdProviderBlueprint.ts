import type { Entity } from '@backstage/catalog-model';
import {
  createExtensionBlueprint,
  createExtensionDataRef,
} from '@backstage/frontend-plugin-api';
import { pipelinesAttachPoints } from './attachPoints';

/** A CI/CD system whose runs the pipelines UI shows, and the entities it has runs for. */
export type CiCdProvider = {
  /** The provider id the pipelines backend reports its runs under, e.g. `jenkins`. */
  id: string;
  title: string;
  /** Whether the entity has anything of this provider (usually an annotation). */
  appliesTo(entity: Entity): boolean;
};

export const ciCdProviderDataRef = createExtensionDataRef<CiCdProvider>().with({
  id: 'pipelines.ci-cd-provider',
});

/**
 * A CI/CD provider of the pipelines UI. The CI/CD tab and the latest-runs card show on an
 * entity when Comet pipelines or any attached provider apply to it, so a CI system's plugin
 * adds its entities without the pipelines plugin naming its annotation. Attaches to the tab by
 * default; attach a second one to `pipelinesAttachPoints.latestRunsCardProviders` for the card.
 */
export const CiCdProviderBlueprint = createExtensionBlueprint({
  kind: 'ci-cd-provider',
  attachTo: pipelinesAttachPoints.ciCdContentProviders,
  output: [ciCdProviderDataRef],
  dataRefs: { provider: ciCdProviderDataRef },
  *factory(params: CiCdProvider) {
    yield ciCdProviderDataRef(params);
  },
});
