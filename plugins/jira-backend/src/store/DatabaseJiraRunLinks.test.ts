import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import {
  DatabaseJiraRunLinks,
  type RunLinkReport,
} from './DatabaseJiraRunLinks';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const report = (over: Partial<RunLinkReport> = {}): RunLinkReport => ({
  entityRef: 'component:default/payments-api',
  runId: 'r1',
  pipeline: 'ci',
  runNumber: 1,
  status: 'queued',
  path: '/pipelines/runs/r1',
  createdAt: '2026-12-05T10:00:00.000Z',
  updatedAt: '2026-12-05T10:00:00.000Z',
  issues: [{ instance: 'default', key: 'PAY-1' }],
  ...over,
});

describe.each(databases.eachSupportedId())(
  'DatabaseJiraRunLinks on %p',
  databaseId => {
    it('keeps the latest run of each issue, whatever order reports come in', async () => {
      const knex = await databases.init(databaseId);
      const store = await DatabaseJiraRunLinks.create({
        database: mockServices.database({ knex }),
      });
      await store.record(report());
      await store.record(
        report({
          runId: 'r2',
          runNumber: 2,
          path: '/pipelines/runs/r2',
          status: 'failed',
          createdAt: '2026-12-05T11:00:00.000Z',
          updatedAt: '2026-12-05T11:10:00.000Z',
          issues: [
            { instance: 'default', key: 'PAY-1' },
            { instance: 'default', key: 'PAY-2' },
          ],
        }),
      );
      // r1 finishing late does not replace r2
      await store.record(
        report({ status: 'succeeded', updatedAt: '2026-12-05T12:00:00.000Z' }),
      );
      // a stale status of r2 does not replace its newer one
      await store.record(
        report({
          runId: 'r2',
          runNumber: 2,
          path: '/pipelines/runs/r2',
          status: 'running',
          createdAt: '2026-12-05T11:00:00.000Z',
          updatedAt: '2026-12-05T11:05:00.000Z',
        }),
      );
      const latest = await store.latest(
        'component:default/payments-api',
        'default',
        ['PAY-1', 'PAY-2', 'PAY-3'],
      );
      expect(latest).toEqual({
        'PAY-1': {
          runId: 'r2',
          entityRef: 'component:default/payments-api',
          pipeline: 'ci',
          runNumber: 2,
          status: 'failed',
          path: '/pipelines/runs/r2',
          updatedAt: '2026-12-05T11:10:00.000Z',
        },
        'PAY-2': expect.objectContaining({ runId: 'r2', status: 'failed' }),
      });
      expect(
        await store.latest('component:default/other', 'default', ['PAY-1']),
      ).toEqual({});
      expect(
        await store.latest('component:default/payments-api', 'dc', ['PAY-1']),
      ).toEqual({});
      expect(
        await store.latest('component:default/payments-api', 'default', []),
      ).toEqual({});
    });
  },
);
