import { ConfigReader } from '@backstage/config';
import { ConfigSources } from '@backstage/config-loader';
import net from 'node:net';
import path from 'node:path';
import {
  checkConfig,
  checkPortFree,
  isLoopbackHost,
  listenHost,
} from './preflight';

const base = {
  app: { baseUrl: 'http://localhost:7007' },
  backend: { baseUrl: 'http://localhost:7007' },
};

function check(data: object) {
  return () => checkConfig(new ConfigReader({ ...base, ...data }));
}

describe('checkConfig', () => {
  it('accepts the embedded defaults', () => {
    expect(
      check({
        backend: {
          ...base.backend,
          database: {
            client: 'better-sqlite3',
            connection: { directory: 'x' },
          },
        },
      }),
    ).not.toThrow();
  });

  it('names a missing PostgreSQL host and the variable to set', () => {
    expect(
      check({
        backend: {
          ...base.backend,
          database: { client: 'pg', connection: { user: 'comet' } },
        },
      }),
    ).toThrow(
      'backend.database.connection.host: is missing (set POSTGRES_HOST)',
    );
  });

  it('rejects a port that is not a number', () => {
    expect(
      check({
        backend: {
          ...base.backend,
          database: {
            client: 'pg',
            connection: { host: 'db', user: 'comet', port: '54x' },
          },
        },
      }),
    ).toThrow(
      'backend.database.connection.port: must be a port number between 1 and 65535, got "54x"',
    );
  });

  it('accepts a connection string', () => {
    expect(
      check({
        backend: {
          ...base.backend,
          database: { client: 'pg', connection: 'postgresql://db/comet' },
        },
      }),
    ).not.toThrow();
  });

  it('rejects an unknown database client', () => {
    expect(
      check({ backend: { ...base.backend, database: { client: 'mysql2' } } }),
    ).toThrow(
      'backend.database.client: must be "pg" (PostgreSQL) or "better-sqlite3"',
    );
  });

  it('requires a redis URL for the redis cache, without echoing its password', () => {
    expect(
      check({ backend: { ...base.backend, cache: { store: 'redis' } } }),
    ).toThrow('backend.cache.connection: is missing (set REDIS_URL');
    expect(
      check({
        backend: {
          ...base.backend,
          cache: { store: 'redis', connection: 'http://user:hunter2@cache' },
        },
      }),
    ).toThrow('must be a redis:// or rediss:// URL, got "http://***@cache"');
  });

  it('requires both GitHub credentials for the environment in use', () => {
    expect(
      check({
        auth: {
          environment: 'production',
          providers: { github: { production: { clientId: 'id' } } },
        },
      }),
    ).toThrow(
      'auth.providers.github.production.clientSecret: is missing (set AUTH_GITHUB_CLIENT_SECRET)',
    );
  });

  it('refuses a fake API in production, naming its key', () => {
    const withFakes = (fakes: object) =>
      new ConfigReader({
        ...base,
        permission: { enabled: true },
        comet: { fakes, resourceScopes: {} },
      });
    expect(() =>
      checkConfig(withFakes({ sonarqube: false, jenkins: true }), {
        production: true,
      }),
    ).toThrow(
      'comet.fakes.jenkins: serves a fake API with published credentials, for demos and tests only; it is refused when NODE_ENV=production (remove it from the production config)',
    );
    expect(() =>
      checkConfig(withFakes({ sonarqube: 'true' }), { production: true }),
    ).toThrow(/^comet\.fakes\.sonarqube: serves a fake API/);
    // Off in production, or on anywhere else, is fine
    expect(() =>
      checkConfig(withFakes({ jenkins: false, sonarqube: 'false' }), {
        production: true,
      }),
    ).not.toThrow();
    expect(() =>
      checkConfig(withFakes({ jenkins: true, sonarqube: true }), {
        production: false,
      }),
    ).not.toThrow();
  });

  it('reads production from NODE_ENV when not told', () => {
    const config = new ConfigReader({
      ...base,
      comet: { fakes: { sonarqube: true }, resourceScopes: {} },
    });
    const nodeEnv = process.env.NODE_ENV;
    try {
      process.env.NODE_ENV = 'production';
      expect(() => checkConfig(config)).toThrow(/^comet\.fakes\.sonarqube: /);
      process.env.NODE_ENV = 'development';
      expect(() => checkConfig(config)).not.toThrow();
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
  });

  it('requires absolute base URLs', () => {
    expect(() =>
      checkConfig(new ConfigReader({ backend: base.backend })),
    ).toThrow('app.baseUrl: is missing (set COMET_BASE_URL');
    expect(check({ app: { baseUrl: 'localhost' } })).toThrow(
      'app.baseUrl: must be an absolute URL, got "localhost"',
    );
  });
});

describe('checkPortFree', () => {
  it('passes for a free port and names a taken one', async () => {
    const server = net.createServer();
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await expect(checkPortFree(port, '127.0.0.1')).rejects.toThrow(
      `backend.listen.port: port ${port} is already in use`,
    );
    await new Promise(resolve => server.close(resolve));
    await expect(checkPortFree(port, '127.0.0.1')).resolves.toBeUndefined();
  });
});

/** A production config that passes: the settings each test below turns wrong one at a time. */
const production = {
  ...base,
  permission: { enabled: true },
  comet: { resourceScopes: {} },
};

function checkProduction(data: object) {
  return () =>
    checkConfig(new ConfigReader({ ...production, ...data }), {
      production: true,
      warn: () => {},
    });
}

describe('checkConfig in production', () => {
  it('accepts a production config without the demo settings', () => {
    expect(checkProduction({})).not.toThrow();
  });

  it('refuses to run without comet.resourceScopes, naming the key', () => {
    expect(checkProduction({ comet: undefined })).toThrow(
      /^comet\.resourceScopes: is not set, so any team's annotations may name any Jenkins job/,
    );
  });

  it('refuses guest sign-in, naming the provider key', () => {
    expect(
      checkProduction({
        auth: { providers: { guest: { userEntityRef: 'user:default/guest' } } },
      }),
    ).toThrow(
      /^auth\.providers\.guest: turns guest sign-in on, which lets anyone who reaches the portal in .* \(remove it: set auth\.providers\.guest: null in the production config/,
    );
    // Present but empty is still the guest provider
    expect(checkProduction({ auth: { providers: { guest: {} } } })).toThrow(
      /^auth\.providers\.guest: /,
    );
  });

  it('refuses guest on the sign-in page, naming comet.signIn.providers', () => {
    expect(
      checkProduction({
        comet: {
          signIn: { providers: ['github', 'guest'] },
          resourceScopes: {},
        },
      }),
    ).toThrow(
      /^comet\.signIn\.providers: turns guest sign-in on.*\(list a real sign-in provider only, e\.g\. \[github\]\)$/,
    );
    expect(
      checkProduction({
        comet: { signIn: { providers: ['github'] }, resourceScopes: {} },
      }),
    ).not.toThrow();
  });

  it('refuses the example repositories', () => {
    expect(
      checkProduction({
        comet: { exampleRepos: { sourceDir: '../../examples/projects' } },
      }),
    ).toThrow(
      /^comet\.exampleRepos: serves the example projects as git repositories to anyone, unauthenticated/,
    );
  });

  it('refuses the local executor without its sandbox', () => {
    expect(
      checkProduction({ pipelines: { localExecutor: { unsandboxed: true } } }),
    ).toThrow(
      /^pipelines\.localExecutor\.unsandboxed: runs pipeline steps as the backend's own user.*\(install bubblewrap/,
    );
    expect(
      checkProduction({
        pipelines: { localExecutor: { unsandboxed: 'true' } },
      }),
    ).toThrow(/^pipelines\.localExecutor\.unsandboxed: /);
    expect(
      checkProduction({ pipelines: { localExecutor: { unsandboxed: false } } }),
    ).not.toThrow();
  });

  it("refuses steps' egress to the backend host", () => {
    expect(
      checkProduction({
        pipelines: {
          sandbox: {
            allowedEgress: ['api.github.com', 'HOST.comet.internal:7007'],
          },
        },
      }),
    ).toThrow(
      /^pipelines\.sandbox\.allowedEgress: lists HOST\.comet\.internal:7007, which lets every pipeline step reach a service on the backend host's loopback/,
    );
    expect(
      checkProduction({
        pipelines: {
          sandbox: {
            allowedEgress: [
              'api.github.com',
              'host.comet.internal.example.com',
            ],
          },
        },
      }),
    ).not.toThrow();
  });

  it('refuses permissions that are off or not set', () => {
    expect(checkProduction({ permission: { enabled: false } })).toThrow(
      'permission.enabled: must be true when NODE_ENV=production, got false: without it every signed-in user may do everything (set permission.enabled: true)',
    );
    expect(checkProduction({ permission: {} })).toThrow(
      'permission.enabled: must be true when NODE_ENV=production, got null',
    );
    expect(checkProduction({ permission: { enabled: 'true' } })).not.toThrow();
  });

  it("refuses the demo's release-bot static token, naming its entry", () => {
    const token = (subject: string) => ({
      type: 'static',
      options: { token: 'a-token-of-at-least-twenty-chars', subject },
    });
    expect(
      checkProduction({
        backend: {
          ...base.backend,
          auth: {
            externalAccess: [token('ci-bot'), token('release-bot')],
          },
        },
      }),
    ).toThrow(
      /^backend\.auth\.externalAccess\[1\]\.options\.subject: "release-bot" is the demo's static token/,
    );
    expect(
      checkProduction({
        backend: {
          ...base.backend,
          auth: { externalAccess: [token('ci-bot')] },
        },
      }),
    ).not.toThrow();
  });

  it('names every refused key at once, one line each, without secret values', () => {
    let message = '';
    try {
      checkProduction({
        auth: { providers: { guest: {} } },
        comet: {
          signIn: { providers: ['guest'] },
          exampleRepos: { sourceDir: 'x' },
          fakes: { jenkins: true },
          resourceScopes: {},
        },
        permission: { enabled: false },
        backend: {
          ...base.backend,
          auth: {
            externalAccess: [
              {
                type: 'static',
                options: {
                  token: 'published-demo-token-1234',
                  subject: 'release-bot',
                },
              },
            ],
          },
        },
      })();
    } catch (error) {
      message = (error as Error).message;
    }
    const keys = message.split('\n').map(line => line.trim().split(':')[0]);
    expect(keys).toEqual([
      'comet.fakes.jenkins',
      'auth.providers.guest',
      'comet.signIn.providers',
      'comet.exampleRepos',
      'permission.enabled',
      'backend.auth.externalAccess[0].options.subject',
    ]);
    expect(message).not.toContain('published-demo-token-1234');
  });

  it('warns when no request is rate limited', () => {
    const warnings: string[] = [];
    const warn = (message: string) => warnings.push(message);
    checkConfig(new ConfigReader(production), { production: true, warn });
    expect(warnings).toEqual([
      expect.stringMatching(
        /^backend\.rateLimit is not set, so no request is rate limited/,
      ),
    ]);
    warnings.length = 0;
    checkConfig(
      new ConfigReader({
        ...production,
        backend: { ...base.backend, rateLimit: true },
      }),
      { production: true, warn },
    );
    checkConfig(new ConfigReader(base), { production: false, warn });
    expect(warnings).toEqual([]);
  });
});

describe('guest sign-in stays on loopback', () => {
  const guest = { auth: { providers: { guest: {} } } };
  const listening = (listen: string | { host?: string; port?: number }) => () =>
    checkConfig(
      new ConfigReader({
        ...base,
        ...guest,
        backend: { ...base.backend, listen },
      }),
      { production: false },
    );

  it('accepts loopback addresses', () => {
    for (const host of [
      '127.0.0.1',
      '::1',
      '[::1]',
      'localhost',
      '127.0.0.2',
    ]) {
      expect(listening({ host, port: 7007 })).not.toThrow();
    }
    expect(listening('127.0.0.1:7007')).not.toThrow();
  });

  it('refuses every other interface, naming backend.listen.host', () => {
    expect(listening({ host: '0.0.0.0', port: 7007 })).toThrow(
      'backend.listen.host: is "0.0.0.0" while guest sign-in is on (auth.providers.guest), which would let anyone on the network in as a guest (listen on 127.0.0.1, or turn guest sign-in off and configure a real sign-in provider)',
    );
    expect(listening({ port: 7007 })).toThrow(
      'backend.listen.host: is every interface while guest sign-in is on',
    );
    expect(listening(':7007')).toThrow(
      /^backend\.listen\.host: is every interface/,
    );
    expect(listening('192.168.1.4:7007')).toThrow(/is "192\.168\.1\.4"/);
    expect(listening({ host: '::', port: 7007 })).toThrow(/is "::"/);
  });

  it('names the sign-in page key too, and lets a non-guest portal listen anywhere', () => {
    expect(() =>
      checkConfig(
        new ConfigReader({
          ...base,
          comet: { signIn: { providers: ['guest'] } },
          backend: { ...base.backend, listen: { host: '0.0.0.0' } },
        }),
        { production: false },
      ),
    ).toThrow(/guest sign-in is on \(comet\.signIn\.providers\)/);
    expect(() =>
      checkConfig(
        new ConfigReader({
          ...base,
          comet: { signIn: { providers: ['github'] } },
          backend: { ...base.backend, listen: { host: '0.0.0.0' } },
        }),
        { production: false },
      ),
    ).not.toThrow();
  });

  it('reads the host the way Backstage does', () => {
    const host = (backend: object) => listenHost(new ConfigReader({ backend }));
    expect(host({})).toBe('');
    expect(host({ listen: ':7007' })).toBe('');
    expect(host({ listen: '10.0.0.1:7007' })).toBe('10.0.0.1');
    expect(host({ listen: { host: '' } })).toBe('');
    expect(isLoopbackHost('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(isLoopbackHost('127.0.0.1.example.com')).toBe(false);
  });
});

describe("the repository's config files", () => {
  const root = path.resolve(__dirname, '../../..');
  const productionEnv: Record<string, string> = {
    COMET_BASE_URL: 'https://comet.example.com',
    COMET_PORT: '7007',
    POSTGRES_HOST: 'db',
    POSTGRES_PORT: '5432',
    POSTGRES_USER: 'comet',
    POSTGRES_PASSWORD: 'secret',
    REDIS_URL: 'redis://cache:6379',
    AUTH_GITHUB_CLIENT_ID: 'id',
    AUTH_GITHUB_CLIENT_SECRET: 'secret',
  };

  async function load(files: string[]) {
    return ConfigSources.toConfig(
      ConfigSources.defaultForTargets({
        rootDir: root,
        targets: files.map(file => ({
          type: 'path' as const,
          target: path.join(root, file),
        })),
        substitutionFunc: async name => productionEnv[name],
      }),
    );
  }

  it('app-config.production.yaml passes in production, listening on every interface', async () => {
    const config = await load([
      'app-config.yaml',
      'app-config.production.yaml',
    ]);
    try {
      const warnings: string[] = [];
      expect(() =>
        checkConfig(config, {
          production: true,
          warn: message => warnings.push(message),
        }),
      ).not.toThrow();
      expect(warnings).toEqual([]);
      expect(listenHost(config)).toBe('0.0.0.0');
      expect(config.getOptionalString('backend.rateLimit.store.type')).toBe(
        'redis',
      );
    } finally {
      config.close();
    }
  });

  it('the embedded defaults listen on loopback and are refused in production', async () => {
    const config = await load(['app-config.yaml']);
    try {
      expect(listenHost(config)).toBe('127.0.0.1');
      expect(config.getOptional('backend.csp.connect-src')).toEqual(["'self'"]);
      expect(() => checkConfig(config, { production: false })).not.toThrow();
      let message = '';
      try {
        checkConfig(config, { production: true, warn: () => {} });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(
        message.split('\n').map(line => line.trim().split(':')[0]),
      ).toEqual([
        'auth.providers.guest',
        'comet.signIn.providers',
        'comet.exampleRepos',
        'backend.auth.externalAccess[0].options.subject',
      ]);
    } finally {
      config.close();
    }
  });
});
