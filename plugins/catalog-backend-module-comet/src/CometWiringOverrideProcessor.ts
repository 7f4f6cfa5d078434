import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import type { CatalogProcessor } from '@backstage/plugin-catalog-node';
import type { WiringOverrides } from './WiringOverrides';

/** The annotations an override may set (the Integrations card's fields). */
export const OVERRIDABLE_ANNOTATIONS: ReadonlySet<string> = new Set([
  'jira/project-key',
  'jira/component',
  'jenkins.io/job-full-name',
  'sonarqube.org/project-key',
  'comet.dev/test-suites',
  'comet.dev/pipelines',
]);

/** Which annotations an override set, so the UI and the checks can show them as such. */
export const OVERRIDDEN_ANNOTATIONS_ANNOTATION =
  'comet.dev/overridden-annotations';

/**
 * Merges the portal-side override of an entity's wiring into its annotations before the
 * entity is validated, and lists the keys it set in `comet.dev/overridden-annotations`. Only
 * the wiring annotations are ever taken from an override: never `backstage.io/source-location`
 * or anything else, whatever the stored override holds.
 */
export class CometWiringOverrideProcessor implements CatalogProcessor {
  constructor(private readonly overrides: WiringOverrides) {}

  getProcessorName(): string {
    return 'CometWiringOverrideProcessor';
  }

  async preProcessEntity(entity: Entity): Promise<Entity> {
    if (!entity.metadata?.name) return entity;
    const override = await this.overrides.forEntity(stringifyEntityRef(entity));
    if (!override) return entity;
    const set = Object.entries(override.annotations ?? {}).filter(
      ([key, value]) =>
        OVERRIDABLE_ANNOTATIONS.has(key) && typeof value === 'string',
    );
    if (set.length === 0) return entity;
    return {
      ...entity,
      metadata: {
        ...entity.metadata,
        annotations: {
          ...entity.metadata.annotations,
          ...Object.fromEntries(set),
          [OVERRIDDEN_ANNOTATIONS_ANNOTATION]: set
            .map(([key]) => key)
            .sort()
            .join(','),
        },
      },
    };
  }
}
