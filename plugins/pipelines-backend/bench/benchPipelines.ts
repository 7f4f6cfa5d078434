/*
 * Pipelines benchmarks (`yarn bench:pipelines`): runs the real engine, store and local
 * executor in this process against SQLite and PostgreSQL, and prints a Markdown table.
 *
 *   yarn bench:pipelines [--db sqlite|postgres|both] [--runs-for-list 100000]
 *
 * PostgreSQL comes from COMET_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres);
 * a database comet_bench_<time> is created and dropped.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import type {
  PipelineExecutor,
  PipelineScriptRequest,
} from '@internal/plugin-pipelines-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { LocalArtifactStore } from '../src/artifacts/LocalArtifactStore';
import { LiveLogBus } from '../src/engine/LiveLogBus';
import { PipelineEngine } from '../src/engine/PipelineEngine';
import { LocalExecutor } from '../src/executor/LocalExecutor';
import { GitRemotePolicy } from '@internal/plugin-pipelines-node';
import { CometPipelineProvider } from '../src/service/CometPipelineProvider';
import { LiveLogStream } from '../src/service/LiveLogStream';
import { PipelinesService } from '../src/service/PipelinesService';
import { createRouter } from '../src/service/router';
import { DatabasePipelineStore } from '../src/store/DatabasePipelineStore';
import { makeGitRepository } from '@internal/plugin-pipelines-node/testUtils';

/* eslint-disable no-console */

const args = process.argv.slice(2);
const argOf = (name: string, fallback: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : fallback;
};
const which = argOf('--db', 'both');
const listRuns = Number(argOf('--runs-for-list', '100000'));
/** `--only 1,4` runs only those measurements (numbered as in the table's comments). */
const only = argOf('--only', '1,2,3,4').split(',').map(Number);
const postgresUrl =
  process.env.COMET_TEST_POSTGRES_URL ??
  'postgresql://postgres@127.0.0.1:5432/postgres';

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
};
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function definition(name: string, steps: string[]): PipelineDefinition {
  return {
    name,
    on: { manual: {} },
    params: {},
    env: {},
    jobs: [
      {
        id: 'job',
        name: 'job',
        needs: [],
        retry: 0,
        env: {},
        artifacts: [],
        steps: steps.map(run => ({
          name: run.slice(0, 40),
          run,
          env: {},
          continueOnError: false,
        })),
      },
    ],
  };
}

/** Wraps the executor to time step starts and to catch a step that runs twice at once. */
class ObservedExecutor implements PipelineExecutor {
  readonly id = 'observed';
  readonly stepStarts = new Map<string, number>();
  readonly active = new Set<string>();
  doubleRuns = 0;
  constructor(private readonly inner: PipelineExecutor) {}
  prepareWorkspace = (r: Parameters<PipelineExecutor['prepareWorkspace']>[0]) =>
    this.inner.prepareWorkspace(r);
  collectArtifacts = (...a: Parameters<PipelineExecutor['collectArtifacts']>) =>
    this.inner.collectArtifacts(...a);
  cleanupWorkspace = (w: Parameters<PipelineExecutor['cleanupWorkspace']>[0]) =>
    this.inner.cleanupWorkspace(w);
  async runScript(request: PipelineScriptRequest) {
    const key = `${request.env.COMET_RUN_ID}/${request.env.COMET_JOB}/${request.script}`;
    if (!this.stepStarts.has(request.env.COMET_RUN_ID)) {
      this.stepStarts.set(request.env.COMET_RUN_ID, Date.now());
    }
    if (this.active.has(key)) this.doubleRuns++;
    this.active.add(key);
    try {
      return await this.inner.runScript(request);
    } finally {
      this.active.delete(key);
    }
  }
}

type Row = { db: string; measure: string; result: string; target: string };

