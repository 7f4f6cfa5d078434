/*
 * Streaming latency benchmark (part of `yarn bench:ai-assistant`): what the portal adds between
 * the model provider's first streamed byte and the first token a browser receives.
 *
 * The assistant backend runs in a test backend (`startTestBackend`: the real root HTTP router
 * with its compression middleware, the real actions registry and service) on a real database:
 * SQLite (a file) and PostgreSQL (a fresh database on the server of
 * `BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING`, or 127.0.0.1:5432; skipped when it
 * cannot be reached). The backend is alone in this process; "the outside world" runs in a
 * child process (one clock for both of its parts): the OpenAI-compatible fake (`OpenAiFake`),
 * which records `performance.now()` when it writes its first content delta, and a client
 * that POSTs a chat message to `/api/ai-assistant/conversations/:id/messages` over HTTP as a
 * browser would (`Accept-Encoding: gzip, deflate, br`) and records `performance.now()` when
 * the first `event: delta` of the server-sent events arrives. The difference is what the
 * portal adds. `--same-process` runs all three in one process instead, where the client also
 * waits for the backend's synchronous work (better-sqlite3 blocks the event loop). Every
 * answer's headers are checked (what keeps proxies and compression from buffering the
 * stream), and the rate limit's count in the database.
 *
 *   node --require @backstage/cli-node/config/nodeTransform.cjs \
 *     plugins/ai-assistant-backend/bench/benchStreaming.ts [--turns 60] [--databases sqlite,postgres] [--same-process]
 */
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import knexFactory, { type Knex } from 'knex';
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { aiAssistantPlugin } from '../src/plugin';
import { OpenAiFake } from '../src/testUtils';

/* eslint-disable no-console */

const args = process.argv.slice(2);
const argOf = (name: string, fallback: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : fallback;
};
const TURNS = Number(argOf('--turns', '60'));
const WARM_UP = 5;
const USER = 'user:default/bench';
const POSTGRES =
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
  'postgresql://postgres@127.0.0.1:5432';

type TurnResult = {
  latencyMs: number;
  headers: http.IncomingHttpHeaders;
  deltas: number;
  done: boolean;
};

/** One chat message through HTTP: resolves when the stream ends. */
function sendMessage(
  port: number,
  conversationId: string,
  fake: OpenAiFake,
): Promise<TurnResult> {
  fake.reply({
    text: 'The run failed in the test step: a snapshot no longer matches the rendered invoice table. Update the snapshot or fix the rounding in formatMoney.',
    chunkSize: 8,
  });
  const body = JSON.stringify({ content: 'Why did the last run fail?' });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/api/ai-assistant/conversations/${conversationId}/messages`,
        headers: {
          authorization: mockCredentials.user.header(USER),
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          accept: 'text/event-stream',
          'accept-encoding': 'gzip, deflate, br',
        },
      },
      res => {
        let firstTokenAt: number | undefined;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (firstTokenAt === undefined && chunk.includes('event: delta')) {
            firstTokenAt = performance.now();
          }
          text += chunk;
        });
        res.on('end', () => {
          const providerFirstByte = fake.requests.at(-1)?.firstContentAt;
          if (res.statusCode !== 200) {
            reject(new Error(`HTTP ${res.statusCode}: ${text}`));
            return;
          }
          if (firstTokenAt === undefined || providerFirstByte === undefined) {
            reject(new Error(`No token streamed: ${text.slice(0, 500)}`));
            return;
          }
          resolve({
            latencyMs: firstTokenAt - providerFirstByte,
            headers: res.headers,
            deltas: text.split('event: delta').length - 1,
            done: text.includes('event: done'),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function postgresKnex(): Promise<
  { knex: Knex; drop: () => Promise<void> } | undefined
> {
  const name = `comet_bench_ai_${process.pid}`;
  const admin = knexFactory({ client: 'pg', connection: POSTGRES });
  try {
    await admin.raw(`CREATE DATABASE ${name}`);
  } catch (error) {
    await admin.destroy();
    console.error(
      `PostgreSQL skipped: ${POSTGRES} cannot be used (${
        (error as Error).message
      })`,
    );
    return undefined;
  }
  const url = new URL(POSTGRES);
  url.pathname = `/${name}`;
  const knex = knexFactory({ client: 'pg', connection: url.toString() });
  return {
    knex,
    drop: async () => {
      await knex.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${name}`);
      await admin.destroy();
    },
  };
}

