import { TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseAiAssistantStore } from './DatabaseAiAssistantStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const PIPELINE = 'comet:component:default/payments-api:ci';

describe.each(databases.eachSupportedId())(
  'DatabaseAiAssistantStore failure analysis on %s',
  databaseId => {
    let time: number;
    const clock = () => new Date(time);

    async function createStore() {
      const knex = await databases.init(databaseId);
      const store = await DatabaseAiAssistantStore.create({
        database: { getClient: async () => knex },
        clock,
      });
      return { store, knex };
    }

    beforeEach(() => {
      time = Date.parse('2026-12-22T10:00:00.000Z');
    });

    it('records runs once each, keeping what an earlier record knew', async () => {
      const { store } = await createStore();
      await store.recordRunFingerprints([
        {
          runId: 'run-1',
          pipelineKey: PIPELINE,
          status: 'failed',
          commit: 'aaa111',
          finishedAt: '2026-12-20T10:00:00.000Z',
          fingerprint: 'f'.repeat(64),
          category: 'test-failure',
        },
        {
          runId: 'run-2',
          pipelineKey: PIPELINE,
          status: 'succeeded',
          finishedAt: '2026-12-21T10:00:00.000Z',
        },
        {
          runId: 'other-pipeline',
          pipelineKey: 'jenkins:default:payments/build',
          status: 'failed',
          finishedAt: '2026-12-21T11:00:00.000Z',
        },
      ]);
      // Listed again later: without a fingerprint (not read this time) and a newer status
      await store.recordRunFingerprints([
        {
          runId: 'run-1',
          pipelineKey: PIPELINE,
          status: 'failed',
          finishedAt: '2026-12-20T10:00:00.000Z',
        },
        {
          runId: 'run-2',
          pipelineKey: PIPELINE,
          status: 'succeeded',
          commit: 'bbb222',
          finishedAt: '2026-12-21T10:00:00.000Z',
        },
        // The same run twice in one call: one row, the fingerprint kept
        {
          runId: 'run-3',
          pipelineKey: PIPELINE,
          status: 'failed',
          finishedAt: '2026-12-21T12:00:00.000Z',
          fingerprint: 'e'.repeat(64),
        },
        {
          runId: 'run-3',
          pipelineKey: PIPELINE,
          status: 'failed',
          finishedAt: '2026-12-21T12:00:00.000Z',
        },
      ]);
      await store.recordRunFingerprints([]);

      expect(await store.listRunFingerprints(PIPELINE, { limit: 10 })).toEqual([
        {
          runId: 'run-3',
          pipelineKey: PIPELINE,
          status: 'failed',
          finishedAt: '2026-12-21T12:00:00.000Z',
          fingerprint: 'e'.repeat(64),
        },
        {
          runId: 'run-2',
          pipelineKey: PIPELINE,
          status: 'succeeded',
          commit: 'bbb222',
          finishedAt: '2026-12-21T10:00:00.000Z',
        },
        {
          runId: 'run-1',
          pipelineKey: PIPELINE,
          status: 'failed',
          commit: 'aaa111',
          finishedAt: '2026-12-20T10:00:00.000Z',
          fingerprint: 'f'.repeat(64),
          category: 'test-failure',
        },
      ]);
      expect(
        (
          await store.listRunFingerprints(PIPELINE, {
            before: new Date('2026-12-21T11:00:00.000Z'),
            limit: 1,
          })
        ).map(r => r.runId),
      ).toEqual(['run-2']);
      const found = await store.getRunFingerprints([
        'run-1',
        'other-pipeline',
        'unknown',
      ]);
      expect([...found.keys()].sort()).toEqual(['other-pipeline', 'run-1']);
      expect(found.get('run-1')?.fingerprint).toBe('f'.repeat(64));
      expect(await store.getRunFingerprints([])).toEqual(new Map());
    });

    it('records many runs in one call', async () => {
      const { store } = await createStore();
      const runs = Array.from({ length: 250 }, (_, i) => ({
        runId: `bulk-${String(i).padStart(3, '0')}`,
        pipelineKey: 'bulk',
        status: i % 2 ? 'failed' : 'succeeded',
        finishedAt: new Date(Date.UTC(2026, 11, 1) + i * 60_000).toISOString(),
      }));
      await store.recordRunFingerprints(runs);
      const listed = await store.listRunFingerprints('bulk', { limit: 300 });
      expect(listed).toHaveLength(250);
      expect(listed[0].runId).toBe('bulk-249');
      expect(
        (await store.getRunFingerprints(runs.map(r => r.runId))).size,
      ).toBe(250);
    });

    it('keeps every saved version of the rules, refusing a save over a newer one', async () => {
      const { store } = await createStore();
      expect(await store.latestFailureRules()).toBeUndefined();
      expect(await store.latestFailureRulesVersion()).toBe(0);

      const first = await store.saveFailureRules({
        yaml: 'rules: []\n',
        ruleCount: 0,
        updatedBy: 'user:default/admin',
        baseVersion: 0,
      });
      expect(first).toEqual({
        version: 1,
        yaml: 'rules: []\n',
        ruleCount: 0,
        updatedBy: 'user:default/admin',
        updatedAt: new Date(time),
      });
      time += 60_000;
      const second = await store.saveFailureRules({
        yaml: 'rules:\n  - id: x\n',
        ruleCount: 1,
        updatedBy: 'user:default/ada',
      });
      expect(second?.version).toBe(2);
      // An editor that started from version 1 saves over version 2: refused
      expect(
        await store.saveFailureRules({
          yaml: 'rules: []\n',
          ruleCount: 0,
          updatedBy: 'user:default/admin',
          baseVersion: 1,
        }),
      ).toBeUndefined();
      expect(await store.latestFailureRulesVersion()).toBe(2);
      expect(await store.latestFailureRules()).toEqual({
        version: 2,
        yaml: 'rules:\n  - id: x\n',
        ruleCount: 1,
        updatedBy: 'user:default/ada',
        updatedAt: new Date(time),
      });
    });

    it('lets only one of two concurrent saves of the same version win', async () => {
      const { store } = await createStore();
      const results = await Promise.all(
        ['a', 'b', 'c'].map(name =>
          store.saveFailureRules({
            yaml: `# ${name}\n`,
            ruleCount: 0,
            updatedBy: `user:default/${name}`,
            baseVersion: 0,
          }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.latestFailureRulesVersion()).toBe(1);
    });

    it('migrates down and up again', async () => {
      const { knex } = await createStore();
      const directory = require('node:path').resolve(
        __dirname,
        '../../migrations',
      );
      // The summaries-and-stops migration first, then this one
      await knex.migrate.down({
        directory,
        tableName: 'ai_assistant_knex_migrations',
      });
      expect(
        await knex.schema.hasColumn('ai_assistant_conversations', 'summary'),
      ).toBe(false);
      expect(
        await knex.schema.hasColumn('ai_assistant_messages', 'stopped'),
      ).toBe(false);
      await knex.migrate.down({
        directory,
        tableName: 'ai_assistant_knex_migrations',
      });
      expect(await knex.schema.hasTable('ai_assistant_run_fingerprints')).toBe(
        false,
      );
      expect(await knex.schema.hasTable('ai_assistant_conversations')).toBe(
        true,
      );
      await knex.migrate.latest({
        directory,
        tableName: 'ai_assistant_knex_migrations',
      });
      expect(await knex.schema.hasTable('ai_assistant_failure_rules')).toBe(
        true,
      );
      expect(
        await knex.schema.hasColumn('ai_assistant_messages', 'stopped'),
      ).toBe(true);
    });
  },
);