async function benchDatabase(db: string, knex: Knex, tmp: string, rows: Row[]) {
  const store = await DatabasePipelineStore.create({
    database: { getClient: async () => knex },
  });
  const repo = path.join(tmp, `repo-${db}`);
  const commit = makeGitRepository(repo, { 'README.md': 'bench\n' });
  const quiet = (): LoggerService => ({
    info: () => {},
    debug: () => {},
    warn: (message: string) => console.error(message),
    error: (message: string) => console.error(message),
    child: () => quiet(),
  });
  const logger = quiet();
  const executor = new ObservedExecutor(
    LocalExecutor.create({
      workspaceRoot: path.join(tmp, `ws-${db}`),
      logger,
      // The bench repository is a local folder: allowed here only, never from config
      gitRemotePolicy: GitRemotePolicy.create({ allowLocalRepositories: true }),
    }),
  );
  const liveLogs = new LiveLogBus();
  const engine = (concurrency: number) =>
    new PipelineEngine({
      liveLogs,
      store,
      executor,
      stepTypes: new Map(),
      logger,
      secrets: {},
      artifacts: new LocalArtifactStore(path.join(tmp, `artifacts-${db}`)),
      concurrency,
      leaseMs: 30_000,
      heartbeatMs: 5_000,
      pollMs: 200,
      logLimitBytes: 200 * 1024 * 1024,
    });
  const trigger = (
    e: PipelineEngine,
    def: PipelineDefinition,
    entity = 'component:default/bench',
  ) =>
    e.trigger({
      entityRef: entity,
      entityName: 'bench',
      repositoryUrl: repo,
      definition: def,
      commitSha: commit,
      trigger: { type: 'manual' },
    });
  const waitFinished = async (runId: string) => {
    for (;;) {
      const run = await store.getRun(runId);
      if (run && ['succeeded', 'failed', 'cancelled'].includes(run.status))
        return run;
      await sleep(20);
    }
  };

  // 1. Trigger to first step started, idle queue
  if (only.includes(1)) {
    const e = engine(4);
    e.start();
    const latencies: number[] = [];
    for (let i = 0; i < 30; i++) {
      const started = Date.now();
      const run = await trigger(e, definition('latency', ['true']));
      await waitFinished(run.runId);
      latencies.push(executor.stepStarts.get(run.runId)! - started);
    }
    await e.stop(1000);
    rows.push({
      db,
      measure:
        'trigger to first step started, idle queue (30 runs; includes the git checkout)',
      result: `p50 ${percentile(latencies, 50)} ms, p95 ${percentile(
        latencies,
        95,
      )} ms`,
      target: 'p95 < 250 ms',
    });
  }

  // 2. 100 queued runs of three trivial steps, 8 concurrent jobs over two engines
  if (only.includes(2)) {
    const a = engine(4);
    const b = engine(4);
    const queued = [];
    for (let i = 0; i < 100; i++) {
      queued.push(
        await trigger(
          a,
          definition('throughput', ['true', 'echo two', 'echo three']),
        ),
      );
    }
    const started = Date.now();
    a.start();
    b.start();
    const finishedRuns = await Promise.all(
      queued.map(r => waitFinished(r.runId)),
    );
    const seconds = (Date.now() - started) / 1000;
    await Promise.all([a.stop(1000), b.stop(1000)]);
    const failedRuns = finishedRuns.filter(
      r => r.status !== 'succeeded',
    ).length;
    const extraAttempts = finishedRuns.filter(r =>
      r.jobs.some(j => j.attempt !== 1),
    ).length;
    rows.push({
      db,
      measure: '100 queued runs × 3 trivial steps, 2 engines × concurrency 4',
      result: `${((100 / seconds) * 60).toFixed(0)} runs/min (${seconds.toFixed(
        1,
      )} s); ${failedRuns} failed; double claims: ${extraAttempts}; steps run twice at once: ${
        executor.doubleRuns
      }`,
      target: 'report; zero double claims',
    });
  }

  // 3. A step printing 200,000 lines (20 MB): ingest rate, live viewer lag, RSS growth
  if (only.includes(3)) {
    const e = engine(1);
    e.start();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const script =
      'awk \'BEGIN { for (i = 0; i < 200000; i++) printf "line %07d %s\\n", i, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" }\'';
    const run = await trigger(e, definition('log', [script]));
    // A viewer on this replica: the live stream gets stored lines from the bus.
    const liveLags: number[] = [];
    // Ingest: from the first line's timestamp (when the step printed it) until the last line
    // is stored (the bus publishes after the insert commits).
    let firstPrinted: number | undefined;
    let lastStored = 0;
    const unsubscribe = liveLogs.subscribe(run.runId, lines => {
      const now = Date.now();
      for (const line of lines) {
        if (line.stream === 'stdout') {
          const at = Date.parse(line.timestamp);
          firstPrinted ??= at;
          lastStored = now;
          liveLags.push(now - at);
        }
      }
    });
    // A viewer on another replica: polls the database.
    const lags: number[] = [];
    let after = -1;
    let received = 0;
    let firstOutputAt: number | undefined;
    let lastOutputAt = 0;
    const reader = (async () => {
      for (;;) {
        const lines = await store.readLogLines(run.runId, {
          afterSeq: after,
          limit: 10_000,
        });
        const now = Date.now();
        for (const line of lines) {
          after = line.seq;
          if (line.stream === 'stdout') {
            received++;
            const at = Date.parse(line.timestamp);
            firstOutputAt ??= at;
            lastOutputAt = Math.max(lastOutputAt, at);
            lags.push(now - at);
          }
        }
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        if (lines.length === 0) {
          const current = await store.getRun(run.runId);
          if (
            current &&
            ['succeeded', 'failed', 'cancelled'].includes(current.status)
          ) {
            const rest = await store.readLogLines(run.runId, {
              afterSeq: after,
              limit: 10_000,
            });
            if (rest.length === 0) return current;
            continue;
          }
          await sleep(100);
        }
      }
    })();
    const finished = await reader;
    unsubscribe();
    await e.stop(1000);
    const size = await store.logSize(run.runId);
    const seconds = Math.max(
      0.001,
      (lastStored - (firstPrinted ?? lastStored)) / 1000,
    );
    const mb = size / (1024 * 1024);
    rows.push({
      db,
      measure:
        'step printing 200,000 lines (20 MB): ingest, from the first line printed to the last line stored',
      result: `${received} lines, ${mb.toFixed(1)} MB in ${seconds.toFixed(
        1,
      )} s = ${(mb / seconds).toFixed(1)} MB/s (run ${finished.status})`,
      target: '≥ 20 MB/s',
    });
    rows.push({
      db,
      measure:
        'live viewer on the replica running the job (live log bus): lag; RSS growth of this process',
      result: `lag p50 ${percentile(liveLags, 50)} ms, p95 ${percentile(
        liveLags,
        95,
      )} ms (${liveLags.length} lines); RSS +${(
        (rssPeak - rssBefore) /
        1024 /
        1024
      ).toFixed(0)} MB`,
      target: 'lag p95 < 500 ms; RSS growth < 400 MB',
    });
    rows.push({
      db,
      measure:
        'viewer on another replica (database poll every 100 ms, pages of 10,000): lag',
      result: `lag p50 ${percentile(lags, 50)} ms, p95 ${percentile(
        lags,
        95,
      )} ms`,
      target: 'report',
    });
  }

  // 4. Run list of an entity with 100,000 stored runs, 20 concurrent clients
  if (only.includes(4)) {
    const entityRef = 'component:default/busy';
    const now = Date.now();
    const def = JSON.stringify(definition('busy', ['true']));
    const batch: object[] = [];
    const jobs: object[] = [];
    const flush = async () => {
      if (!batch.length) return;
      await knex.batchInsert('pipeline_runs', batch.splice(0) as any[], 500);
      await knex.batchInsert('pipeline_jobs', jobs.splice(0) as any[], 500);
    };
    for (let i = 0; i < listRuns; i++) {
      const runId = randomUUID();
      const created = new Date(now - (listRuns - i) * 1000);
      batch.push({
        run_id: runId,
        entity_ref: entityRef,
        pipeline: 'busy',
        number: i + 1,
        status: i % 10 === 0 ? 'failed' : 'succeeded',
        trigger: '{"type":"manual"}',
        params: '{}',
        definition: def,
        created_at: created,
        started_at: created,
        finished_at: new Date(created.getTime() + 500),
      });
      jobs.push({
        run_id: runId,
        job_run_id: 'job',
        job_id: 'job',
        name: 'job',
        needs: '[]',
        state: i % 10 === 0 ? 'failed' : 'succeeded',
        attempt: 1,
        max_attempts: 1,
        position: 0,
        created_at: created,
      });
      if (batch.length >= 5000) await flush();
    }
    await flush();
    // 100,000 runs arrived in seconds; in a live database they arrive over months and
    // autovacuum re-analyses the table within a minute of such a change. Without fresh
    // statistics the planner picks plans for an empty table, which no real portal sees.
    await knex.raw('ANALYZE');
    // As the plugin builds it (pipelines.runListCacheSeconds, default 1), and with the cache
    // off (0), which is every page read from the database.
    const cachedStore = await DatabasePipelineStore.create({
      database: { getClient: async () => knex },
      skipMigrations: true,
      runListCacheMs: 1000,
    });
    for (const [label, listStore] of [
      ['run list cache off', store],
      ['default 1 s run list cache', cachedStore],
    ] as const) {
      const cursors: string[] = [];
      const measure = async (
        clients: number,
        seconds: number,
        maxRequests: number,
      ) => {
        const timings: number[] = [];
        const deadline = Date.now() + seconds * 1000;
        let requests = 0;
        await Promise.all(
          Array.from({ length: clients }, async (_, client) => {
            while (Date.now() < deadline && requests < maxRequests) {
              requests++;
              const cursor =
                client % 2 && cursors.length
                  ? cursors[requests % cursors.length]
                  : undefined;
              const started = process.hrtime.bigint();
              const page = await listStore.listRuns({
                entityRefs: [entityRef],
                limit: 20,
                cursor,
              });
              timings.push(Number(process.hrtime.bigint() - started) / 1e6);
              if (page.nextCursor && cursors.length < 200) {
                cursors.push(page.nextCursor);
              }
            }
          }),
        );
        return timings;
      };
      const single = await measure(2, 5, 1000);
      const timings = await measure(20, 15, 4000);
      rows.push({
        db,
        measure: `run list of one entity with ${listRuns.toLocaleString(
          'en',
        )} runs, 2 clients (one first pages, one deeper pages), ${label}`,
        result: `${single.length} requests, p50 ${percentile(
          single,
          50,
        ).toFixed(1)} ms, p95 ${percentile(single, 95).toFixed(1)} ms`,
        target: 'report',
      });
      rows.push({
        db,
        measure: `run list of one entity with ${listRuns.toLocaleString(
          'en',
        )} runs, 20 concurrent clients, pages of 20 (first and deeper pages), ${label}`,
        result: `${timings.length} requests, p50 ${percentile(
          timings,
          50,
        ).toFixed(1)} ms, p95 ${percentile(timings, 95).toFixed(1)} ms`,
        target: 'p95 < 50 ms',
      });

      // The same list through the REST API (express, query validation, the permission check,
      // JSON), with the 20 clients in a separate process over keep-alive HTTP. The catalog and
      // permission services are in-process stand-ins that allow, so this is the pipelines
      // plugin's own cost, not the catalog's.
      const http = await measureOverHttp(listStore, entityRef, cursors);
      rows.push({
        db,
        measure: `the same list over HTTP (GET /api/pipelines/runs), 20 concurrent clients in another process, ${label}`,
        result: `${http.length} requests, p50 ${percentile(http, 50).toFixed(
          1,
        )} ms, p95 ${percentile(http, 95).toFixed(1)} ms`,
        target: 'p95 < 50 ms',
      });
    }
  }
}

