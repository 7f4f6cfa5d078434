import { mockCredentials } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import {
  AuthorizeResult,
  createPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import { catalogEntity, EntityAccess } from './EntityAccess';

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-api', namespace: 'default' },
  spec: {},
};
const readPermission = createPermission({
  name: 'example.thing.read',
  attributes: { action: 'read' },
  resourceType: 'catalog-entity',
});

describe('catalogEntity', () => {
  const catalog = catalogServiceMock({ entities: [entity] });
  const credentials = mockCredentials.user();

  it('finds an entity the caller can see', async () => {
    await expect(
      catalogEntity(catalog, 'component:default/payments-api', credentials),
    ).resolves.toMatchObject({ metadata: { name: 'payments-api' } });
  });

  it('says an unknown entity is not in the catalog', async () => {
    await expect(
      catalogEntity(catalog, 'component:default/nope', credentials),
    ).rejects.toThrow(
      'No entity component:default/nope in the catalog (or you cannot see it)',
    );
  });

  it('passes a catalog outage on as it is, not as a malformed ref', async () => {
    const outage = Object.assign(
      new Error(
        'connect ECONNREFUSED 127.0.0.1:7007 (catalog entity ref lookup)',
      ),
      { code: 'ECONNREFUSED' },
    );
    const down = {
      getEntityByRef: async () => {
        throw outage;
      },
    } as unknown as typeof catalog;
    const error = await catalogEntity(
      down,
      'component:default/payments-api',
      credentials,
    ).catch(e => e);
    // The error handler answers a plain Error with a 500, not the 400 of an InputError
    expect(error).toBe(outage);
  });

  it('says a malformed ref is not a valid entity ref, with an example', async () => {
    // What the catalog client throws for a ref it cannot parse
    const strict = {
      getEntityByRef: async () => {
        throw new TypeError(
          'Entity reference "payments-api" had missing or empty kind',
        );
      },
    } as unknown as typeof catalog;
    await expect(
      catalogEntity(strict, 'payments-api', credentials),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining('e.g. component:default/payments-api'),
    });
  });
});

const securityPermission = createPermission({
  name: 'example.security.read',
  attributes: { action: 'read' },
  resourceType: 'catalog-entity',
});

function ownedBy(name: string, owner: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default' },
    spec: { owner },
    relations: [{ type: 'ownedBy', targetRef: owner }],
  };
}

/** Team A may read what it owns (a conditional decision); everything else is allowed. */
const ownerPolicy = (name: string): PolicyDecision =>
  name === readPermission.name
    ? {
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: {
          rule: 'IS_ENTITY_OWNER',
          resourceType: 'catalog-entity',
          params: { claims: ['group:default/team-a'] },
        },
      }
    : { result: AuthorizeResult.ALLOW };

