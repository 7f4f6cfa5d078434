import type { Config } from '@backstage/config';
import {
  type Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';

/** Where the scopes are configured. */
export const RESOURCE_SCOPES_CONFIG_KEY = 'comet.resourceScopes';

/** An external resource an annotation names, resolved to the instance it lives on. */
export type ScopedResource = {
  /** The instance the resource resolved to (the default one when the annotation named none). */
  instance: string;
  /** The resource on that instance: a Jenkins job's full name, a SonarQube project key, ... */
  name: string;
  /** The annotation entry as written, for messages. */
  source: string;
};

/** How a family writes a resource in its annotation, and so in its scopes. */
export type ScopeFamily = {
  /** The key under `comet.resourceScopes.<group>`, e.g. `jenkins`. */
  id: string;
  /** The annotation that names resources, for messages. */
  annotation: string;
  /** What separates an instance from the name in the annotation: `:` for Jenkins, `/` for SonarQube. */
  instanceSeparator: string;
  /** The instance an entry without one resolves to. */
  defaultInstance(): string;
};

type Pattern = { instance: string | undefined; name: string };

/**
 * Annotations are written by whoever owns a repository, not by admins: without scopes, anyone
 * could annotate their own entity with another team's Jenkins job or SonarQube project and
 * Comet's service credentials would act on it for them. `comet.resourceScopes.<group>.<family>`
 * lists the resources a group's entities may name (`*` matches any run of characters); an
 * annotation entry outside the owner group's scopes is refused, with the reason.
 *
 * Without `comet.resourceScopes` nothing is enforced (the embedded defaults), and production
 * start-up refuses to run without it.
 */
export class ResourceScopes {
  private constructor(
    private readonly scopes:
      | Map<string, Map<string, readonly string[]>>
      | undefined,
  ) {}

  static fromConfig(config: Config): ResourceScopes {
    const raw = config.getOptional(RESOURCE_SCOPES_CONFIG_KEY);
    if (raw === undefined) return new ResourceScopes(undefined);
    if (!isRecord(raw)) {
      throw new InputError(
        `${RESOURCE_SCOPES_CONFIG_KEY} must be a map of group names to families' scopes`,
      );
    }
    const scopes = new Map<string, Map<string, readonly string[]>>();
    for (const [group, families] of Object.entries(raw)) {
      const where = `${RESOURCE_SCOPES_CONFIG_KEY}.${group}`;
      if (!isRecord(families)) {
        throw new InputError(
          `${where} must be a map of families (jenkins, sonarqube, ...) to lists of patterns`,
        );
      }
      const byFamily = new Map<string, readonly string[]>();
      for (const [family, patterns] of Object.entries(families)) {
        if (
          !Array.isArray(patterns) ||
          patterns.some(p => typeof p !== 'string' || p.trim() === '')
        ) {
          throw new InputError(
            `${where}.${family} must be a list of non-empty patterns`,
          );
        }
        byFamily.set(
          family,
          (patterns as string[]).map(p => p.trim()),
        );
      }
      scopes.set(groupKey(group), byFamily);
    }
    return new ResourceScopes(scopes);
  }

  /** Whether `comet.resourceScopes` is configured at all. */
  get enforced(): boolean {
    return this.scopes !== undefined;
  }

  /**
   * Why `entity` may not name `resource`, or undefined when it may: the resource is within a
   * scope of the entity's owner group for this family (or scopes are not configured).
   */
  refusal(
    entity: Entity,
    family: ScopeFamily,
    resource: ScopedResource,
  ): string | undefined {
    if (!this.scopes) return undefined;
    const owner = ownerGroup(entity);
    const key = owner ? groupKey(owner) : undefined;
    const patterns = key ? this.patternsOf(key, family) : [];
    if (allowsResource(patterns, family, resource)) return undefined;
    const entityRef = stringifyEntityRef(entity);
    const configKey = key
      ? configKeyOf(key, family)
      : `${RESOURCE_SCOPES_CONFIG_KEY}.<owner group>.${family.id}`;
    if (!owner) {
      return `${family.annotation} entry "${resource.source}" of ${entityRef} is refused: the entity's owner is not a group, and only a group's ${configKey} scopes allow external resources`;
    }
    return `${family.annotation} entry "${
      resource.source
    }" of ${entityRef} is refused: ${resource.instance}${
      family.instanceSeparator
    }${resource.name} is outside the scopes of ${owner} (${configKey}: ${
      patterns.length > 0 ? patterns.join(', ') : 'none'
    })`;
  }

  /**
   * Why someone whose ownership refs are `refs` may not act on `resource` (not through an
   * entity: a Jira project a template names), or undefined when it is within the `family`
   * scopes of at least one group among `refs` (or scopes are not configured). `refs` are
   * entity refs as `userInfo.getUserInfo(...).ownershipEntityRefs` gives them; only group refs
   * count, so a user named like a group gets nothing of the group's.
   */
  refusalForGroups(
    refs: readonly string[],
    family: ScopeFamily,
    resource: Pick<ScopedResource, 'instance' | 'name'>,
  ): string | undefined {
    if (!this.scopes) return undefined;
    const groups = new Map<string, string>();
    for (const ref of refs) {
      const group = groupRef(ref);
      if (group) groups.set(groupKey(group), group);
    }
    const scoped = [...groups].map(([key, group]) => ({
      key,
      group,
      patterns: this.patternsOf(key, family),
    }));
    if (
      scoped.some(({ patterns }) => allowsResource(patterns, family, resource))
    ) {
      return undefined;
    }
    const shown = `${resource.instance}${family.instanceSeparator}${resource.name}`;
    if (scoped.length === 0) {
      return `${shown} is outside the ${
        family.id
      } scopes: only groups have scopes (${RESOURCE_SCOPES_CONFIG_KEY}.<group>.${
        family.id
      }), and ${
        refs.length > 0
          ? `none of ${refs.join(', ')} is a group`
          : 'no group was given'
      }`;
    }
    return `${shown} is outside the ${family.id} scopes of ${scoped
      .map(({ group }) => group)
      .join(', ')} (${scoped
      .map(
        ({ key, patterns }) =>
          `${configKeyOf(key, family)}: ${
            patterns.length > 0 ? patterns.join(', ') : 'none'
          }`,
      )
      .join('; ')})`;
  }

  private patternsOf(key: string, family: ScopeFamily): readonly string[] {
    return this.scopes?.get(key)?.get(family.id) ?? [];
  }
}

/** Whether one of `patterns` (a group's scopes of `family`) matches `resource`. */
function allowsResource(
  patterns: readonly string[],
  family: ScopeFamily,
  resource: Pick<ScopedResource, 'instance' | 'name'>,
): boolean {
  if (patterns.length === 0) return false;
  const defaultInstance = safeDefault(family);
  return patterns.some(p => {
    const pattern = parsePattern(p, family.instanceSeparator);
    const instance = pattern.instance ?? defaultInstance;
    return (
      (instance === '*' || instance === resource.instance) &&
      wildcardMatch(pattern.name, resource.name)
    );
  });
}

/** The key a group's scopes of `family` are configured under, as an admin writes it. */
function configKeyOf(key: string, family: ScopeFamily): string {
  return `${RESOURCE_SCOPES_CONFIG_KEY}.${key.replace(/^default--/, '')}.${
    family.id
  }`;
}

/** `ref` as a full group ref, or undefined when it is not a group's (a user's, malformed). */
function groupRef(ref: string): string | undefined {
  try {
    const parsed = parseEntityRef(ref);
    return parsed.kind.toLocaleLowerCase('en-US') === 'group'
      ? stringifyEntityRef(parsed)
      : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Scopes are keyed by a group's name (default namespace) or `namespace--name`. */
function groupKey(group: string): string {
  const lower = group.toLocaleLowerCase('en-US');
  if (!lower.includes(':') && !lower.includes('/')) {
    return lower.includes('--') ? lower : `default--${lower}`;
  }
  const ref = parseEntityRef(lower, {
    defaultKind: 'group',
    defaultNamespace: 'default',
  });
  return `${ref.namespace}--${ref.name}`;
}

function ownerGroup(entity: Entity): string | undefined {
  const owner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  if (typeof owner !== 'string' || owner === '') return undefined;
  try {
    const ref = parseEntityRef(owner, {
      defaultKind: 'group',
      defaultNamespace: entity.metadata.namespace ?? 'default',
    });
    return ref.kind.toLocaleLowerCase('en-US') === 'group'
      ? stringifyEntityRef(ref)
      : undefined;
  } catch {
    return undefined;
  }
}

function safeDefault(family: ScopeFamily): string | undefined {
  try {
    return family.defaultInstance();
  } catch {
    return undefined;
  }
}

function parsePattern(pattern: string, separator: string): Pattern {
  // As in the annotation: Jenkins "legacy:payments/*", SonarQube "sonarcloud/acme-*" (neither a
  // Jenkins job name nor a SonarQube key may hold its family's separator). No instance means
  // the default instance; "*" as the instance means any.
  const at = pattern.indexOf(separator);
  if (at <= 0) return { instance: undefined, name: pattern };
  return {
    instance: pattern.slice(0, at),
    name: pattern.slice(at + separator.length),
  };
}

/**
 * Whether `text` matches `pattern`, where `*` matches any run of characters (slashes too).
 * Greedy with one backtrack point: O(pattern × text) at worst, never exponential.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
