import { Config } from '@backstage/config';
import { createServer } from 'node:net';
import type { EnvReference } from './envReferences';

/**
 * A setting that stops Comet from starting, with the config key that is wrong and, where the
 * value normally comes from the environment, the variable to set.
 */
export class PreflightError extends Error {
  constructor(readonly key: string, problem: string, readonly hint?: string) {
    super(`${key}: ${problem}${hint ? ` (${hint})` : ''}`);
    this.name = 'PreflightError';
  }
}

const ENV_HINTS: Record<string, string> = {
  'app.baseUrl': 'set COMET_BASE_URL, e.g. https://comet.example.com',
  'backend.baseUrl': 'set COMET_BASE_URL, e.g. https://comet.example.com',
  'backend.database.connection.host': 'set POSTGRES_HOST',
  'backend.database.connection.port': 'set POSTGRES_PORT',
  'backend.database.connection.user': 'set POSTGRES_USER',
  'backend.database.connection.password': 'set POSTGRES_PASSWORD',
  'backend.cache.connection': 'set REDIS_URL, e.g. redis://127.0.0.1:6379',
  'auth.providers.github.production.clientId': 'set AUTH_GITHUB_CLIENT_ID',
  'auth.providers.github.production.clientSecret':
    'set AUTH_GITHUB_CLIENT_SECRET',
};

function requireString(config: Config, key: string): string {
  let value: unknown;
  try {
    value = config.getOptional(key);
  } catch (error) {
    throw new PreflightError(key, `cannot be read: ${error}`);
  }
  if (value === undefined || value === null || value === '') {
    throw new PreflightError(key, 'is missing', ENV_HINTS[key]);
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new PreflightError(
      key,
      `must be a string, got ${Array.isArray(value) ? 'a list' : typeof value}`,
      ENV_HINTS[key],
    );
  }
  return String(value);
}

function requirePort(config: Config, key: string) {
  const value = config.getOptional(key);
  if (value === undefined) {
    return;
  }
  const port = typeof value === 'string' ? Number(value) : value;
  if (
    typeof port !== 'number' ||
    !Number.isInteger(port) ||
    port < 1 ||
    port > 65535
  ) {
    throw new PreflightError(
      key,
      `must be a port number between 1 and 65535, got ${JSON.stringify(value)}`,
      ENV_HINTS[key],
    );
  }
}

/**
 * The fakes answer with credentials published in this repository, so a production portal that
 * serves one would let anyone act on it: each `comet.fakes.<name>` that is on stops start-up.
 */
function refuseFakes(config: Config) {
  const fakes = config.getOptionalConfig('comet.fakes');
  for (const name of fakes?.keys() ?? []) {
    const value = fakes!.getOptional(name);
    if (value !== false && value !== 'false') {
      throw new PreflightError(
        `comet.fakes.${name}`,
        'serves a fake API with published credentials, for demos and tests only; it is refused when NODE_ENV=production',
        'remove it from the production config',
      );
    }
  }
}

/**
 * Checks the settings that Backstage itself only notices late (a database connection without a
 * host, a Redis cache without a URL, a sign-in provider without credentials), so that a wrong
 * production setting stops start-up with one message naming the key instead of a stack trace
 * from deep inside a plugin. `production` defaults to `NODE_ENV=production`.
 */
export function checkConfig(
  config: Config,
  options: { production?: boolean } = {},
): void {
  const production =
    options.production ?? process.env.NODE_ENV === 'production';
  if (production) {
    refuseFakes(config);
  }

  for (const key of ['app.baseUrl', 'backend.baseUrl']) {
    const url = requireString(config, key);
    if (!URL.canParse(url)) {
      throw new PreflightError(
        key,
        `must be an absolute URL, got "${url}"`,
        ENV_HINTS[key],
      );
    }
  }

  const client = config.getOptionalString('backend.database.client');
  if (client === 'pg') {
    const connection = config.getOptional('backend.database.connection');
    if (typeof connection === 'string') {
      if (!connection) {
        throw new PreflightError(
          'backend.database.connection',
          'is empty',
          'set a PostgreSQL connection string or host/port/user/password',
        );
      }
    } else {
      requireString(config, 'backend.database.connection.host');
      requirePort(config, 'backend.database.connection.port');
      requireString(config, 'backend.database.connection.user');
    }
  } else if (client !== undefined && client !== 'better-sqlite3') {
    throw new PreflightError(
      'backend.database.client',
      `must be "pg" (PostgreSQL) or "better-sqlite3" (SQLite), got "${client}"`,
    );
  }

  const cacheStore = config.getOptionalString('backend.cache.store');
  if (cacheStore === 'redis') {
    const url = requireString(config, 'backend.cache.connection');
    if (!/^rediss?:\/\//.test(url)) {
      throw new PreflightError(
        'backend.cache.connection',
        `must be a redis:// or rediss:// URL, got "${url.replace(
          /\/\/[^@/]*@/,
          '//***@',
        )}"`,
        ENV_HINTS['backend.cache.connection'],
      );
    }
  }

  const environment =
    config.getOptionalString('auth.environment') ?? 'development';
  const githubKey = `auth.providers.github.${environment}`;
  if (config.has(githubKey)) {
    requireString(config, `${githubKey}.clientId`);
    requireString(config, `${githubKey}.clientSecret`);
  }
}

/**
 * In production an unset environment variable that a config file refers to is an error:
 * Backstage would silently drop the key and fall back to a development default (such as a
 * localhost base URL). Returns the unset ones that may be ignored, for a warning.
 */
export function checkEnvReferences(
  references: EnvReference[],
  env: Record<string, string | undefined>,
  options: { production: boolean; optional?: string[] },
): EnvReference[] {
  const unset = references.filter(
    reference =>
      env[reference.variable] === undefined || env[reference.variable] === '',
  );
  const fatal = unset.filter(
    reference =>
      options.production &&
      !(options.optional ?? []).includes(reference.variable),
  );
  if (fatal.length > 0) {
    const [first] = fatal;
    const others = [
      ...new Set(fatal.map(reference => reference.variable)),
    ].filter(variable => variable !== first.variable);
    throw new PreflightError(
      first.key,
      `needs the environment variable ${first.variable}, which is not set (${first.file})`,
      others.length ? `also unset: ${others.join(', ')}` : undefined,
    );
  }
  return unset;
}

/**
 * Fails fast with a clear message when the port is taken, typically by a Comet that is
 * already running.
 */
export async function checkPortFree(port: number, host?: string) {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new PreflightError(
            'backend.listen.port',
            `port ${port} is already in use, probably by a Comet that is already running; stop it or choose another port`,
          ),
        );
      } else {
        reject(error);
      }
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve());
    });
  });
}
