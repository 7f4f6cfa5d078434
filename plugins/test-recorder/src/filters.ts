import type { Entity } from '@backstage/catalog-model';
import { TEST_SUITES_ANNOTATION } from '@internal/plugin-test-recorder-common';

/** The Tests tab shows on entities that name their suites. */
export const hasTestSuites = (entity: Entity) =>
  Boolean(entity.metadata.annotations?.[TEST_SUITES_ANNOTATION]?.trim());
