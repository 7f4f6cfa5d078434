import type { Config } from '@backstage/config';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';

const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/**
 * A user or group ref in one spelling (`group:default/payments-team`), lower case: the
 * catalog compares refs case-insensitively. Undefined for anything else.
 */
export function normalizeApproverRef(ref: string): string | undefined {
  try {
    const parsed = parseEntityRef(ref, { defaultNamespace: 'default' });
    const kind = parsed.kind.toLocaleLowerCase('en-US');
    if (kind !== 'user' && kind !== 'group') return undefined;
    return stringifyEntityRef(parsed).toLocaleLowerCase('en-US');
  } catch {
    return undefined;
  }
}

/**
 * `pipelines.environments`: per environment, who may decide the gates that name it. The
 * list lives in the backend's config, outside every repository, so a pipeline file can only
 * narrow it (see `GateDeciders`).
 */
export class ApprovalEnvironments {
  private constructor(
    private readonly approvers: ReadonlyMap<string, readonly string[]>,
  ) {}

  /** Reads and checks `pipelines.environments`; a bad entry throws, naming its key. */
  static fromConfig(config: Config | undefined): ApprovalEnvironments {
    const environments = config?.getOptionalConfig('pipelines.environments');
    const approvers = new Map<string, string[]>();
    for (const name of environments?.keys() ?? []) {
      const key = `pipelines.environments.${name}`;
      if (!ENVIRONMENT_NAME.test(name)) {
        throw new Error(
          `${key}: "${name}" is not a valid environment name; use letters, digits, "_" and "-", starting with a letter or digit (at most 63 characters)`,
        );
      }
      const environment = environments!.getConfig(name);
      for (const field of environment.keys()) {
        if (field !== 'approvers') {
          throw new Error(
            `${key}.${field} is not a setting of an environment; expected approvers`,
          );
        }
      }
      const refs = environment.getOptionalStringArray('approvers') ?? [];
      if (refs.length === 0) {
        throw new Error(
          `${key}.approvers must list at least one user or group ref (user:<namespace>/<name> or group:<namespace>/<name>); without approvers nobody could decide a gate of ${name}`,
        );
      }
      approvers.set(
        name,
        refs.map((ref, index) => {
          const normalized = normalizeApproverRef(ref);
          if (!normalized) {
            throw new Error(
              `${key}.approvers[${index}]: "${ref}" is not a user or group ref; expected user:<namespace>/<name> or group:<namespace>/<name>`,
            );
          }
          return normalized;
        }),
      );
    }
    return new ApprovalEnvironments(approvers);
  }

  /** The configured environment names, for validating `approval.environment`. */
  names(): string[] {
    return [...this.approvers.keys()];
  }

  /** The approvers of an environment (normalized refs), or undefined when it is not configured. */
  approversOf(environment: string): readonly string[] | undefined {
    return this.approvers.get(environment);
  }
}
