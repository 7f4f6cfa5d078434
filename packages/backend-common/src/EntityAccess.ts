import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { permissionRules as catalogPermissionRules } from '@backstage/plugin-catalog-backend/alpha';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  PolicyDecision,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  PermissionRule,
} from '@backstage/plugin-permission-node';

/** A permission checked on a catalog entity, e.g. `jenkins.build.read`. */
export type EntityPermission = ResourcePermission<'catalog-entity'>;

/** What a request needs on one entity. */
export type EntityAccessRequest = {
  /** Permissions the caller must have: the first one refused is a NotAllowedError naming it. */
  require?: EntityPermission[];
  /** Permissions whose answer the request only reads (e.g. to hide security findings). */
  check?: EntityPermission[];
  /**
   * Ask the catalog and the permission policy afresh, bypassing what is reused; for writes
   * (trigger, cancel, approve). Fresh answers still refresh the reused ones.
   */
  fresh?: boolean;
};

/** The answers about one entity a request needs. */
export type EntityDecisions = {
  entity: Entity;
  /** The entity's full ref, as the catalog returned it. */
  entityRef: string;
  /** Whether the caller has `permission` on the entity; only for permissions asked for. */
  allowed(permission: EntityPermission): boolean;
};

export type EntityAccessOptions = {
  catalog: CatalogService;
  permissions: PermissionsService;
  /** How long entities and decisions are reused per principal; 0 asks every time. */
  cacheTtlMs?: number;
  /** At most this many entities and as many decisions are kept, least recently used first out. */
  cacheMaxEntries?: number;
  clock?: { now(): number };
  /**
   * The rules conditional decisions on catalog entities are evaluated with: the catalog's own
   * (`HAS_ANNOTATION`, `IS_ENTITY_OWNER`, ...) unless given.
   */
  rules?: PermissionRule<Entity, unknown, 'catalog-entity'>[];
};

/** The full form of a ref (`kind:namespace/name`), or an InputError with an example. */
export function normalizedEntityRef(entityRef: string): string {
  try {
    return stringifyEntityRef(parseEntityRef(entityRef));
  } catch {
    throw new InputError(
      `"${entityRef}" is not a valid entity ref, e.g. component:default/payments-api`,
    );
  }
}

/**
 * The entity `entityRef` names, as the caller (`credentials`) sees the catalog. A malformed ref
 * is an InputError with an example; an entity that does not exist, or that the caller may not
 * see, is a NotFoundError (the two are not told apart). The ref is parsed before the catalog is
 * asked, so any failure of the catalog itself (it being down) is passed on as it is.
 */
export async function catalogEntity(
  catalog: CatalogService,
  entityRef: string,
  credentials: BackstageCredentials,
): Promise<Entity> {
  normalizedEntityRef(entityRef);
  const entity = await catalog.getEntityByRef(entityRef, { credentials });
  if (!entity) {
    throw new NotFoundError(
      `No entity ${entityRef} in the catalog (or you cannot see it)`,
    );
  }
  return entity;
}

/**
 * Who is asking, for reuse: a user together with the actor acting for them (an AI or MCP
 * client on behalf of a user is not the user), a service by its subject and restrictions.
 * Nothing is reused for an unauthenticated caller.
 */
function principalKey(credentials: BackstageCredentials): string | undefined {
  const principal = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
    actor?: { subject?: string };
    accessRestrictions?: unknown;
  };
  if (principal.type === 'user' && principal.userEntityRef) {
    return `user:${principal.userEntityRef}\nactor:${
      principal.actor?.subject ?? ''
    }`;
  }
  if (principal.type === 'service' && principal.subject) {
    return `service:${principal.subject}\n${JSON.stringify(
      principal.accessRestrictions ?? null,
    )}`;
  }
  return undefined;
}

/** A map that forgets entries after their time and the least recently used beyond its size. */
class ExpiringLru<V> {
  private readonly entries = new Map<string, { expiresAt: number; value: V }>();

  constructor(private readonly maxEntries: number) {}

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, expiresAt: number) {
    this.entries.delete(key);
    this.entries.set(key, { expiresAt, value });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  /** Drops `key` only if it still holds `value` (a newer answer may have replaced it). */
  deleteIf(key: string, value: V) {
    if (this.entries.get(key)?.value === value) this.entries.delete(key);
  }
}

/**
 * One way for every family to reach an entity on behalf of a caller: the entity is read with
 * the caller's credentials, and every permission the request needs is decided in one
 * `authorizeConditional` call. Entity permissions are decided per principal and permission,
 * not per entity: a conditional decision (e.g. an ownership policy) is kept and evaluated
 * against each entity locally with the catalog's rules. A tab polls several times a second,
 * so entities and decisions are reused for a few seconds per principal; refusals never are.
 */
export class EntityAccess {
  static create(options: EntityAccessOptions): EntityAccess {
    return new EntityAccess(options);
  }

  private readonly ttlMs: number;
  private readonly clock: { now(): number };
  private readonly entities: ExpiringLru<Promise<Entity>>;
  private readonly decisions: ExpiringLru<Promise<PolicyDecision>>;
  private readonly evaluate: (
    decision: PolicyDecision,
    entity: Entity,
  ) => boolean;

  private constructor(private readonly options: EntityAccessOptions) {
    this.ttlMs = options.cacheTtlMs ?? 5000;
    this.clock = options.clock ?? Date;
    const maxEntries = options.cacheMaxEntries ?? 10_000;
    this.entities = new ExpiringLru(maxEntries);
    this.decisions = new ExpiringLru(maxEntries);
    const rules = new Map<string, PermissionRule<Entity, unknown, string>>(
      (
        options.rules ??
        (Object.values(catalogPermissionRules) as PermissionRule<
          Entity,
          unknown,
          'catalog-entity'
        >[])
      ).map(rule => [rule.name, rule]),
    );
    this.evaluate = createConditionAuthorizer<Entity>({
      getRuleByName: name => {
        const rule = rules.get(name);
        if (!rule) throw new Error(`No catalog permission rule ${name}`);
        return rule;
      },
    });
  }

