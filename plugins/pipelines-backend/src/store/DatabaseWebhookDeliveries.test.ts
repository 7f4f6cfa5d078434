import { TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseWebhookDeliveries } from './DatabaseWebhookDeliveries';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const ids = databases.eachSupportedId().map(([id]) => id);

const DAY_MS = 24 * 60 * 60 * 1000;

async function createDeliveries(databaseId: string) {
  const knex = await databases.init(databaseId as 'SQLITE_3');
  await knex.migrate.latest({ directory: `${__dirname}/../../migrations` });
  let now = Date.parse('2026-12-01T00:00:00Z');
  const deliveries = new DatabaseWebhookDeliveries(knex, () => now);
  return {
    deliveries,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const pushOfMain = 'acme/shop\npush\nbranch:main\n\n\naaaa';

describe('DatabaseWebhookDeliveries', () => {
  it.each(ids)(
    'refuses a replay of what a delivery built under a new delivery id, %p',
    async databaseId => {
      const { deliveries } = await createDeliveries(databaseId);
      expect(await deliveries.record('d-1', pushOfMain)).toBe(true);
      // The same body signed once, sent again with another X-GitHub-Delivery
      expect(await deliveries.record('d-2', pushOfMain)).toBe(false);
      // Nothing of the refused one was kept: d-2 may still build something else
      expect(await deliveries.record('d-2', `${pushOfMain}b`)).toBe(true);
      expect(await deliveries.record('d-1', 'another key')).toBe(false);
      // Deliveries that build nothing are de-duplicated by id alone
      expect(await deliveries.record('d-3')).toBe(true);
      expect(await deliveries.record('d-3')).toBe(false);
    },
  );

  it.each(ids)(
    'forgets a failed delivery with its key, so its redelivery builds, %p',
    async databaseId => {
      const { deliveries } = await createDeliveries(databaseId);
      expect(await deliveries.record('d-1', pushOfMain)).toBe(true);
      await deliveries.forget('d-1');
      expect(await deliveries.record('d-1', pushOfMain)).toBe(true);
    },
  );

  it.each(ids)(
    'remembers keys for seven days, and lets one of concurrent replays in, %p',
    async databaseId => {
      const { deliveries, advance } = await createDeliveries(databaseId);
      expect(await deliveries.record('d-1', pushOfMain)).toBe(true);
      advance(6 * DAY_MS);
      expect(await deliveries.record('d-2', pushOfMain)).toBe(false);
      advance(2 * DAY_MS);
      const results = await Promise.all(
        ['d-3', 'd-4', 'd-5', 'd-6', 'd-7'].map(id =>
          deliveries.record(id, pushOfMain),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    },
  );
});
