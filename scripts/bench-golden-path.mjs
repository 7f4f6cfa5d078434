#!/usr/bin/env node
// The golden path, timed as a user lives it: the `comet-service` template started through the
// scaffolder's API on a real portal (the embedded defaults plus the local fakes of Jenkins,
// SonarQube and Jira), until the new service's first pipeline run is green. Prints a Markdown
// table.
//
//   yarn bench:golden-path [--services 3]
//
// Each service is a fresh name, so each measure creates the repository, the Jenkins job, the
// SonarQube project, the Jira component and the starter suite, registers the entity and waits
// for the catalog to ingest it before the run is triggered. Target: template start to first
// green run < 2 min on 2 cores.
//
// --repo-host portal|github|both (default both): where the repositories go; github pushes to
// the demo's GitHub fake with publish:github.
// Runs its own portal on port 7209 with its data in .data/bench-golden-path (deleted first).
// The frontend must be built (it is after `npm start` or `npm test` once).
import fs from 'node:fs';
import path from 'node:path';
import {
  guestToken,
  root,
  startComet,
  stopComet,
  waitForIdle,
} from './lib/portal.mjs';

const argOf = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const services = Number(argOf('--services', '3'));
/** Where the repositories go: the portal, GitHub (the demo's GitHub fake), or both in turn. */
const repoHosts = (() => {
  const value = argOf('--repo-host', 'both');
  if (value === 'both') return ['portal', 'github'];
  if (value === 'portal' || value === 'github') return [value];
  throw new Error(`--repo-host: "${value}" is not portal, github or both`);
})();
/** The GitHub fake's published demo token (app-config.demo.yaml), not a secret. */
const GITHUB_FAKE_DEMO_TOKEN = 'ghp_cometFakeDemoToken000000000000000000';
const port = 7209;
const baseUrl = `http://localhost:${port}`;
const dataDir = path.join(root, '.data', 'bench-golden-path');

function writeConfig() {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const demo = fs
    .readFileSync(path.join(root, 'app-config.demo.yaml'), 'utf8')
    .replaceAll('http://localhost:7007/', `${baseUrl}/`)
    .replaceAll('host.comet.internal:7007', `host.comet.internal:${port}`);
  fs.writeFileSync(path.join(dataDir, 'app-config.demo.yaml'), demo);
  const file = path.join(dataDir, 'app-config.bench.yaml');
  fs.writeFileSync(
    file,
    `app:
  baseUrl: ${baseUrl}
backend:
  baseUrl: ${baseUrl}
  listen:
    port: ${port}
  database:
    connection:
      directory: ${path.join(dataDir, 'sqlite')}
  workingDirectory: ${path.join(dataDir, 'work')}
  reading:
    allow:
      - host: localhost:${port}
        paths: [/api/example-repos/]
comet:
  exampleRepos:
    targetDir: ${path.join(dataDir, 'git')}
pipelines:
  dataDir: ${path.join(dataDir, 'pipelines')}
  gitUrlRewrites:
    - from: http://localhost:7007/api/example-repos/
      to: ${baseUrl}/api/example-repos/
    - from: https://github.com/
      to: http://x-access-token:${GITHUB_FAKE_DEMO_TOKEN}@localhost:${port}/api/fakes/github/_git/
  git:
    allowedHosts: [localhost:${port}]
`,
  );
  return [path.join(dataDir, 'app-config.demo.yaml'), file];
}

async function api(token, method, url, body) {
  const response = await fetch(`${baseUrl}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  }
  return text ? JSON.parse(text) : undefined;
}

const pause = ms => new Promise(resolve => setTimeout(resolve, ms));

/** Creates one service; resolves with the seconds of each phase. */
async function createService(token, name, repoHost) {
  const started = Date.now();
  const { id } = await api(token, 'POST', '/api/scaffolder/v2/tasks', {
    templateRef: 'template:default/comet-service',
    values: {
      name,
      owner: 'group:default/payments-team',
      system: 'system:default/payments',
      preset: 'node',
      repoHost,
      ...(repoHost === 'github'
        ? { repoUrl: `github.com?owner=comet-examples&repo=${name}` }
        : {}),
      jenkins: true,
      sonarqube: true,
      jira: true,
      jiraProject: 'PAY',
      sonarHostUrl: `http://host.comet.internal:${port}/api/fakes/sonarqube`,
      starterTest: true,
    },
  });
  let task;
  for (;;) {
    task = await api(token, 'GET', `/api/scaffolder/v2/tasks/${id}`);
    if (['completed', 'failed', 'cancelled'].includes(task.status)) break;
    await pause(250);
  }
  const taskSeconds = (Date.now() - started) / 1000;
  const events = await api(
    token,
    'GET',
    `/api/scaffolder/v2/tasks/${id}/events`,
  );
  if (task.status !== 'completed') {
    const log = events
      .filter(e => e.type === 'log')
      .map(e => e.body.message)
      .slice(-20)
      .join('\n');
    throw new Error(`The template run of ${name} ${task.status}:\n${log}`);
  }
  const completion = events.find(e => e.type === 'completion');
  const runId = completion?.body?.output?.runId;
  if (!runId) {
    throw new Error(
      `The template run of ${name} gave no runId in its output: ${JSON.stringify(
        completion?.body,
      )}`,
    );
  }
  let run;
  for (;;) {
    run = await api(token, 'GET', `/api/pipelines/runs/${runId}`);
    if (['succeeded', 'failed', 'cancelled', 'skipped'].includes(run.status))
      break;
    await pause(250);
  }
  const totalSeconds = (Date.now() - started) / 1000;
  if (run.status !== 'succeeded') {
    throw new Error(`The first run of ${name} (${runId}) ${run.status}`);
  }
  // Which jobs the first run had: build, quality (analysis and gate) and browser-test
  const jobs = (run.jobs ?? [])
    .map(job => `${job.jobId} ${job.status}`)
    .join(', ');
  return {
    name,
    repoHost,
    taskSeconds,
    runSeconds: totalSeconds - taskSeconds,
    totalSeconds,
    jobs,
  };
}

async function main() {
  const configFiles = writeConfig();
  const { child, ready } = startComet(configFiles);
  try {
    const startSeconds = await ready;
    const settled = await waitForIdle(child.pid);
    process.stderr.write(
      `portal ready in ${startSeconds.toFixed(
        0,
      )} s, settled after ${settled.toFixed(0)} s\n`,
    );
    const token = await guestToken(baseUrl);
    const rows = [];
    for (const repoHost of repoHosts) {
      for (let i = 1; i <= services; i++) {
        const name = `bench-svc-${Date.now().toString(36)}-${i}`;
        rows.push(await createService(token, name, repoHost));
        process.stderr.write(
          `${name} (${repoHost}): ${rows.at(-1).totalSeconds.toFixed(1)} s\n`,
        );
      }
    }
    console.log(
      '| service | repository | template run (create, register, trigger) | first run until green | template start to green run | first run jobs | target |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const row of rows) {
      console.log(
        `| ${row.name} | ${
          row.repoHost === 'github' ? 'GitHub (fake)' : 'portal'
        } | ${row.taskSeconds.toFixed(1)} s | ${row.runSeconds.toFixed(
          1,
        )} s | ${row.totalSeconds.toFixed(1)} s | ${row.jobs} | < 120 s — ${
          row.totalSeconds < 120 ? 'met' : 'missed'
        } |`,
      );
    }
  } finally {
    await stopComet(child);
  }
}

main().catch(error => {
  console.error(error.message ?? error);
  process.exit(1);
});
