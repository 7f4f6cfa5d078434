#!/usr/bin/env node
// Foundation benchmarks (issue: "Comet foundation"): warm start to ready, idle RSS, cold page
// load in headless Chromium and the JS shipped for the first page. Prints a Markdown table.
//
//   yarn bench:foundation [--runs 3]
//
// Runs against its own port (7207) and data folder (.data/bench); the frontend must be built
// (it is, after `npm start` or `npm test` once).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { chromiumArgs, root, startComet, stopComet } from './lib/portal.mjs';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const port = 7207;
const baseUrl = `http://localhost:${port}`;
const dataDir = path.join(root, '.data', 'bench');
const configFile = path.join(dataDir, 'app-config.bench.yaml');

fs.rmSync(dataDir, { recursive: true, force: true });
fs.mkdirSync(dataDir, { recursive: true });
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
    targetDir: ${path.join(dataDir, 'git')}
`,
);

function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]);
  return kb / 1024;
}

/** Waits until the catalog has ingested the example components (right after a first start). */
async function catalogIngested() {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      const session = await (
        await fetch(`${baseUrl}/api/auth/guest/refresh?env=development`, {
          headers: { 'x-requested-with': 'XMLHttpRequest' },
        })
      ).json();
      const body = await (
        await fetch(
          `${baseUrl}/api/catalog/entities/by-query?filter=kind=component&limit=50`,
          {
            headers: {
              authorization: `Bearer ${session.backstageIdentity.token}`,
            },
          },
        )
      ).json();
      if (body.items.some(e => e.metadata.name === 'storefront-web')) return;
    } catch {
      // not yet
    }
    await new Promise(r => setTimeout(r, 500));
  }
  throw new Error('the catalog did not ingest the examples within 2 minutes');
}

async function signedInState(browser) {
  await catalogIngested();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(baseUrl);
  await page.getByRole('button', { name: 'Enter' }).click();
  try {
    // The catalog may still be ingesting the examples right after the first start
    await page
      .getByRole('link', { name: 'Storefront', exact: true })
      .waitFor({ timeout: 90_000 });
  } catch (error) {
    await page.screenshot({
      path: path.join(dataDir, 'signed-in-failure.png'),
    });
    throw error;
  }
  const state = await context.storageState();
  await context.close();
  return state;
}

/** A returning user with an empty HTTP cache: navigation until the catalog table shows. */
async function coldCatalogLoad(browser, storageState) {
  const context = await browser.newContext({ storageState });
  const page = await context.newPage();
  const scripts = [];
  page.on('response', async response => {
    const type = response.request().resourceType();
    if (type === 'script') {
      scripts.push(
        response
          .body()
          .then(body => ({
            url: response.url(),
            raw: body.length,
            gzip: zlib.gzipSync(body).length,
          }))
          .catch(() => undefined),
      );
    }
  });
  const started = Date.now();
  await page.goto(baseUrl, { waitUntil: 'commit' });
  await page
    .getByRole('table')
    .getByRole('link', { name: 'Storefront', exact: true })
    .waitFor();
  const elapsed = (Date.now() - started) / 1000;
  const loaded = (await Promise.all(scripts)).filter(Boolean);
  await context.close();
  return {
    elapsed,
    scriptCount: loaded.length,
    rawKb: loaded.reduce((sum, s) => sum + s.raw, 0) / 1024,
    gzipKb: loaded.reduce((sum, s) => sum + s.gzip, 0) / 1024,
  };
}

/** A first visit with an empty cache: navigation until the sign-in page shows. */
async function coldSignInLoad(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const started = Date.now();
  await page.goto(baseUrl, { waitUntil: 'commit' });
  await page.getByRole('button', { name: 'Enter' }).waitFor();
  const elapsed = (Date.now() - started) / 1000;
  await context.close();
  return elapsed;
}

const median = values =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = { start: [], rss: [], catalog: [], signIn: [], js: undefined };

// One start first so that the frontend build and config check are cached, as for a user
// whose portal is installed and built.
{
  const warmup = startComet(configFile);
  await warmup.ready;
  // Stopping before the first ingestion finishes would leave the catalog's claimed rows
  // waiting for Backstage's processing interval (up to 150 s) on the next start.
  await catalogIngested();
  await stopComet(warmup.child);
}

const browser = await chromium.launch({
  executablePath: process.env.COMET_CHROMIUM ?? '/usr/bin/chromium',
  args: chromiumArgs,
});
for (let run = 1; run <= runs; run++) {
  const comet = startComet(configFile);
  const seconds = await comet.ready;
  results.start.push(seconds);
  const state = await signedInState(browser);
  const signIn = await coldSignInLoad(browser);
  const catalog = await coldCatalogLoad(browser, state);
  results.signIn.push(signIn);
  results.catalog.push(catalog.elapsed);
  results.js = catalog;
  // Idle: let start-up work (catalog processing, search indexing) settle, then read RSS.
  await new Promise(r => setTimeout(r, 20_000));
  results.rss.push(rssMb(comet.child.pid));
  await stopComet(comet.child);
  process.stderr.write(
    `run ${run}: ready ${seconds.toFixed(
      1,
    )} s, catalog ${catalog.elapsed.toFixed(2)} s, rss ${results.rss
      .at(-1)
      .toFixed(0)} MB\n`,
  );
}
await browser.close();

const fmt = (values, digits, unit) =>
  `${median(values).toFixed(digits)} ${unit} (${values
    .map(v => v.toFixed(digits))
    .join(', ')})`;
console.log(
  `\n| measure (median of ${runs}, all runs in brackets) | result | target |`,
);
console.log('|---|---|---|');
console.log(
  `| warm start: \`npm start\` to "Comet is ready" | ${fmt(
    results.start,
    1,
    's',
  )} | < 30 s |`,
);
console.log(
  `| idle backend RSS, 20 s after a page load | ${fmt(
    results.rss,
    0,
    'MB',
  )} | < 700 MB |`,
);
console.log(
  `| cold page load, signed-in user, empty cache: catalog table visible | ${fmt(
    results.catalog,
    2,
    's',
  )} | < 2 s |`,
);
console.log(
  `| cold page load, first visit: sign-in page visible | ${fmt(
    results.signIn,
    2,
    's',
  )} | — |`,
);
console.log(
  `| JS for the first page (catalog) | ${
    results.js.scriptCount
  } files, ${results.js.rawKb.toFixed(0)} KB raw, ${results.js.gzipKb.toFixed(
    0,
  )} KB gzipped | report |`,
);
