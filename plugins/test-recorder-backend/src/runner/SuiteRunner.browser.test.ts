import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import {
  BubblewrapSandbox,
  GitRemotePolicy,
} from '@internal/plugin-pipelines-node';
import {
  GitHttpServer,
  makeGitRepository,
  startGitHttpServer,
} from '@internal/plugin-pipelines-node/testUtils';
import type {
  TestCase,
  TestSuiteDefinition,
} from '@internal/plugin-test-recorder-common';
import JSZip from 'jszip';
import type { Knex } from 'knex';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BrowserWorker,
  findChromium,
  findFfmpeg,
} from '../browser/BrowserWorker';
import { DatabaseTestRecorderStore } from '../store/DatabaseTestRecorderStore';
import { SecretsCipher } from '../store/SecretsCipher';
import { RepositoryCheckout } from './RepositoryCheckout';
import { SuiteRunner, SuiteRunnerOptions } from './SuiteRunner';

jest.setTimeout(300_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const chromium = findChromium();
const ffmpeg = findFfmpeg();
const ffmpegPath = 'path' in ffmpeg ? ffmpeg.path : undefined;
const PORT = 4173;
const BASE_URL = `http://127.0.0.1:${PORT}`;
const SECRET = 'Sup3r-s3cret pass&word';
const ENTITY_REF = 'component:default/storefront-web';

/** The app under test, served from the entity's repository by the suite's web server. */
const APP_SERVER = `'use strict';
const http = require('node:http');
const page = (res, body) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><html><head><title>Storefront</title></head><body>' + body + '</body></html>');
};
http
  .createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/login') {
      let body = '';
      req.on('data', chunk => (body += chunk));
      req.on('end', () => {
        const user = new URLSearchParams(body).get('user') || '';
        page(res, '<h1 data-testid="welcome" style="font:20px sans-serif;color:#036">Welcome back</h1><p data-testid="user">' + user.length + ' letters</p>');
      });
      return;
    }
    if (req.url === '/') {
      page(res, '<h1 data-testid="title">Storefront</h1>' +
        '<form method="post" action="/login">' +
        '<label for="user">User</label> <input id="user" name="user"> ' +
        '<label for="password">Password</label> <input id="password" name="password" type="password"> ' +
        '<button type="submit">Log in</button></form>');
      return;
    }
    res.writeHead(404).end('not found');
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
`;

const byTestId = (value: string) => ({
  locator: { kind: 'testId' as const, value },
});

const LOGIN_TEST: TestCase = {
  id: 'login',
  name: 'Log in',
  steps: [
    { id: 'open', action: 'navigate', url: '/' },
    {
      id: 'user',
      action: 'fill',
      target: { locator: { kind: 'label', value: 'User' } },
      value: 'alice',
    },
    {
      id: 'password',
      action: 'fill',
      target: { locator: { kind: 'label', value: 'Password' } },
      secret: 'PASSWORD',
    },
    {
      id: 'submit',
      action: 'click',
      target: { locator: { kind: 'role', role: 'button', name: 'Log in' } },
    },
    {
      id: 'welcome',
      action: 'assertText',
      target: byTestId('welcome'),
      text: 'Welcome back',
      match: 'exact',
    },
    {
      id: 'look',
      action: 'assertScreenshot',
      name: 'welcome',
      target: byTestId('welcome'),
    },
  ],
};

const BROKEN_TEST: TestCase = {
  id: 'broken',
  name: 'Title says Checkout',
  steps: [
    { id: 'open', action: 'navigate', url: '/' },
    {
      id: 'title',
      action: 'assertText',
      target: byTestId('title'),
      text: 'Checkout',
      match: 'exact',
      timeoutMs: 1000,
    },
  ],
};

const SLOW_TEST: TestCase = {
  id: 'slow',
  name: 'Waits for what never comes',
  steps: [
    { id: 'open', action: 'navigate', url: '/' },
    {
      id: 'wait',
      action: 'waitFor',
      target: byTestId('never'),
      state: 'visible',
      timeoutMs: 240_000,
    },
  ],
};

function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 240_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      check().then(result => {
        if (result) resolve(result);
        else if (Date.now() > deadline) reject(new Error(`timed out: ${what}`));
        else setTimeout(poll, 50);
      }, reject);
    };
    poll();
  });
}

