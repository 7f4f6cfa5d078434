import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type {
  TestArtifact,
  TestAttemptResult,
  TestRunSummary,
  TestSuiteDefinition,
} from '@internal/plugin-test-recorder-common';
import type { Knex } from 'knex';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  DatabaseTestRecorderStore,
  TEST_RUN_LEASE_MS,
} from './DatabaseTestRecorderStore';
import { SecretsCipher } from './SecretsCipher';
import type { NewTestRun, StoredTestResult } from './TestRecorderStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const OWNER = 'component:default/storefront-web';

function definition(
  name: string,
  over: Partial<TestSuiteDefinition> = {},
): TestSuiteDefinition {
  return {
    name,
    title: `Suite ${name}`,
    baseUrl: 'http://127.0.0.1:3000',
    tests: [
      {
        id: 'checkout',
        name: 'Checkout',
        steps: [{ id: 's1', action: 'navigate', url: '/checkout' }],
      },
    ],
    ...over,
  };
}

function newRun(suiteName: string, over: Partial<NewTestRun> = {}): NewTestRun {
  return {
    suiteName,
    suiteVersion: 1,
    entityRef: OWNER,
    trigger: 'manual',
    triggeredBy: 'user:default/ada',
    baseUrl: 'http://127.0.0.1:3000',
    retries: 1,
    ...over,
  };
}

function attempt(
  status: 'passed' | 'failed',
  signature?: string,
): TestAttemptResult {
  return {
    attempt: 1,
    status,
    durationMs: 10,
    steps: [],
    ...(signature
      ? { error: { message: `boom ${signature}`, signature } }
      : {}),
  };
}

