import { TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseWiringOverrideStore } from './DatabaseWiringOverrideStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())(
  'DatabaseWiringOverrideStore on %s',
  databaseId => {
    async function createStore() {
      const knex = await databases.init(databaseId);
      const store = await DatabaseWiringOverrideStore.create({
        database: { getClient: async () => knex },
      });
      return { knex, store };
    }

    it('saves, replaces, lists and deletes one override per entity, keyed case-insensitively', async () => {
      const { store } = await createStore();
      expect(await store.get('component:default/payments-api')).toBeUndefined();

      const first = await store.put({
        entityRef: 'component:default/Payments-API',
        annotations: { 'jira/project-key': 'PAY' },
        updatedBy: 'user:default/ada',
        updatedAt: '2026-06-01T10:00:00.000Z',
      });
      expect(first).toBeUndefined();

      const previous = await store.put({
        entityRef: 'component:default/payments-api',
        annotations: {
          'jira/project-key': 'SHOP',
          'comet.dev/test-suites': 'checkout',
        },
        updatedBy: 'user:default/bob',
        updatedAt: '2026-06-02T11:30:00.000Z',
      });
      expect(previous).toEqual({
        entityRef: 'component:default/payments-api',
        annotations: { 'jira/project-key': 'PAY' },
        updatedBy: 'user:default/ada',
        updatedAt: '2026-06-01T10:00:00.000Z',
      });

      await store.put({
        entityRef: 'component:default/ledger',
        annotations: { 'comet.dev/pipelines': '.comet/ci.yaml' },
        updatedBy: 'user:default/ada',
        updatedAt: '2026-06-03T08:00:00.000Z',
      });

      expect(await store.get('COMPONENT:default/payments-api')).toEqual({
        entityRef: 'component:default/payments-api',
        annotations: {
          'jira/project-key': 'SHOP',
          'comet.dev/test-suites': 'checkout',
        },
        updatedBy: 'user:default/bob',
        updatedAt: '2026-06-02T11:30:00.000Z',
      });
      expect((await store.list()).map(o => o.entityRef)).toEqual([
        'component:default/ledger',
        'component:default/payments-api',
      ]);

      const removed = await store.delete('component:default/ledger');
      expect(removed?.annotations).toEqual({
        'comet.dev/pipelines': '.comet/ci.yaml',
      });
      expect(await store.delete('component:default/ledger')).toBeUndefined();
      expect((await store.list()).map(o => o.entityRef)).toEqual([
        'component:default/payments-api',
      ]);
    });

    it('migrates once and rolls back cleanly', async () => {
      const { knex } = await createStore();
      // A second start finds the migration applied
      await DatabaseWiringOverrideStore.create({
        database: { getClient: async () => knex },
      });
      expect(await knex.schema.hasTable('comet_integration_overrides')).toBe(
        true,
      );
      await knex.migrate.rollback(
        {
          directory: `${__dirname}/../../migrations`,
          tableName: 'comet_knex_migrations',
        },
        true,
      );
      expect(await knex.schema.hasTable('comet_integration_overrides')).toBe(
        false,
      );
    });
  },
);