function setup(
  options: {
    decide?: (permissionName: string) => PolicyDecision;
    entities?: Entity[];
    catalog?: Parameters<typeof EntityAccess.create>[0]['catalog'];
  } = {},
) {
  let now = 1_000_000;
  const decide =
    options.decide ?? (() => ({ result: AuthorizeResult.ALLOW } as const));
  const asked: string[][] = [];
  const authorized: string[] = [];
  const permissions = {
    authorizeConditional: jest.fn(async (requests: any[]) => {
      asked.push(requests.map(r => r.permission.name));
      return requests.map(r => decide(r.permission.name));
    }),
    authorize: jest.fn(async (requests: any[]) => {
      authorized.push(
        ...requests.map(r => `${r.permission.name} ${r.resourceRef}`),
      );
      return requests.map(() => ({ result: AuthorizeResult.ALLOW }));
    }),
  } as unknown as PermissionsService;
  const catalog =
    options.catalog ??
    catalogServiceMock({
      entities: options.entities ?? [
        entity,
        ownedBy('ledger', 'group:default/team-a'),
      ],
    });
  const catalogReads = jest.spyOn(catalog, 'getEntityByRef');
  const access = EntityAccess.create({
    catalog,
    permissions,
    clock: { now: () => now },
  });
  return {
    access,
    asked,
    authorized,
    catalogReads,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('EntityAccess', () => {
  const alice = mockCredentials.user('user:default/alice');
  const ref = 'component:default/payments-api';

  it('decides every permission a request needs in one call', async () => {
    const { access, asked } = setup({
      decide: name =>
        name === securityPermission.name
          ? { result: AuthorizeResult.DENY }
          : { result: AuthorizeResult.ALLOW },
    });
    const decided = await access.entity(alice, 'component:payments-api', {
      require: [readPermission],
      check: [securityPermission],
    });
    expect(asked).toEqual([['example.thing.read', 'example.security.read']]);
    expect(decided.entityRef).toBe(ref);
    expect(decided.allowed(readPermission)).toBe(true);
    expect(decided.allowed(securityPermission)).toBe(false);
  });

  it('reuses the entity and the decisions within the cache time, and asks again after it', async () => {
    const { access, asked, catalogReads, advance } = setup();
    const request = { require: [readPermission, securityPermission] };
    await Promise.all([
      access.entity(alice, ref, request),
      access.entity(alice, ref, request),
    ]);
    advance(4_999);
    await access.entity(alice, ref, request);
    expect(asked).toHaveLength(1);
    expect(catalogReads).toHaveBeenCalledTimes(1);
    advance(1);
    await access.entity(alice, ref, request);
    expect(asked).toHaveLength(2);
    expect(catalogReads).toHaveBeenCalledTimes(2);
  });

  it('asks only for the permissions it does not know yet', async () => {
    const { access, asked } = setup();
    await access.entity(alice, ref, { require: [readPermission] });
    await access.entity(alice, ref, {
      require: [readPermission],
      check: [securityPermission],
    });
    expect(asked).toEqual([['example.thing.read'], ['example.security.read']]);
  });

  it('never shares decisions between a user and a client acting for that user', async () => {
    const { access, asked, catalogReads } = setup();
    const viaMcp = mockCredentials.user('user:default/alice', {
      actor: { subject: 'mcp-client' },
    });
    const viaOtherClient = mockCredentials.user('user:default/alice', {
      actor: { subject: 'ai-assistant' },
    });
    const request = { require: [readPermission] };
    await access.entity(alice, ref, request);
    await access.entity(viaMcp, ref, request);
    await access.entity(viaOtherClient, ref, request);
    await access.entity(viaMcp, ref, request);
    await access.entity(mockCredentials.user('user:default/bob'), ref, request);
    expect(asked).toHaveLength(4);
    expect(catalogReads).toHaveBeenCalledTimes(4);
  });

  it('keeps nothing for an unauthenticated caller, and a service by its subject', async () => {
    const { access, asked } = setup();
    const request = { require: [readPermission] };
    await access.entity(mockCredentials.none(), ref, request);
    await access.entity(mockCredentials.none(), ref, request);
    expect(asked).toHaveLength(2);
    await access.entity(
      mockCredentials.service('plugin:scaffolder'),
      ref,
      request,
    );
    await access.entity(
      mockCredentials.service('plugin:scaffolder'),
      ref,
      request,
    );
    await access.entity(mockCredentials.service('plugin:search'), ref, request);
    expect(asked).toHaveLength(4);
  });

  it('never keeps a refusal, and names the permission refused', async () => {
    let allow = false;
    const { access, asked } = setup({
      decide: () => ({
        result: allow ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
      }),
    });
    await expect(
      access.entity(alice, ref, { require: [readPermission] }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: `You are not allowed to example.thing.read on ${ref}`,
    });
    allow = true;
    await expect(
      access.entity(alice, ref, { require: [readPermission] }),
    ).resolves.toMatchObject({ entityRef: ref });
    expect(asked).toHaveLength(2);
  });

  it('asks afresh for writes, and their answers refresh what is reused', async () => {
    const { access, asked, catalogReads } = setup();
    await access.entity(alice, ref, { require: [readPermission] });
    await access.entity(alice, ref, { require: [readPermission], fresh: true });
    expect(asked).toHaveLength(2);
    expect(catalogReads).toHaveBeenCalledTimes(2);
    await access.entity(alice, ref, { require: [readPermission] });
    expect(asked).toHaveLength(2);
  });

  it('evaluates a conditional decision against each entity, keeping one decision per permission', async () => {
    const { access, asked, authorized } = setup({ decide: ownerPolicy });
    const owned = await access.entity(alice, 'component:default/ledger', {
      require: [readPermission],
    });
    expect(owned.entityRef).toBe('component:default/ledger');
    await expect(
      access.entity(alice, ref, { require: [readPermission] }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: `You are not allowed to example.thing.read on ${ref}`,
    });
    const table = await access.decideFor(
      alice,
      [
        ownedBy('orders', 'group:default/team-a'),
        ownedBy('billing', 'group:default/team-b'),
        entity,
      ],
      [readPermission, securityPermission],
    );
    expect(table.map(row => row.allowed(readPermission))).toEqual([
      true,
      false,
      false,
    ]);
    expect(table.map(row => row.allowed(securityPermission))).toEqual([
      true,
      true,
      true,
    ]);
    expect(asked).toEqual([['example.thing.read'], ['example.security.read']]);
    // Decided locally: the permission backend was not asked per entity
    expect(authorized).toEqual([]);
  });

  it('lets the permission backend decide a condition with a rule it does not know', async () => {
    const { access, authorized } = setup({
      decide: () => ({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: {
          rule: 'IS_IN_SYSTEM',
          resourceType: 'catalog-entity',
          params: { systemRef: 'system:default/shop' },
        },
      }),
    });
    await access.entity(alice, ref, { require: [readPermission] });
    expect(authorized).toEqual([`example.thing.read ${ref}`]);
  });

  it('says a hidden entity is not found, a malformed ref is bad input and passes on a catalog outage', async () => {
    const { access } = setup();
    await expect(
      access.entity(alice, 'component:default/hidden', {
        require: [readPermission],
      }),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(
      access.entity(alice, 'payments-api', { require: [readPermission] }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        '"payments-api" is not a valid entity ref, e.g. component:default/payments-api',
    });
    const outage = new TypeError('fetch failed: connect ECONNREFUSED (ref)');
    let down = true;
    const flaky = setup({
      catalog: {
        getEntityByRef: async () => {
          if (down) throw outage;
          return entity;
        },
      } as any,
    });
    await expect(
      flaky.access.entity(alice, ref, { require: [readPermission] }),
    ).rejects.toBe(outage);
    // A failed read is not kept
    down = false;
    await expect(
      flaky.access.entity(alice, ref, { require: [readPermission] }),
    ).resolves.toMatchObject({ entityRef: ref });
  });

  it('keeps at most cacheMaxEntries decisions', async () => {
    const asked: string[] = [];
    const access = EntityAccess.create({
      catalog: catalogServiceMock({ entities: [entity] }),
      permissions: {
        authorizeConditional: async (requests: any[]) => {
          asked.push(...requests.map(r => r.permission.name));
          return requests.map(() => ({ result: AuthorizeResult.ALLOW }));
        },
      } as unknown as PermissionsService,
      cacheMaxEntries: 2,
      clock: { now: () => 0 },
    });
    for (const user of ['a', 'b', 'c', 'a']) {
      await access.entity(mockCredentials.user(`user:default/${user}`), ref, {
        require: [readPermission],
      });
    }
    // a was the least recently used when c came in
    expect(asked).toHaveLength(4);
  });
});
