#!/usr/bin/env node
// Pipelines UI benchmarks (issue 4): run page first render, and scrolling a 200,000-line log,
// measured in headless Chromium with its performance APIs. Prints a Markdown table.
//
//   yarn bench:pipelines-ui [--lines 200000] [--runs 5]
//
// Starts its own portal on port 7307 with its data in .data/bench-pipelines-ui: the example
// organisation plus one component whose pipeline prints the lines (with ANSI colours). The
// frontend is built first if its sources changed (like `npm start`); run it under
// `flock /tmp/comet-e2e.lock` on a machine where others build the frontend too.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  chromiumArgs as baseChromiumArgs,
  guestToken,
  root,
  startComet,
  stopComet,
} from './lib/portal.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const lineCount = arg('lines', 200_000);
const runs = arg('runs', 5);
const port = 7307;
const baseUrl = `http://localhost:${port}`;
const dataDir = path.join(root, '.data', 'bench-pipelines-ui');
const projects = path.join(dataDir, 'projects');
const configFile = path.join(dataDir, 'app-config.bench.yaml');
const entityFile = path.join(dataDir, 'bench-entity.yaml');

fs.rmSync(dataDir, { recursive: true, force: true });
fs.mkdirSync(path.join(projects, 'bench-logs', '.comet'), { recursive: true });
fs.writeFileSync(
  path.join(projects, 'bench-logs', 'README.md'),
  'Prints a long log for the pipelines UI bench.\n',
);
fs.writeFileSync(
  path.join(projects, 'bench-logs', '.comet', 'pipeline.yaml'),
  `name: long-log
on:
  manual: {}
params:
  lines:
    type: number
    default: ${lineCount}
jobs:
  print:
    steps:
      - name: Print lines
        run: |
          seq 1 "\${{ params.lines }}" | awk '{ printf "\\033[32m%07d\\033[0m \\033[1mbench\\033[0m line %d of the log, with some text to wrap up the width of a real build log\\n", $1, $1 }'
`,
);
fs.writeFileSync(
  entityFile,
  `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: bench-logs
  annotations:
    backstage.io/source-location: url:${baseUrl}/api/example-repos/bench-logs.git
    comet.dev/pipelines: .comet/pipeline.yaml
spec:
  type: service
  lifecycle: experimental
  owner: group:default/storefront-team
`,
);
fs.writeFileSync(
  configFile,
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
comet:
  exampleRepos:
    sourceDir: ${projects}
    targetDir: ${path.join(dataDir, 'git')}
catalog:
  locations:
    - type: file
      target: ${path.join(root, 'examples', 'org.yaml')}
      rules:
        - allow: [User, Group]
    - type: file
      target: ${entityFile}
pipelines:
  dataDir: ${path.join(dataDir, 'pipelines')}
  logLimitBytes: 500000000
`,
);

const chromiumArgs = [
  ...baseChromiumArgs,
  // Headless Chromium preloads its own omnibox popup (a WebUI renderer) in every new window,
  // which took about 1 s of CPU during each measured page load on a 2-core machine; a user's
  // browser has that UI loaded long before they open a link, so the bench turns it off.
  '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup,PreloadTopChromeWebUI',
];

async function api(pathname, init = {}) {
  const response = await fetch(`${baseUrl}/api/pipelines${pathname}`, {
    ...init,
    headers: {
      authorization: `Bearer ${await guestToken(baseUrl)}`,
      'content-type': 'application/json',
      ...init.headers,
    },
  });
  const body = await response.json();
  if (!response.ok) {
    throw new Error(`${pathname}: ${response.status} ${JSON.stringify(body)}`);
  }
  return body;
}

async function until(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 500));
  }
}

const median = values =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) =>
  [...values].sort((a, b) => a - b)[
    Math.min(values.length - 1, Math.floor((values.length * p) / 100))
  ];

const comet = startComet(configFile);
try {
  await comet.ready;
  process.stderr.write('portal ready; triggering the long-log run\n');
  const run = await until(
    'the bench entity in the catalog',
    () =>
      api('/runs', {
        method: 'POST',
        body: JSON.stringify({ entityRef: 'component:default/bench-logs' }),
      }),
    120_000,
  );
  const started = Date.now();
  const finished = await until(
    'the run to finish',
    async () => {
      const current = await api(`/runs/${run.runId}`);
      return ['succeeded', 'failed', 'cancelled'].includes(current.status)
        ? current
        : undefined;
    },
    600_000,
  );
  if (finished.status !== 'succeeded') {
    throw new Error(`the bench run ${finished.status}: ${finished.error}`);
  }
  const { lines: tail } = await api(
    `/runs/${run.runId}/logs?after=${lineCount - 10}&limit=1000`,
  );
  const totalLines = tail.length ? tail[tail.length - 1].seq + 1 : 0;
  process.stderr.write(
    `run ${run.runId}: ${totalLines} log lines in ${(
      (Date.now() - started) /
      1000
    ).toFixed(1)} s\n`,
  );

  const browser = await chromium.launch({
    executablePath: process.env.COMET_CHROMIUM ?? '/usr/bin/chromium',
    args: chromiumArgs,
  });
  const signIn = await browser.newContext();
  const signInPage = await signIn.newPage();
  await signInPage.goto(baseUrl);
  await signInPage.getByRole('button', { name: 'Enter' }).click();
  await signInPage.getByRole('link', { name: 'Pipelines' }).first().waitFor();
  const storageState = await signIn.storageState();
  await signIn.close();

  const runUrl = `${baseUrl}/pipelines/runs/${run.runId}`;
  /** ms from navigation start until the run header and the first log lines are visible. */
  async function firstRender(context) {
    const page = await context.newPage();
    await page.addInitScript(() => {
      const observer = new MutationObserver(() => {
        if (document.querySelector('nav[aria-label="sidebar nav"]')) {
          performance.mark('bench:shell');
          observer.disconnect();
        }
      });
      document.addEventListener('DOMContentLoaded', () =>
        observer.observe(document.body, { childList: true, subtree: true }),
      );
    });
    await page.goto(runUrl, { waitUntil: 'commit' });
    const ms = await page.waitForFunction(
      () => {
        const status = document.querySelector('[data-testid="run-status"]');
        const line = document.querySelector(
          '[aria-label="Run log"] [data-seq]',
        );
        return status && line ? performance.now() : undefined;
      },
      undefined,
      { timeout: 60_000, polling: 'raf' },
    );
    const value = await ms.jsonValue();
    // When the app shell (the sidebar) first showed, to tell the app's own start-up apart
    const shell = await page.evaluate(
      () =>
        performance.getEntriesByType('mark').find(m => m.name === 'bench:shell')
          ?.startTime,
    );
    return { page, value, shell };
  }

  const cold = [];
  const warm = [];
  const coldShell = [];
  const warmShell = [];
  const warmContext = await browser.newContext({ storageState });
  await (await firstRender(warmContext)).page.close(); // fills the HTTP cache
  for (let i = 0; i < runs; i++) {
    const coldContext = await browser.newContext({ storageState });
    const { value, page, shell } = await firstRender(coldContext);
    cold.push(value);
    if (shell !== undefined) coldShell.push(shell);
    await page.close();
    await coldContext.close();
    const second = await firstRender(warmContext);
    warm.push(second.value);
    if (second.shell !== undefined) warmShell.push(second.shell);
    await second.page.close();
  }

  // In the app: from the entity's CI/CD tab, a click on the run → its header and first lines
  const inApp = [];
  for (let i = 0; i < runs; i++) {
    const tab = await warmContext.newPage();
    await tab.goto(`${baseUrl}/catalog/default/component/bench-logs/ci-cd`);
    const link = tab.locator(`a[href$="/pipelines/runs/${run.runId}"]`).first();
    await link.waitFor({ timeout: 60_000 });
    await tab.evaluate(() => {
      window.__benchClickAt = performance.now();
    });
    await link.click();
    const ms = await tab.waitForFunction(
      () => {
        const status = document.querySelector('[data-testid="run-status"]');
        const line = document.querySelector(
          '[aria-label="Run log"] [data-seq]',
        );
        return status && line
          ? performance.now() - window.__benchClickAt
          : undefined;
      },
      undefined,
      { timeout: 60_000, polling: 'raf' },
    );
    inApp.push(await ms.jsonValue());
    await tab.close();
  }

  // Scrolling: the whole log loaded, then a scripted scroll while counting frames
  const page = (await firstRender(warmContext)).page;
  await page.waitForFunction(
    total =>
      document.body.innerText.includes(
        `${total.toLocaleString('en-US')} lines`,
      ),
    totalLines,
    { timeout: 300_000, polling: 1000 },
  );
  const domRows = await page.evaluate(
    () => document.querySelectorAll('[aria-label="Run log"] [data-seq]').length,
  );
  const scroll = async mode =>
    page.evaluate(async scrollMode => {
      const viewport = document.querySelector('[aria-label="Run log"]');
      const frames = [];
      const max = viewport.scrollHeight - viewport.clientHeight;
      viewport.scrollTop = 0;
      await new Promise(r => requestAnimationFrame(r));
      const start = performance.now();
      let last = start;
      let step = 0;
      await new Promise(resolve => {
        const tick = now => {
          frames.push(now - last);
          last = now;
          step++;
          if (scrollMode === 'steady') {
            viewport.scrollTop = Math.min(max, viewport.scrollTop + 600);
          } else {
            viewport.scrollTop = (((step * 7919) % 1000) / 1000) * max;
          }
          if (now - start < 5000) requestAnimationFrame(tick);
          else resolve();
        };
        requestAnimationFrame(tick);
      });
      const seconds = (performance.now() - start) / 1000;
      return { frames: frames.slice(1), seconds };
    }, mode);
  // --profile: where the time goes during the steady scroll (CPU profile, top self time)
  const cdp = process.argv.includes('--profile')
    ? await page.context().newCDPSession(page)
    : undefined;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
  }
  const steady = await scroll('steady');
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map();
    const dt = profile.timeDeltas ?? [];
    const byId = new Map(profile.nodes.map(n => [n.id, n]));
    (profile.samples ?? []).forEach((id, i) => {
      const node = byId.get(id);
      const key = `${
        node.callFrame.functionName || '(anonymous)'
      } ${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
    });
    process.stderr.write('top self time during the steady scroll (ms):\n');
    for (const [key, ms] of [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)) {
      process.stderr.write(`  ${ms.toFixed(0).padStart(6)}  ${key}\n`);
    }
  }
  // --profile also traces the random jumps: main-thread time by kind (script, style, layout…)
  const tracing = process.argv.includes('--profile');
  const traceFile = path.join(dataDir, 'jumps-trace.json');
  if (tracing) {
    await browser.startTracing(page, {
      path: traceFile,
      categories: [
        'devtools.timeline',
        'disabled-by-default-devtools.timeline',
      ],
    });
  }
  const jumps = await scroll('jumps');
  if (tracing) {
    await browser.stopTracing();
    const events = JSON.parse(fs.readFileSync(traceFile, 'utf8')).traceEvents;
    const main = events.find(
      e => e.name === 'thread_name' && e.args?.name === 'CrRendererMain',
    );
    const kinds = new Map();
    for (const e of events) {
      if (e.ph !== 'X' || !e.dur || e.pid !== main?.pid || e.tid !== main?.tid)
        continue;
      if (
        ![
          'FunctionCall',
          'UpdateLayoutTree',
          'Layout',
          'Paint',
          'PrePaint',
          'Layerize',
          'Commit',
          'HitTest',
          'MinorGC',
          'MajorGC',
          'ParseHTML',
          'FireAnimationFrame',
        ].includes(e.name)
      )
        continue;
      kinds.set(e.name, (kinds.get(e.name) ?? 0) + e.dur / 1000);
    }
    process.stderr.write('main thread during the random jumps (ms, nested):\n');
    for (const [name, ms] of [...kinds].sort((a, b) => b[1] - a[1])) {
      process.stderr.write(`  ${ms.toFixed(0).padStart(6)}  ${name}\n`);
    }
  }
  await browser.close();

  const fps = r => r.frames.length / r.seconds;
  const fmt = (values, digits, unit) =>
    `${median(values).toFixed(digits)} ${unit} (${values
      .map(v => v.toFixed(digits))
      .join(', ')})`;
  console.log(
    `\nlog: ${totalLines.toLocaleString(
      'en-US',
    )} lines, ${domRows} rows in the DOM while scrolling\n`,
  );
  console.log(
    `| measure (median of ${runs}, all runs in brackets) | result | target |`,
  );
  console.log('|---|---|---|');
  console.log(
    `| run page first render, empty cache: navigation start → header and first log lines visible | ${fmt(
      cold,
      0,
      'ms',
    )} | < 1 s |`,
  );
  console.log(
    `| run page first render, warm cache | ${fmt(warm, 0, 'ms')} | < 1 s |`,
  );
  if (coldShell.length && warmShell.length) {
    console.log(
      `| of which the app's own start-up (navigation → sidebar shown), empty / warm cache | ${fmt(
        coldShell,
        0,
        'ms',
      )} / ${fmt(warmShell, 0, 'ms')} | report |`,
    );
    const after = (all, shells) =>
      all.map((v, i) => v - (shells[i] ?? shells[0]));
    console.log(
      `| of which the run page (sidebar shown → header and first lines), empty / warm cache | ${fmt(
        after(cold, coldShell),
        0,
        'ms',
      )} / ${fmt(after(warm, warmShell), 0, 'ms')} | report |`,
    );
  }
  console.log(
    `| run page opened in the app (a click on the run in the entity's CI/CD tab → header and first log lines) | ${fmt(
      inApp,
      0,
      'ms',
    )} | report |`,
  );
  for (const [name, result] of [
    ['steady scroll (30 lines a frame)', steady],
    ['random jumps across the log', jumps],
  ]) {
    console.log(
      `| ${totalLines.toLocaleString(
        'en-US',
      )}-line log, ${name}, 5 s: frames per second | ${fps(result).toFixed(
        1,
      )} fps (p95 frame ${percentile(result.frames, 95).toFixed(1)} ms, ${
        result.frames.filter(f => f > 25).length
      } frames over 25 ms) | ≥ 50 fps |`,
    );
  }
} finally {
  await stopComet(comet.child);
}
