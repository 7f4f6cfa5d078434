import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConflictError } from '@backstage/errors';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseTestRecorderStore } from '../store/DatabaseTestRecorderStore';
import { SecretsCipher } from '../store/SecretsCipher';
import { SEED_AUTHOR, seedSuites } from './seedSuites';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const EXAMPLE = path.resolve(
  __dirname,
  '../../../../examples/test-suites/storefront-checkout.json',
);

describe('seedSuites', () => {
  let dir: string;
  let store: DatabaseTestRecorderStore;
  let logger: ReturnType<typeof mockServices.logger.mock>;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tr-seed-'));
    store = await DatabaseTestRecorderStore.create({
      database: mockServices.database({
        knex: await databases.init('SQLITE_3'),
      }),
      artifactsDir: path.join(dir, 'artifacts'),
      cipher: SecretsCipher.fromSecret('seed test'),
    });
    logger = mockServices.logger.mock();
  });

  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  const write = async (name: string, text: string) => {
    const file = path.join(dir, name);
    await fs.writeFile(file, text);
    return file;
  };

  it('creates each suite once, owned by the entity its file names', async () => {
    const first = await seedSuites({ store, files: [EXAMPLE], logger });
    expect(first).toEqual({ created: ['storefront-checkout'] });
    const suite = (await store.getSuite('storefront-checkout'))!;
    expect(suite).toMatchObject({
      entityRef: 'component:default/storefront-web',
      version: 1,
      updatedBy: SEED_AUTHOR,
    });
    expect(suite.definition).not.toHaveProperty('entityRef');
    expect(await store.listSuiteVersions('storefront-checkout')).toEqual([
      expect.objectContaining({
        message: 'Loaded from storefront-checkout.json',
      }),
    ]);
    expect(logger.info).toHaveBeenCalledWith(
      `Test recorder: loaded suite storefront-checkout for component:default/storefront-web from ${EXAMPLE}`,
    );

    const again = await seedSuites({ store, files: [EXAMPLE], logger });
    expect(again).toEqual({ created: [] });
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('never overwrites a suite edited in the portal', async () => {
    await seedSuites({ store, files: [EXAMPLE], logger });
    const seeded = (await store.getSuite('storefront-checkout'))!;
    await store.updateSuite({
      name: 'storefront-checkout',
      definition: { ...seeded.definition, title: 'Edited in the portal' },
      baseVersion: 1,
      updatedBy: 'user:default/ada',
    });
    expect(await seedSuites({ store, files: [EXAMPLE], logger })).toEqual({
      created: [],
    });
    expect(await store.getSuite('storefront-checkout')).toMatchObject({
      version: 2,
      definition: { title: 'Edited in the portal' },
    });
  });

  it('logs a bad file with its file and line, and loads the others', async () => {
    const bad = await write(
      'bad.json',
      [
        '{',
        '  "entityRef": "component:default/shop",',
        '  "name": "bad-suite",',
        '  "baseUrl": "not a url",',
        '  "tests": []',
        '}',
      ].join('\n'),
    );
    const syntax = await write('syntax.json', '{\n  "name": "x",\n}\n');
    const ownerless = await write(
      'ownerless.json',
      JSON.stringify({
        name: 'ownerless',
        baseUrl: 'http://127.0.0.1:1',
        tests: [],
      }),
    );
    const missing = path.join(dir, 'missing.json');
    const result = await seedSuites({
      store,
      files: [bad, syntax, ownerless, missing, EXAMPLE],
      logger,
    });
    expect(result).toEqual({ created: ['storefront-checkout'] });
    const warnings = logger.warn.mock.calls.map(call => call[0]);
    expect(warnings).toEqual([
      `Test recorder: seed suite not loaded: ${bad}:4: baseUrl: must be an absolute http(s) URL, e.g. http://localhost:3000`,
      `Test recorder: seed suite not loaded: ${syntax}:3:1: trailing comma before "}"`,
      `Test recorder: seed suite not loaded: ${ownerless}: a seed suite names its owner in "entityRef", e.g. "component:default/storefront-web"`,
      expect.stringMatching(
        new RegExp(`^Test recorder: seed suite not loaded: ENOENT.*${missing}`),
      ),
    ]);
    expect(await store.getSuite('bad-suite')).toBeUndefined();
  });

  it('takes a suite another instance seeded meanwhile as seeded', async () => {
    const racing = Object.create(store) as DatabaseTestRecorderStore;
    racing.getSuite = async () => undefined;
    racing.createSuite = async () => {
      throw new ConflictError(
        'A test suite named "storefront-checkout" already exists',
      );
    };
    expect(
      await seedSuites({ store: racing, files: [EXAMPLE], logger }),
    ).toEqual({ created: [] });
    expect(logger.warn).not.toHaveBeenCalled();
    racing.createSuite = async () => {
      throw new Error('database is down');
    };
    await seedSuites({ store: racing, files: [EXAMPLE], logger });
    expect(logger.warn).toHaveBeenCalledWith(
      'Test recorder: seed suite not loaded: database is down',
    );
  });
});
