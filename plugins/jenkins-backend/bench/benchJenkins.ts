/*
 * Jenkins benchmark (`yarn bench:jenkins`): the Jenkins tab's backend endpoint against the
 * local Jenkins fake seeded with 5 jobs × 100 builds, in this process, over real HTTP.
 * Prints a Markdown table: latency (cold and with a warm cache), Jenkins API calls per tab
 * view, and what travels.
 *
 *   yarn bench:jenkins [--views 300] [--jenkins-latency-ms 20]
 */
import type {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  JenkinsClient,
  type JenkinsInstance,
} from '@internal/plugin-jenkins-node';
import { JenkinsFake } from '@internal/plugin-jenkins-node/testUtils';
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { JenkinsService } from '../src/service/JenkinsService';
import { createRouter } from '../src/service/router';

/* eslint-disable no-console */

const args = process.argv.slice(2);
const argOf = (name: string, fallback: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : fallback;
};
const views = Number(argOf('--views', '300'));
const jenkinsLatencyMs = Number(argOf('--jenkins-latency-ms', '20'));
const JOBS = 5;
const BUILDS = 100;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
};
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function listen(app: express.Express) {
  const server = http.createServer(app);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
}

async function main() {
  const fake = await JenkinsFake.start({
    latencyMs: jenkinsLatencyMs,
    contextPath: '/jenkins',
    jobs: [
      { fullName: 'bench', kind: 'folder' },
      ...Array.from({ length: JOBS }, (_, i) => ({
        fullName: `bench/service-${i + 1}`,
        kind: 'pipeline' as const,
        builds: BUILDS,
        parameters: [
          { type: 'string' as const, name: 'BRANCH', defaultValue: 'main' },
        ],
      })),
    ],
  });
  const jenkinsOrigin = new URL(fake.url).origin;
  const instance: JenkinsInstance = {
    name: 'default',
    baseUrl: fake.url,
    username: 'comet',
    apiKey: 'comet-fake-jenkins-token',
    projectCountLimit: 50,
    extraRequestHeaders: {},
    crumbIssuer: true,
  };
  const silent = {
    info() {},
    warn() {},
    error() {},
    debug() {},
    child: () => silent,
  } as unknown as LoggerService;
  const client = JenkinsClient.create({ logger: silent, cacheTtlMs: 5000 });
  const entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'bench',
      namespace: 'default',
      annotations: {
        'jenkins.io/job-full-name': Array.from(
          { length: JOBS },
          (_, i) => `bench/service-${i + 1}`,
        ).join(','),
      },
    },
    spec: {},
  };
  const service = new JenkinsService({
    client,
    instances: [instance],
    catalog: {
      getEntityByRef: async () => entity,
    } as unknown as CatalogService,
    permissions: {
      authorize: async (requests: unknown[]) =>
        requests.map(() => ({ result: AuthorizeResult.ALLOW })),
      authorizeConditional: async (requests: unknown[]) =>
        requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    } as unknown as PermissionsService,
    auditor: {} as AuditorService,
  });
  const httpAuth = {
    credentials: async () =>
      ({
        $$type: '@backstage/BackstageCredentials',
        principal: { type: 'user', userEntityRef: 'user:default/bench' },
      } as unknown as BackstageCredentials),
  } as unknown as HttpAuthService;
  const backend = await listen(
    express().use(
      '/api/jenkins',
      await createRouter({ service, httpAuth, logger: silent }),
    ),
  );
  const tabUrl = `${backend.url}/api/jenkins/entity-jobs?entityRef=component:default/bench&limit=10`;
  const cicdUrl = `${backend.url}/api/jenkins/entity-builds?entityRef=component:default/bench&limit=20`;

  const view = async (url: string) => {
    const started = performance.now();
    const response = await fetch(url);
    const body = await response.text();
    if (!response.ok) throw new Error(`${url}: ${response.status} ${body}`);
    return { ms: performance.now() - started, bytes: Buffer.byteLength(body) };
  };
  const jenkinsCalls = () => fake.requests.length;

  // Cold: every view after the cache was emptied.
  const cold: number[] = [];
  let coldCalls = 0;
  let tabBytes = 0;
  for (let i = 0; i < 20; i++) {
    client.invalidate(instance);
    const before = jenkinsCalls();
    const result = await view(tabUrl);
    coldCalls += jenkinsCalls() - before;
    cold.push(result.ms);
    tabBytes = result.bytes;
  }

  // Warm: repeated views within the cache TTL (what a team refreshing the tab sees).
  client.invalidate(instance);
  await view(tabUrl);
  const warm: number[] = [];
  let before = jenkinsCalls();
  let warmViews = 0;
  const warmStarted = Date.now();
  while (warmViews < views) {
    if (Date.now() - warmStarted > 4000) break; // stay inside the 5 s TTL
    warm.push((await view(tabUrl)).ms);
    warmViews++;
  }
  const warmCalls = jenkinsCalls() - before;

  // A whole entity page visit on a cold cache: the overview card, then the tab, then CI/CD.
  client.invalidate(instance);
  before = jenkinsCalls();
  await view(tabUrl.replace('limit=10', 'limit=1'));
  await view(tabUrl);
  await view(
    `${backend.url}/api/jenkins/entity-builds?entityRef=component:default/bench&limit=20`,
  );
  const visitCalls = jenkinsCalls() - before;

  // Ten users opening the tab at once on a cold cache: identical calls are coalesced.
  client.invalidate(instance);
  before = jenkinsCalls();
  await Promise.all(Array.from({ length: 10 }, () => view(tabUrl)));
  const burstCalls = jenkinsCalls() - before;

  // The unified CI/CD list (pipelines-backend-module-jenkins) on a warm cache.
  client.invalidate(instance);
  await view(cicdUrl);
  const cicd: number[] = [];
  before = jenkinsCalls();
  for (let i = 0; i < 100; i++) cicd.push((await view(cicdUrl)).ms);
  const cicdCalls = jenkinsCalls() - before;

  // What one Jenkins answer weighs with the tree used, against the default depth.
  const auth = `Basic ${Buffer.from('comet:comet-fake-jenkins-token').toString(
    'base64',
  )}`;
  const treeRequest = fake.requests.find(r => r.path.includes('tree='))!.path;
  const withTree = Buffer.byteLength(
    await (
      await fetch(`${jenkinsOrigin}${treeRequest}`, {
        headers: { Authorization: auth },
      })
    ).text(),
  );
  const depth2 = Buffer.byteLength(
    await (
      await fetch(`${fake.url}/job/bench/job/service-1/api/json?depth=2`, {
        headers: { Authorization: auth },
      })
    ).text(),
  );

  console.log(
    `\nJenkins tab: ${JOBS} jobs × ${BUILDS} builds, fake Jenkins answering in ~${jenkinsLatencyMs} ms, ${
      os.cpus().length
    } CPUs (${os.loadavg()[0].toFixed(2)} load)\n`,
  );
  console.log('| measurement | result |');
  console.log('| --- | --- |');
  console.log(
    `| tab view, warm cache (${warm.length} views): p50 / p95 / max | ${ms(
      percentile(warm, 50),
    )} / ${ms(percentile(warm, 95))} / ${ms(Math.max(...warm))} |`,
  );
  console.log(
    `| Jenkins API calls per tab view, warm cache | ${(
      warmCalls / warm.length
    ).toFixed(2)} (${warmCalls} for ${warm.length} views) |`,
  );
  console.log(
    `| tab view, cold cache (20 views): p50 / p95 | ${ms(
      percentile(cold, 50),
    )} / ${ms(percentile(cold, 95))} |`,
  );
  console.log(
    `| Jenkins API calls per tab view, cold cache | ${(
      coldCalls / cold.length
    ).toFixed(1)} (one tree=… call per job, builds {0,21}) |`,
  );
  console.log(
    `| entity page visit (card + Jenkins tab + CI/CD list), cold cache: Jenkins API calls | ${visitCalls} |`,
  );
  console.log(
    `| 10 concurrent tab views, cold cache: Jenkins API calls | ${burstCalls} |`,
  );
  console.log(
    `| CI/CD list (entity-builds, 20 runs), warm: p50 / p95 | ${ms(
      percentile(cicd, 50),
    )} / ${ms(
      percentile(cicd, 95),
    )} (${cicdCalls} Jenkins calls for 100 views) |`,
  );
  console.log(`| tab response size | ${(tabBytes / 1024).toFixed(1)} KB |`);
  console.log(
    `| one job from Jenkins: with tree= and range / depth=2 | ${(
      withTree / 1024
    ).toFixed(1)} KB / ${(depth2 / 1024).toFixed(1)} KB |`,
  );
  console.log('');

  await new Promise(resolve => backend.server.close(resolve));
  await fake.close();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
