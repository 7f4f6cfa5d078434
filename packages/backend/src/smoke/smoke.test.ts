/*
 * Boot smoke tests: the real backend, started the way `npm start` starts it, on SQLite (the
 * embedded defaults) and on PostgreSQL + Redis (the production config). They exist so that a
 * Backstage version skew that breaks start-up can never land again.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import {
  CometProcess,
  dropTestDatabases,
  eventually,
  freePort,
  REPO_ROOT,
} from './CometProcess';

const execFileAsync = promisify(execFile);
jest.setTimeout(180_000);

const FIXTURES = path.join(REPO_ROOT, 'packages/backend/src/__fixtures__');
const POSTGRES_URL =
  process.env.COMET_TEST_POSTGRES_URL ??
  'postgresql://postgres@127.0.0.1:5432/postgres';

/** The catalog locations of app-config.yaml plus the smoke fixtures (arrays replace, not merge). */
function catalogLocations() {
  const files = [
    ['catalog-info.yaml', undefined],
    ['examples/org.yaml', '[User, Group]'],
    ['examples/catalog/all.yaml', undefined],
    ['examples/templates/all.yaml', '[Template, Location]'],
  ] as const;
  const lines = ['catalog:', '  locations:'];
  for (const [file, allow] of files) {
    lines.push(
      `    - type: file`,
      `      target: ${path.join(REPO_ROOT, file)}`,
    );
    if (allow) {
      lines.push(`      rules:`, `        - allow: ${allow}`);
    }
  }
  for (const fixture of [
    'valid-entity.yaml',
    'broken-entities.yaml',
    'invalid-entity.yaml',
  ]) {
    lines.push(
      `    - type: file`,
      `      target: ${path.join(FIXTURES, fixture)}`,
    );
  }
  return lines.join('\n');
}

async function getJson(url: string, token?: string) {
  const response = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!response.ok) {
    throw new Error(
      `${url} answered ${response.status}: ${await response.text()}`,
    );
  }
  return response.json();
}

async function componentNames(baseUrl: string, token: string) {
  const body = await getJson(
    `${baseUrl}/api/catalog/entities/by-query?filter=kind=component&limit=100`,
    token,
  );
  return (body.items as Array<{ metadata: { name: string } }>)
    .map(entity => entity.metadata.name)
    .sort();
}

const EXAMPLE_COMPONENTS = [
  'comet',
  'ledger-worker',
  'notification-service',
  'payments-api',
  'product-catalog',
  'storefront-web',
];

