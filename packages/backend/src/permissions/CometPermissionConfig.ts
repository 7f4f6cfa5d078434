import type { Config } from '@backstage/config';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';

/** What `permission.comet` says: who is an administrator, what service tokens may do. */
export interface CometPermissionConfig {
  /** User and group refs, lower-cased (`user:default/ada`, `group:default/platform-team`). */
  admins: ReadonlySet<string>;
  /**
   * Permission names granted to a static-token service principal beyond the read-only
   * permissions every such principal has, by subject (`release-bot`).
   */
  services: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Entity refs compare case-insensitively in Backstage. */
export function normalizeEntityRef(ref: string): string {
  return stringifyEntityRef(parseEntityRef(ref)).toLocaleLowerCase('en-US');
}

const PERMISSION_NAME = /^[a-z0-9][a-z0-9_.-]*$/i;

/**
 * Reads and checks `permission.comet`. A malformed entry is a start-up error naming the key,
 * never a silently ignored line: a typo in `admins` must not leave the portal without
 * administrators, nor one in `services` grant nothing while looking like a grant.
 */
export function readCometPermissionConfig(
  config: Config,
): CometPermissionConfig {
  const admins = new Set<string>();
  const adminRefs =
    config.getOptionalStringArray('permission.comet.admins') ?? [];
  adminRefs.forEach((ref, index) => {
    const key = `permission.comet.admins[${index}]`;
    let parsed;
    try {
      parsed = parseEntityRef(ref);
    } catch (error) {
      throw new Error(
        `${key} "${ref}" is not an entity ref: ${(error as Error).message}`,
      );
    }
    const kind = parsed.kind.toLocaleLowerCase('en-US');
    if (kind !== 'user' && kind !== 'group') {
      throw new Error(
        `${key} "${ref}" must name a user or a group (user:default/ada, group:default/platform-team), not a ${parsed.kind}`,
      );
    }
    admins.add(normalizeEntityRef(ref));
  });

  const services = new Map<string, ReadonlySet<string>>();
  const servicesConfig = config.getOptionalConfig('permission.comet.services');
  for (const subject of servicesConfig?.keys() ?? []) {
    const key = `permission.comet.services.${subject}`;
    if (subject.startsWith('plugin:')) {
      throw new Error(
        `${key}: "${subject}" is a backend plugin's subject; list the subject of a static token from backend.auth.externalAccess instead`,
      );
    }
    const names = servicesConfig!.getStringArray(subject);
    for (const name of names) {
      if (!PERMISSION_NAME.test(name)) {
        throw new Error(
          `${key} lists "${name}", which is not a permission name (e.g. pipelines.run.create)`,
        );
      }
    }
    services.set(subject, new Set(names));
  }
  return { admins, services };
}
