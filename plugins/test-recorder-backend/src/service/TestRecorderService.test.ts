import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import type { TestAttemptResult } from '@internal/plugin-test-recorder-common';
import JSZip from 'jszip';
import type { Knex } from 'knex';
import type { Readable } from 'node:stream';
import {
  ADA,
  BAD_ANNOTATION,
  BOB,
  CONFIG_SECRET,
  createServiceHarness,
  NO_SOURCE,
  PAYMENTS,
  plainDefinition,
  type ServiceHarness,
  STOREFRONT,
  suiteDefinition,
} from './__testUtils__/serviceHarness';
import { MAX_SUITE_FILE_BYTES, userOf } from './TestRecorderService';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const ada = mockCredentials.user(ADA);
const bob = mockCredentials.user(BOB);
const pipelines = mockCredentials.service('plugin:pipelines');
const scaffolder = mockCredentials.service('plugin:scaffolder');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function visualAttempt(actualArtifactId: string): TestAttemptResult {
  return {
    attempt: 1,
    status: 'failed',
    durationMs: 12,
    error: { message: 'screenshot differs', stepId: 's3', signature: 'diff' },
    steps: [
      {
        stepId: 's3',
        index: 2,
        action: 'assertScreenshot',
        status: 'failed',
        durationMs: 5,
        visual: { name: 'cart', status: 'new', actualArtifactId },
      },
    ],
  };
}