describe('Comet on its embedded defaults (SQLite)', () => {
  let comet: CometProcess;
  let baseUrl: string;
  let port: number;
  let dataDir: string;

  beforeAll(async () => {
    port = await freePort();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-data-'));
    comet = CometProcess.start({
      overrides: [
        'app:',
        `  baseUrl: http://localhost:${port}`,
        'backend:',
        `  baseUrl: http://localhost:${port}`,
        '  listen:',
        `    port: ${port}`,
        '  database:',
        '    connection:',
        `      directory: ${path.join(dataDir, 'sqlite')}`,
        `  workingDirectory: ${path.join(dataDir, 'work')}`,
        'comet:',
        '  exampleRepos:',
        `    targetDir: ${path.join(dataDir, 'git')}`,
        'pipelines:',
        `  dataDir: ${path.join(dataDir, 'pipelines')}`,
        catalogLocations(),
      ].join('\n'),
    });
    baseUrl = await comet.ready();
  });

  afterAll(async () => {
    await comet?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  let guestToken: string;

  it('is ready and signs a guest in', async () => {
    expect(baseUrl).toBe(`http://localhost:${port}`);
    const readiness = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
    expect(readiness.status).toBe(200);

    const refresh = await fetch(
      `${baseUrl}/api/auth/guest/refresh?env=development`,
      {
        headers: { 'x-requested-with': 'XMLHttpRequest' },
      },
    );
    expect(refresh.status).toBe(200);
    const session = await refresh.json();
    expect(session.backstageIdentity.identity.userEntityRef).toBe(
      'user:default/guest',
    );
    guestToken = session.backstageIdentity.token;
  });

  it('serves the frontend on the same port', async () => {
    const response = await fetch(`${baseUrl}/catalog`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Comet</title>');
  });

  it('serves the example catalog, and a broken file does not stop the others', async () => {
    const names = await eventually(async () => {
      const found = await componentNames(baseUrl, guestToken);
      return [...EXAMPLE_COMPONENTS, 'smoke-valid'].every(n =>
        found.includes(n),
      )
        ? found
        : undefined;
    });
    expect(names).toEqual(
      expect.arrayContaining([...EXAMPLE_COMPONENTS, 'smoke-valid']),
    );
    expect(names).not.toContain('smoke-broken');

    // The catalog's error view (the "Unprocessed entities" page) lists both: the file that
    // is not YAML under its location, and the entity that fails validation.
    const errors = await eventually(async () => {
      const text = JSON.stringify([
        await getJson(
          `${baseUrl}/api/catalog/entities/unprocessed/failed`,
          guestToken,
        ),
        await getJson(
          `${baseUrl}/api/catalog/entities/unprocessed/pending`,
          guestToken,
        ),
      ]);
      return text.includes('broken-entities.yaml') &&
        text.includes('smoke-invalid')
        ? text
        : undefined;
    });
    expect(errors).toContain('YAML error at file:');
    expect(errors).toMatch(/smoke-invalid[^]*owner/);
  });

  it('refuses the catalog without a token', async () => {
    const response = await fetch(`${baseUrl}/api/catalog/entities?limit=1`);
    expect(response.status).toBe(401);
  });

  it('serves the example projects as git repositories that clone offline', async () => {
    const target = path.join(dataDir, 'clone');
    await execFileAsync('git', [
      'clone',
      '--quiet',
      '--depth',
      '1',
      `${baseUrl}/api/example-repos/payments-api.git`,
      target,
    ]);
    expect(fs.existsSync(path.join(target, '.comet', 'pipeline.yaml'))).toBe(
      true,
    );
    expect(fs.existsSync(path.join(target, 'package.json'))).toBe(true);

    const missing = await fetch(
      `${baseUrl}/api/example-repos/nope.git/info/refs?service=git-upload-pack`,
    );
    expect(missing.status).toBe(404);
    const push = await fetch(
      `${baseUrl}/api/example-repos/payments-api.git/info/refs?service=git-receive-pack`,
    );
    expect(push.status).toBe(404);
  });

  it('exposes registered actions over MCP to a signed-in user only', async () => {
    const request = (token?: string) =>
      fetch(`${baseUrl}/api/mcp-actions/v1`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    expect((await request()).status).toBe(401);
    const response = await request(guestToken);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('"tools"');
    // The pipelines actions are there for MCP clients, except the destructive ones that
    // backend.actions.filter leaves out (docs/security.md, "Roles and permissions")
    for (const action of [
      'list-runs',
      'get-run',
      'get-run-logs',
      'trigger-run',
      'validate-pipeline',
    ]) {
      expect(text).toContain(`pipelines.${action}`);
    }
    for (const action of ['cancel-run', 'approve-run']) {
      expect(text).not.toContain(`pipelines.${action}`);
    }
    expect(text).not.toContain('jenkins.abort-build');
  });

  it('refuses a second start on the same port with a clear message', async () => {
    const second = CometProcess.start({
      overrides: ['backend:', '  listen:', `    port: ${port}`].join('\n'),
    });
    const code = await second.exit();
    await second.stop();
    expect(code).toBe(1);
    expect(second.output).toContain(`port ${port} is already in use`);
  });

  it('stops cleanly on Ctrl-C and keeps its data for the next start', async () => {
    const code = await comet.stop();
    expect(code).toBe(0);
    const files = fs.readdirSync(path.join(dataDir, 'sqlite'));
    expect(files).toEqual(expect.arrayContaining(['catalog.sqlite']));
  });
});

describe('Comet in production (PostgreSQL, Redis, GitHub sign-in)', () => {
  const prefix = `comet_smoke_${Date.now()}_`;
  const pg = new URL(POSTGRES_URL);
  const token = `smoke-${Math.random().toString(36).slice(2)}-token-0123456789`;
  let comet: CometProcess;
  let port: number;

  function productionEnv(): Record<string, string> {
    return {
      COMET_BASE_URL: `http://localhost:${port}`,
      COMET_PORT: String(port),
      POSTGRES_HOST: pg.hostname,
      POSTGRES_PORT: pg.port || '5432',
      POSTGRES_USER: decodeURIComponent(pg.username) || 'postgres',
      POSTGRES_PASSWORD: decodeURIComponent(pg.password),
      REDIS_URL: process.env.COMET_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      AUTH_GITHUB_CLIENT_ID: 'smoke-client-id',
      AUTH_GITHUB_CLIENT_SECRET: 'smoke-client-secret',
    };
  }

  const overrides = () =>
    [
      'backend:',
      '  database:',
      `    prefix: ${prefix}`,
      '  auth:',
      '    externalAccess:',
      '      - type: static',
      '        options:',
      `          token: ${token}`,
      '          subject: smoke-test',
      catalogLocations(),
    ].join('\n');

  afterAll(async () => {
    await comet?.stop();
    await dropTestDatabases(POSTGRES_URL, prefix);
  });

  it('starts, migrates on PostgreSQL and serves the catalog', async () => {
    port = await freePort();
    comet = CometProcess.start({
      configs: ['app-config.production.yaml'],
      overrides: overrides(),
      env: productionEnv(),
      nodeEnv: 'production',
    });
    const baseUrl = await comet.ready();
    expect(baseUrl).toBe(`http://localhost:${port}`);

    const names = await eventually(async () => {
      const found = await componentNames(baseUrl, token);
      return EXAMPLE_COMPONENTS.every(n => found.includes(n))
        ? found
        : undefined;
    });
    expect(names).toEqual(expect.arrayContaining(EXAMPLE_COMPONENTS));

    const client = new Client({ connectionString: POSTGRES_URL });
    await client.connect();
    const { rows } = await client.query(
      'SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname',
      [`${prefix}%`],
    );
    await client.end();
    expect(rows.map(r => r.datname)).toEqual(
      expect.arrayContaining([`${prefix}catalog`, `${prefix}auth`]),
    );

    // Guest sign-in is off in production
    const guest = await fetch(
      `${baseUrl}/api/auth/guest/refresh?env=production`,
      {
        headers: { 'x-requested-with': 'XMLHttpRequest' },
      },
    );
    expect(guest.ok).toBe(false);
    await comet.stop();
  });

  it.each([
    [
      'POSTGRES_HOST is missing',
      { POSTGRES_HOST: '' },
      'backend.database.connection.host: needs the environment variable POSTGRES_HOST, which is not set (app-config.production.yaml)',
    ],
    [
      'POSTGRES_PORT is not a number',
      { POSTGRES_PORT: 'five' },
      'backend.database.connection.port: must be a port number between 1 and 65535, got "five" (set POSTGRES_PORT)',
    ],
    [
      'REDIS_URL is not a redis URL',
      { REDIS_URL: 'localhost:6379' },
      'backend.cache.connection: must be a redis:// or rediss:// URL',
    ],
    [
      'the GitHub client secret is missing',
      { AUTH_GITHUB_CLIENT_SECRET: '' },
      'auth.providers.github.production.clientSecret: needs the environment variable AUTH_GITHUB_CLIENT_SECRET, which is not set (app-config.production.yaml)',
    ],
    [
      'COMET_BASE_URL is missing',
      { COMET_BASE_URL: '' },
      'app.baseUrl: needs the environment variable COMET_BASE_URL, which is not set (app-config.production.yaml)',
    ],
  ])(
    'stops with one message naming the key when %s',
    async (_, env, message) => {
      port = await freePort();
      const broken = CometProcess.start({
        configs: ['app-config.production.yaml'],
        overrides: overrides(),
        env: Object.fromEntries(
          Object.entries({ ...productionEnv(), ...env }).filter(
            ([, v]) => v !== '',
          ),
        ),
        nodeEnv: 'production',
      });
      const code = await broken.exit();
      await broken.stop();
      expect(code).toBe(1);
      expect(broken.output).toContain(`Comet cannot start: ${message}`);
      expect(broken.output).not.toContain('smoke-client-secret');
    },
  );
});
