#!/usr/bin/env node
// The pipelines run list through the started portal: 100,000 stored runs of one example
// component, 20 concurrent clients calling GET /api/pipelines/runs with a guest token, so the
// figure includes the catalog lookup and permission check a real request makes.
// Prints a Markdown table.
//
//   yarn bench:pipelines-portal [--db sqlite|postgres|both] [--runs 100000] [--seconds 15]
//                               [--warmup 30]
//
// Two figures per database: the first seconds of load on the portal that has just started
// (its code not yet optimised by V8, its caches empty), and the same load once it has served
// `--warmup` seconds of it, as a portal that has been up for a while serves its users.
//
// Runs its own portal on port 7208 with its data in .data/bench-portal (SQLite) or in
// databases comet_bench_portal_* (PostgreSQL at COMET_TEST_POSTGRES_URL, default
// postgresql://postgres@127.0.0.1:5432), which it drops afterwards. The frontend must be
// built (it is after `npm start` or `npm test` once).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import {
  guestToken,
  root,
  startComet,
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
const runCount = Number(argOf('--runs', '100000'));
const seconds = Number(argOf('--seconds', '15'));
const warmupSeconds = Number(argOf('--warmup', '30'));
const clients = 20;
const port = 7208;
const baseUrl = `http://localhost:${port}`;
const dataDir = path.join(root, '.data', 'bench-portal');
const postgresUrl =
  process.env.COMET_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const pgPrefix = 'comet_bench_portal_';
const entityRef = 'component:default/payments-api';

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
`,
  );
  return file;
}

async function waitForEntity(token) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const res = await fetch(
      `${baseUrl}/api/catalog/entities/by-name/component/default/payments-api`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    if (res.ok) return;
    await new Promise(r => setTimeout(r, 500));
  }
  throw new Error(
    `${entityRef} did not appear in the catalog within 2 minutes`,
  );
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
    runs.push({
      run_id: runId,
      entity_ref: entityRef,
      pipeline: 'busy',
      number: i + 1,
      status: i % 10 === 0 ? 'failed' : 'succeeded',
      trigger: '{"type":"manual"}',
      params: '{}',
      definition,
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
    if (runs.length >= 5000) await flush();
  }
  await flush();
  // As autovacuum would within a minute of such a change.
  await knex.raw('ANALYZE');
}

async function measure(token, cursors, durationSeconds) {
  const timings = [];
  const deadline = Date.now() + durationSeconds * 1000;
  let requests = 0;
  const url = `${baseUrl}/api/pipelines/runs?entityRef=${encodeURIComponent(
    entityRef,
  )}&limit=20`;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (Date.now() < deadline) {
        requests++;
        const cursor =
          client % 2 && cursors.length
            ? cursors[requests % cursors.length]
            : undefined;
        const started = process.hrtime.bigint();
        const res = await fetch(
          cursor ? `${url}&cursor=${encodeURIComponent(cursor)}` : url,
          { headers: { authorization: `Bearer ${token}` } },
        );
        const body = await res.json();
        timings.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (res.status !== 200 || body.runs.length !== 20) {
          throw new Error(`bad page: ${res.status} ${JSON.stringify(body)}`);
        }
        if (body.nextCursor && cursors.length < 200) {
          cursors.push(body.nextCursor);
        }
      }
    }),
  );
  return timings;
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

async function benchDatabase(db, rows) {
  if (db === 'postgres') await dropPgDatabases();
  const configFile = writeConfig(db);
  const { child, ready } = startComet(configFile);
  try {
    await ready;
    const token = await guestToken(baseUrl);
    await waitForEntity(token);
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
    } finally {
      await knex.destroy();
    }
    // A portal that has just started is busy for a while (catalog processing, the first search
    // indexing, scheduled tasks); the figure is for one that has settled, as users meet it.
    const settled = await waitForIdle(child.pid);
    process.stderr.write(
      `${db}: the portal settled after ${settled.toFixed(0)} s\n`,
    );
    const cursors = [];
    const summary = timings =>
      `${timings.length} requests (${(timings.length / seconds).toFixed(
        0,
      )}/s), p50 ${percentile(timings, 50).toFixed(1)} ms, p95 ${percentile(
        timings,
        95,
      ).toFixed(1)} ms`;
    const cold = await measure(token, cursors, seconds);
    const rest = warmupSeconds - seconds;
    if (rest > 0) await measure(token, cursors, rest);
    const warm = await measure(token, cursors, seconds);
    rows.push({
      db: db === 'postgres' ? 'PostgreSQL' : 'SQLite',
      cold: summary(cold),
      warm: summary(warm),
    });
  } finally {
    await stopComet(child);
    if (db === 'postgres') await dropPgDatabases();
  }
}

const rows = [];
for (const db of ['sqlite', 'postgres']) {
  if (which === db || which === 'both') await benchDatabase(db, rows);
}
const what = `GET /api/pipelines/runs through the started portal (guest token, catalog lookup and permission check included), ${runCount.toLocaleString(
  'en',
)} runs of one entity, ${clients} concurrent clients, pages of 20 (first and deeper pages)`;
console.log(
  `\n| database | measure | result | target |\n|---|---|---|---|\n${rows
    .map(
      row =>
        `| ${row.db} | ${what}, after ${warmupSeconds} s of this load | ${row.warm} | p95 < 50 ms |\n| ${row.db} | the same, the first ${seconds} s after start-up | ${row.cold} | report |`,
    )
    .join('\n')}\n`,
);
process.exit(0);