function result(
  testId: string,
  status: StoredTestResult['status'],
  attempts: TestAttemptResult[] = [attempt('passed')],
): StoredTestResult {
  return {
    testId,
    testName: `Test ${testId}`,
    status,
    quarantined: false,
    durationMs: 42,
    attempts,
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** Every table of the store, each before the tables it refers to. */
const TABLES_CHILDREN_FIRST = [
  'test_recorder_baselines',
  'test_recorder_artifacts',
  'test_recorder_test_results',
  'test_recorder_runs',
  'test_recorder_files',
  'test_recorder_secrets',
  'test_recorder_quarantine',
  'test_recorder_suite_versions',
  'test_recorder_suites',
];

describe.each(databases.eachSupportedId())(
  'DatabaseTestRecorderStore on %p',
  databaseId => {
    let knex: Knex;
    let artifactsDir: string;
    let now: Date;
    let store: DatabaseTestRecorderStore;
    const cipher = SecretsCipher.fromSecret('test key');
    const advance = (ms: number) => {
      now = new Date(now.getTime() + ms);
    };

    // One database per engine (creating one per test is most of the run time on PostgreSQL);
    // each test starts from empty tables.
    beforeAll(async () => {
      knex = await databases.init(databaseId);
    });

    beforeEach(async () => {
      artifactsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tr-store-'));
      now = new Date('2026-12-05T10:00:00.000Z');
      store = await DatabaseTestRecorderStore.create({
        database: mockServices.database({ knex }),
        artifactsDir,
        cipher,
        clock: () => now,
      });
      for (const table of TABLES_CHILDREN_FIRST) {
        await knex(table).delete();
      }
    });

    afterEach(async () => {
      await fs.rm(artifactsDir, { recursive: true, force: true });
    });

    describe('suites', () => {
      it('creates a suite, and refuses a second one of that name naming its owner', async () => {
        const created = await store.createSuite({
          entityRef: OWNER,
          definition: definition('checkout'),
          createdBy: 'user:default/ada',
          message: 'Created',
        });
        expect(created).toEqual({
          name: 'checkout',
          entityRef: OWNER,
          version: 1,
          definition: definition('checkout'),
          updatedAt: '2026-12-05T10:00:00.000Z',
          updatedBy: 'user:default/ada',
          quarantinedTestIds: [],
          storedSecretNames: [],
          files: [],
        });
        await expect(
          store.createSuite({
            entityRef: 'component:default/other',
            definition: definition('checkout'),
            createdBy: 'user:default/bob',
          }),
        ).rejects.toMatchObject({
          name: 'ConflictError',
          message: expect.stringContaining(
            `"checkout" already exists, owned by ${OWNER}`,
          ),
        });
        expect((await store.getSuite('checkout'))?.entityRef).toBe(OWNER);
        expect(await store.getSuite('missing')).toBeUndefined();
      });

      it('saves new versions and refuses a stale base version without writing', async () => {
        await store.createSuite({
          entityRef: OWNER,
          definition: definition('checkout'),
          createdBy: 'user:default/ada',
          message: 'Created',
        });
        advance(1000);
        const v2 = await store.updateSuite({
          name: 'checkout',
          definition: definition('checkout', { title: 'Second' }),
          baseVersion: 1,
          updatedBy: 'user:default/bob',
          message: 'Renamed',
        });
        expect(v2).toMatchObject({
          version: 2,
          updatedBy: 'user:default/bob',
          updatedAt: '2026-12-05T10:00:01.000Z',
          definition: { title: 'Second' },
        });

        advance(1000);
        await expect(
          store.updateSuite({
            name: 'checkout',
            definition: definition('checkout', { title: 'Stale' }),
            baseVersion: 1,
            updatedBy: 'user:default/eve',
          }),
        ).rejects.toMatchObject({
          name: 'ConflictError',
          message: expect.stringMatching(
            /"checkout" is at version 2 .*not version 1/,
          ),
        });
        const after = await store.getSuite('checkout');
        expect(after).toMatchObject({
          version: 2,
          updatedBy: 'user:default/bob',
          definition: { title: 'Second' },
        });
        expect(await store.listSuiteVersions('checkout')).toEqual([
          {
            version: 2,
            createdAt: '2026-12-05T10:00:01.000Z',
            createdBy: 'user:default/bob',
            message: 'Renamed',
          },
          {
            version: 1,
            createdAt: '2026-12-05T10:00:00.000Z',
            createdBy: 'user:default/ada',
            message: 'Created',
          },
        ]);
        expect(await store.getSuiteVersion('checkout', 1)).toEqual({
          version: 1,
          createdAt: '2026-12-05T10:00:00.000Z',
          createdBy: 'user:default/ada',
          message: 'Created',
          definition: definition('checkout'),
        });
        expect(await store.getSuiteVersion('checkout', 3)).toBeUndefined();

        await expect(
          store.updateSuite({
            name: 'missing',
            definition: definition('missing'),
            baseVersion: 1,
            updatedBy: 'user:default/eve',
          }),
        ).rejects.toMatchObject({
          name: 'NotFoundError',
          message: 'No test suite named "missing"',
        });
        await expect(store.listSuiteVersions('missing')).rejects.toMatchObject({
          name: 'NotFoundError',
        });
      });

      it('lists suites by entity and by name', async () => {
        await store.createSuite({
          entityRef: OWNER,
          definition: definition('b-suite', { title: undefined }),
          createdBy: 'user:default/ada',
        });
        await store.createSuite({
          entityRef: OWNER,
          definition: definition('a-suite'),
          createdBy: 'user:default/ada',
        });
        await store.createSuite({
          entityRef: 'component:default/other',
          definition: definition('c-suite'),
          createdBy: 'user:default/ada',
        });
        expect(await store.listSuites({ entityRef: OWNER })).toEqual([
          {
            name: 'a-suite',
            entityRef: OWNER,
            title: 'Suite a-suite',
            version: 1,
            testCount: 1,
            updatedAt: '2026-12-05T10:00:00.000Z',
          },
          {
            name: 'b-suite',
            entityRef: OWNER,
            version: 1,
            testCount: 1,
            updatedAt: '2026-12-05T10:00:00.000Z',
          },
        ]);
        expect(
          (await store.listSuites({ names: ['c-suite', 'a-suite', 'x'] })).map(
            s => s.name,
          ),
        ).toEqual(['a-suite', 'c-suite']);
        expect(await store.listSuites({ names: [] })).toEqual([]);
        expect((await store.listSuites({})).length).toBe(3);
      });

      it('quarantines and releases tests', async () => {
        await store.createSuite({
          entityRef: OWNER,
          definition: definition('checkout'),
          createdBy: 'user:default/ada',
        });
        const q = { suiteName: 'checkout', by: 'user:default/ada' };
        await store.setQuarantined({ ...q, testId: 'b', quarantined: true });
        await store.setQuarantined({ ...q, testId: 'a', quarantined: true });
        await store.setQuarantined({ ...q, testId: 'a', quarantined: true });
        expect((await store.getSuite('checkout'))?.quarantinedTestIds).toEqual([
          'a',
          'b',
        ]);
        await store.setQuarantined({ ...q, testId: 'a', quarantined: false });
        expect((await store.getSuite('checkout'))?.quarantinedTestIds).toEqual([
          'b',
        ]);
        await expect(
          store.setQuarantined({
            ...q,
            suiteName: 'missing',
            testId: 'a',
            quarantined: true,
          }),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
      });
    });

    describe('secrets and files', () => {
      beforeEach(async () => {
        await store.createSuite({
          entityRef: OWNER,
          definition: definition('checkout'),
          createdBy: 'user:default/ada',
        });
      });

      it('stores secrets encrypted, never in clear', async () => {
        const value = 'hunter2-super-secret-password';
        await store.setSecret('checkout', 'PASSWORD', value);
        await store.setSecret('checkout', 'TOKEN', 'first');
        await store.setSecret('checkout', 'TOKEN', 'second');

        const rows = await knex('test_recorder_secrets').select();
        expect(rows).toHaveLength(2);
        const raw = JSON.stringify(rows);
        expect(raw).not.toContain(value);
        expect(raw).not.toContain(Buffer.from(value).toString('base64'));
        expect(raw).not.toContain('second');
        const passwordRow = rows.find(r => r.name === 'PASSWORD');
        expect(passwordRow).toMatchObject({
          suite: 'checkout',
          ciphertext: expect.any(String),
          iv: expect.any(String),
          tag: expect.any(String),
        });

        expect(await store.getSecrets('checkout')).toEqual({
          PASSWORD: value,
          TOKEN: 'second',
        });
        expect((await store.getSuite('checkout'))?.storedSecretNames).toEqual([
          'PASSWORD',
          'TOKEN',
        ]);
        await store.deleteSecret('checkout', 'TOKEN');
        expect(await store.getSecrets('checkout')).toEqual({ PASSWORD: value });
        await expect(
          store.setSecret('missing', 'X', 'y'),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
        await expect(store.deleteSecret('missing', 'X')).rejects.toMatchObject({
          name: 'NotFoundError',
        });
      });

      it('names the suite and secret, not the value, when the key changed', async () => {
        const value = 'hunter2-super-secret-password';
        await store.setSecret('checkout', 'PASSWORD', value);
        const otherKeyStore = await DatabaseTestRecorderStore.create({
          database: mockServices.database({ knex }),
          artifactsDir,
          cipher: SecretsCipher.fromSecret('another key'),
        });
        const error = await otherKeyStore.getSecrets('checkout').then(
          () => undefined,
          e => e as Error,
        );
        expect(error?.message).toMatch(
          /^Secret "PASSWORD" of test suite "checkout" cannot be decrypted/,
        );
        expect(error?.message).not.toContain(value);
      });

      it('keeps upload files with their sizes', async () => {
        const bytes = Buffer.from([0, 1, 2, 255, 254]);
        await store.putFile('checkout', 'avatar.png', bytes);
        await store.putFile('checkout', 'cv.pdf', Buffer.from('old'));
        await store.putFile('checkout', 'cv.pdf', Buffer.from('newer'));
        expect(await store.getFile('checkout', 'avatar.png')).toEqual(bytes);
        expect((await store.getSuite('checkout'))?.files).toEqual([
          { name: 'avatar.png', size: 5 },
          { name: 'cv.pdf', size: 5 },
        ]);
        await store.deleteFile('checkout', 'cv.pdf');
        expect(await store.getFile('checkout', 'cv.pdf')).toBeUndefined();
        await expect(
          store.putFile('missing', 'a', Buffer.from('a')),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
        await expect(store.deleteFile('missing', 'a')).rejects.toMatchObject({
          name: 'NotFoundError',
        });
      });
    });

    describe('runs', () => {
      beforeEach(async () => {
        await store.createSuite({
          entityRef: OWNER,
          definition: definition('checkout'),
          createdBy: 'user:default/ada',
        });
      });

      it('creates queued runs and claims the oldest first', async () => {
        const first = await store.createRun(
          newRun('checkout', {
            testIds: ['checkout'],
            project: 'Pixel 7',
            pipelineRunId: 'p1',
            commit: 'abc123',
          }),
        );
        advance(1000);
        const second = await store.createRun(newRun('checkout'));
        expect(first).toEqual({
          runId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          suiteName: 'checkout',
          suiteVersion: 1,
          entityRef: OWNER,
          status: 'queued',
          trigger: 'manual',
          triggeredBy: 'user:default/ada',
          createdAt: '2026-12-05T10:00:00.000Z',
          counts: { passed: 0, failed: 0, flaky: 0, skipped: 0 },
          pipelineRunId: 'p1',
          commit: 'abc123',
        });

        const claimed = await store.claimNextRun({
          owner: 'node-a',
          maxRunning: 5,
        });
        expect(claimed).toEqual({
          runId: first.runId,
          suiteName: 'checkout',
          suiteVersion: 1,
          entityRef: OWNER,
          trigger: 'manual',
          triggeredBy: 'user:default/ada',
          baseUrl: 'http://127.0.0.1:3000',
          retries: 1,
          project: 'Pixel 7',
          testIds: ['checkout'],
          pipelineRunId: 'p1',
          commit: 'abc123',
        });
        const running = await store.getRun(first.runId);
        expect(running).toMatchObject({
          status: 'running',
          startedAt: '2026-12-05T10:00:01.000Z',
        });
        expect(
          (await store.claimNextRun({ owner: 'node-b', maxRunning: 5 }))?.runId,
        ).toBe(second.runId);
        expect(
          await store.claimNextRun({ owner: 'node-b', maxRunning: 5 }),
        ).toBeUndefined();
        await expect(store.createRun(newRun('missing'))).rejects.toMatchObject({
          name: 'NotFoundError',
        });
      });

      it('never lets concurrent claims exceed maxRunning', async () => {
        for (let i = 0; i < 6; i++) {
          await store.createRun(newRun('checkout'));
          advance(1);
        }
        const claims = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            store.claimNextRun({ owner: `node-${i}`, maxRunning: 2 }),
          ),
        );
        const claimed = claims.filter(c => c !== undefined);
        expect(claimed).toHaveLength(2);
        expect(new Set(claimed.map(c => c!.runId)).size).toBe(2);
        const running = await knex('test_recorder_runs')
          .where({ status: 'running' })
          .count({ n: '*' });
        expect(Number(running[0].n)).toBe(2);

        // a second wave while two run: nothing more is claimed
        const more = await Promise.all([
          store.claimNextRun({ owner: 'x', maxRunning: 2 }),
          store.claimNextRun({ owner: 'y', maxRunning: 2 }),
        ]);
        expect(more).toEqual([undefined, undefined]);
        // raising the limit lets exactly one more through
        const raised = await Promise.all([
          store.claimNextRun({ owner: 'x', maxRunning: 3 }),
          store.claimNextRun({ owner: 'y', maxRunning: 3 }),
        ]);
        expect(raised.filter(c => c !== undefined)).toHaveLength(1);
      });

      it('keeps leases with heartbeats and fails runs whose lease expired', async () => {
        const a = await store.createRun(newRun('checkout'));
        advance(1);
        const b = await store.createRun(newRun('checkout'));
        await store.claimNextRun({ owner: 'node-a', maxRunning: 1 });
        expect(
          await store.claimNextRun({ owner: 'node-b', maxRunning: 1 }),
        ).toBeUndefined();

        advance(TEST_RUN_LEASE_MS - 1000);
        expect(await store.heartbeat(a.runId, 'node-a')).toBe(true);
        expect(await store.heartbeat(a.runId, 'node-b')).toBe(false);
        expect(await store.heartbeat('not-a-uuid', 'node-a')).toBe(false);
        advance(TEST_RUN_LEASE_MS - 1000);
        // the heartbeat moved the lease: not expired yet
        expect(
          await store.failExpiredRuns({
            leaseExpiredBefore: now,
            reason: 'lost',
          }),
        ).toEqual([]);

        advance(2000);
        // an expired lease no longer counts against maxRunning
        const claimedB = await store.claimNextRun({
          owner: 'node-b',
          maxRunning: 1,
        });
        expect(claimedB?.runId).toBe(b.runId);
        expect(
          await store.failExpiredRuns({
            leaseExpiredBefore: now,
            reason: 'The backend instance running it stopped',
          }),
        ).toEqual([a.runId]);
        expect(await store.getRun(a.runId)).toMatchObject({
          status: 'failed',
          reason: 'The backend instance running it stopped',
          finishedAt: now.toISOString(),
        });
        expect(await store.heartbeat(a.runId, 'node-a')).toBe(false);
        // the owner finishing late does not overwrite the failure
        await store.finishRun(a.runId, { status: 'passed' });
        expect((await store.getRun(a.runId))?.status).toBe('failed');
      });

      it('cancels queued runs at once and flags running ones', async () => {
        const running = await store.createRun(newRun('checkout'));
        await store.claimNextRun({ owner: 'node-a', maxRunning: 1 });
        advance(1000);
        const queued = await store.createRun(newRun('checkout'));
        expect(await store.isCancelRequested(running.runId)).toBe(false);

        await store.requestCancel(queued.runId);
        expect(await store.getRun(queued.runId)).toMatchObject({
          status: 'cancelled',
          finishedAt: '2026-12-05T10:00:01.000Z',
        });
        await store.requestCancel(running.runId);
        expect(await store.isCancelRequested(running.runId)).toBe(true);
        expect((await store.getRun(running.runId))?.status).toBe('running');

        advance(5000);
        await store.finishRun(running.runId, {
          status: 'cancelled',
          reason: 'Cancelled by user:default/ada',
          videoUnavailable: 'ffmpeg is not installed',
        });
        expect(await store.getRun(running.runId)).toMatchObject({
          status: 'cancelled',
          reason: 'Cancelled by user:default/ada',
          videoUnavailable: 'ffmpeg is not installed',
          durationMs: 6000,
        });
        await expect(
          store.requestCancel('5b0a4c36-2f4a-4a59-9a1e-1f0e7a1d2c3b'),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
        await expect(store.isCancelRequested('nope')).rejects.toMatchObject({
          name: 'NotFoundError',
        });
        await expect(
          store.finishRun('nope', { status: 'passed' }),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
      });

      it('upserts test results and assembles the run with counts', async () => {
        const run = await store.createRun(newRun('checkout'));
        await store.claimNextRun({ owner: 'node-a', maxRunning: 1 });
        await store.saveTestResult(run.runId, result('login', 'failed'));
        await store.saveTestResult(run.runId, result('cart', 'passed'));
        const flakyAttempts = [attempt('failed', 'sig-a'), attempt('passed')];
        await store.saveTestResult(
          run.runId,
          result('login', 'flaky', flakyAttempts),
        );
        await store.saveTestResult(run.runId, {
          ...result('search', 'skipped', []),
          quarantined: true,
        });
        advance(3000);
        await store.finishRun(run.runId, { status: 'passed' });

        const stored = await store.getRun(run.runId);
        expect(stored).toEqual({
          ...run,
          status: 'passed',
          startedAt: '2026-12-05T10:00:00.000Z',
          finishedAt: '2026-12-05T10:00:03.000Z',
          durationMs: 3000,
          counts: { passed: 1, failed: 0, flaky: 1, skipped: 1 },
          baseUrl: 'http://127.0.0.1:3000',
          retries: 1,
          results: [
            { ...result('login', 'flaky', flakyAttempts) },
            result('cart', 'passed'),
            { ...result('search', 'skipped', []), quarantined: true },
          ],
        });
        expect(await store.getRun('nope')).toBeUndefined();
        expect(
          await store.getRun('5b0a4c36-2f4a-4a59-9a1e-1f0e7a1d2c3b'),
        ).toBeUndefined();
        await expect(
          store.saveTestResult(
            '5b0a4c36-2f4a-4a59-9a1e-1f0e7a1d2c3b',
            result('x', 'passed'),
          ),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
      });

      it('lists runs newest first, page by page', async () => {
        await store.createSuite({
          entityRef: 'component:default/other',
          definition: definition('other'),
          createdBy: 'user:default/ada',
        });
        const created: TestRunSummary[] = [];
        for (let i = 0; i < 5; i++) {
          created.push(await store.createRun(newRun('checkout')));
          // two runs share each timestamp: ties are ordered by run id
          if (i % 2 === 1) advance(1000);
        }
        await store.createRun(
          newRun('other', { entityRef: 'component:default/other' }),
        );
        const expected = [...created]
          .sort(
            (a, b) =>
              b.createdAt.localeCompare(a.createdAt) ||
              b.runId.localeCompare(a.runId),
          )
          .map(r => r.runId);

        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listRuns({
            suiteName: 'checkout',
            limit: 2,
            cursor,
          });
          seen.push(...page.runs.map(r => r.runId));
          cursor = page.nextCursor;
          pages++;
        } while (cursor);
        expect(seen).toEqual(expected);
        expect(pages).toBe(3);

        const byEntity = await store.listRuns({ entityRef: OWNER, limit: 10 });
        expect(byEntity.runs.map(r => r.runId)).toEqual(expected);
        expect(byEntity.nextCursor).toBeUndefined();
        expect((await store.listRuns({ limit: 10 })).runs).toHaveLength(6);

        await expect(
          store.listRuns({ limit: 2, cursor: 'garbage' }),
        ).rejects.toMatchObject({ name: 'InputError' });
        await expect(store.listRuns({ limit: 0 })).rejects.toMatchObject({
          name: 'InputError',
        });
      });

      it('returns a test history newest first with failure signatures', async () => {
        const runs: TestRunSummary[] = [];
        for (const [i, status] of (
          ['passed', 'failed', 'flaky', 'failed'] as const
        ).entries()) {
          const run = await store.createRun(
            newRun('checkout', { commit: `c${i}` }),
          );
          runs.push(run);
          const attemptsByStatus = {
            passed: [attempt('passed')],
            flaky: [attempt('failed', 'flaky-sig'), attempt('passed')],
            failed: [
              attempt('failed', `first-${i}`),
              attempt('failed', `last-${i}`),
            ],
          };
          const attempts = attemptsByStatus[status];
          await store.saveTestResult(
            run.runId,
            result('checkout', status, attempts),
          );
          await store.saveTestResult(run.runId, result('other', 'passed'));
          advance(60_000);
        }
        const history = await store.getTestHistory('checkout', 'checkout', 3);
        expect(history).toEqual([
          {
            runId: runs[3].runId,
            createdAt: '2026-12-05T10:03:00.000Z',
            status: 'failed',
            durationMs: 42,
            commit: 'c3',
            signature: 'last-3',
          },
          {
            runId: runs[2].runId,
            createdAt: '2026-12-05T10:02:00.000Z',
            status: 'flaky',
            durationMs: 42,
            commit: 'c2',
            signature: 'flaky-sig',
          },
          {
            runId: runs[1].runId,
            createdAt: '2026-12-05T10:01:00.000Z',
            status: 'failed',
            durationMs: 42,
            commit: 'c1',
            signature: 'last-1',
          },
        ]);
        const all = await store.getTestHistory('checkout', 'checkout', 10);
        expect(all[3]).toEqual({
          runId: runs[0].runId,
          createdAt: '2026-12-05T10:00:00.000Z',
          status: 'passed',
          durationMs: 42,
          commit: 'c0',
        });
        expect(await store.getTestHistory('checkout', 'nope', 10)).toEqual([]);
      });
    });

    describe('artifacts and baselines', () => {
      let runId: string;

      beforeEach(async () => {
        await store.createSuite({
          entityRef: OWNER,
          definition: definition('checkout'),
          createdBy: 'user:default/ada',
        });
        runId = (await store.createRun(newRun('checkout'))).runId;
      });

      it('stores bytes and moved files, and streams them back', async () => {
        const fromBuffer = await store.addArtifact({
          runId,
          kind: 'screenshot',
          contentType: 'image/png',
          content: Buffer.from('png bytes'),
        });
        expect(fromBuffer).toEqual({
          artifactId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          kind: 'screenshot',
          contentType: 'image/png',
          size: 9,
        });
        expect(
          await fs.readFile(
            path.join(artifactsDir, runId, fromBuffer.artifactId),
            'utf8',
          ),
        ).toBe('png bytes');

        const source = path.join(artifactsDir, 'incoming.webm');
        await fs.writeFile(source, 'video bytes!');
        const moved = await store.addArtifact({
          runId,
          kind: 'video',
          contentType: 'video/webm',
          content: { path: source },
        });
        expect(moved.size).toBe(12);
        expect(await exists(source)).toBe(false);
        expect(
          (
            await readAll(await store.openArtifact(moved.artifactId))
          ).toString(),
        ).toBe('video bytes!');
        expect(await store.getArtifact(moved.artifactId)).toEqual({
          ...moved,
          runId,
          suiteName: 'checkout',
          entityRef: OWNER,
          createdAt: '2026-12-05T10:00:00.000Z',
        });
        const row = await knex('test_recorder_artifacts')
          .where({ artifact_id: moved.artifactId })
          .first();
        expect(row.path).toBe(`${runId}/${moved.artifactId}`);

        expect(await store.getArtifact('nope')).toBeUndefined();
        await expect(store.openArtifact('nope')).rejects.toMatchObject({
          name: 'NotFoundError',
        });
        await fs.rm(path.join(artifactsDir, runId, moved.artifactId));
        await expect(
          store.openArtifact(moved.artifactId),
        ).rejects.toMatchObject({
          name: 'NotFoundError',
          message: expect.stringContaining('is missing'),
        });
        await expect(
          store.addArtifact({
            runId: '5b0a4c36-2f4a-4a59-9a1e-1f0e7a1d2c3b',
            kind: 'trace',
            contentType: 'application/zip',
            content: Buffer.from('x'),
          }),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
      });

      it('prunes artifacts of runs finished before a date, keeping baselines', async () => {
        const keep = await store.addArtifact({
          runId,
          kind: 'visual-actual',
          contentType: 'image/png',
          content: Buffer.from('baseline'),
        });
        const drop = await store.addArtifact({
          runId,
          kind: 'trace',
          contentType: 'application/zip',
          content: Buffer.from('trace'),
        });
        await store.finishRun(runId, { status: 'passed' });
        advance(60_000);
        const recentRun = (await store.createRun(newRun('checkout'))).runId;
        const recent = await store.addArtifact({
          runId: recentRun,
          kind: 'trace',
          contentType: 'application/zip',
          content: Buffer.from('recent'),
        });
        await store.finishRun(recentRun, { status: 'passed' });
        const unfinishedRun = (await store.createRun(newRun('checkout'))).runId;
        const unfinished = await store.addArtifact({
          runId: unfinishedRun,
          kind: 'trace',
          contentType: 'application/zip',
          content: Buffer.from('running'),
        });
        await store.acceptBaseline({
          suiteName: 'checkout',
          testId: 'checkout',
          name: 'home',
          artifactId: keep.artifactId,
          by: 'user:default/ada',
        });

        expect(
          await store.pruneArtifacts(new Date('2026-12-05T10:00:30.000Z')),
        ).toEqual({ deleted: 1 });
        expect(await store.getArtifact(drop.artifactId)).toBeUndefined();
        expect(
          await exists(path.join(artifactsDir, runId, drop.artifactId)),
        ).toBe(false);
        for (const kept of [keep, recent, unfinished]) {
          expect(await store.getArtifact(kept.artifactId)).toBeDefined();
        }
        expect(
          (await readAll(await store.openArtifact(keep.artifactId))).toString(),
        ).toBe('baseline');
        expect(
          await store.pruneArtifacts(new Date('2026-12-05T10:00:30.000Z')),
        ).toEqual({ deleted: 0 });
      });

      it('lists the latest baseline per test and name', async () => {
        const images: TestArtifact[] = [];
        for (let i = 0; i < 3; i++) {
          images.push(
            await store.addArtifact({
              runId,
              kind: 'visual-actual',
              contentType: 'image/png',
              content: Buffer.from(`image ${i}`),
            }),
          );
        }
        const accept = (testId: string, name: string, i: number) =>
          store.acceptBaseline({
            suiteName: 'checkout',
            testId,
            name,
            artifactId: images[i].artifactId,
            by: `user:default/u${i}`,
          });
        await accept('checkout', 'home', 0);
        advance(1000);
        await accept('checkout', 'home', 1);
        await accept('cart', 'home', 2);
        expect(await store.listBaselines('checkout')).toEqual([
          {
            testId: 'cart',
            name: 'home',
            artifactId: images[2].artifactId,
            acceptedBy: 'user:default/u2',
            acceptedAt: '2026-12-05T10:00:01.000Z',
          },
          {
            testId: 'checkout',
            name: 'home',
            artifactId: images[1].artifactId,
            acceptedBy: 'user:default/u1',
            acceptedAt: '2026-12-05T10:00:01.000Z',
          },
        ]);
        await expect(
          store.acceptBaseline({
            suiteName: 'other',
            testId: 'checkout',
            name: 'home',
            artifactId: images[0].artifactId,
            by: 'user:default/eve',
          }),
        ).rejects.toMatchObject({
          name: 'InputError',
          message: expect.stringContaining('belongs to suite "checkout"'),
        });
        await expect(
          store.acceptBaseline({
            suiteName: 'checkout',
            testId: 'checkout',
            name: 'home',
            artifactId: '5b0a4c36-2f4a-4a59-9a1e-1f0e7a1d2c3b',
            by: 'user:default/eve',
          }),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
      });
    });

    it('deletes a suite with everything it owns, and nothing else', async () => {
      for (const name of ['checkout', 'other']) {
        await store.createSuite({
          entityRef: OWNER,
          definition: definition(name),
          createdBy: 'user:default/ada',
        });
        await store.updateSuite({
          name,
          definition: definition(name),
          baseVersion: 1,
          updatedBy: 'user:default/ada',
        });
        await store.setQuarantined({
          suiteName: name,
          testId: 'checkout',
          quarantined: true,
          by: 'user:default/ada',
        });
        await store.setSecret(name, 'PASSWORD', 'x');
        await store.putFile(name, 'a.txt', Buffer.from('a'));
        const run = await store.createRun(newRun(name));
        await store.saveTestResult(run.runId, result('checkout', 'passed'));
        const artifact = await store.addArtifact({
          runId: run.runId,
          kind: 'visual-actual',
          contentType: 'image/png',
          content: Buffer.from('img'),
        });
        await store.acceptBaseline({
          suiteName: name,
          testId: 'checkout',
          name: 'home',
          artifactId: artifact.artifactId,
          by: 'user:default/ada',
        });
      }
      const checkoutRun = (
        await store.listRuns({ suiteName: 'checkout', limit: 1 })
      ).runs[0].runId;
      const otherRun = (await store.listRuns({ suiteName: 'other', limit: 1 }))
        .runs[0].runId;

      await store.deleteSuite('checkout');

      for (const table of [
        'test_recorder_suites',
        'test_recorder_suite_versions',
        'test_recorder_quarantine',
        'test_recorder_secrets',
        'test_recorder_files',
        'test_recorder_runs',
        'test_recorder_test_results',
        'test_recorder_artifacts',
        'test_recorder_baselines',
      ]) {
        const column = table === 'test_recorder_suites' ? 'name' : 'suite';
        const left = await knex(table).where(column, 'checkout').select();
        expect({ table, left }).toEqual({ table, left: [] });
        const kept = await knex(table).where(column, 'other').select();
        expect({ table, kept: kept.length > 0 }).toEqual({ table, kept: true });
      }
      expect(await exists(path.join(artifactsDir, checkoutRun))).toBe(false);
      expect(await exists(path.join(artifactsDir, otherRun))).toBe(true);
      expect(await store.getSuite('checkout')).toBeUndefined();
      expect(await store.getSecrets('other')).toEqual({ PASSWORD: 'x' });
      await expect(store.deleteSuite('checkout')).rejects.toMatchObject({
        name: 'NotFoundError',
      });
    });

    it('keeps its migrations in its own table, and they roll back', async () => {
      // A database of its own: the others' stays migrated
      const migrated = await databases.init(databaseId);
      await DatabaseTestRecorderStore.create({
        database: mockServices.database({ knex: migrated }),
        artifactsDir,
        cipher,
      });
      const applied = await migrated('test_recorder_knex_migrations').select(
        'name',
      );
      expect(applied.map(r => r.name)).toEqual(['20261205170000_init.js']);
      await migrated.migrate.rollback(
        {
          directory: path.resolve(__dirname, '../../migrations'),
          tableName: 'test_recorder_knex_migrations',
        },
        true,
      );
      for (const table of TABLES_CHILDREN_FIRST) {
        expect({
          table,
          exists: await migrated.schema.hasTable(table),
        }).toEqual({ table, exists: false });
      }
    });
  },
);
