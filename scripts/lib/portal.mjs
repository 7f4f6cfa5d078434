// What the benchmark scripts share: starting and stopping a real portal (`scripts/comet.sh
// start`), a guest token, and the headless Chromium flags.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../..',
);

/** Chromium flags for measuring: no background traffic, no sync, no GPU. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Starts the portal with `configFile` (one path, or several in order) added to the defaults. `ready` resolves with the seconds
 * it took until "Comet is ready at", and rejects with the end of its output if it exits.
 */
export function startComet(configFile) {
  const started = process.hrtime.bigint();
  const child = spawn(
    'bash',
    [
      path.join(root, 'scripts/comet.sh'),
      'start',
      ...[configFile].flat().flatMap(file => ['--config', file]),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  child.on('exit', () => children.delete(child));
  // Only the end of the output is kept (for the error if it exits): a portal under load logs
  // every request, and searching all of it again for each chunk once cost the bench most of
  // its CPU.
  let output = '';
  let isReady = false;
  const ready = new Promise((resolve, reject) => {
    const onData = chunk => {
      output = (output + chunk).slice(-4000);
      if (!isReady && output.includes('Comet is ready at')) {
        isReady = true;
        resolve(Number(process.hrtime.bigint() - started) / 1e9);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', code =>
      reject(new Error(`Comet exited with ${code}:\n${output.slice(-3000)}`)),
    );
  });
  return { child, ready };
}

/** SIGINT, then SIGKILL if it has not stopped within 20 s (nothing if it has exited). */
export async function stopComet(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise(resolve => child.on('exit', resolve));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** A guest user's Backstage token from the portal at `baseUrl`. */
export async function guestToken(baseUrl) {
  const session = await (
    await fetch(`${baseUrl}/api/auth/guest/refresh?env=development`, {
      headers: { 'x-requested-with': 'XMLHttpRequest' },
    })
  ).json();
  return session.backstageIdentity.token;
}

/** CPU seconds (user + system) the process `pid` has used so far, from /proc. */
function cpuSeconds(pid) {
  const fields = fs
    .readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  // After "(comm) ": state is field 0, utime 11 and stime 12, in clock ticks (100 a second)
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Waits until the portal's backend (`pid`) has settled after start-up: its catalog processing,
 * first search indexing and scheduled tasks done, so that it used under 5% of a core for three
 * seconds in a row. Gives up after `timeoutMs` and says so. Resolves with the seconds waited.
 */
export async function waitForIdle(pid, timeoutMs = 120_000) {
  const started = Date.now();
  let quietSeconds = 0;
  let last = cpuSeconds(pid);
  while (quietSeconds < 3) {
    if (Date.now() - started > timeoutMs) {
      process.stderr.write(
        `the portal was still busy after ${
          timeoutMs / 1000
        } s; measuring anyway\n`,
      );
      break;
    }
    await new Promise(r => setTimeout(r, 1000));
    const now = cpuSeconds(pid);
    quietSeconds = now - last < 0.05 ? quietSeconds + 1 : 0;
    last = now;
  }
  return (Date.now() - started) / 1000;
}

/**
 * Starts only Comet's backend from the source tree `treeDir` (the repository, or a copy of
 * one commit), as `scripts/comet.sh start` does after its set-up: no dependency install, no
 * configuration check, no frontend build (a bench of its API needs none of them, and the
 * install must not run while others change package.json files). `configFiles` come after the
 * tree's app-config.yaml. Resolves like {@link startComet}.
 */
export function startCometBackend(treeDir, configFiles) {
  const started = process.hrtime.bigint();
  const args = [
    '--enable-source-maps',
    '--require',
    '@backstage/cli-node/config/nodeTransform.cjs',
    'src/index.ts',
    '--config',
    path.join(treeDir, 'app-config.yaml'),
    ...configFiles.flatMap(file => ['--config', file]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: path.join(treeDir, 'packages/backend'),
    env: { ...process.env, NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let output = '';
  let isReady = false;
  const ready = new Promise((resolve, reject) => {
    const onData = chunk => {
      output = (output + chunk).slice(-4000);
      if (!isReady && output.includes('Comet is ready at')) {
        isReady = true;
        resolve(Number(process.hrtime.bigint() - started) / 1e9);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', code =>
      reject(new Error(`Comet exited with ${code}:\n${output.slice(-3000)}`)),
    );
  });
  return { child, ready };
}
