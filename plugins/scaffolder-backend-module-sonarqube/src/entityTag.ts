import {
  KubernetesValidatorFunctions,
  parseEntityRef,
} from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';

/**
 * SonarQube project tags are lower case and take only `a-z`, `0-9`, `+`, `#`, `-` and `.`,
 * so a ref `kind:namespace/name` is written `comet-entity.<kind>.<namespace>.<name>` with
 * `_` as `+`. Kinds and namespaces have no `.`, so the first two dots after the prefix split
 * it back, and only `+` stands for `_` (entity names have no `+`).
 */
export const SONAR_ENTITY_TAG_PREFIX = 'comet-entity.';

/**
 * The `entityRef` input in the form tags compare: `kind:namespace/name` in lower case (entity
 * refs compare case-insensitively), the namespace `default` when the input names none.
 */
export function entityRefInput(value: string): string {
  let ref: { kind: string; namespace: string; name: string };
  try {
    ref = parseEntityRef(value.trim());
  } catch (error) {
    throw new InputError(
      `entityRef: "${value}" is not an entity ref (${
        (error as Error).message
      }); give one such as component:default/payments-api`,
    );
  }
  const { kind, namespace, name } = ref;
  const problem =
    (!KubernetesValidatorFunctions.isValidKind(kind) &&
      `the kind "${kind}" is not a valid kind`) ||
    (!KubernetesValidatorFunctions.isValidNamespace(namespace.toLowerCase()) &&
      `the namespace "${namespace}" is not a valid namespace`) ||
    (!KubernetesValidatorFunctions.isValidObjectName(name) &&
      `the name "${name}" is not a valid entity name`);
  if (problem) {
    throw new InputError(
      `entityRef: "${value}" is not an entity ref: ${problem}; give one such as component:default/payments-api`,
    );
  }
  return `${kind}:${namespace}/${name}`.toLocaleLowerCase('en-US');
}

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
