#!/usr/bin/env node
// The cost of a Prometheus scrape of Comet's /metrics with 10,000 runs in the database: the
// started backend (every plugin, every instrument), its pipelines database seeded with finished
// runs and a few queued jobs, then `--scrapes` sequential GET /metrics. Also times the queue
// query the scrape triggers (at most every 5 s) on its own, uncached. Prints a Markdown table.
//
//   yarn bench:metrics [--db sqlite|postgres|both] [--runs 10000] [--scrapes 300]
//                      [--save FILE (the last scrape's text)]
//
// Runs its own backend on port 7209 with metrics on 9475 (COMET_METRICS_PORT), its data in
// .data/bench-metrics (SQLite) or in databases comet_bench_metrics_* (PostgreSQL at
// COMET_TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432), dropped afterwards.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import {
  root,
  startCometBackend,
  stopComet,
  waitForIdle,
} from './lib/portal.mjs';

const require = createRequire(path.join(root, 'plugins/pipelines-backend/'));
const knexFactory = require('knex');

const argOf = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const which = argOf('--db', 'both');
const runCount = Number(argOf('--runs', '10000'));
const scrapes = Number(argOf('--scrapes', '300'));
const port = 7209;
const metricsPort = 9475;
const baseUrl = `http://localhost:${port}`;
const dataDir = path.join(root, '.data', 'bench-metrics');
const postgresUrl =
  process.env.COMET_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const pgPrefix = 'comet_bench_metrics_';
const entityRef = 'component:default/payments-api';
/** Jobs left queued (of runs that never start: nothing claims a job of a missing entity). */
const queuedJobs = 50;

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
};

function writeConfig(db) {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const database =
    db === 'postgres'
      ? `  database:
    client: pg
    connection: ${postgresUrl}
    prefix: ${pgPrefix}`
      : `  database:
    connection:
      directory: ${path.join(dataDir, 'sqlite')}`;
  const file = path.join(dataDir, 'app-config.bench.yaml');
  fs.writeFileSync(
    file,
    `app:
  baseUrl: ${baseUrl}
backend:
  baseUrl: ${baseUrl}
  listen:
    port: ${port}
${database}
  workingDirectory: ${path.join(dataDir, 'work')}
comet:
  exampleRepos:
    targetDir: ${path.join(dataDir, 'git')}
pipelines:
  dataDir: ${path.join(dataDir, 'pipelines')}
  # The engine claims nothing here, so the queued jobs stay queued
  concurrency: 0
`,
  );
  return file;
}

async function seed(knex) {
  const now = Date.now();
  const definition = JSON.stringify({
    name: 'busy',
    on: { manual: {} },
    params: {},
    env: {},
    jobs: { job: { needs: [], steps: [{ run: 'true' }] } },
  });
  let runs = [];
  let jobs = [];
  const flush = async () => {
    await knex.batchInsert('pipeline_runs', runs, 500);
    await knex.batchInsert('pipeline_jobs', jobs, 500);
    runs = [];
    jobs = [];
  };
  for (let i = 0; i < runCount; i++) {
    const runId = randomUUID();
    const created = new Date(now - (runCount - i) * 1000);
    const queued = i >= runCount - queuedJobs;
    const status = queued ? 'queued' : i % 10 === 0 ? 'failed' : 'succeeded';
    runs.push({
      run_id: runId,
      entity_ref: entityRef,
      pipeline: 'busy',
      number: i + 1,
      status,
      trigger: '{"type":"manual"}',
      params: '{}',
      definition,
      created_at: created,
      started_at: queued ? null : created,
      finished_at: queued ? null : new Date(created.getTime() + 500),
    });
    jobs.push({
      run_id: runId,
      job_run_id: 'job',
      job_id: 'job',
      name: 'job',
      needs: '[]',
      state: status,
      attempt: queued ? 0 : 1,
      max_attempts: 1,
      position: 0,
      created_at: created,
    });
    if (runs.length >= 5000) await flush();
  }
  await flush();
  // As autovacuum would within a minute of such a change
  if (knex.client.config.client === 'pg') await knex.raw('ANALYZE');
}

async function dropPgDatabases() {
  const admin = knexFactory({ client: 'pg', connection: postgresUrl });
  try {
    const { rows } = await admin.raw(
      'select datname from pg_database where datname like ?',
      [`${pgPrefix}%`],
    );
    for (const { datname } of rows) {
      await admin.raw(`drop database if exists "${datname}" with (force)`);
    }
  } finally {
    await admin.destroy();
  }
}

