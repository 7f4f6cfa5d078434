/*
 * SonarQube benchmark (`yarn bench:sonarqube`): the real router, service, client and
 * Backstage's memory cache in this process, over HTTP, against the SonarQube fake (seeded with
 * the example projects, product-catalog with 10,000 issues) on an ephemeral port. Prints a
 * Markdown table: SonarQube API calls per view (cold and warm cache) and the latency of the
 * Code quality tab's endpoints with a warm cache. `--latency-ms` makes the fake wait before
 * each answer, as a SonarQube across a network would.
 *
 *   yarn bench:sonarqube [--requests 2000] [--concurrency 10] [--latency-ms 0]
 */
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
// eslint-disable-next-line @backstage/no-undeclared-imports -- a dev script (devDependencies)
import { CacheManager } from '@backstage/backend-defaults/cache';
// eslint-disable-next-line @backstage/no-undeclared-imports -- a dev script (devDependencies)
import { ConfigReader } from '@backstage/config';
import type { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { SonarQubeClient } from '@internal/plugin-sonarqube-node';
import {
  SonarQubeFake,
  SONARQUBE_FAKE_DEMO_TOKEN,
} from '@internal/plugin-sonarqube-node/testUtils';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { createRouter } from '../src/service/router';
import { SonarQubeService } from '../src/service/SonarQubeService';

/* eslint-disable no-console */

const args = process.argv.slice(2);
const argOf = (name: string, fallback: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : fallback;
};
const totalRequests = Number(argOf('--requests', '2000'));
const concurrency = Number(argOf('--concurrency', '10'));
const latencyMs = Number(argOf('--latency-ms', '0'));

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

function component(
  name: string,
  projectKey: string,
  system: string,
  owner: string,
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      title: name,
      annotations: { 'sonarqube.org/project-key': projectKey },
    },
    spec: { type: 'service', owner, lifecycle: 'production', system },
    relations: [
      { type: 'ownedBy', targetRef: `group:default/${owner}` },
      { type: 'partOf', targetRef: `system:default/${system}` },
    ],
  };
}

const ENTITIES: Entity[] = [
  component(
    'payments-api',
    'comet-examples_payments-api',
    'payments',
    'payments-team',
  ),
  component(
    'ledger-worker',
    'comet-examples_ledger-worker',
    'payments',
    'payments-team',
  ),
  component(
    'product-catalog',
    'comet-examples_product-catalog',
    'storefront',
    'storefront-team',
  ),
  component(
    'storefront-web',
    'comet-examples_storefront-web',
    'storefront',
    'storefront-team',
  ),
  component(
    'notification-service',
    'comet-examples_notification-api,comet-examples_notification-mailer',
    'storefront',
    'storefront-team',
  ),
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name: 'storefront-team', namespace: 'default' },
    spec: { type: 'team', children: [] },
  },
];

