import {
  KubernetesValidatorFunctions,
  parseEntityRef,
} from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';

/**
 * The key of the description line that tags an external resource (a Jenkins job, a Jira
 * component) with the catalog entity it was created for: a template's re-run adopts only what
 * carries its own entity's ref.
 */
export const ENTITY_TAG_KEY = 'comet.dev/entity';

const TAG_LINE = /^\s*comet\.dev\/entity:\s*(\S*)\s*$/i;

/**
 * The `entityRef` input as the tag carries it: `kind:namespace/name` in lower case (entity refs
 * compare case-insensitively), the namespace `default` when the input names none. Anything that
 * is not the ref of a catalog entity is an InputError naming the input.
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

/** The refs the `comet.dev/entity: <ref>` lines of a description name, in lower case. */
export function taggedEntityRefs(description: string | undefined): string[] {
  const refs: string[] = [];
  for (const line of (description ?? '').split(/\r?\n/)) {
    const ref = TAG_LINE.exec(line)?.[1];
    if (ref) refs.push(ref.toLocaleLowerCase('en-US'));
  }
  return refs;
}

/** The description with one tag line for `entityRef` at its end, in place of any earlier one. */
export function withEntityTag(
  description: string | undefined,
  entityRef: string,
): string {
  const kept = (description ?? '')
    .split(/\r?\n/)
    .filter(line => !TAG_LINE.test(line))
    .join('\n')
    .trimEnd();
  const line = `${ENTITY_TAG_KEY}: ${entityRef}`;
  return kept ? `${kept}\n${line}` : line;
}

/** Who the tags say a resource belongs to, for a conflict message. */
export function belongsTo(refs: string[]): string {
  return refs.length ? refs.join(', ') : 'nobody';
}
