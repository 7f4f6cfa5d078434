/*
 * Jira benchmark (`yarn bench:jira`): the real router, service, client (jira.js over HTTP) and
 * Backstage's memory cache in this process, against the Jira fake (Cloud REST v3 and Agile)
 * on an ephemeral port, whose project BIG holds 5,000 issues. Prints a Markdown table: Jira
 * calls per view (cold and warm cache), the tab's latency with a warm cache under concurrent
 * clients, and a whole 5,000-issue search paged through with the calls it took and the heap it
 * grew by. `--latency-ms` makes the fake wait before each answer, as a Jira across a network.
 *
 *   yarn bench:jira [--issues 5000] [--requests 2000] [--concurrency 20] [--latency-ms 0]
 */
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
// eslint-disable-next-line @backstage/no-undeclared-imports -- a dev script (devDependencies)
import { CacheManager } from '@backstage/backend-defaults/cache';
// eslint-disable-next-line @backstage/no-undeclared-imports -- a dev script (devDependencies)
import { ConfigReader } from '@backstage/config';
import type { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { JiraInstances } from '@internal/plugin-jira-node';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JiraFake,
} from '@internal/plugin-jira-node/testUtils';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { createRouter } from '../src/service/router';
import { JiraService } from '../src/service/JiraService';

/* eslint-disable no-console */

const args = process.argv.slice(2);
const argOf = (name: string, fallback: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : fallback;
};
const issueCount = Number(argOf('--issues', '5000'));
const totalRequests = Number(argOf('--requests', '2000'));
const concurrency = Number(argOf('--concurrency', '20'));
const latencyMs = Number(argOf('--latency-ms', '0'));
const PAGE_SIZE = 100;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
};

function listen(
  app: express.Express,
): Promise<{ server: Server; url: string }> {
  return new Promise(resolve => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      }),
    );
  });
}

const ENTITY: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'big-service',
    namespace: 'default',
    annotations: { 'jira/project-key': 'BIG' },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};

async function main() {
  const fake = await JiraFake.start({ latencyMs });
  fake.state.addProject({ key: 'BIG', name: 'Big project' });
  fake.state.seedIssues('BIG', issueCount);

  const config = new ConfigReader({
    jira: {
      instances: [
        {
          name: 'default',
          baseUrl: fake.url,
          product: 'cloud',
          email: JIRA_FAKE_DEMO_EMAIL,
          apiToken: JIRA_FAKE_DEMO_API_TOKEN,
        },
      ],
      pageSize: PAGE_SIZE,
    },
    backend: { cache: { store: 'memory' } },
  });
  const instances = JiraInstances.fromConfig(config);
  // The catalog and permissions answer from memory, so the figures are Jira plugin time
  const catalog = {
    getEntityByRef: async () => ENTITY,
  } as any;
  const permissions = {
    authorize: async (requests: unknown[]) =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    authorizeConditional: async (requests: unknown[]) =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
  } as any;
  const service = new JiraService({
    instances,
    catalog,
    permissions,
    cache: CacheManager.fromConfig(config).forPlugin('jira'),
    auditor: {} as any,
    cacheTtlMs: 60_000,
  });
  const credentials = {
    $$type: '@backstage/BackstageCredentials',
    principal: { type: 'user', userEntityRef: 'user:default/guest' },
  } as BackstageCredentials;
  const app = express();
  app.use(
    '/api/jira',
    await createRouter({
      service,
      httpAuth: { credentials: async () => credentials } as any,
    }),
  );
  const backend = await listen(app);
  const get = async (path: string) => {
    const started = performance.now();
    const response = await fetch(`${backend.url}/api/jira${path}`);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return performance.now() - started;
  };

  const entity = 'entityRef=component:default/big-service';
  const tab = [
    `/entity/overview?${entity}`,
    `/entity/issues?${entity}&limit=25`,
  ];
  const rows: Array<[string, string, string]> = [];
  const calls = async (paths: string[]) => {
    fake.state.resetCalls();
    const started = performance.now();
    for (const p of paths) await get(p);
    const ms = performance.now() - started;
    const detail = Object.entries(fake.state.calls)
      .map(([k, n]) => `${k} ×${n}`)
      .join(', ');
    return { total: fake.state.callCount(''), detail, ms };
  };
  const cold = await calls(tab);
  rows.push([
    `Jira tab, first view (cold cache), ${issueCount.toLocaleString(
      'en',
    )}-issue project`,
    `${cold.total} Jira calls in ${cold.ms.toFixed(0)} ms (${cold.detail})`,
    'report',
  ]);
  const warm = await calls(tab);
  rows.push([
    'Jira tab, same view again (warm cache)',
    `${warm.total} Jira calls`,
    'report',
  ]);

  // 2. Warm-cache latency of the tab's two reads under concurrent clients
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < totalRequests) {
        const path = tab[next++ % tab.length];
        latencies.push(await get(path));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const p95 = percentile(latencies, 95);
  rows.push([
    `Jira tab reads, warm cache, ${concurrency} concurrent clients, ${totalRequests} requests: p50 / p95 / p99`,
    `${percentile(latencies, 50).toFixed(1)} / ${p95.toFixed(1)} / ${percentile(
      latencies,
      99,
    ).toFixed(1)} ms (${(totalRequests / seconds).toFixed(0)} req/s)`,
    p95 < 150 ? 'p95 < 150 ms: met' : 'p95 < 150 ms: NOT met',
  ]);

  // 3. A whole search paged through: calls and heap growth
  const client = instances.client('default');
  fake.state.resetCalls();
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let seen = 0;
  let peak = 0;
  for await (const page of client.searchPages({
    jql: 'project = "BIG" ORDER BY key ASC',
    maxResults: PAGE_SIZE,
  })) {
    seen += page.length;
    // What stays reachable after each page (garbage collected first, with --expose-gc)
    global.gc?.();
    peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore);
  }
  const searchCalls = fake.state.callCount('');
  const expected = Math.ceil(issueCount / PAGE_SIZE);
  rows.push([
    `search through ${issueCount.toLocaleString(
      'en',
    )} issues, page size ${PAGE_SIZE}`,
    `${seen} issues, ${searchCalls} Jira calls (ceil(n / page) = ${expected}); peak retained heap growth ${(
      peak / 1048576
    ).toFixed(1)} MiB${
      global.gc ? '' : ' (run with --expose-gc for a clean baseline)'
    }`,
    seen === issueCount && searchCalls === expected
      ? 'calls = ceil(n / page): met'
      : 'NOT met',
  ]);

  console.log(
    `\nJira benchmark on ${os.cpus().length} CPUs (${
      os.cpus()[0]?.model ?? 'unknown'
    }), Node ${process.version}, fake latency ${latencyMs} ms\n`,
  );
  console.log('| measure | result | target |');
  console.log('|---|---|---|');
  for (const [measure, result, target] of rows) {
    console.log(`| ${measure} | ${result} | ${target} |`);
  }
  backend.server.close();
  await fake.close();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
