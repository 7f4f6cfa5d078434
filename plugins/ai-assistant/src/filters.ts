import type { Entity } from '@backstage/catalog-model';

const ASKABLE_KINDS = new Set(['component', 'api', 'system', 'resource']);

/** The entities the side panel appears on: what runs, builds and has issues. */
export function isAskableEntity(entity: Entity): boolean {
  return ASKABLE_KINDS.has(entity.kind.toLowerCase());
}
