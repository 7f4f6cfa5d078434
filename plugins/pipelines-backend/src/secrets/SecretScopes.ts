import type { Config } from '@backstage/config';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';

/** One entry of `pipelines.secrets`: its value and who may have it. */
export type ScopedSecret = {
  name: string;
  value: string;
  /** Group refs: the secret is for entities one of these groups owns. */
  owners?: string[];
  /** Entity refs the secret is for. */
  entities?: string[];
  /** Environments (of approved gates) a job must run in to get the secret. */
  environments?: string[];
};

/** Where a job runs, as far as the scope of a secret is concerned. */
export type SecretTarget = {
  entityRef: string;
  /**
   * The entity's owners (group refs). Asked only when a secret is scoped by owner and the
   * entity is not one of its `entities`; a function so that the catalog is asked only then.
   */
  owners: () => Promise<string[]> | string[];
  /** The environments of the approved gates the job waited for. */
  environments: string[];
};

/** A secret a job references but may not have, and why: never its value. */
export type SecretRefusal = { name: string; reason: string };

export type SecretGrant = {
  /** Name → value of the referenced secrets the scope allows. */
  secrets: Record<string, string>;
  refused: SecretRefusal[];
};

/** A name `${{ secrets.NAME }}` can refer to (the expression grammar's). */
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function normalizeRef(
  ref: string,
  defaultKind: string | undefined,
  where: string,
): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(ref, { defaultKind, defaultNamespace: 'default' }),
    ).toLocaleLowerCase('en-US');
  } catch (error) {
    throw new Error(
      `${where}: "${ref}" is not an entity ref (${(error as Error).message})`,
    );
  }
}

function list(values: string[]): string {
  return values.join(', ');
}

/**
 * `pipelines.secrets`, with the scope of each secret: which entities (by owner group or by
 * ref) and which environments may have it. A job gets only the secrets its pipeline
 * references whose scope allows the job's entity and environment; see {@link grant}.
 */
export class SecretScopes {
  private readonly byName: Map<string, ScopedSecret>;

  constructor(secrets: ScopedSecret[]) {
    this.byName = new Map(secrets.map(secret => [secret.name, secret]));
  }

  /** Secrets without a scope, each for every entity and environment (tests, embedded use). */
  static unscoped(values: Record<string, string>): SecretScopes {
    return new SecretScopes(
      Object.entries(values).map(([name, value]) => ({ name, value })),
    );
  }

  /**
   * Reads `pipelines.secrets`. Each key is `{ value, owners?, entities?, environments? }`; a
   * plain string (a secret for everyone) is accepted only when `production` is false. Throws
   * at start-up, naming the key, for anything else.
   */
  static fromConfig(
    config: Config | undefined,
    options: { production: boolean },
  ): SecretScopes {
    const secrets: ScopedSecret[] = [];
    for (const name of config?.keys() ?? []) {
      const key = `pipelines.secrets.${name}`;
      if (!SECRET_NAME.test(name)) {
        throw new Error(
          `${key}: a secret name has letters, digits, "_" and "-", and does not start with a digit or "-", so that \${{ secrets.NAME }} can refer to it`,
        );
      }
      const raw = config!.get(name);
      if (typeof raw === 'string') {
        if (options.production) {
          throw new Error(
            `${key} is a plain string, which gives it to every job of every entity; in production each secret needs a scope: { value, owners, entities, environments }`,
          );
        }
        secrets.push({ name, value: raw });
        continue;
      }
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
        throw new Error(
          `${key} must be a string or { value, owners?, entities?, environments? }`,
        );
      }
      const entry = config!.getConfig(name);
      const unknown = entry
        .keys()
        .filter(
          field =>
            !['value', 'owners', 'entities', 'environments'].includes(field),
        );
      if (unknown.length > 0) {
        throw new Error(
          `${key} has unknown field(s) ${list(
            unknown,
          )}; expected value, owners, entities, environments`,
        );
      }
      const value = entry.getOptionalString('value');
      if (!value) {
        throw new Error(`${key}.value is missing or empty`);
      }
      const nonEmpty = (field: string) => {
        const values = entry.getOptionalStringArray(field);
        if (values && values.length === 0) {
          throw new Error(
            `${key}.${field} is empty, so no job could have the secret; list at least one or leave it out`,
          );
        }
        return values;
      };
      const owners = nonEmpty('owners')?.map(ref =>
        normalizeRef(ref, 'group', `${key}.owners`),
      );
      const entities = nonEmpty('entities')?.map(ref =>
        normalizeRef(ref, undefined, `${key}.entities`),
      );
      const environments = nonEmpty('environments');
      secrets.push({ name, value, owners, entities, environments });
    }
    return new SecretScopes(secrets);
  }

  /** Names of every configured secret (what a pipeline file may reference). */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Every configured value, for the log masker: masking more than a job has costs nothing. */
  values(): string[] {
    return [...this.byName.values()].map(secret => secret.value);
  }

  /**
   * Why `name` may not go to `target`, or undefined when it may. The reason names the secret,
   * its scope and the target, never the value.
   */
  async refusal(
    name: string,
    target: SecretTarget,
  ): Promise<string | undefined> {
    const secret = this.byName.get(name);
    if (!secret) {
      return `secret "${name}" is not configured (pipelines.secrets.${name})`;
    }
    const entityRef = target.entityRef.toLocaleLowerCase('en-US');
    if (secret.owners || secret.entities) {
      let allowed = secret.entities?.includes(entityRef) ?? false;
      let owners: string[] = [];
      if (!allowed && secret.owners) {
        owners = (await target.owners()).map(owner =>
          owner.toLocaleLowerCase('en-US'),
        );
        allowed = owners.some(owner => secret.owners!.includes(owner));
      }
      if (!allowed) {
        const scope = [
          secret.owners ? `entities owned by ${list(secret.owners)}` : '',
          secret.entities ? list(secret.entities) : '',
        ]
          .filter(Boolean)
          .join(' and ');
        const owned = secret.owners
          ? `, whose owners are ${
              owners.length > 0 ? list(owners) : 'unknown to the catalog'
            }`
          : '';
        return `secret "${name}" is only for ${scope}, not for ${entityRef}${owned}`;
      }
    }
    if (
      secret.environments &&
      !target.environments.some(env => secret.environments!.includes(env))
    ) {
      return `secret "${name}" is only for jobs after an approved gate of environment ${list(
        secret.environments,
      )}, and this job ${
        target.environments.length > 0
          ? `runs in ${list(target.environments)}`
          : 'waits for no approved gate with an environment'
      }`;
    }
    return undefined;
  }

  /** The referenced secrets the scope allows for `target`, and the refused ones with why. */
  async grant(
    names: Iterable<string>,
    target: SecretTarget,
  ): Promise<SecretGrant> {
    const secrets: Record<string, string> = {};
    const refused: SecretRefusal[] = [];
    let owners: Promise<string[]> | undefined;
    // The catalog is asked at most once per job, whatever the number of secrets.
    const cached: SecretTarget = {
      ...target,
      owners: () => (owners ??= Promise.resolve(target.owners())),
    };
    for (const name of new Set(names)) {
      const reason = await this.refusal(name, cached);
      if (reason) refused.push({ name, reason });
      else secrets[name] = this.byName.get(name)!.value;
    }
    return { secrets, refused };
  }
}