describe.each(databases.eachSupportedId())(
  'TestRecorderService on %p',
  databaseId => {
    let knex: Knex;
    let h: ServiceHarness;

    beforeAll(async () => {
      // one database per engine, emptied before each test
      knex = await databases.init(databaseId);
    });

    beforeEach(async () => {
      h = await createServiceHarness(knex);
    });

    afterEach(async () => {
      await h.cleanup();
    });

    const createCheckout = (credentials: BackstageCredentials = ada) =>
      h.service.createSuite(credentials, {
        entityRef: STOREFRONT,
        definition: suiteDefinition('storefront-checkout'),
      });

    it('describes what the backend can do', () => {
      expect(h.service.config()).toEqual({
        enabled: true,
        allowedOrigins: ['https://staging.shop.example.com'],
        devices: ['Desktop Chrome', 'Pixel 7', 'iPhone 13'],
        testIdAttribute: 'data-testid',
        videoAvailable: false,
        videoUnavailableReason: 'ffmpeg is not installed',
        sandboxAvailable: true,
        maxConcurrentRuns: 2,
      });
    });

    describe('listing suites', () => {
      it("lists the entity's own suites with their latest run, and why annotated ones are missing", async () => {
        await createCheckout();
        await h.service.createSuite(ada, {
          entityRef: PAYMENTS,
          definition: plainDefinition('payments-smoke'),
        });
        await h.service.setSecret(
          ada,
          'storefront-checkout',
          'ACCOUNT_PASSWORD',
          'pw',
        );
        const run = await h.service.runSuite(ada, 'storefront-checkout', {});

        const listed = await h.service.listSuites(ada, STOREFRONT);
        expect(listed.annotated).toEqual([
          'storefront-checkout',
          'payments-smoke',
          'ghost-suite',
        ]);
        // the annotation never adopts another entity's suite
        expect(listed.suites.map(s => s.name)).toEqual(['storefront-checkout']);
        expect(listed.suites[0]).toMatchObject({
          entityRef: STOREFRONT,
          title: 'Suite storefront-checkout',
          version: 1,
          testCount: 2,
          latestRun: { runId: run.runId, status: 'queued' },
        });
        expect(listed.missing).toEqual([
          {
            name: 'payments-smoke',
            reason: 'owned-by-another-entity',
            ownerEntityRef: PAYMENTS,
          },
          { name: 'ghost-suite', reason: 'not-found' },
        ]);

        const payments = await h.service.listSuites(ada, PAYMENTS);
        expect(payments.suites.map(s => s.name)).toEqual(['payments-smoke']);
        expect(payments.suites[0].latestRun).toBeUndefined();
        expect(payments).toMatchObject({ annotated: [], missing: [] });
      });

      it('reads a malformed annotation as naming no suite', async () => {
        expect(await h.service.listSuites(ada, BAD_ANNOTATION)).toEqual({
          suites: [],
          annotated: [],
          missing: [],
        });
      });

      it('refuses without read permission, and for entities the caller cannot see', async () => {
        h.denied.add('test-recorder.suite.read');
        await expect(h.service.listSuites(ada, STOREFRONT)).rejects.toThrow(
          expect.objectContaining({
            name: 'NotAllowedError',
            message: expect.stringContaining('test-recorder.suite.read'),
          }),
        );
        h.denied.clear();
        await expect(
          h.service.listSuites(ada, 'component:default/nope'),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
      });
    });

    describe('creating, editing and deleting suites', () => {
      it('creates a suite with the secrets config sets, audited', async () => {
        const created = await createCheckout();
        expect(created).toMatchObject({
          name: 'storefront-checkout',
          entityRef: STOREFRONT,
          version: 1,
          updatedBy: ADA,
          quarantinedTestIds: [],
          secretsSet: ['CONFIG_TOKEN'],
          files: [],
        });
        expect(created).not.toHaveProperty('storedSecretNames');
        expect(JSON.stringify(created)).not.toContain(CONFIG_SECRET);
        expect(h.auditor.events).toEqual([
          {
            eventId: 'test-recorder-suite-create',
            status: 'success',
            meta: {
              entityRef: STOREFRONT,
              suite: 'storefront-checkout',
              actor: ADA,
            },
          },
        ]);
        const versions = await h.service.listVersions(
          ada,
          'storefront-checkout',
        );
        expect(versions).toEqual([
          expect.objectContaining({
            version: 1,
            createdBy: ADA,
            message: 'Created',
          }),
        ]);
      });

      it('refuses a bad definition naming the field, a taken name, and callers without edit', async () => {
        await expect(
          h.service.createSuite(ada, {
            entityRef: STOREFRONT,
            definition: { name: 'Bad Name', baseUrl: 'x', tests: [] },
          }),
        ).rejects.toMatchObject({
          name: 'InputError',
          message: expect.stringMatching(/^definition: .*name/s),
        });
        await expect(
          h.service.createSuite(ada, {
            entityRef: 'not a ref',
            definition: plainDefinition('x'),
          }),
        ).rejects.toMatchObject({ name: 'InputError' });
        await createCheckout();
        await expect(
          h.service.createSuite(ada, {
            entityRef: PAYMENTS,
            definition: plainDefinition('storefront-checkout'),
          }),
        ).rejects.toMatchObject({
          name: 'ConflictError',
          message: expect.stringContaining(`owned by ${STOREFRONT}`),
        });
        expect(h.auditor.events.map(e => [e.eventId, e.status])).toEqual([
          ['test-recorder-suite-create', 'success'],
          ['test-recorder-suite-create', 'fail'],
        ]);

        h.denied.add('test-recorder.suite.edit');
        await expect(
          h.service.createSuite(ada, {
            entityRef: PAYMENTS,
            definition: plainDefinition('payments-smoke'),
          }),
        ).rejects.toMatchObject({ name: 'NotAllowedError' });
        expect(h.auditor.events).toHaveLength(2);
      });

      it('saves a new version from the latest one, and refuses a stale base version with 409', async () => {
        await createCheckout();
        const updated = await h.service.updateSuite(
          ada,
          'storefront-checkout',
          {
            definition: suiteDefinition('storefront-checkout', {
              title: 'Checkout v2',
            }),
            baseVersion: 1,
            message: 'Renamed the title',
          },
        );
        expect(updated).toMatchObject({
          version: 2,
          definition: { title: 'Checkout v2' },
        });
        await expect(
          h.service.updateSuite(bob, 'storefront-checkout', {
            definition: suiteDefinition('storefront-checkout'),
            baseVersion: 1,
          }),
        ).rejects.toMatchObject({
          name: 'ConflictError',
          message: expect.stringContaining('is at version 2'),
        });
        expect(h.auditor.events.slice(-1)[0]).toMatchObject({
          eventId: 'test-recorder-suite-update',
          status: 'fail',
          meta: { suite: 'storefront-checkout', baseVersion: 1, actor: BOB },
        });
        await expect(
          h.service.updateSuite(ada, 'storefront-checkout', {
            definition: suiteDefinition('other-name'),
            baseVersion: 2,
          }),
        ).rejects.toMatchObject({
          name: 'InputError',
          message: expect.stringContaining('cannot be renamed'),
        });
        expect(
          (await h.service.listVersions(ada, 'storefront-checkout')).map(v => [
            v.version,
            v.message,
          ]),
        ).toEqual([
          [2, 'Renamed the title'],
          [1, 'Created'],
        ]);
      });

      it('gets suites by name, refusing bad and unknown names', async () => {
        await createCheckout();
        expect(
          await h.service.getSuite(bob, 'storefront-checkout'),
        ).toMatchObject({ name: 'storefront-checkout', version: 1 });
        await expect(h.service.getSuite(ada, 'Bad_Name')).rejects.toMatchObject(
          { name: 'InputError', message: expect.stringContaining('Bad_Name') },
        );
        await expect(h.service.getSuite(ada, 'nope')).rejects.toMatchObject({
          name: 'NotFoundError',
          message: 'There is no test suite "nope"',
        });
        h.denied.add('test-recorder.suite.read');
        await expect(
          h.service.getSuite(ada, 'storefront-checkout'),
        ).rejects.toMatchObject({ name: 'NotAllowedError' });
      });

      it('deletes a suite with edit permission only', async () => {
        await createCheckout();
        h.denied.add('test-recorder.suite.edit');
        await expect(
          h.service.deleteSuite(ada, 'storefront-checkout'),
        ).rejects.toMatchObject({ name: 'NotAllowedError' });
        h.denied.clear();
        await h.service.deleteSuite(ada, 'storefront-checkout');
        await expect(
          h.service.getSuite(ada, 'storefront-checkout'),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
        expect(h.auditor.events.slice(-1)[0]).toEqual({
          eventId: 'test-recorder-suite-delete',
          status: 'success',
          meta: {
            entityRef: STOREFRONT,
            suite: 'storefront-checkout',
            actor: ADA,
          },
        });
      });
    });

    describe('versions, code and export', () => {
      beforeEach(async () => {
        await createCheckout();
        await h.service.updateSuite(ada, 'storefront-checkout', {
          definition: suiteDefinition('storefront-checkout', {
            title: 'Second',
          }),
          baseVersion: 1,
        });
      });

      it('returns the latest or a given version, and names the latest when one is missing', async () => {
        expect(
          await h.service.getVersion(ada, 'storefront-checkout', undefined),
        ).toMatchObject({ version: 2, definition: { title: 'Second' } });
        expect(
          await h.service.getVersion(ada, 'storefront-checkout', 1),
        ).toMatchObject({
          version: 1,
          definition: { title: 'Suite storefront-checkout' },
        });
        await expect(
          h.service.getVersion(ada, 'storefront-checkout', 9),
        ).rejects.toMatchObject({
          name: 'NotFoundError',
          message:
            'Suite storefront-checkout has no version 9 (the latest is 2)',
        });
      });

      it('renders the Playwright project of a version', async () => {
        const { files } = await h.service.code(ada, 'storefront-checkout', 1);
        expect(files.map(f => f.path)).toEqual([
          'package.json',
          'playwright.config.ts',
          'tests/storefront-checkout.spec.ts',
          'README.md',
          '.gitignore',
        ]);
        const spec = files.find(f => f.path.endsWith('.spec.ts'))!.content;
        expect(spec).toContain("test('Checkout'");
        expect(spec).toContain('COMET_SECRET_ACCOUNT_PASSWORD');
      });

      it('exports a zip with the project and the upload files, never secret values', async () => {
        await h.service.setSecret(
          ada,
          'storefront-checkout',
          'ACCOUNT_PASSWORD',
          'hunter2-secret',
        );
        await h.service.putFile(
          ada,
          'storefront-checkout',
          'avatar.png',
          Buffer.from('png bytes'),
        );
        const exported = await h.service.exportZip(
          ada,
          'storefront-checkout',
          undefined,
        );
        expect(exported.fileName).toBe('storefront-checkout-v2.zip');
        const zip = await JSZip.loadAsync(exported.content);
        const names = Object.keys(zip.files).filter(n => !zip.files[n].dir);
        expect(names.sort()).toEqual(
          [
            'storefront-checkout-v2/.gitignore',
            'storefront-checkout-v2/README.md',
            'storefront-checkout-v2/files/avatar.png',
            'storefront-checkout-v2/package.json',
            'storefront-checkout-v2/playwright.config.ts',
            'storefront-checkout-v2/tests/storefront-checkout.spec.ts',
          ].sort(),
        );
        expect(
          await zip
            .file('storefront-checkout-v2/files/avatar.png')!
            .async('string'),
        ).toBe('png bytes');
        expect(
          JSON.parse(
            await zip
              .file('storefront-checkout-v2/package.json')!
              .async('string'),
          ),
        ).toMatchObject({ name: 'storefront-checkout', description: 'Second' });
        for (const name of names) {
          const text = await zip.file(name)!.async('string');
          expect(text).not.toContain('hunter2-secret');
          expect(text).not.toContain(CONFIG_SECRET);
        }
        const first = await h.service.exportZip(ada, 'storefront-checkout', 1);
        expect(first.fileName).toBe('storefront-checkout-v1.zip');
      });
    });

    describe('secrets, files and quarantine', () => {
      beforeEach(async () => {
        await createCheckout();
      });

      it('stores secrets by name and never returns their values', async () => {
        await h.service.setSecret(
          ada,
          'storefront-checkout',
          'ACCOUNT_PASSWORD',
          'hunter2-secret',
        );
        const suite = await h.service.getSuite(ada, 'storefront-checkout');
        expect(suite.secretsSet).toEqual(['ACCOUNT_PASSWORD', 'CONFIG_TOKEN']);
        expect(JSON.stringify(suite)).not.toContain('hunter2-secret');
        expect(JSON.stringify(h.auditor.events)).not.toContain(
          'hunter2-secret',
        );
        expect(h.auditor.events.slice(-1)[0]).toMatchObject({
          eventId: 'test-recorder-secret-set',
          meta: { secret: 'ACCOUNT_PASSWORD' },
        });
        expect(await h.store.getSecrets('storefront-checkout')).toEqual({
          ACCOUNT_PASSWORD: 'hunter2-secret',
        });

        await h.service.deleteSecret(
          ada,
          'storefront-checkout',
          'ACCOUNT_PASSWORD',
        );
        expect(
          (await h.service.getSuite(ada, 'storefront-checkout')).secretsSet,
        ).toEqual(['CONFIG_TOKEN']);
      });

      it('refuses bad secret names and values, and callers without edit', async () => {
        await expect(
          h.service.setSecret(ada, 'storefront-checkout', 'lower', 'x'),
        ).rejects.toMatchObject({
          name: 'InputError',
          message: expect.stringContaining('"lower" is not a secret name'),
        });
        await expect(
          h.service.deleteSecret(ada, 'storefront-checkout', 'lower'),
        ).rejects.toMatchObject({ name: 'InputError' });
        await expect(
          h.service.setSecret(ada, 'storefront-checkout', 'TOKEN', ''),
        ).rejects.toMatchObject({
          name: 'InputError',
          message: 'value: give 1 to 4096 characters',
        });
        await expect(
          h.service.setSecret(
            ada,
            'storefront-checkout',
            'TOKEN',
            'x'.repeat(4097),
          ),
        ).rejects.toMatchObject({ name: 'InputError' });
        h.denied.add('test-recorder.suite.edit');
        await expect(
          h.service.setSecret(ada, 'storefront-checkout', 'TOKEN', 'x'),
        ).rejects.toMatchObject({ name: 'NotAllowedError' });
      });

      it('keeps upload files, refusing bad names, empty and too large files', async () => {
        await h.service.putFile(
          ada,
          'storefront-checkout',
          'data.csv',
          Buffer.from('a,b\n1,2\n'),
        );
        expect(
          (await h.service.getSuite(ada, 'storefront-checkout')).files,
        ).toEqual([{ name: 'data.csv', size: 8 }]);
        expect(h.auditor.events.slice(-1)[0]).toMatchObject({
          eventId: 'test-recorder-file-put',
          meta: { file: 'data.csv', bytes: 8 },
        });
        await expect(
          h.service.putFile(
            ada,
            'storefront-checkout',
            '../etc/passwd',
            Buffer.from('x'),
          ),
        ).rejects.toMatchObject({
          name: 'InputError',
          message: expect.stringMatching(/^fileName: "\.\.\/etc\/passwd"/),
        });
        await expect(
          h.service.putFile(
            ada,
            'storefront-checkout',
            'a.txt',
            Buffer.alloc(0),
          ),
        ).rejects.toMatchObject({ message: 'File a.txt is empty' });
        await expect(
          h.service.putFile(
            ada,
            'storefront-checkout',
            'big.bin',
            Buffer.alloc(MAX_SUITE_FILE_BYTES + 1),
          ),
        ).rejects.toMatchObject({
          name: 'InputError',
          message: expect.stringContaining(
            `at most ${MAX_SUITE_FILE_BYTES} are kept`,
          ),
        });
        await expect(
          h.service.deleteFile(ada, 'storefront-checkout', '../x'),
        ).rejects.toMatchObject({ name: 'InputError' });
        await h.service.deleteFile(ada, 'storefront-checkout', 'data.csv');
        expect(
          (await h.service.getSuite(ada, 'storefront-checkout')).files,
        ).toEqual([]);
      });

      it('quarantines and releases known tests only', async () => {
        await h.service.setQuarantined(
          ada,
          'storefront-checkout',
          'search',
          true,
        );
        expect(
          (await h.service.getSuite(ada, 'storefront-checkout'))
            .quarantinedTestIds,
        ).toEqual(['search']);
        expect(h.auditor.events.slice(-1)[0]).toMatchObject({
          eventId: 'test-recorder-test-quarantine',
          meta: { testId: 'search', quarantined: true },
        });
        await h.service.setQuarantined(
          ada,
          'storefront-checkout',
          'search',
          false,
        );
        expect(
          (await h.service.getSuite(ada, 'storefront-checkout'))
            .quarantinedTestIds,
        ).toEqual([]);
        await expect(
          h.service.setQuarantined(ada, 'storefront-checkout', 'nope', true),
        ).rejects.toMatchObject({
          name: 'NotFoundError',
          message: 'Suite storefront-checkout has no test "nope"',
        });
      });
    });

    describe('runs', () => {
      beforeEach(async () => {
        await createCheckout();
        await h.service.setSecret(
          ada,
          'storefront-checkout',
          'ACCOUNT_PASSWORD',
          'pw',
        );
      });

      it('queues a run and wakes the queue', async () => {
        const run = await h.service.runSuite(ada, 'storefront-checkout', {
          testIds: ['search'],
          retries: 2,
          project: 'Pixel 7',
        });
        expect(run).toMatchObject({
          suiteName: 'storefront-checkout',
          suiteVersion: 1,
          entityRef: STOREFRONT,
          status: 'queued',
          trigger: 'manual',
          triggeredBy: ADA,
        });
        expect(h.wakes.count).toBe(1);
        const stored = await h.service.getRun(ada, run.runId);
        expect(stored).toMatchObject({
          baseUrl: 'http://127.0.0.1:4173',
          project: 'Pixel 7',
          retries: 2,
          results: [],
        });
        expect(h.auditor.events.slice(-1)[0]).toEqual({
          eventId: 'test-recorder-run-create',
          status: 'success',
          meta: {
            entityRef: STOREFRONT,
            suite: 'storefront-checkout',
            actor: ADA,
            runId: run.runId,
          },
        });
        const allowed = await h.service.runSuite(ada, 'storefront-checkout', {
          baseUrl: 'https://staging.shop.example.com/shop',
          trigger: 'action',
        });
        expect(allowed.trigger).toBe('action');
      });

      it('refuses unknown tests, retries out of range, unknown devices and origins not allowed', async () => {
        const refused = (input: object) =>
          h.service.runSuite(ada, 'storefront-checkout', input);
        await expect(
          refused({ testIds: ['search', 'nope'] }),
        ).rejects.toMatchObject({
          name: 'InputError',
          message: 'testIds[1]: suite storefront-checkout has no test "nope"',
        });
        await expect(refused({ retries: 6 })).rejects.toMatchObject({
          message: 'retries: give 0 to 5',
        });
        await expect(refused({ retries: 1.5 })).rejects.toMatchObject({
          message: 'retries: give 0 to 5',
        });
        await expect(refused({ project: 'Nokia 3310' })).rejects.toMatchObject({
          name: 'InputError',
          message: expect.stringMatching(
            /^project: "Nokia 3310" is not a Playwright device \(e\.g\. "Desktop Chrome"/,
          ),
        });
        await expect(
          refused({ baseUrl: 'https://evil.example.com' }),
        ).rejects.toMatchObject({
          name: 'InputError',
          message: expect.stringMatching(
            /^baseUrl: https:\/\/evil\.example\.com is not an allowed origin/,
          ),
        });
        expect(h.wakes.count).toBe(0);
        h.denied.add('test-recorder.suite.run');
        await expect(refused({})).rejects.toMatchObject({
          name: 'NotAllowedError',
        });
      });

      it('refuses to run a suite whose secrets have no value, naming them', async () => {
        await h.service.createSuite(ada, {
          entityRef: PAYMENTS,
          definition: suiteDefinition('payments-secret'),
        });
        await expect(
          h.service.runSuite(ada, 'payments-secret', {}),
        ).rejects.toMatchObject({
          name: 'InputError',
          message: expect.stringContaining(
            'needs secrets without a value: ACCOUNT_PASSWORD',
          ),
        });
      });

      it('starts runs for pipeline steps from the pipelines plugin only, for the suite owner', async () => {
        const run = await h.service.runForPipeline(pipelines, {
          entityRef: 'Component:default/storefront-web',
          suite: 'storefront-checkout',
          commit: 'abc123',
          pipelineRunId: 'prun-1',
          retries: 1,
        });
        expect(run).toMatchObject({
          trigger: 'pipeline',
          triggeredBy: 'pipeline run prun-1',
          pipelineRunId: 'prun-1',
          commit: 'abc123',
          entityRef: STOREFRONT,
        });
        expect(h.wakes.count).toBe(1);
        expect(h.auditor.events.slice(-1)[0]).toMatchObject({
          eventId: 'test-recorder-run-create',
          meta: { pipelineRunId: 'prun-1', actor: 'plugin:pipelines' },
        });

        const input = {
          entityRef: STOREFRONT,
          suite: 'storefront-checkout',
          pipelineRunId: 'prun-2',
        };
        for (const credentials of [ada, scaffolder]) {
          await expect(
            h.service.runForPipeline(credentials, input),
          ).rejects.toMatchObject({
            name: 'NotAllowedError',
            message:
              'Only the pipelines plugin starts suite runs for pipeline steps',
          });
        }
        await expect(
          h.service.runForPipeline(pipelines, {
            ...input,
            entityRef: PAYMENTS,
          }),
        ).rejects.toMatchObject({
          name: 'NotAllowedError',
          message: `Suite storefront-checkout belongs to ${STOREFRONT}, not to ${PAYMENTS}`,
        });
        await expect(
          h.service.runForPipeline(pipelines, { ...input, suite: 'ghost' }),
        ).rejects.toMatchObject({
          name: 'NotFoundError',
          message: expect.stringContaining(`record it on ${STOREFRONT}`),
        });
      });

      it('lists runs by suite or entity, page by page', async () => {
        const first = await h.service.runSuite(ada, 'storefront-checkout', {});
        const second = await h.service.runSuite(ada, 'storefront-checkout', {});
        const bySuite = await h.service.listRuns(ada, {
          suite: 'storefront-checkout',
          limit: 10,
        });
        expect(bySuite.runs.map(r => r.runId).sort()).toEqual(
          [first.runId, second.runId].sort(),
        );
        const page = await h.service.listRuns(ada, {
          entityRef: STOREFRONT,
          limit: 1,
        });
        expect(page.runs).toHaveLength(1);
        expect(page.nextCursor).toEqual(expect.any(String));
        const rest = await h.service.listRuns(ada, {
          entityRef: STOREFRONT,
          limit: 1,
          cursor: page.nextCursor,
        });
        expect(rest.runs).toHaveLength(1);
        expect(rest.runs[0].runId).not.toBe(page.runs[0].runId);
        expect(
          await h.service.listRuns(ada, { entityRef: PAYMENTS, limit: 5 }),
        ).toEqual({ runs: [] });
        await expect(
          h.service.listRuns(ada, { limit: 5 }),
        ).rejects.toMatchObject({
          name: 'InputError',
          message: expect.stringContaining('Give entityRef or suite'),
        });
        h.denied.add('test-recorder.suite.read');
        await expect(
          h.service.listRuns(ada, { entityRef: STOREFRONT, limit: 5 }),
        ).rejects.toMatchObject({ name: 'NotAllowedError' });
        await expect(
          h.service.listRuns(ada, { suite: 'storefront-checkout', limit: 5 }),
        ).rejects.toMatchObject({ name: 'NotAllowedError' });
      });

      it('gets a run for readers and for the pipelines plugin', async () => {
        const run = await h.service.runSuite(ada, 'storefront-checkout', {});
        expect((await h.service.getRun(bob, run.runId)).runId).toBe(run.runId);
        await expect(
          h.service.getRun(ada, '00000000-0000-4000-8000-000000000000'),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
        await expect(h.service.getRun(ada, 'not-a-uuid')).rejects.toMatchObject(
          { name: 'NotFoundError', message: 'No test run not-a-uuid' },
        );
        h.denied.add('test-recorder.suite.read');
        await expect(h.service.getRun(ada, run.runId)).rejects.toMatchObject({
          name: 'NotAllowedError',
        });
        expect((await h.service.getRun(pipelines, run.runId)).runId).toBe(
          run.runId,
        );
      });

      it('cancels a queued run once, with run permission', async () => {
        const run = await h.service.runSuite(ada, 'storefront-checkout', {});
        h.denied.add('test-recorder.suite.run');
        await expect(h.service.cancelRun(ada, run.runId)).rejects.toMatchObject(
          { name: 'NotAllowedError' },
        );
        h.denied.clear();
        await h.service.cancelRun(ada, run.runId);
        expect((await h.service.getRun(ada, run.runId)).status).toBe(
          'cancelled',
        );
        expect(h.wakes.count).toBe(2);
        expect(h.auditor.events.slice(-1)[0]).toEqual({
          eventId: 'test-recorder-run-cancel',
          status: 'success',
          meta: { entityRef: STOREFRONT, runId: run.runId, actor: ADA },
        });
        await expect(h.service.cancelRun(ada, run.runId)).rejects.toMatchObject(
          {
            name: 'ConflictError',
            message: `Test run ${run.runId} is already cancelled`,
          },
        );
        await expect(
          h.service.cancelRun(ada, '00000000-0000-4000-8000-000000000000'),
        ).rejects.toMatchObject({ name: 'NotFoundError' });

        const other = await h.service.runSuite(ada, 'storefront-checkout', {});
        await h.service.cancelRun(pipelines, other.runId);
        expect((await h.service.getRun(ada, other.runId)).status).toBe(
          'cancelled',
        );
      });

      it("tells a test's history with its rates, and whether it is quarantined", async () => {
        const run = await h.service.runSuite(ada, 'storefront-checkout', {});
        await h.store.saveTestResult(run.runId, {
          testId: 'checkout',
          testName: 'Checkout',
          status: 'passed',
          quarantined: false,
          durationMs: 40,
          attempts: [
            { attempt: 1, status: 'passed', durationMs: 40, steps: [] },
          ],
        });
        await h.service.setQuarantined(
          ada,
          'storefront-checkout',
          'checkout',
          true,
        );
        const history = await h.service.history(
          ada,
          'storefront-checkout',
          'checkout',
          50,
        );
        expect(history).toMatchObject({
          suiteName: 'storefront-checkout',
          testId: 'checkout',
          testName: 'Checkout',
          runs: [{ runId: run.runId, status: 'passed', durationMs: 40 }],
          passRate: 1,
          flakeRate: 0,
          failureRate: 0,
          flaky: false,
          quarantined: true,
        });
        await expect(
          h.service.history(ada, 'storefront-checkout', 'nope', 50),
        ).rejects.toMatchObject({ name: 'NotFoundError' });

        // a test removed from the suite keeps its history, named by its id
        await h.service.updateSuite(ada, 'storefront-checkout', {
          definition: plainDefinition('storefront-checkout'),
          baseVersion: 1,
        });
        const removed = await h.service.history(
          ada,
          'storefront-checkout',
          'checkout',
          50,
        );
        expect(removed.testName).toBe('checkout');
        expect(removed.runs).toHaveLength(1);
      });
    });

    describe('artifacts and baselines', () => {
      let runId: string;
      let artifactId: string;

      beforeEach(async () => {
        await createCheckout();
        await h.service.setSecret(
          ada,
          'storefront-checkout',
          'ACCOUNT_PASSWORD',
          'pw',
        );
        runId = (await h.service.runSuite(ada, 'storefront-checkout', {}))
          .runId;
        artifactId = (
          await h.store.addArtifact({
            runId,
            kind: 'visual-actual',
            contentType: 'image/png',
            content: Buffer.from('actual png'),
          })
        ).artifactId;
        await h.store.saveTestResult(runId, {
          testId: 'checkout',
          testName: 'Checkout',
          status: 'failed',
          quarantined: false,
          durationMs: 12,
          attempts: [visualAttempt(artifactId)],
        });
      });

      it('accepts a screenshot as the baseline, audited', async () => {
        await h.service.acceptBaseline(ada, runId, {
          testId: 'checkout',
          stepId: 's3',
        });
        expect(await h.store.listBaselines('storefront-checkout')).toEqual([
          expect.objectContaining({
            testId: 'checkout',
            name: 'cart',
            artifactId,
            acceptedBy: ADA,
          }),
        ]);
        expect(h.auditor.events.slice(-1)[0]).toMatchObject({
          eventId: 'test-recorder-baseline-accept',
          status: 'success',
          meta: { runId, testId: 'checkout', baseline: 'cart' },
        });
      });

      it('refuses steps without a screenshot check, unknown runs and callers without permission', async () => {
        await expect(
          h.service.acceptBaseline(ada, runId, {
            testId: 'checkout',
            stepId: 's1',
          }),
        ).rejects.toMatchObject({
          name: 'NotFoundError',
          message: `Run ${runId} has no screenshot check for step s1 of test checkout`,
        });
        await expect(
          h.service.acceptBaseline(ada, runId, {
            testId: 'search',
            stepId: 's3',
          }),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
        await expect(
          h.service.acceptBaseline(ada, 'nope', {
            testId: 'checkout',
            stepId: 's3',
          }),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
        h.denied.add('test-recorder.baseline.accept');
        await expect(
          h.service.acceptBaseline(ada, runId, {
            testId: 'checkout',
            stepId: 's3',
          }),
        ).rejects.toMatchObject({ name: 'NotAllowedError' });
      });

      it('opens artifacts for readers, and signs links the signer accepts', async () => {
        const opened = await h.service.openArtifact(bob, artifactId);
        expect(opened.artifact).toMatchObject({
          artifactId,
          runId,
          entityRef: STOREFRONT,
          contentType: 'image/png',
          size: 10,
        });
        expect((await readAll(opened.stream)).toString()).toBe('actual png');
        // a signed link carries no credentials
        const signed = await h.service.openArtifact(undefined, artifactId);
        expect((await readAll(signed.stream)).toString()).toBe('actual png');

        const { url } = await h.service.signedArtifactUrl(ada, artifactId);
        const parsed = new URL(url, 'http://backend');
        expect(parsed.pathname).toBe(`/artifacts/${artifactId}`);
        expect(
          h.signer.verify(
            artifactId,
            parsed.searchParams.get('expires') ?? undefined,
            parsed.searchParams.get('sig') ?? undefined,
          ),
        ).toBe(true);

        await expect(h.service.openArtifact(ada, 'nope')).rejects.toMatchObject(
          { name: 'NotFoundError' },
        );
        await expect(
          h.service.signedArtifactUrl(ada, 'nope'),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
        h.denied.add('test-recorder.artifact.read');
        await expect(
          h.service.openArtifact(ada, artifactId),
        ).rejects.toMatchObject({ name: 'NotAllowedError' });
        await expect(
          h.service.signedArtifactUrl(ada, artifactId),
        ).rejects.toMatchObject({ name: 'NotAllowedError' });
      });
    });

    describe('recording', () => {
      const viewport = { width: 1280, height: 720 };

      it('opens a session on an allowed origin, with the steps and secrets of the test', async () => {
        await createCheckout();
        await h.service.setSecret(
          ada,
          'storefront-checkout',
          'ACCOUNT_PASSWORD',
          'hunter2-secret',
        );
        const session = await h.service.openRecording(ada, {
          entityRef: STOREFRONT,
          suiteName: 'storefront-checkout',
          testId: 'checkout',
          viewport,
          startUrl: '/cart',
        });
        expect(session).toEqual({
          sessionId: 'session-1',
          expiresAt: '2026-12-05T10:10:00.000Z',
          baseUrl: 'http://127.0.0.1:4173',
        });
        expect(h.recordings.opened[0]).toEqual({
          userEntityRef: ADA,
          entityRef: STOREFRONT,
          suiteName: 'storefront-checkout',
          baseUrl: 'http://127.0.0.1:4173',
          webServer: undefined,
          repository: undefined,
          viewport,
          startUrl: '/cart',
          steps: suiteDefinition('storefront-checkout').tests[0].steps,
          secrets: {
            ACCOUNT_PASSWORD: 'hunter2-secret',
            CONFIG_TOKEN: CONFIG_SECRET,
          },
        });
        expect(h.auditor.events.slice(-1)[0]).toEqual({
          eventId: 'test-recorder-recording-open',
          status: 'success',
          meta: {
            entityRef: STOREFRONT,
            suite: 'storefront-checkout',
            actor: ADA,
            sessionId: 'session-1',
          },
        });
        expect(JSON.stringify(h.auditor.events)).not.toContain('hunter2');
      });

      it('records a new suite from an allowed origin, and starts a web server from the repository', async () => {
        const fresh = await h.service.openRecording(ada, {
          entityRef: PAYMENTS,
          baseUrl: 'https://staging.shop.example.com/',
          viewport,
        });
        expect(fresh.baseUrl).toBe('https://staging.shop.example.com/');
        expect(h.recordings.opened[0]).toMatchObject({
          entityRef: PAYMENTS,
          suiteName: undefined,
          steps: undefined,
          secrets: {},
        });

        const webServer = { command: 'node src/server.js', port: 4173 };
        await h.service.createSuite(ada, {
          entityRef: STOREFRONT,
          definition: plainDefinition('storefront-web-server', { webServer }),
        });
        await h.service.openRecording(ada, {
          entityRef: STOREFRONT,
          suiteName: 'storefront-web-server',
          viewport,
        });
        expect(h.recordings.opened[1]).toMatchObject({
          webServer,
          repository: { url: 'https://github.com/acme/storefront/tree/main/' },
        });

        await h.service.createSuite(ada, {
          entityRef: NO_SOURCE,
          definition: plainDefinition('no-source-suite', { webServer }),
        });
        await expect(
          h.service.openRecording(ada, {
            entityRef: NO_SOURCE,
            suiteName: 'no-source-suite',
            viewport,
          }),
        ).rejects.toMatchObject({
          name: 'InputError',
          message: expect.stringContaining(
            `${NO_SOURCE} has no backstage.io/source-location annotation`,
          ),
        });
      });

      it('refuses origins not allowed naming the field, and a missing base URL', async () => {
        await expect(
          h.service.openRecording(ada, {
            entityRef: STOREFRONT,
            baseUrl: 'http://169.254.169.254/latest',
            viewport,
          }),
        ).rejects.toMatchObject({
          name: 'InputError',
          message: expect.stringMatching(
            /^baseUrl: http:\/\/169\.254\.169\.254 is not an allowed origin.*staging\.shop\.example\.com/,
          ),
        });
        await expect(
          h.service.openRecording(ada, {
            entityRef: STOREFRONT,
            baseUrl: 'http://127.evil.example.com',
            viewport,
          }),
        ).rejects.toMatchObject({ name: 'InputError' });
        await expect(
          h.service.openRecording(ada, { entityRef: STOREFRONT, viewport }),
        ).rejects.toMatchObject({
          name: 'InputError',
          message: expect.stringMatching(/^baseUrl: give the address/),
        });
        expect(h.recordings.opened).toEqual([]);
      });

      it("refuses another entity's suite, unknown suites and tests, and callers without record", async () => {
        await createCheckout();
        const open = (input: object) =>
          h.service.openRecording(ada, {
            entityRef: STOREFRONT,
            viewport,
            ...input,
          });
        await expect(
          open({ entityRef: PAYMENTS, suiteName: 'storefront-checkout' }),
        ).rejects.toMatchObject({
          name: 'NotAllowedError',
          message: `Suite storefront-checkout belongs to ${STOREFRONT}, not to ${PAYMENTS}`,
        });
        await expect(open({ suiteName: 'ghost' })).rejects.toMatchObject({
          name: 'NotFoundError',
        });
        await expect(
          open({ suiteName: 'storefront-checkout', testId: 'nope' }),
        ).rejects.toMatchObject({
          name: 'NotFoundError',
          message: 'Suite storefront-checkout has no test "nope"',
        });
        await expect(open({ testId: 'checkout' })).rejects.toMatchObject({
          name: 'InputError',
          message: expect.stringMatching(/^testId: give suiteName too/),
        });
        h.denied.add('test-recorder.suite.record');
        await expect(
          open({ baseUrl: 'http://127.0.0.1:3000' }),
        ).rejects.toMatchObject({ name: 'NotAllowedError' });
        expect(h.recordings.opened).toEqual([]);
      });

      it("closes the caller's own sessions only", async () => {
        const { sessionId } = await h.service.openRecording(ada, {
          entityRef: STOREFRONT,
          baseUrl: 'http://localhost:3000',
          viewport,
        });
        await expect(
          h.service.closeRecording(bob, sessionId),
        ).rejects.toMatchObject({
          name: 'NotFoundError',
          message: `No recording session ${sessionId} of yours`,
        });
        await expect(
          h.service.closeRecording(ada, 'session-9'),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
        expect(h.recordings.closed).toEqual([]);
        await h.service.closeRecording(ada, sessionId);
        expect(h.recordings.closed).toEqual([sessionId]);
      });

      it('saves the secrets typed while recording as suite secrets', async () => {
        await createCheckout();
        await h.service.createSuite(ada, {
          entityRef: PAYMENTS,
          definition: plainDefinition('payments-smoke'),
        });
        const { sessionId } = await h.service.openRecording(ada, {
          entityRef: STOREFRONT,
          baseUrl: 'http://127.0.0.1:4173',
          viewport,
        });
        h.recordings.pending = {
          ACCOUNT_PASSWORD: 'typed-password',
          API_KEY: 'typed-key',
          'bad name': 'ignored',
          EMPTY: '',
        };
        expect(
          await h.service.saveRecordingSecrets(
            ada,
            sessionId,
            'storefront-checkout',
          ),
        ).toEqual({ saved: ['ACCOUNT_PASSWORD', 'API_KEY'] });
        expect(await h.store.getSecrets('storefront-checkout')).toEqual({
          ACCOUNT_PASSWORD: 'typed-password',
          API_KEY: 'typed-key',
        });
        expect(h.auditor.events.slice(-1)[0]).toMatchObject({
          eventId: 'test-recorder-secret-set',
          meta: { secrets: ['ACCOUNT_PASSWORD', 'API_KEY'] },
        });
        expect(JSON.stringify(h.auditor.events)).not.toContain('typed-');

        await expect(
          h.service.saveRecordingSecrets(ada, sessionId, 'payments-smoke'),
        ).rejects.toMatchObject({
          name: 'NotAllowedError',
          message: `Suite payments-smoke belongs to ${PAYMENTS}, not to the recorded ${STOREFRONT}`,
        });
        await expect(
          h.service.saveRecordingSecrets(bob, sessionId, 'storefront-checkout'),
        ).rejects.toMatchObject({ name: 'NotFoundError' });
        h.denied.add('test-recorder.suite.edit');
        await expect(
          h.service.saveRecordingSecrets(ada, sessionId, 'storefront-checkout'),
        ).rejects.toMatchObject({ name: 'NotAllowedError' });
      });
    });
  },
);

describe('TestRecorderService without recordings', () => {
  let h: ServiceHarness;

  beforeEach(async () => {
    h = await createServiceHarness(await databases.init('SQLITE_3'), {
      recordings: false,
    });
  });

  afterEach(() => h.cleanup());

  it('says recording is not available', async () => {
    const viewport = { width: 1280, height: 720 };
    for (const attempt of [
      h.service.openRecording(ada, {
        entityRef: STOREFRONT,
        baseUrl: 'http://127.0.0.1:3000',
        viewport,
      }),
      h.service.closeRecording(ada, 'session-1'),
      h.service.saveRecordingSecrets(ada, 'session-1', 'storefront-checkout'),
    ]) {
      await expect(attempt).rejects.toMatchObject({
        name: 'NotFoundError',
        message: 'Recording is not available on this backend',
      });
    }
  });
});

describe('userOf', () => {
  it('names the user, or the service', () => {
    expect(userOf(ada)).toBe(ADA);
    expect(userOf(pipelines)).toBe('plugin:pipelines');
    expect(userOf(mockCredentials.none())).toBe('unknown');
  });
});
