import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import { catalogEntity, requireEntityPermission } from './entityAccess';

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

describe('requireEntityPermission', () => {
  it('passes when allowed and names the permission when denied', async () => {
    const credentials = mockCredentials.user();
    await expect(
      requireEntityPermission(
        mockServices.permissions({ result: AuthorizeResult.ALLOW }),
        readPermission,
        'component:default/payments-api',
        credentials,
      ),
    ).resolves.toBeUndefined();
    await expect(
      requireEntityPermission(
        mockServices.permissions({ result: AuthorizeResult.DENY }),
        readPermission,
        'component:default/payments-api',
        credentials,
      ),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message:
        'You are not allowed to example.thing.read on component:default/payments-api',
    });
  });
});
