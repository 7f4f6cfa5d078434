import { parseEntityRef } from '@backstage/catalog-model';

export { entityRefInput } from '@internal/backend-common';

/**
 * SonarQube project tags are lower case and take only `a-z`, `0-9`, `+`, `#`, `-` and `.`,
 * so a ref `kind:namespace/name` is written `comet-entity.<kind>.<namespace>.<name>` with
 * `_` as `+`. Kinds and namespaces have no `.`, so the first two dots after the prefix split
 * it back, and only `+` stands for `_` (entity names have no `+`).
 */
export const SONAR_ENTITY_TAG_PREFIX = 'comet-entity.';

/** The project tag for a ref `entityRefInput` gave, e.g. `comet-entity.component.default.payments-api`. */
export function sonarEntityTag(entityRef: string): string {
  const { kind, namespace, name } = parseEntityRef(entityRef);
  return `${SONAR_ENTITY_TAG_PREFIX}${kind}.${namespace}.${name.replace(
    /_/g,
    '+',
  )}`.toLocaleLowerCase('en-US');
}

/** The entity ref a project tag names, or undefined for any other tag. */
export function entityRefOfSonarTag(tag: string): string | undefined {
  const match = /^comet-entity\.([a-z0-9]+)\.([a-z0-9-]+)\.(.+)$/.exec(tag);
  return match
    ? `${match[1]}:${match[2]}/${match[3].replace(/\+/g, '_')}`
    : undefined;
}