async function sqliteKnex(): Promise<{
  knex: Knex;
  drop: () => Promise<void>;
}> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-bench-stream-'));
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: path.join(dir, 'ai-assistant.sqlite') },
    useNullAsDefault: true,
  });
  return {
    knex,
    drop: async () => {
      await knex.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Outside = {
  fakeUrl: string;
  apiKey: string;
  model: string;
  /** Runs the turns against the backend on `port`. */
  run(port: number): Promise<{
    latencies: number[];
    headers: http.IncomingHttpHeaders;
    allDone: boolean;
    deltasPerTurn: number;
  }>;
  close(): Promise<void>;
};

function createConversation(port: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/ai-assistant/conversations',
        headers: {
          authorization: mockCredentials.user.header(USER),
          'content-type': 'application/json',
        },
      },
      res => {
        let text = '';
        res.on('data', chunk => {
          text += chunk;
        });
        res.on('end', () =>
          res.statusCode === 201
            ? resolve(JSON.parse(text).conversationId)
            : reject(new Error(`HTTP ${res.statusCode}: ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

/** The fake and the client, here. */
async function outsideHere(): Promise<Outside> {
  const fake = await OpenAiFake.start();
  return {
    fakeUrl: fake.url,
    apiKey: fake.apiKey,
    model: fake.model,
    async run(port) {
      const latencies: number[] = [];
      let headers: http.IncomingHttpHeaders = {};
      let allDone = true;
      let deltas = 0;
      for (let turn = 0; turn < WARM_UP + TURNS; turn++) {
        // A new conversation each turn keeps the prompt the same size
        const conversationId = await createConversation(port);
        const result = await sendMessage(port, conversationId, fake);
        if (turn >= WARM_UP) {
          latencies.push(result.latencyMs);
          headers = result.headers;
          allDone &&= result.done;
          deltas += result.deltas;
        }
      }
      return { latencies, headers, allDone, deltasPerTurn: deltas / TURNS };
    },
    close: () => fake.close(),
  };
}

/** The fake and the client in a child process (this file with `--outside`). */
async function outsideInChild(): Promise<Outside> {
  const child = fork(__filename, ['--outside', '--turns', String(TURNS)], {
    execArgv: process.execArgv,
  });
  // Only this bench's messages: the TypeScript loader sends its own ("watch")
  const next = (kind: 'ready' | 'result') =>
    new Promise<any>((resolve, reject) => {
      const onMessage = (message: any) => {
        if (message?.kind !== kind) return;
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
      child.once('error', reject);
    });
  const ready = await next('ready');
  return {
    ...ready,
    async run(port) {
      const done = next('result');
      child.send({ port });
      return done;
    },
    async close() {
      child.send({ close: true });
      await new Promise(resolve => child.once('exit', resolve));
    },
  };
}

/** The child's side of {@link outsideInChild}. */
async function runOutside() {
  const outside = await outsideHere();
  process.send!({
    kind: 'ready',
    fakeUrl: outside.fakeUrl,
    apiKey: outside.apiKey,
    model: outside.model,
  });
  process.on('message', async (message: { port?: number; close?: boolean }) => {
    if (message.port) {
      process.send!({ kind: 'result', ...(await outside.run(message.port)) });
    } else if (message.close) {
      await outside.close();
      process.exit(0);
    }
  });
}

async function measure(database: string, knex: Knex, sameProcess: boolean) {
  const outside = sameProcess ? await outsideHere() : await outsideInChild();
  const backend = await startTestBackend({
    features: [
      actionsRegistryServiceFactory,
      actionsServiceFactory,
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: {
          aiAssistant: {
            provider: {
              baseUrl: outside.fakeUrl,
              apiKey: outside.apiKey,
              model: outside.model,
              maxRetries: 0,
            },
            rateLimit: { maxRequests: 10_000, windowSeconds: 3600 },
          },
        },
      }),
      aiAssistantPlugin,
    ],
  });
  const { port } = backend.server.address() as AddressInfo;
  try {
    const result = await outside.run(port);
    const [{ requests }] = (await knex('ai_assistant_rate_limits')
      .where({ user_ref: USER })
      .sum({ requests: 'count' })) as Array<{ requests: number | string }>;
    return { database, ...result, rateLimitRows: Number(requests) };
  } finally {
    await backend.stop();
    await outside.close();
  }
}

function quantile(sorted: number[], q: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function main() {
  const sameProcess = args.includes('--same-process');
  const wanted = argOf('--databases', 'sqlite,postgres').split(',');
  const results: Array<Awaited<ReturnType<typeof measure>>> = [];
  for (const database of wanted) {
    const db =
      database === 'postgres' ? await postgresKnex() : await sqliteKnex();
    if (!db) continue;
    try {
      results.push(
        await measure(
          database === 'postgres' ? 'PostgreSQL 15' : 'SQLite (file)',
          db.knex,
          sameProcess,
        ),
      );
    } finally {
      await db.drop();
    }
  }

  const load = os
    .loadavg()
    .map(value => value.toFixed(2))
    .join(' ');
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  console.log(
    `\nStreaming latency: provider's first content byte → first \`delta\` event at the client (${
      sameProcess
        ? 'fake, backend and client in one process'
        : 'backend alone in its process; fake and client in another'
    }), ${TURNS} turns per database after ${WARM_UP} warm-up turns, ${
      os.cpus()[0]?.model ?? 'unknown CPU'
    } × ${os.cpus().length}, Node.js ${
      process.version
    }, load average ${load}\n`,
  );
  console.log(
    '| database | turns | p50 | p95 | max | deltas per turn | every stream ended with `done` | rate-limit count in the database |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
  for (const result of results) {
    const sorted = [...result.latencies].sort((a, b) => a - b);
    console.log(
      `| ${result.database} | ${sorted.length} | ${ms(
        quantile(sorted, 0.5),
      )} | ${ms(quantile(sorted, 0.95))} | ${ms(sorted[sorted.length - 1])} | ${
        result.deltasPerTurn
      } | ${result.allDone ? 'yes' : 'NO'} | ${result.rateLimitRows} of ${
        TURNS + WARM_UP
      } |`,
    );
  }
  const last = results[results.length - 1];
  if (last) {
    const h = last.headers;
    const check = (ok: boolean) => (ok ? 'yes' : 'NO');
    console.log('\n| response header | value | keeps the stream unbuffered |');
    console.log('| --- | --- | --- |');
    console.log(
      `| Cache-Control | ${h['cache-control']} | ${check(
        /\bno-transform\b/.test(String(h['cache-control'])),
      )} |`,
    );
    console.log(
      `| X-Accel-Buffering | ${h['x-accel-buffering']} | ${check(
        h['x-accel-buffering'] === 'no',
      )} |`,
    );
    console.log(
      `| Content-Encoding | ${
        h['content-encoding'] ?? '(none: not compressed)'
      } | ${check(!h['content-encoding'])} |`,
    );
    console.log(
      `| Content-Type | ${h['content-type']} | ${check(
        String(h['content-type']).startsWith('text/event-stream'),
      )} |`,
    );
  }
  console.log(
    "\nTarget: the portal adds < 50 ms between the provider's first streamed byte and the first token on the page.",
  );
}

(args.includes('--outside') ? runOutside() : main()).catch(error => {
  console.error(error);
  process.exit(1);
});
