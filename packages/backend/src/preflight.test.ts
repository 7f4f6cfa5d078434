import { ConfigReader } from '@backstage/config';
import net from 'node:net';
import { checkConfig, checkPortFree } from './preflight';

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
      new ConfigReader({ ...base, comet: { fakes } });
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
      comet: { fakes: { sonarqube: true } },
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
