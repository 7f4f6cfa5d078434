import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';

/**
 * The entity `entityRef` names, as the caller (`credentials`) sees the catalog. A malformed ref
 * is an InputError with an example; an entity that does not exist, or that the caller may not
 * see, is a NotFoundError (the two are not told apart).
 */
export async function catalogEntity(
  catalog: CatalogService,
  entityRef: string,
  credentials: BackstageCredentials,
): Promise<Entity> {
  let entity: Entity | undefined;
  try {
    entity = await catalog.getEntityByRef(entityRef, { credentials });
  } catch (error) {
    if ((error as Error).name === 'InputError' || /ref/i.test(String(error))) {
      throw new InputError(
        `"${entityRef}" is not a valid entity ref, e.g. component:default/payments-api`,
      );
    }
    throw error;
  }
  if (!entity) {
    throw new NotFoundError(
      `No entity ${entityRef} in the catalog (or you cannot see it)`,
    );
  }
  return entity;
}

/** Throws a NotAllowedError naming the permission unless the caller has it on `entityRef`. */
export async function requireEntityPermission(
  permissions: PermissionsService,
  permission: ResourcePermission<'catalog-entity'>,
  entityRef: string,
  credentials: BackstageCredentials,
): Promise<void> {
  const [decision] = await permissions.authorize(
    [{ permission, resourceRef: entityRef }],
    { credentials },
  );
  if (decision.result === AuthorizeResult.DENY) {
    throw new NotAllowedError(
      `You are not allowed to ${permission.name} on ${entityRef}`,
    );
  }
}