/** The two counts PipelineMetrics reads (DatabasePipelineStore.queueStats), uncached. */
async function queueQuery(knex) {
  await Promise.all([
    knex('pipeline_jobs')
      .where('state', 'queued')
      .count({ count: '*' })
      .min({ oldest: 'created_at' })
      .first(),
    knex('pipeline_jobs')
      .where('state', 'running')
      .where('lease_expires_at', '<', new Date(Date.now() - 30_000))
      .count({ count: '*' })
      .first(),
  ]);
}

async function benchDatabase(db, rows) {
  if (db === 'postgres') await dropPgDatabases();
  const configFile = writeConfig(db);
  process.env.COMET_METRICS_PORT = String(metricsPort);
  const { child, ready } = startCometBackend(root, [configFile]);
  try {
    await ready;
    const knex =
      db === 'postgres'
        ? knexFactory({
            client: 'pg',
            connection: `${postgresUrl}/${pgPrefix}pipelines`,
          })
        : knexFactory({
            client: 'better-sqlite3',
            connection: {
              filename: path.join(dataDir, 'sqlite', 'pipelines.sqlite'),
            },
            useNullAsDefault: true,
          });
    try {
      await seed(knex);
      const settled = await waitForIdle(child.pid);
      process.stderr.write(
        `${db}: the backend settled after ${settled.toFixed(0)} s\n`,
      );
      const url = `http://127.0.0.1:${metricsPort}/metrics`;
      const timings = [];
      // The same server's 404, alternated with the scrapes: what any request costs on this
      // loaded backend, without collecting or serializing metrics
      const baseline = [];
      let text = '';
      for (let i = 0; i < scrapes; i++) {
        let started = process.hrtime.bigint();
        const res = await fetch(url);
        text = await res.text();
        timings.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (res.status !== 200) {
          throw new Error(`scrape answered ${res.status}`);
        }
        started = process.hrtime.bigint();
        await (await fetch(`http://127.0.0.1:${metricsPort}/nothing`)).text();
        baseline.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      if (argOf('--save')) fs.writeFileSync(argOf('--save'), text);
      const depth = /^comet_pipelines_queue_depth\{[^}]*\} (\d+)$/m.exec(text);
      if (!depth || Number(depth[1]) !== queuedJobs) {
        throw new Error(
          `the scrape does not report the ${queuedJobs} queued jobs: ${depth?.[0]}`,
        );
      }
      const query = [];
      for (let i = 0; i < 100; i++) {
        const started = process.hrtime.bigint();
        await queueQuery(knex);
        query.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      const name = db === 'postgres' ? 'PostgreSQL' : 'SQLite';
      rows.push({
        db: name,
        what: `GET /metrics, ${scrapes} sequential scrapes (${text.length.toLocaleString(
          'en',
        )} bytes each)`,
        result: `p50 ${percentile(timings, 50).toFixed(1)} ms, p95 ${percentile(
          timings,
          95,
        ).toFixed(1)} ms, max ${Math.max(...timings).toFixed(1)} ms`,
        target: 'p95 < 50 ms',
      });
      rows.push({
        db: name,
        what: 'baseline: a 404 from the same metrics server, alternated with the scrapes',
        result: `p50 ${percentile(baseline, 50).toFixed(
          1,
        )} ms, p95 ${percentile(baseline, 95).toFixed(1)} ms`,
        target: 'report',
      });
      rows.push({
        db: name,
        what: 'the queue query a scrape runs at most every 5 s, uncached (100 times)',
        result: `p50 ${percentile(query, 50).toFixed(1)} ms, p95 ${percentile(
          query,
          95,
        ).toFixed(1)} ms`,
        target: 'report',
      });
    } finally {
      await knex.destroy();
    }
  } finally {
    await stopComet(child);
    if (db === 'postgres') await dropPgDatabases();
  }
}

const rows = [];
for (const db of ['sqlite', 'postgres']) {
  if (which === db || which === 'both') await benchDatabase(db, rows);
}
console.log(
  `\n${runCount.toLocaleString('en')} runs (${queuedJobs} with a queued job), ${
    os.cpus().length
  } cores, load average ${os
    .loadavg()
    .map(n => n.toFixed(1))
    .join(
      ' ',
    )} at the end\n\n| database | measure | result | target |\n|---|---|---|---|\n${rows
    .map(row => `| ${row.db} | ${row.what} | ${row.result} | ${row.target} |`)
    .join('\n')}\n`,
);
process.exit(0);