async function measureOverHttp(
  store: DatabasePipelineStore,
  entityRef: string,
  cursors: string[],
): Promise<number[]> {
  const credentials = {
    $$type: '@backstage/BackstageCredentials',
    principal: { type: 'user', userEntityRef: 'user:default/bench' },
  };
  const [kind, rest] = entityRef.split(':');
  const [namespace, name] = rest.split('/');
  const service = new PipelinesService({
    store,
    providers: [new CometPipelineProvider(store)],
    catalog: {
      getEntityByRef: async () => ({
        apiVersion: 'backstage.io/v1alpha1',
        kind: kind[0].toLocaleUpperCase('en') + kind.slice(1),
        metadata: { name, namespace },
      }),
    },
    permissions: {
      authorize: async (requests: unknown[]) =>
        requests.map(() => ({ result: AuthorizeResult.ALLOW })),
      authorizeConditional: async (requests: unknown[]) =>
        requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    },
    stepTypes: () => [],
    secretNames: () => [],
  } as unknown as ConstructorParameters<typeof PipelinesService>[0]);
  const router = await createRouter({
    service,
    httpAuth: { credentials: async () => credentials } as any,
    logger: { info() {}, warn() {}, error() {}, debug() {} } as any,
    webhooks: {} as any,
    liveLogStream: LiveLogStream.create({ liveLogs: new LiveLogBus() }),
  });
  const app = express();
  app.use('/api/pipelines', router);
  const server = app.listen(0);
  await new Promise(resolve => server.once('listening', resolve));
  const port = (server.address() as { port: number }).port;
  const clientScript = `
    const [base, seconds, maxRequests, clients, ...cursors] = process.argv.slice(1);
    const deadline = Date.now() + Number(seconds) * 1000;
    const timings = [];
    let requests = 0;
    Promise.all(Array.from({ length: Number(clients) }, async (_, client) => {
      while (Date.now() < deadline && requests < Number(maxRequests)) {
        requests++;
        const cursor = client % 2 && cursors.length ? cursors[requests % cursors.length] : undefined;
        const started = process.hrtime.bigint();
        const res = await fetch(base + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
        const body = await res.json();
        if (res.status !== 200 || body.runs.length !== 20) throw new Error('bad page ' + res.status);
        timings.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    })).then(() => process.stdout.write(JSON.stringify(timings)));
  `;
  const run = (seconds: number, maxRequests: number) =>
    new Promise<number[]>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          '-e',
          clientScript,
          `http://127.0.0.1:${port}/api/pipelines/runs?entityRef=${encodeURIComponent(
            entityRef,
          )}&limit=20`,
          String(seconds),
          String(maxRequests),
          '20',
          ...cursors.slice(0, 50),
        ],
        { maxBuffer: 64 * 1024 * 1024 },
        (error, stdout) =>
          error ? reject(error) : resolve(JSON.parse(stdout) as number[]),
      );
    });
  try {
    await run(2, 400); // warm-up: connections, JIT
    return await run(15, 4000);
  } finally {
    server.close();
  }
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-bench-pipelines-'));
  const rows: Row[] = [];
  try {
    if (which === 'sqlite' || which === 'both') {
      const knex = knexFactory({
        client: 'better-sqlite3',
        connection: { filename: path.join(tmp, 'bench.sqlite') },
        useNullAsDefault: true,
      });
      await benchDatabase('SQLite', knex, tmp, rows);
      await knex.destroy();
    }
    if (which === 'postgres' || which === 'both') {
      const name = `comet_bench_${Date.now()}`;
      const admin = knexFactory({ client: 'pg', connection: postgresUrl });
      await admin.raw(`CREATE DATABASE ${name}`);
      const url = new URL(postgresUrl);
      url.pathname = `/${name}`;
      const knex = knexFactory({
        client: 'pg',
        connection: url.toString(),
        pool: { min: 0, max: 20 },
      });
      try {
        await benchDatabase('PostgreSQL', knex, tmp, rows);
      } finally {
        await knex.destroy();
        await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.destroy();
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log('\n| database | measure | result | target |');
  console.log('|---|---|---|---|');
  for (const row of rows) {
    console.log(
      `| ${row.db} | ${row.measure} | ${row.result} | ${row.target} |`,
    );
  }
  process.exit(0);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
