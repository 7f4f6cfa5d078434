import type { LoggerService } from '@backstage/backend-plugin-api';
import { ENTITY_STATUS_CATALOG_PROCESSING_TYPE } from '@backstage/catalog-client';
import type { Entity } from '@backstage/catalog-model';
import type {
  AlphaEntity,
  EntityStatusItem,
} from '@backstage/catalog-model/alpha';
import type { Config } from '@backstage/config';
import type { CatalogProcessor } from '@backstage/plugin-catalog-node';
import { checkCometAnnotations } from './checkCometAnnotations';
import { ConfiguredInstances } from './ConfiguredInstances';

/** The name the problems carry (`error.name`), shown as the title of each error panel. */
export const COMET_ANNOTATION_ERROR_NAME = 'CometAnnotationError';

/**
 * How many annotation problems (errors and warnings) the entity has, as a string; absent when
 * it has none. The catalog's search index leaves out `status`, so this is what lets a client
 * list the entities with problems (`filter: metadata.annotations.comet.dev/annotation-problems`).
 */
export const ANNOTATION_PROBLEMS_ANNOTATION = 'comet.dev/annotation-problems';

/**
 * Checks Comet's annotations after the entity is validated and writes each problem onto the
 * entity's own status (`status.items`, type `backstage.io/catalog-processing`), where the
 * entity page's processing-errors panel shows those of level `error`.
 *
 * It never emits a processing error: in the catalog backend any emitted error makes the whole
 * processing result fail, so a new entity would never appear in the catalog and a known one
 * would stay frozen at its last good version (relations and children included), all for a
 * typo in one tab's annotation. On the status, the entity stays current and visible.
 *
 * It also sets {@link ANNOTATION_PROBLEMS_ANNOTATION} to the number of problems, and removes
 * one the entity's own source sets when there are none, so the count is always Comet's.
 */
export class CometAnnotationProcessor implements CatalogProcessor {
  static fromConfig(
    config: Config,
    options: { logger?: LoggerService } = {},
  ): CometAnnotationProcessor {
    return new CometAnnotationProcessor(
      ConfiguredInstances.fromConfig(config, options),
    );
  }

  constructor(private readonly instances: ConfiguredInstances) {}

  getProcessorName(): string {
    return 'CometAnnotationProcessor';
  }

  async postProcessEntity(entity: Entity): Promise<Entity> {
    const problems = checkCometAnnotations(entity, this.instances);
    if (problems.length === 0) return withoutProblemCount(entity);
    const items: EntityStatusItem[] = problems.map(problem => ({
      type: ENTITY_STATUS_CATALOG_PROCESSING_TYPE,
      level: problem.level,
      message: `${COMET_ANNOTATION_ERROR_NAME}: ${problem.message}`,
      error: {
        name: COMET_ANNOTATION_ERROR_NAME,
        message: problem.message,
        annotation: problem.annotation,
      },
    }));
    const current = entity as AlphaEntity;
    return {
      ...current,
      metadata: {
        ...current.metadata,
        annotations: {
          ...current.metadata.annotations,
          // Every problem is of level error or warning (AnnotationProblem['level'])
          [ANNOTATION_PROBLEMS_ANNOTATION]: String(problems.length),
        },
      },
      status: {
        ...current.status,
        items: [...(current.status?.items ?? []), ...items],
      },
    } as Entity;
  }
}

function withoutProblemCount(entity: Entity): Entity {
  const annotations = entity.metadata.annotations;
  if (!annotations || !(ANNOTATION_PROBLEMS_ANNOTATION in annotations)) {
    return entity;
  }
  const { [ANNOTATION_PROBLEMS_ANNOTATION]: _ignored, ...rest } = annotations;
  return { ...entity, metadata: { ...entity.metadata, annotations: rest } };
}
