// What the benchmark scripts share: starting and stopping a real portal (`scripts/comet.sh
// start`), a guest token, and the headless Chromium flags.
import { spawn } from 'node:child_process';
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
 * Starts the portal with `configFile` added to the defaults. `ready` resolves with the seconds
 * it took until "Comet is ready at", and rejects with the end of its output if it exits.
 */
export function startComet(configFile) {
  const started = process.hrtime.bigint();
  const child = spawn(
    'bash',
    [path.join(root, 'scripts/comet.sh'), 'start', '--config', configFile],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  child.on('exit', () => children.delete(child));
  let output = '';
  const ready = new Promise((resolve, reject) => {
    const onData = chunk => {
      output += chunk;
      if (output.includes('Comet is ready at')) {
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

/** SIGINT, then SIGKILL if it has not stopped within 20 s. */
export async function stopComet(child) {
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
