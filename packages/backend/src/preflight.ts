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
 * serves one would let anyone act on it: each `comet.fakes.<name>` that is on is refused.
 */
function fakesRefusals(config: Config): PreflightError[] {
  const fakes = config.getOptionalConfig('comet.fakes');
  return (fakes?.keys() ?? [])
    .filter(name => {
      const value = fakes!.getOptional(name);
      return value !== false && value !== 'false';
    })
    .map(
      name =>
        new PreflightError(
          `comet.fakes.${name}`,
          'serves a fake API with published credentials, for demos and tests only; it is refused when NODE_ENV=production',
          'remove it from the production config',
        ),
    );
}

/** Whether an address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLocaleLowerCase('en-US');
  return (
    bare === 'localhost' ||
    bare === '::1' ||
    bare === '0:0:0:0:0:0:0:1' ||
    /^(::ffff:)?127(\.\d{1,3}){3}$/.test(bare)
  );
}

/**
 * The interface the backend binds to, as Backstage reads `backend.listen` (a `host:port`
 * string or `{host, port}`); '' is every interface, Backstage's default.
 */
export function listenHost(config: Config): string {
  const listen = config.getOptional('backend.listen');
  if (typeof listen === 'string') {
    const parts = listen.split(':');
    return parts.length === 2 ? parts[0] : '';
  }
  const host = config.getOptional('backend.listen.host');
  return typeof host === 'string' ? host : '';
}

/** The keys that turn guest sign-in on, each with where it is set. */
function guestSignInKeys(config: Config): string[] {
  const keys: string[] = [];
  if (config.has('auth.providers.guest')) {
    keys.push('auth.providers.guest');
  }
  const providers = config.getOptional('comet.signIn.providers');
  if (Array.isArray(providers) && providers.includes('guest')) {
    keys.push('comet.signIn.providers');
  }
  return keys;
}

/** The demo's static token: the README's release runs as it, so its value is published. */
const DEMO_TOKEN_SUBJECTS = ['release-bot'];

/**
 * What a portal exposed to a company must not run with: each is fine on a laptop and a hole
 * on a network. Every one found is returned, so one start names them all.
 */
function productionRefusals(config: Config): PreflightError[] {
  const refusals = fakesRefusals(config);
  const remove = (key: string) =>
    `remove it: set ${key}: null in the production config, which loads on top of app-config.yaml`;

  for (const key of guestSignInKeys(config)) {
    refusals.push(
      new PreflightError(
        key,
        'turns guest sign-in on, which lets anyone who reaches the portal in as a member of a team; it is refused when NODE_ENV=production',
        key === 'comet.signIn.providers'
          ? 'list a real sign-in provider only, e.g. [github]'
          : remove(key),
      ),
    );
  }

  if (config.has('comet.exampleRepos')) {
    refusals.push(
      new PreflightError(
        'comet.exampleRepos',
        'serves the example projects as git repositories to anyone, unauthenticated, for demos only; it is refused when NODE_ENV=production',
        remove('comet.exampleRepos'),
      ),
    );
  }

  if (
    config.getOptional('pipelines.localExecutor.unsandboxed') === true ||
    config.getOptional('pipelines.localExecutor.unsandboxed') === 'true'
  ) {
    refusals.push(
      new PreflightError(
        'pipelines.localExecutor.unsandboxed',
        "runs pipeline steps as the backend's own user, where a step reads the backend's secrets and database; it is refused when NODE_ENV=production",
        'install bubblewrap (apt-get install bubblewrap) and remove the key',
      ),
    );
  }

  const egress = config.getOptional('pipelines.sandbox.allowedEgress');
  const backendHostEntry = Array.isArray(egress)
    ? egress.find(
        entry =>
          typeof entry === 'string' &&
          /^host\.comet\.internal\.?(:|$)/i.test(entry.trim()),
      )
    : undefined;
  if (backendHostEntry) {
    refusals.push(
      new PreflightError(
        'pipelines.sandbox.allowedEgress',
        `lists ${backendHostEntry}, which lets every pipeline step reach a service on the backend host's loopback (the portal itself, its database); it is refused when NODE_ENV=production`,
        'remove that entry, and list the service by a host name or IP other steps can reach',
      ),
    );
  }

  if (!config.has('comet.resourceScopes')) {
    refusals.push(
      new PreflightError(
        'comet.resourceScopes',
        "is not set, so any team's annotations may name any Jenkins job or SonarQube project and Comet's credentials act on it for them; it is required when NODE_ENV=production",
        'list each group\'s jobs and projects (docs/security.md, "Resource scopes"), or set it to {} to allow none',
      ),
    );
  }

  const permissionEnabled = config.getOptional('permission.enabled');
  if (permissionEnabled !== true && permissionEnabled !== 'true') {
    refusals.push(
      new PreflightError(
        'permission.enabled',
        `must be true when NODE_ENV=production, got ${JSON.stringify(
          permissionEnabled ?? null,
        )}: without it every signed-in user may do everything`,
        'set permission.enabled: true',
      ),
    );
  }

  const externalAccess = config.getOptional('backend.auth.externalAccess');
  if (Array.isArray(externalAccess)) {
    externalAccess.forEach((entry, index) => {
      const subject = (entry as { options?: { subject?: unknown } } | null)
        ?.options?.subject;
      if (
        typeof subject === 'string' &&
        DEMO_TOKEN_SUBJECTS.includes(subject)
      ) {
        refusals.push(
          new PreflightError(
            `backend.auth.externalAccess[${index}].options.subject`,
            `"${subject}" is the demo's static token, whose value is published in this repository; it is refused when NODE_ENV=production`,
            'give a production token its own subject and a secret value from the environment',
          ),
        );
      }
    });
  }
  return refusals;
}

/** One error naming every refused key, one line each. */
function combine(refusals: PreflightError[]): PreflightError {
  if (refusals.length === 1) {
    return refusals[0];
  }
  const [first, ...others] = refusals;
  const error = new PreflightError(first.key, '');
  error.message = [first, ...others]
    .map(refusal => refusal.message)
    .join('\n  ');
  return error;
}

/**
 * Checks the settings that Backstage itself only notices late (a database connection without a
 * host, a Redis cache without a URL, a sign-in provider without credentials), so that a wrong
 * production setting stops start-up with one message naming the key instead of a stack trace
 * from deep inside a plugin. `production` defaults to `NODE_ENV=production`.
 */
export function checkConfig(
  config: Config,
  options: { production?: boolean; warn?: (message: string) => void } = {},
): void {
  const production =
    options.production ?? process.env.NODE_ENV === 'production';
  const warn =
    options.warn ??
    ((message: string) => process.stderr.write(`Comet: ${message}\n`));
  if (production) {
    const refusals = productionRefusals(config);
    if (refusals.length > 0) {
      throw combine(refusals);
    }
  }

  // Guest sign-in lets anyone who reaches the port in, so it stays on this machine
  const guestKeys = guestSignInKeys(config);
  const host = listenHost(config);
  if (guestKeys.length > 0 && !isLoopbackHost(host)) {
    throw new PreflightError(
      'backend.listen.host',
      `is ${
        host ? `"${host}"` : 'every interface'
      } while guest sign-in is on (${guestKeys.join(
        ', ',
      )}), which would let anyone on the network in as a guest`,
      'listen on 127.0.0.1, or turn guest sign-in off and configure a real sign-in provider',
    );
  }

  if (production && !config.has('backend.rateLimit')) {
    warn(
      'backend.rateLimit is not set, so no request is rate limited; set it unless a proxy in front of Comet limits requests',
    );
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
