import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import { RunLog } from '../engine/RunLog';
import { SecretMasker } from '../logs/SecretMasker';
import { DatabasePipelineStore } from './DatabasePipelineStore';
import type { NewRun } from './PipelineStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

async function createStore(databaseId: string) {
  const knex = await databases.init(databaseId as 'SQLITE_3');
  const store = await DatabasePipelineStore.create({
    database: mockServices.database({ knex }),
  });
  return { knex, store };
}

const definition: PipelineDefinition = {
  name: 'ci',
  on: { manual: {} },
  params: {},
  env: {},
  jobs: [],
};

function newRun(): NewRun {
  return {
    entityRef: 'component:default/comet',
    pipeline: 'ci',
    trigger: { type: 'manual', actor: 'user:default/alice' },
    params: {},
    definition,
    jobs: ['a', 'b'].map(jobRunId => ({
      jobRunId,
      jobId: jobRunId,
      name: jobRunId,
      needs: [],
      steps: [{ name: 'step' }],
      maxAttempts: 1,
    })),
  };
}

const MARKER = /^\[log truncated: this run reached its log limit of \d+ bytes/;

async function readAll(store: DatabasePipelineStore, runId: string) {
  return store.readLogLines(runId, { limit: 100_000 });
}

describe('DatabasePipelineStore log size limit', () => {
  const ids = databases.eachSupportedId();

  it.each(ids)(
    'caps the run across its jobs in UTF-8 bytes with one marker, %p',
    async databaseId => {
      const { store } = await createStore(databaseId);
      const { runId } = await store.createRun(newRun());
      const limit = 10_000;
      // Two jobs of one run (as on two replicas: separate RunLogs), writing at once,
      // each alone well under the limit... but not together. 'é' is 2 bytes, 1 character.
      const logs = ['a', 'b'].map(
        () => new RunLog(store, runId, limit, new SecretMasker([])),
      );
      await Promise.all(logs.map(log => log.init()));
      const write = async (log: RunLog, jobRunId: string) => {
        for (let i = 0; i < 200; i++) {
          log.write({
            jobRunId,
            stepIndex: 0,
            stream: 'stdout',
            text: `${jobRunId} ${String(i).padStart(3, '0')} ${'é'.repeat(20)}`,
          });
          if (i % 20 === 19) await log.flush();
        }
        await log.flush();
      };
      await Promise.all([write(logs[0], 'a'), write(logs[1], 'b')]);

      const lines = await readAll(store, runId);
      const markers = lines.filter(l => MARKER.test(l.text));
      expect(markers).toHaveLength(1);
      expect(markers[0].stream).toBe('system');
      // The marker is the last line stored; seqs stay gapless
      expect(lines[lines.length - 1]).toBe(markers[0]);
      expect(lines.map(l => l.seq)).toEqual(lines.map((_, i) => i));
      const output = lines.filter(l => l !== markers[0]);
      const bytes = output.reduce(
        (sum, l) => sum + Buffer.byteLength(l.text, 'utf8'),
        0,
      );
      // "Stored log bytes per run": what is stored stays within the limit, counted in bytes
      // (in characters it would be far below), and nearly fills it.
      expect(bytes).toBeLessThanOrEqual(limit);
      expect(bytes).toBeGreaterThan(limit - 50);
      expect(output.reduce((n, l) => n + l.text.length, 0)).toBeLessThan(
        limit * 0.7,
      );
      expect(await store.logSize(runId)).toBe(bytes);
      // Both jobs' lines are there (they wrote at once), each job's in order
      for (const job of ['a', 'b']) {
        const mine = output.filter(l => l.jobRunId === job).map(l => l.text);
        expect(mine.length).toBeGreaterThan(0);
        expect(mine).toEqual([...mine].sort());
      }

      // Later appends, from either job or a new RunLog, store nothing and say so
      const late = await store.appendLogLines(
        runId,
        [
          {
            jobRunId: 'b',
            stream: 'stdout',
            timestamp: new Date().toISOString(),
            text: 'x',
          },
        ],
        { limitBytes: limit },
      );
      expect(late).toEqual({ lines: [], truncated: true, logSize: bytes });
      const again = new RunLog(store, runId, limit, new SecretMasker([]));
      await again.init();
      again.write({ jobRunId: 'a', stream: 'stdout', text: 'more' });
      await again.flush();
      expect(await readAll(store, runId)).toHaveLength(lines.length);
    },
  );

  it.each(ids)(
    'stores a batch that exactly fits, and truncates inside a batch, %p',
    async databaseId => {
      const { store } = await createStore(databaseId);
      const { runId } = await store.createRun(newRun());
      const timestamp = new Date().toISOString();
      const text = (t: string) => ({
        jobRunId: 'a',
        stepIndex: 1,
        stream: 'stdout' as const,
        timestamp,
        text: t,
      });
      // 'ü' is 2 bytes: 4 + 4 + 2 = 10 bytes exactly
      const first = await store.appendLogLines(
        runId,
        [text('üü'), text('abcd'), text('ü')],
        { limitBytes: 13 },
      );
      expect(first.truncated).toBe(false);
      expect(first.logSize).toBe(10);
      expect(first.lines.map(l => l.seq)).toEqual([0, 1, 2]);
      // 3 more bytes fit ('xyz'), 'ü' (2) does not: marker after 'xyz', rest dropped
      const second = await store.appendLogLines(
        runId,
        [text('xyz'), text('ü'), text('q')],
        { limitBytes: 13 },
      );
      expect(second.truncated).toBe(true);
      expect(second.logSize).toBe(13);
      expect(second.lines.map(l => [l.seq, l.stream, l.stepIndex])).toEqual([
        [3, 'stdout', 1],
        [4, 'system', 1],
      ]);
      expect(second.lines[1].text).toMatch(MARKER);
      expect(second.lines[1].text).toContain('13 bytes');
      expect((await readAll(store, runId)).map(l => l.text)).toEqual([
        'üü',
        'abcd',
        'ü',
        'xyz',
        second.lines[1].text,
      ]);
      // A batch larger than the whole limit on an empty run: only the marker
      const { runId: other } = await store.createRun(newRun());
      const big = await store.appendLogLines(other, [text('x'.repeat(20))], {
        limitBytes: 13,
      });
      expect(big.truncated).toBe(true);
      expect(big.lines.map(l => l.stream)).toEqual(['system']);
      expect(await store.logSize(other)).toBe(0);
      // Without a limit (the store's own status lines) appends are not capped
      const uncapped = await store.appendLogLines(other, [text('status')]);
      expect(uncapped.lines.map(l => l.seq)).toEqual([1]);
    },
  );
});
