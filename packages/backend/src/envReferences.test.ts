import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFilesFromArgs, findEnvReferences } from './envReferences';
import { checkEnvReferences } from './preflight';

describe('environment references', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-env-'));
  const file = path.join(dir, 'app-config.production.yaml');
  fs.writeFileSync(
    file,
    [
      'app:',
      '  baseUrl: ${COMET_BASE_URL}',
      'backend:',
      '  database:',
      '    connection:',
      '      host: ${POSTGRES_HOST}',
      '      password: ${POSTGRES_PASSWORD}',
      '  csp:',
      "    connect-src: ['self', 'https://${CDN_HOST}/x']",
    ].join('\n'),
  );
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds each reference with the key it sets', () => {
    expect(findEnvReferences([file])).toEqual([
      {
        variable: 'COMET_BASE_URL',
        key: 'app.baseUrl',
        file: 'app-config.production.yaml',
      },
      {
        variable: 'POSTGRES_HOST',
        key: 'backend.database.connection.host',
        file: 'app-config.production.yaml',
      },
      {
        variable: 'POSTGRES_PASSWORD',
        key: 'backend.database.connection.password',
        file: 'app-config.production.yaml',
      },
      {
        variable: 'CDN_HOST',
        key: 'backend.csp.connect-src[1]',
        file: 'app-config.production.yaml',
      },
    ]);
  });

  it('reads --config arguments, relative to the working directory', () => {
    expect(
      configFilesFromArgs(['--config', 'a.yaml', '--config=b.yaml'], dir),
    ).toEqual([path.join(dir, 'a.yaml'), path.join(dir, 'b.yaml')]);
  });

  it('fails in production on the first unset variable and lists the others', () => {
    const references = findEnvReferences([file]);
    expect(() =>
      checkEnvReferences(
        references,
        { POSTGRES_HOST: 'db' },
        {
          production: true,
          optional: ['POSTGRES_PASSWORD'],
        },
      ),
    ).toThrow(
      'app.baseUrl: needs the environment variable COMET_BASE_URL, which is not set (app-config.production.yaml) (also unset: CDN_HOST)',
    );
  });

  it('only reports unset variables in development', () => {
    const unset = checkEnvReferences(
      findEnvReferences([file]),
      { COMET_BASE_URL: 'http://x' },
      {
        production: false,
      },
    );
    expect(unset.map(r => r.variable)).toEqual([
      'POSTGRES_HOST',
      'POSTGRES_PASSWORD',
      'CDN_HOST',
    ]);
  });
});
