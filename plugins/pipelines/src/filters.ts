import type { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_GITHUB_PROJECT_SLUG,
  ANNOTATION_PIPELINES,
  ANNOTATION_SOURCE_LOCATION,
} from '@internal/plugin-pipelines-common';
import type { CiCdProvider } from '@internal/plugin-pipelines-react';

/**
 * Entities Comet pipelines can run for: declared pipelines (any kind), a component with a
 * source location (its default `.comet/pipeline.yaml`), or a repository on GitHub with a
 * source location, whose pipelines its webhooks start. A GitHub repository without a source
 * location has nothing Comet can check out; its runs come from a GitHub provider, if attached.
 */
export function appliesToCometPipelines(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return Boolean(
    annotations[ANNOTATION_PIPELINES] ||
      (annotations[ANNOTATION_SOURCE_LOCATION] &&
        (entity.kind.toLowerCase() === 'component' ||
          annotations[ANNOTATION_GITHUB_PROJECT_SLUG])),
  );
}

/**
 * Entities with anything the CI/CD tab can show: Comet pipelines or runs of one of the
 * attached CI/CD providers (Jenkins attaches one for `jenkins.io/job-full-name`).
 */
export function hasCiCd(
  entity: Entity,
  providers: ReadonlyArray<Pick<CiCdProvider, 'appliesTo'>> = [],
): boolean {
  return (
    appliesToCometPipelines(entity) ||
    providers.some(provider => provider.appliesTo(entity))
  );
}
