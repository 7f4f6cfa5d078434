import type { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_GITHUB_PROJECT_SLUG,
  ANNOTATION_PIPELINES,
  ANNOTATION_SOURCE_LOCATION,
} from '@internal/plugin-pipelines-common';

export const ANNOTATION_JENKINS_JOB = 'jenkins.io/job-full-name';

/**
 * Entities with anything the CI/CD tab can show: Comet pipelines (declared, or a component
 * with a source location, which defaults to `.comet/pipeline.yaml`), Jenkins jobs or a
 * GitHub repository.
 */
export function hasCiCd(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return Boolean(
    annotations[ANNOTATION_PIPELINES] ||
      (entity.kind.toLowerCase() === 'component' &&
        annotations[ANNOTATION_SOURCE_LOCATION]) ||
      annotations[ANNOTATION_JENKINS_JOB] ||
      annotations[ANNOTATION_GITHUB_PROJECT_SLUG],
  );
}
