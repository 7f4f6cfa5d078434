import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';

/**
 * A ref in full form (`kind:namespace/name`), as a repository's tag must be: a short ref would
 * tag the same entity in two spellings.
 */
export function fullEntityRef(entityRef: string, field: string): string {
  if (!/^[^:/]+:[^:/]+\/[^:/]+$/.test(entityRef)) {
    throw new InputError(
      `${field}: "${entityRef}" is not a full entity ref (kind:namespace/name), e.g. component:default/payments-api`,
    );
  }
  return stringifyEntityRef(parseEntityRef(entityRef));
}

/**
 * A ref of the given kind; a short form is completed (`team-a` is `group:default/team-a`), any
 * other kind is refused.
 */
export function entityRefOfKind(
  entityRef: string,
  kind: string,
  field: string,
): string {
  let parsed;
  try {
    parsed = parseEntityRef(entityRef, {
      defaultKind: kind,
      defaultNamespace: 'default',
    });
  } catch {
    throw new InputError(
      `${field}: "${entityRef}" is not an entity ref, e.g. ${kind}:default/team-a`,
    );
  }
  if (parsed.kind.toLocaleLowerCase('en-US') !== kind) {
    throw new InputError(
      `${field}: "${entityRef}" is a ${parsed.kind}, not a ${kind}`,
    );
  }
  return stringifyEntityRef(parsed);
}

/** The user who started the task, if a user did. */
export function userEntityRefOf(
  credentials: BackstageCredentials,
): string | undefined {
  const principal = credentials.principal as {
    type?: string;
    userEntityRef?: string;
  };
  return principal.type === 'user' ? principal.userEntityRef : undefined;
}