  /**
   * The entity `entityRef` names, as the caller sees it, with the decisions `request` asks for.
   * A malformed ref is an InputError, a missing or hidden entity a NotFoundError, a missing
   * required permission a NotAllowedError naming it; anything else (the catalog or the
   * permission backend being down) is passed on.
   */
  async entity(
    credentials: BackstageCredentials,
    entityRef: string,
    request: EntityAccessRequest = {},
  ): Promise<EntityDecisions> {
    const required = request.require ?? [];
    const permissions = [...required, ...(request.check ?? [])];
    const [entity, decisions] = await Promise.all([
      this.cachedEntity(credentials, entityRef, request.fresh),
      this.decide(credentials, permissions, request.fresh),
    ]);
    const [decided] = await this.evaluateOn(
      credentials,
      [entity],
      permissions,
      decisions,
    );
    for (const permission of required) {
      if (!decided.allowed(permission)) {
        throw new NotAllowedError(
          `You are not allowed to ${permission.name} on ${decided.entityRef}`,
        );
      }
    }
    return decided;
  }

  /**
   * Decisions on entities the caller already read in full (a table of a group's entities):
   * one permission request for all of them, whatever their number.
   */
  async decideFor(
    credentials: BackstageCredentials,
    entities: Entity[],
    permissions: EntityPermission[],
  ): Promise<EntityDecisions[]> {
    if (entities.length === 0) return [];
    const decisions = await this.decide(credentials, permissions, false);
    return this.evaluateOn(credentials, entities, permissions, decisions);
  }

  private async evaluateOn(
    credentials: BackstageCredentials,
    entities: Entity[],
    permissions: EntityPermission[],
    decisions: PolicyDecision[],
  ): Promise<EntityDecisions[]> {
    return Promise.all(
      entities.map(async entity => {
        const entityRef = stringifyEntityRef(entity);
        const answers = new Map<string, boolean>();
        await Promise.all(
          permissions.map(async (permission, index) => {
            answers.set(
              permission.name,
              await this.allows(
                credentials,
                permission,
                decisions[index],
                entity,
                entityRef,
              ),
            );
          }),
        );
        return {
          entity,
          entityRef,
          allowed: (permission: EntityPermission) => {
            const answer = answers.get(permission.name);
            if (answer === undefined) {
              throw new Error(
                `${permission.name} was not asked for on ${entityRef}`,
              );
            }
            return answer;
          },
        };
      }),
    );
  }

  private async allows(
    credentials: BackstageCredentials,
    permission: EntityPermission,
    decision: PolicyDecision,
    entity: Entity,
    entityRef: string,
  ): Promise<boolean> {
    if (decision.result !== AuthorizeResult.CONDITIONAL) {
      return decision.result === AuthorizeResult.ALLOW;
    }
    if (decision.resourceType === 'catalog-entity') {
      try {
        return this.evaluate(decision, entity);
      } catch {
        // A rule only the catalog knows (added by a catalog module): let it decide.
      }
    }
    const [answer] = await this.options.permissions.authorize(
      [{ permission, resourceRef: entityRef }],
      { credentials },
    );
    return answer.result === AuthorizeResult.ALLOW;
  }

  private cachedEntity(
    credentials: BackstageCredentials,
    entityRef: string,
    fresh?: boolean,
  ): Promise<Entity> {
    const read = () =>
      catalogEntity(this.options.catalog, entityRef, credentials);
    const principal = principalKey(credentials);
    if (principal === undefined || this.ttlMs <= 0) return read();
    const key = `${principal}\n${normalizedEntityRef(
      entityRef,
    ).toLocaleLowerCase('en-US')}`;
    const now = this.clock.now();
    const cached = fresh ? undefined : this.entities.get(key, now);
    if (cached) return cached;
    const entity = read();
    this.entities.set(key, entity, now + this.ttlMs);
    // Missing, hidden and failed reads are asked again next time.
    entity.catch(() => this.entities.deleteIf(key, entity));
    return entity;
  }

  /** One decision per permission, all not reused asked for in one call. */
  private async decide(
    credentials: BackstageCredentials,
    permissions: EntityPermission[],
    fresh?: boolean,
  ): Promise<PolicyDecision[]> {
    const principal = this.ttlMs > 0 ? principalKey(credentials) : undefined;
    const now = this.clock.now();
    const keys = permissions.map(p =>
      principal === undefined ? undefined : `${principal}\n${p.name}`,
    );
    const known = keys.map(key =>
      key === undefined || fresh ? undefined : this.decisions.get(key, now),
    );
    const missing = permissions.filter((_, index) => !known[index]);
    if (missing.length > 0) {
      const asked = this.options.permissions.authorizeConditional(
        missing.map(permission => ({ permission })),
        { credentials },
      );
      let next = 0;
      permissions.forEach((_, index) => {
        if (known[index]) return;
        const position = next++;
        const decision = asked.then(answers => answers[position]);
        known[index] = decision;
        const key = keys[index];
        if (key === undefined) return;
        this.decisions.set(key, decision, now + this.ttlMs);
        // A refusal is never kept: access granted a moment later is seen at once.
        decision.then(
          answer => {
            if (answer.result === AuthorizeResult.DENY) {
              this.decisions.deleteIf(key, decision);
            }
          },
          () => this.decisions.deleteIf(key, decision),
        );
      });
    }
    return Promise.all(known as Promise<PolicyDecision>[]);
  }
}
