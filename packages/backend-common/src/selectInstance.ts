import { InputError, NotFoundError } from '@backstage/errors';

/** What `selectInstance` needs to name in its errors. */
export type InstanceSelection = {
  /** The system, e.g. `Jenkins`. */
  system: string;
  /** Where instances are configured, e.g. `jenkins.instances`. */
  configKey: string;
  /** The annotation (or field) that names an instance, e.g. `jenkins.io/job-full-name`. */
  annotation: string;
};

/**
 * The one rule every Comet family uses to pick an instance: a named instance must exist; with
 * no name, the instance called `default`, else the only instance. With several instances and
 * none called `default`, the caller must name one: the error says where.
 */
export function selectInstance<T extends { name: string }>(
  instances: readonly T[],
  name: string | undefined,
  selection: InstanceSelection,
): T {
  const { system, configKey, annotation } = selection;
  if (instances.length === 0) {
    throw new NotFoundError(
      `${system} is not configured: add an instance under ${configKey}`,
    );
  }
  const names = () => instances.map(i => `"${i.name}"`).join(', ');
  if (name === undefined || name === '') {
    const fallback =
      instances.find(i => i.name === 'default') ??
      (instances.length === 1 ? instances[0] : undefined);
    if (!fallback) {
      throw new InputError(
        `${annotation} names no ${system} instance, and ${configKey} has several (${names()}) with none called "default"; write the instance name in ${annotation}`,
      );
    }
    return fallback;
  }
  const found = instances.find(i => i.name === name);
  if (!found) {
    throw new NotFoundError(
      `Unknown ${system} instance "${name}" (from ${annotation}); ${configKey} has ${names()}`,
    );
  }
  return found;
}