async function main() {
  const fake = await SonarQubeFake.start({ contextPath: '/sonar', latencyMs });

  const config = new ConfigReader({
    sonarqube: {
      instances: [
        {
          name: 'default',
          baseUrl: fake.url,
          apiKey: SONARQUBE_FAKE_DEMO_TOKEN,
        },
      ],
    },
    backend: { cache: { store: 'memory' } },
  });
  const client = SonarQubeClient.fromConfig(config);
  const refOf = (e: Entity) =>
    `${e.kind.toLocaleLowerCase('en-US')}:default/${e.metadata.name}`;
  // The catalog and permissions answer from memory, so the figures are SonarQube plugin time
  const catalog = {
    getEntityByRef: async (ref: string) => ENTITIES.find(e => refOf(e) === ref),
    queryEntities: async (request: any) => {
      const [field, value] = Object.entries(request.filter)[0] as [
        string,
        string,
      ];
      const type = field.split('.')[1];
      return {
        items: ENTITIES.filter(e =>
          (e.relations ?? []).some(
            r => r.type === type && r.targetRef === value,
          ),
        ),
        pageInfo: {},
        totalItems: 0,
      };
    },
  } as any;
  const permissions = {
    authorize: async (requests: unknown[]) =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    authorizeConditional: async (requests: unknown[]) =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
  } as any;
  const cache = CacheManager.fromConfig(config).forPlugin('sonarqube');
  const service = new SonarQubeService({
    client,
    catalog,
    permissions,
    cache,
    cacheTtlMs: 300_000,
  });
  const credentials = {
    $$type: '@backstage/BackstageCredentials',
    principal: { type: 'user', userEntityRef: 'user:default/guest' },
  } as BackstageCredentials;
  const app = express();
  app.use(
    '/api/sonarqube',
    await createRouter({
      service,
      httpAuth: { credentials: async () => credentials } as any,
      webhooks: {} as any,
    }),
  );
  const backend = await listen(app);

  const get = async (path: string) => {
    const started = performance.now();
    const response = await fetch(`${backend.url}/api/sonarqube${path}`);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return performance.now() - started;
  };

  const big = 'entityRef=component:default/product-catalog';
  const tabPaths = [
    `/summary?${big}`,
    `/branches?${big}`,
    `/project?${big}`,
    `/history?${big}&metrics=coverage,bugs,code_smells,vulnerabilities,duplicated_lines_density`,
    `/issues?${big}&page=1&pageSize=25`,
  ];
  const rows: Array<[string, string, string]> = [];

  // 1. SonarQube API calls per view, cold and warm
  const countCalls = async (paths: string[]) => {
    fake.resetCalls();
    for (const p of paths) await get(p);
    const byPath = new Map<string, number>();
    for (const call of fake.calls)
      byPath.set(call.path, (byPath.get(call.path) ?? 0) + 1);
    return {
      total: fake.calls.length,
      detail: [...byPath].map(([p, n]) => `${p} ×${n}`).join(', '),
    };
  };
  const coldTab = await countCalls(tabPaths);
  const warmTab = await countCalls(tabPaths);
  rows.push([
    'Code quality tab, first view (cold cache), 10,000-issue project',
    `${coldTab.total} SonarQube calls (${coldTab.detail})`,
    'report',
  ]);
  rows.push([
    'Code quality tab, same view again (warm cache)',
    `${warmTab.total} SonarQube calls`,
    'report',
  ]);
  const nextPage = await countCalls([`/issues?${big}&page=2&pageSize=25`]);
  rows.push([
    'next issues page (cold)',
    `${nextPage.total} SonarQube call (${nextPage.detail})`,
    'report',
  ]);
  const branchSwitch = await countCalls([
    `/project?${big}&branch=develop`,
    `/history?${big}&branch=develop&metrics=coverage,bugs,code_smells,vulnerabilities,duplicated_lines_density`,
    `/issues?${big}&branch=develop&page=1&pageSize=25`,
  ]);
  rows.push([
    'switch to a branch (cold)',
    `${branchSwitch.total} SonarQube calls (${branchSwitch.detail})`,
    'report',
  ]);
  const card = await countCalls([
    '/summary?entityRef=component:default/notification-service',
  ]);
  rows.push([
    'card of a monorepo entity with 2 projects (cold)',
    `${card.total} SonarQube calls (${card.detail})`,
    'report',
  ]);
  const team = await countCalls([
    '/table?entityRef=group:default/storefront-team',
  ]);
  rows.push([
    'team table, 3 entities / 4 projects (cold; 2 projects already cached above)',
    `${team.total} SonarQube calls (${team.detail})`,
    'report',
  ]);

  // 2. Latency of the tab's endpoints with a warm cache: the tab's views and 40 issue pages
  const issuePages = Array.from(
    { length: 40 },
    (_, i) => `/issues?${big}&page=${i * 10 + 1}&pageSize=25`,
  );
  const warmPaths = [...tabPaths, ...issuePages];
  for (const p of warmPaths) await get(p);
  fake.resetCalls();
  const timings: number[] = [];
  const issueTimings: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const index = next++;
        if (index >= totalRequests) return;
        const path = warmPaths[index % warmPaths.length];
        const ms = await get(path);
        timings.push(ms);
        if (path.startsWith('/issues')) issueTimings.push(ms);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  rows.push([
    `tab endpoints, warm cache, ${concurrency} concurrent clients (summary, branches, project, history, issue pages 1…391)`,
    `${timings.length} requests in ${seconds.toFixed(1)} s, p50 ${percentile(
      timings,
      50,
    ).toFixed(1)} ms, p95 ${percentile(timings, 95).toFixed(
      1,
    )} ms; SonarQube calls: ${fake.calls.length}`,
    'p95 < 200 ms',
  ]);
  rows.push([
    'of which issue pages',
    `p50 ${percentile(issueTimings, 50).toFixed(1)} ms, p95 ${percentile(
      issueTimings,
      95,
    ).toFixed(1)} ms`,
    'p95 < 200 ms',
  ]);

  // 3. Cold latency of one issues page (SonarQube fake on loopback), for reference
  const cold: number[] = [];
  for (let page = 100; page < 120; page++) {
    cold.push(await get(`/issues?${big}&page=${page}&pageSize=25`));
  }
  rows.push([
    `issues page, cold cache (one call to the fake on loopback${
      latencyMs ? `, ${latencyMs} ms latency` : ''
    })`,
    `p50 ${percentile(cold, 50).toFixed(1)} ms, p95 ${percentile(
      cold,
      95,
    ).toFixed(1)} ms`,
    'report',
  ]);

  console.log(
    `\nSonarQube bench, ${new Date().toISOString().slice(0, 10)}, ${
      os.cpus().length
    } CPUs, fake latency ${latencyMs} ms, load average ${os
      .loadavg()
      .map(l => l.toFixed(1))
      .join(' ')}\n`,
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
