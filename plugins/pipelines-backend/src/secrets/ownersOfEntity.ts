import type { AuthService } from '@backstage/backend-plugin-api';
import {
  type Entity,
  parseEntityRef,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';

/** An entity's owner refs: its `ownedBy` relations, or `spec.owner` before they are made. */
export function ownerRefsOf(entity: Entity | undefined): string[] {
  if (!entity) return [];
  const related = (entity.relations ?? [])
    .filter(relation => relation.type === RELATION_OWNED_BY)
    .map(relation => relation.targetRef);
  if (related.length > 0) return related;
  const owner = entity.spec?.owner;
  if (typeof owner !== 'string' || owner === '') return [];
  try {
    return [
      stringifyEntityRef(
        parseEntityRef(owner, {
          defaultKind: 'group',
          defaultNamespace: entity.metadata.namespace ?? 'default',
        }),
      ),
    ];
  } catch {
    return [];
  }
}

/**
 * The owners of an entity as the catalog says, read with the plugin's own credentials: the
 * scope of a secret is the backend's decision, not the caller's view of the catalog.
 */
export async function ownersOfEntity(
  catalog: Pick<CatalogService, 'getEntityByRef'>,
  auth: Pick<AuthService, 'getOwnServiceCredentials'>,
  entityRef: string,
): Promise<string[]> {
  const credentials = await auth.getOwnServiceCredentials();
  return ownerRefsOf(await catalog.getEntityByRef(entityRef, { credentials }));
}