const canRun =
  existsSync('/usr/bin/bwrap') &&
  'path' in chromium &&
  ffmpegPath !== undefined;
// Without bubblewrap, Chromium or ffmpeg there is nothing real to run; CI installs all three
const describeReal = canRun ? describe : describe.skip;

describeReal('SuiteRunner with the real browser worker', () => {
  let tmp: string;
  let knex: Knex;
  let store: DatabaseTestRecorderStore;
  let gitServer: GitHttpServer;
  let repoCommit: string;
  let sandbox: BubblewrapSandbox;
  let runner: SuiteRunner | undefined;
  /** The browser worker of each run, by run id. */
  let workers: Record<string, BrowserWorker>;
  let running: number;
  let maxRunningSeen: number;

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-runner-real-'));
    // the sandbox's own uid reads the files and baselines written here
    await fs.chmod(tmp, 0o755);
    repoCommit = makeGitRepository(path.join(tmp, 'repos', 'storefront'), {
      'server.js': APP_SERVER,
    });
    gitServer = await startGitHttpServer({ root: path.join(tmp, 'repos') });
    knex = await databases.init('SQLITE_3');
    store = await DatabaseTestRecorderStore.create({
      database: { getClient: async () => knex },
      artifactsDir: path.join(tmp, 'artifacts'),
      cipher: SecretsCipher.fromSecret('test-key'),
    });
    sandbox = new BubblewrapSandbox({
      logger: mockServices.logger.mock(),
      protectedPaths: [process.cwd()],
    });
  });

  afterAll(async () => {
    await gitServer?.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  beforeEach(() => {
    workers = {};
    running = 0;
    maxRunningSeen = 0;
  });

  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
  });

  const logger = mockServices.logger.mock();

  function startRunner(options: Partial<SuiteRunnerOptions> = {}) {
    runner = SuiteRunner.create({
      store,
      sandbox,
      checkout: RepositoryCheckout.create({
        gitRemotePolicy: GitRemotePolicy.create({
          allowedHosts: [gitServer.host],
        }),
      }),
      resolveRepository: async entityRef =>
        entityRef === ENTITY_REF
          ? { url: gitServer.url('storefront') }
          : undefined,
      logger,
      workDir: path.join(tmp, 'work'),
      owner: 'instance-a',
      allowedOrigins: [],
      allowedEgress: [],
      testIdAttribute: 'data-testid',
      stepTimeoutMs: 10_000,
      trace: true,
      chromiumPath: (chromium as { path: string }).path,
      ffmpegPath,
      configSecrets: () => ({}),
      startWorker: async workerOptions => {
        const worker = await BrowserWorker.start(workerOptions);
        workers[path.basename(workerOptions.workDir)] = worker;
        running++;
        maxRunningSeen = Math.max(maxRunningSeen, running);
        void worker.exited.then(() => running--);
        return worker;
      },
      pollIntervalMs: 100,
      ...options,
    });
    runner.start();
    return runner;
  }

  async function createSuite(name: string, tests: TestCase[]) {
    const definition: TestSuiteDefinition = {
      name,
      baseUrl: BASE_URL,
      webServer: { command: 'node server.js', port: PORT, timeoutMs: 60_000 },
      secrets: ['PASSWORD'],
      tests,
    };
    await store.createSuite({
      entityRef: ENTITY_REF,
      definition,
      createdBy: 'user:default/alice',
    });
    await store.setSecret(name, 'PASSWORD', SECRET);
  }

  const queueRun = (suiteName: string, commit?: string) =>
    store.createRun({
      suiteName,
      suiteVersion: 1,
      entityRef: ENTITY_REF,
      trigger: 'manual',
      triggeredBy: 'user:default/alice',
      baseUrl: BASE_URL,
      retries: 0,
      commit,
    });

  const finished = (runId: string) =>
    waitFor(async () => {
      const run = await store.getRun(runId);
      return run && !['queued', 'running'].includes(run.status) && run;
    }, `run ${runId} to finish`);

  const artifactCount = async (runId: string) =>
    (await knex('test_recorder_artifacts').where({ run_id: runId })).length;

  async function readArtifact(artifactId: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await store.openArtifact(artifactId)) {
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }

  /** Every artifact of the run, read back from the store; trace zips also entry by entry. */
  async function storedBytes(runId: string) {
    const rows: Array<{ artifact_id: string; kind: string }> = await knex(
      'test_recorder_artifacts',
    )
      .where({ run_id: runId })
      .select('artifact_id', 'kind');
    const contents: Array<{ what: string; bytes: Buffer }> = [];
    for (const row of rows) {
      const bytes = await readArtifact(row.artifact_id);
      contents.push({ what: row.kind, bytes });
      if (row.kind === 'trace') {
        const zip = await JSZip.loadAsync(bytes);
        for (const entry of Object.values(zip.files)) {
          contents.push({ what: `trace name`, bytes: Buffer.from(entry.name) });
          if (!entry.dir) {
            contents.push({
              what: `trace ${entry.name}`,
              bytes: await entry.async('nodebuffer'),
            });
          }
        }
      }
    }
    return { rows, contents };
  }

  function expectNoSecret(contents: Array<{ what: string; bytes: Buffer }>) {
    const forms = [
      SECRET,
      JSON.stringify(SECRET).slice(1, -1),
      encodeURIComponent(SECRET),
      new URLSearchParams({ p: SECRET }).toString().slice(2),
      Buffer.from(SECRET).toString('base64'),
    ];
    for (const { what, bytes } of contents) {
      for (const form of forms) {
        if (bytes.includes(form)) {
          throw new Error(`${what} holds the secret as ${form}`);
        }
      }
    }
  }

  it('runs a suite whose web server comes from the repository: failure, quarantine, baselines, no secret in any artifact', async () => {
    await createSuite('storefront-e2e', [LOGIN_TEST, BROKEN_TEST]);
    startRunner();

    // First run: the login passes, the broken test fails the run
    const first = await queueRun('storefront-e2e');
    const firstRun = await finished(first.runId);
    expect(firstRun.reason).toBeUndefined();
    expect(firstRun.status).toBe('failed');
    const login = firstRun.results.find(r => r.testId === 'login')!;
    expect(login.status).toBe('passed');
    const attempt = login.attempts[0];
    expect(attempt.steps.map(s => [s.stepId, s.status])).toEqual(
      LOGIN_TEST.steps.map(s => [s.id, 'passed']),
    );
    expect(attempt.steps.every(s => s.screenshotArtifactId)).toBe(true);
    expect(attempt.traceArtifactId).toBeDefined();
    expect(attempt.videoArtifactId).toBeDefined();
    expect(firstRun.videoUnavailable).toBeUndefined();
    const visual = attempt.steps[5].visual!;
    expect(visual).toMatchObject({ name: 'welcome', status: 'new' });
    expect((await store.getArtifact(visual.actualArtifactId))?.kind).toBe(
      'visual-actual',
    );

    const broken = firstRun.results.find(r => r.testId === 'broken')!;
    expect(broken.status).toBe('failed');
    const error = broken.attempts[0].error!;
    expect(error.stepId).toBe('title');
    expect(error.message).toContain('Checkout');
    expect(error.signature).toBeTruthy();

    // The secret was typed and posted (the trace saw it), and no stored byte holds it
    const { rows, contents } = await storedBytes(first.runId);
    expect(rows.map(r => r.kind)).toEqual(
      expect.arrayContaining(['screenshot', 'trace', 'visual-actual']),
    );
    expectNoSecret(contents);
    const traceEvents = contents
      .filter(c => c.what.startsWith('trace ') && c.what.endsWith('.trace'))
      .map(c => c.bytes.toString('utf8'))
      .join('\n');
    expect(traceEvents).toContain('***');

    // Second run at the checked-out commit: the broken test is quarantined, the baseline
    // accepted from the first run matches
    await store.acceptBaseline({
      suiteName: 'storefront-e2e',
      testId: 'login',
      name: 'welcome',
      artifactId: visual.actualArtifactId,
      by: 'user:default/alice',
    });
    await store.setQuarantined({
      suiteName: 'storefront-e2e',
      testId: 'broken',
      quarantined: true,
      by: 'user:default/alice',
    });
    const second = await queueRun('storefront-e2e', repoCommit);
    const secondRun = await finished(second.runId);
    expect(secondRun.status).toBe('passed');
    expect(secondRun.commit).toBe(repoCommit);
    expect(secondRun.results.find(r => r.testId === 'broken')).toMatchObject({
      status: 'failed',
      quarantined: true,
    });
    const secondVisual = secondRun.results.find(r => r.testId === 'login')!
      .attempts[0].steps[5].visual!;
    expect(secondVisual).toMatchObject({
      status: 'match',
      baselineArtifactId: visual.actualArtifactId,
    });
    expectNoSecret((await storedBytes(second.runId)).contents);

    // Nothing logged the secret; the run folders are gone
    expect(
      JSON.stringify([
        logger.info.mock.calls,
        logger.warn.mock.calls,
        logger.error.mock.calls,
      ]),
    ).not.toContain(SECRET);
    expect(existsSync(path.join(tmp, 'work', first.runId))).toBe(false);
    expect(existsSync(path.join(tmp, 'work', second.runId))).toBe(false);
  });

  it('runs at most maxRunning runs at once: a queued run starts when a cancelled or killed one ends', async () => {
    // Two steps: what is under test is how runs are claimed and ended, not what they do
    const quick: TestCase = {
      id: 'quick',
      name: 'Opens the storefront',
      steps: [
        { id: 'open', action: 'navigate', url: '/' },
        {
          id: 'title',
          action: 'assertText',
          target: byTestId('title'),
          text: 'Storefront',
          match: 'exact',
        },
      ],
    };
    await createSuite('slow', [SLOW_TEST]);
    await createSuite('quick', [quick]);
    // The two slow runs take both slots; the quick one is queued after them
    const cancelled = await queueRun('slow');
    const killed = await queueRun('slow');
    // Without trace and video (the first test covers them): three browsers on two cores
    const suiteRunner = startRunner({
      maxRunning: 2,
      trace: false,
      ffmpegPath: undefined,
    });
    await waitFor(
      async () => suiteRunner.runningRunIds.length === 2,
      'both slow runs to be claimed',
    );
    const waiting = await queueRun('quick');
    suiteRunner.wake();

    // Both slow runs are past their first step and hold their slots for minutes, while the
    // runner keeps polling the queue
    await waitFor(
      async () =>
        (await artifactCount(cancelled.runId)) > 0 &&
        (await artifactCount(killed.runId)) > 0,
      'the first step of both slow runs',
    );
    expect((await store.getRun(waiting.runId))?.status).toBe('queued');
    expect(Object.keys(workers).sort()).toEqual(
      [cancelled.runId, killed.runId].sort(),
    );

    await store.requestCancel(cancelled.runId);
    workers[killed.runId].kill();
    const [cancelledRun, killedRun, waitingRun] = await Promise.all(
      [cancelled, killed, waiting].map(run => finished(run.runId)),
    );

    expect(cancelledRun.status).toBe('cancelled');
    expect(await artifactCount(cancelled.runId)).toBeGreaterThan(0);

    expect(killedRun.status).toBe('failed');
    expect(killedRun.reason).toMatch(
      /^the browser worker was killed before the run finished/,
    );
    const slow = killedRun.results.find(r => r.testId === 'slow')!;
    expect(slow.status).toBe('failed');
    const firstStep = slow.attempts[0].steps[0];
    expect(firstStep).toMatchObject({ stepId: 'open', status: 'passed' });
    expect(
      (await readArtifact(firstStep.screenshotArtifactId!)).length,
    ).toBeGreaterThan(100);

    // The queued run got a slot once one was free, and ran to its end with its artifacts
    expect(waitingRun.status).toBe('passed');
    expect(Object.keys(workers)).toHaveLength(3);
    expect(maxRunningSeen).toBe(2);
    const [attempt] = waitingRun.results[0].attempts;
    expect(attempt.steps.map(s => [s.stepId, s.status])).toEqual([
      ['open', 'passed'],
      ['title', 'passed'],
    ]);
    expect(attempt.traceArtifactId).toBeUndefined();
    expect(attempt.videoArtifactId).toBeUndefined();
    expect(waitingRun.videoUnavailable).toBe(
      'ffmpeg is not configured (testRecorder.ffmpegPath): runs have no video',
    );
    const artifactIds = attempt.steps.map(s => s.screenshotArtifactId);
    for (const artifactId of artifactIds) {
      expect(artifactId).toBeDefined();
      expect((await readArtifact(artifactId!)).length).toBeGreaterThan(100);
    }
    expect(await artifactCount(waiting.runId)).toBe(artifactIds.length);
    for (const run of [cancelled, killed, waiting]) {
      expect(existsSync(path.join(tmp, 'work', run.runId))).toBe(false);
    }
  });
});
