import {
  type Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import type { AlphaEntity } from '@backstage/catalog-model/alpha';

/**
 * The annotation the catalog's Comet module (`@internal/plugin-catalog-backend-module-comet`,
 * `ANNOTATION_PROBLEMS_ANNOTATION`) sets to the number of an entity's annotation problems. A
 * frontend cannot import a backend module, so the name is repeated here.
 */
export const ANNOTATION_PROBLEMS_ANNOTATION = 'comet.dev/annotation-problems';

/** The `error.name` of the problems that module writes on `status.items`. */
export const COMET_ANNOTATION_ERROR_NAME = 'CometAnnotationError';

/** What the page asks the catalog for: only what it shows. */
export const CATALOG_PROBLEMS_FIELDS = [
  'kind',
  'metadata.namespace',
  'metadata.name',
  'metadata.title',
  'spec.owner',
  'status',
];

export type AnnotationProblemView = {
  level: 'error' | 'warning' | 'info';
  annotation?: string;
  message: string;
};

export type EntityProblemsView = {
  entityRef: string;
  title: string;
  /** The owner's entity ref (a bare name means a Group), if it has one the catalog can parse. */
  ownerRef?: string;
  /** `spec.owner` as written, when it is no entity ref. */
  ownerText?: string;
  problems: AnnotationProblemView[];
};

const LEVEL_ORDER: Record<AnnotationProblemView['level'], number> = {
  error: 0,
  warning: 1,
  info: 2,
};

function ownerOf(entity: Entity): { ownerRef?: string; ownerText?: string } {
  const owner = entity.spec?.owner;
  if (typeof owner !== 'string' || owner.length === 0) return {};
  try {
    return {
      ownerRef: stringifyEntityRef(
        parseEntityRef(owner, {
          defaultKind: 'group',
          defaultNamespace: entity.metadata.namespace ?? 'default',
        }),
      ),
    };
  } catch {
    return { ownerText: owner };
  }
}

/**
 * One row per entity, by entity ref; in each, Comet's annotation problems from the entity's
 * status (errors first), not any other processor's.
 */
export function entityProblemsOf(entities: Entity[]): EntityProblemsView[] {
  return entities
    .map(entity => {
      const items = (entity as AlphaEntity).status?.items ?? [];
      const problems = items
        .filter(item => item.error?.name === COMET_ANNOTATION_ERROR_NAME)
        .map(item => {
          const annotation = item.error?.annotation;
          return {
            level: item.level,
            annotation: typeof annotation === 'string' ? annotation : undefined,
            message: item.error?.message ?? item.message,
          };
        })
        .sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]);
      return {
        entityRef: stringifyEntityRef(entity),
        title: entity.metadata.title ?? entity.metadata.name,
        ...ownerOf(entity),
        problems,
      };
    })
    .sort((a, b) => a.entityRef.localeCompare(b.entityRef, 'en-US'));
}
