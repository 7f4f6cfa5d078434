// A minimal Backstage backend with the community Jenkins and SonarQube plugins, the peer that
// `yarn bench:peers` measures Comet against. It is installed with npm into a git-ignored
// folder (not as workspace dependencies, so the repository's install never pulls a second
// Backstage tree) and reused while its pinned versions stay the same.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { root } from './portal.mjs';

/**
 * One coherent Backstage release: the one the community plugins' latest versions are built
 * against (backend-plugin-api 1.10.0, backend-defaults 0.17, catalog-node 2.2; their ranges
 * accept no later backend-defaults or catalog-node), so npm installs a single copy of each
 * framework package. Comet is on Backstage 1.57 (backend-plugin-api 1.12.0).
 */
export const PEER_PACKAGES = {
  '@backstage/backend-defaults': '0.17.8',
  '@backstage/plugin-catalog-backend': '3.9.1',
  '@backstage/plugin-permission-backend': '0.7.15',
  '@backstage/plugin-permission-backend-module-allow-all-policy': '0.2.22',
  '@backstage/plugin-auth-backend': '0.30.0',
  '@backstage/plugin-auth-backend-module-guest-provider': '0.2.22',
  '@backstage-community/plugin-jenkins-backend': '0.31.0',
  '@backstage-community/plugin-sonarqube-backend': '1.2.0',
};

const requireFromRoot = createRequire(path.join(root, 'package.json'));

// The peer's plugins, in the order Comet's backend adds their counterparts.
const ENTRY = `// Written by scripts/lib/peerBackend.mjs: the peer backend of \`yarn bench:peers\`.
const { createBackend } = require('@backstage/backend-defaults');
const backend = createBackend();
for (const name of [
  '@backstage/plugin-auth-backend',
  '@backstage/plugin-auth-backend-module-guest-provider',
  '@backstage/plugin-catalog-backend',
  '@backstage/plugin-permission-backend',
  '@backstage/plugin-permission-backend-module-allow-all-policy',
  '@backstage-community/plugin-jenkins-backend',
  '@backstage-community/plugin-sonarqube-backend',
]) {
  backend.add(require(name).default);
}
backend.start().then(() => process.stdout.write('\\nPeer is ready\\n'));
`;

/**
 * Installs the peer into `dir` unless the stamp says this exact set is there. SQLite, as
 * Comet's embedded defaults: better-sqlite3 at the version Comet has, installed without its
 * build step (which downloads a prebuilt binary or node headers) and given the native module
 * Comet's install built, the same Node ABI. Returns the seconds spent installing (0 if reused).
 */
export function ensurePeerInstalled(dir, npm) {
  const sqliteVersion = requireFromRoot('better-sqlite3/package.json').version;
  const manifest = {
    name: 'comet-bench-peers',
    private: true,
    // A workspace root of its own: Backstage looks for the monorepo root from the working
    // directory upwards (for the config schemas of its packages), and would find Comet's.
    workspaces: [],
    dependencies: { ...PEER_PACKAGES, 'better-sqlite3': sqliteVersion },
  };
  const wanted = JSON.stringify(manifest, null, 2);
  const stamp = path.join(dir, '.installed-stamp');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.cjs'), ENTRY);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) {
    return 0;
  }
  const started = Date.now();
  fs.writeFileSync(path.join(dir, 'package.json'), `${wanted}\n`);
  process.stderr.write(
    `installing the peer backend into ${path.relative(
      root,
      dir,
    )} (once; about a minute)\n`,
  );
  execFileSync(
    npm,
    [
      'install',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
    ],
    { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 },
  );
  const binary = path.join('build', 'Release', 'better_sqlite3.node');
  const source = path.join(
    path.dirname(requireFromRoot.resolve('better-sqlite3/package.json')),
    binary,
  );
  const target = path.join(dir, 'node_modules', 'better-sqlite3', binary);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(source, target);
  fs.writeFileSync(stamp, wanted);
  return (Date.now() - started) / 1000;
}

/** The peer's config: SQLite in `dir`, guest sign-in, the catalog files, both plugins. */
export function writePeerConfig(
  dir,
  { port, catalogFiles, jenkins, sonarqube },
) {
  const baseUrl = `http://localhost:${port}`;
  const file = path.join(dir, 'app-config.yaml');
  fs.rmSync(path.join(dir, 'sqlite'), { recursive: true, force: true });
  fs.writeFileSync(
    file,
    `app:
  baseUrl: ${baseUrl}
backend:
  baseUrl: ${baseUrl}
  listen:
    port: ${port}
  database:
    client: better-sqlite3
    connection:
      directory: ${path.join(dir, 'sqlite')}
auth:
  environment: development
  providers:
    guest: {}
catalog:
  rules:
    - allow: [Component, System, API, Resource, Location, Domain, User, Group]
  locations:
${catalogFiles
  .map(target => `    - type: file\n      target: ${target}`)
  .join('\n')}
permission:
  enabled: true
jenkins:
  instances:
    - name: default
      baseUrl: ${jenkins.url}
      username: ${jenkins.username}
      apiKey: ${jenkins.apiKey}
sonarqube:
  instances:
    - name: default
      baseUrl: ${sonarqube.url}
      apiKey: ${sonarqube.apiKey}
`,
  );
  return file;
}

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Starts the peer with `node` and the config file, as development (as `scripts/comet.sh start`
 * runs Comet). `ready` resolves with the seconds until it said so and rejects with the end of
 * its output if it exits.
 */
export function startPeer(dir, configFile, nodeBinary = process.execPath) {
  const started = process.hrtime.bigint();
  const child = spawn(nodeBinary, ['index.cjs', '--config', configFile], {
    cwd: dir,
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
      if (!isReady && output.includes('Peer is ready')) {
        isReady = true;
        resolve(Number(process.hrtime.bigint() - started) / 1e9);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', code =>
      reject(
        new Error(`the peer exited with ${code}:\n${output.slice(-3000)}`),
      ),
    );
  });
  return { child, ready };
}

/** The npm next to the Node that runs this script (the toolchain's), else the one on PATH. */
export function npmBinary() {
  const besideNode = path.join(path.dirname(process.execPath), 'npm');
  return fs.existsSync(besideNode) ? besideNode : 'npm';
}
