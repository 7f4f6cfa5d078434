import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { GitRemotePolicy } from '@internal/plugin-pipelines-node';
import type { PipelineSandboxService } from '@internal/plugin-pipelines-node';
import {
  GitHttpServer,
  makeGitRepository,
  startGitHttpServer,
} from '@internal/plugin-pipelines-node/testUtils';
import type { TestSuiteDefinition } from '@internal/plugin-test-recorder-common';
import JSZip from 'jszip';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { WorkerRunJob } from '../browser/protocol';
import { DatabaseTestRecorderStore } from '../store/DatabaseTestRecorderStore';
import { SecretsCipher } from '../store/SecretsCipher';
import { RepositoryCheckout } from './RepositoryCheckout';
import { formatDuration, SuiteRunner, SuiteRunnerOptions } from './SuiteRunner';
import { startScriptedWorker } from './testing/scriptedWorker';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const SECRET = 's3cr3t-Passw0rd!';
const CONFIG_SECRET = 'config-t0ken-value';

function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      check().then(result => {
        if (result) resolve(result);
        else if (Date.now() > deadline) reject(new Error(`timed out: ${what}`));
        else setTimeout(poll, 20);
      }, reject);
    };
    poll();
  });
}

const suiteDefinition = (
  name: string,
  extra: Partial<TestSuiteDefinition> = {},
): TestSuiteDefinition => ({
  name,
  baseUrl: 'http://127.0.0.1:4173',
  secrets: ['PASSWORD'],
  tests: [
    {
      id: 'checkout',
      name: 'Checkout',
      steps: [
        { id: 's1', action: 'navigate', url: '/' },
        {
          id: 's2',
          action: 'fill',
          target: { locator: { kind: 'label', value: 'Password' } },
          secret: 'PASSWORD',
        },
      ],
    },
    {
      id: 'search',
      name: 'Search',
      steps: [{ id: 's1', action: 'navigate', url: '/search' }],
    },
  ],
  ...extra,
});

/** Scripts for the scripted worker: what a browser worker would emit. */
const passStep = (testId: string, attempt: number, index: number) => `
  emit({ type: 'stepFinished', testId: '${testId}', attempt: ${attempt}, index: ${index},
    stepId: 's${
      index + 1
    }', action: 'navigate', status: 'passed', durationMs: 5,
    screenshotPath: write('${testId}/attempt-${attempt}/step-${index}.jpg', 'jpeg-bytes ' + job.secrets.PASSWORD) });`;
const finishTest = (
  testId: string,
  attempt: number,
  status: 'passed' | 'failed',
  message?: string,
) => `
  emit({ type: 'testFinished', testId: '${testId}', attempt: ${attempt}, status: '${status}',
    durationMs: 10, ${
      message
        ? `error: { message: ${JSON.stringify(
            message,
          )} + job.secrets.PASSWORD, stepId: 's1', stepIndex: 0 },`
        : ''
    }
    videoPath: write('${testId}/attempt-${attempt}/video.webm', 'webm ' + encodeURIComponent(job.secrets.PASSWORD)),
    tracePath: write('${testId}/attempt-${attempt}/trace.zip', fs.readFileSync(job.files['trace.zip'])) });`;

describe('SuiteRunner', () => {
  let tmp: string;
  let knex: Knex;
  let store: DatabaseTestRecorderStore;
  let gitServer: GitHttpServer;
  let repoCommit: string;
  let runners: SuiteRunner[];
  let scripts: Record<string, string>;
  let startedJobs: WorkerRunJob[];
  let concurrent: number;
  let maxConcurrent: number;
  const logger = mockServices.logger.mock();

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-suite-runner-'));
    repoCommit = makeGitRepository(path.join(tmp, 'repos', 'storefront'), {
      'server.js': 'require("http").createServer().listen(4173)\n',
    });
    gitServer = await startGitHttpServer({ root: path.join(tmp, 'repos') });
    knex = await databases.init('SQLITE_3');
    store = await DatabaseTestRecorderStore.create({
      database: { getClient: async () => knex },
      artifactsDir: path.join(tmp, 'artifacts'),
      cipher: SecretsCipher.fromSecret('test-key'),
    });
  });

  afterAll(async () => {
    await gitServer.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  beforeEach(() => {
    runners = [];
    scripts = {};
    startedJobs = [];
    concurrent = 0;
    maxConcurrent = 0;
  });

  afterEach(async () => {
    await Promise.all(runners.map(runner => runner.stop()));
  });

  /** A trace zip holding the secret as a fill value, a form body and in a file name. */
  async function traceWithSecret(): Promise<Buffer> {
    const zip = new JSZip();
    zip.file(
      'trace.trace',
      `${JSON.stringify({ type: 'action', params: { value: SECRET } })}\n`,
    );
    zip.file(
      'resources/request.txt',
      new URLSearchParams({ password: SECRET }).toString(),
    );
    zip.file('trace.network', `{"token":"${CONFIG_SECRET}"}`);
    return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
  }

  async function createSuite(
    name: string,
    extra: Partial<TestSuiteDefinition> = {},
    script?: string,
  ) {
    const suite = await store.createSuite({
      entityRef: 'component:default/storefront-web',
      definition: suiteDefinition(name, extra),
      createdBy: 'user:default/alice',
    });
    await store.setSecret(name, 'PASSWORD', SECRET);
    await store.putFile(name, 'trace.zip', await traceWithSecret());
    if (script) scripts[name] = script;
    return suite;
  }

  function queueRun(
    suiteName: string,
    extra: { commit?: string; retries?: number } = {},
  ) {
    return store.createRun({
      suiteName,
      suiteVersion: 1,
      entityRef: 'component:default/storefront-web',
      trigger: 'manual',
      triggeredBy: 'user:default/alice',
      baseUrl: 'http://127.0.0.1:4173',
      retries: extra.retries ?? 0,
      commit: extra.commit,
    });
  }

  function createRunner(options: Partial<SuiteRunnerOptions> = {}) {
    const runner = SuiteRunner.create({
      store,
      sandbox: {} as PipelineSandboxService,
      checkout: RepositoryCheckout.create({
        gitRemotePolicy: GitRemotePolicy.create({
          allowedHosts: [gitServer.host],
        }),
      }),
      resolveRepository: async () => ({ url: gitServer.url('storefront') }),
      logger,
      workDir: path.join(tmp, 'work'),
      owner: 'instance-a',
      allowedOrigins: [],
      allowedEgress: [],
      testIdAttribute: 'data-testid',
      stepTimeoutMs: 5000,
      trace: true,
      chromiumPath: '/usr/lib/chromium/chromium',
      configSecrets: () => ({
        API_TOKEN: CONFIG_SECRET,
        PASSWORD: 'overridden',
      }),
      workerModules: { playwrightCore: '', pixelmatch: '', pngjs: '' },
      startWorker: async ({ job, workDir }) => {
        startedJobs.push(job);
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        const worker = await startScriptedWorker({
          job,
          workDir: path.join(workDir, 'worker'),
          script: scripts[job.suite.name],
        });
        void worker.exited.then(() => concurrent--);
        return worker;
      },
      pollIntervalMs: 50,
      ...options,
    });
    runners.push(runner);
    return runner;
  }

  const finished = (runId: string) =>
    waitFor(async () => {
      const run = await store.getRun(runId);
      return run && !['queued', 'running'].includes(run.status) && run;
    }, `run ${runId} to finish`);

  async function readArtifact(artifactId: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await store.openArtifact(artifactId)) {
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }

  /** Every stored byte of a run's artifacts, unzipped where they are zips. */
  async function artifactBytes(runId: string): Promise<Buffer[]> {
    const run = await store.getRun(runId);
    const ids = run!.results.flatMap(result =>
      result.attempts.flatMap(attempt => [
        attempt.videoArtifactId,
        attempt.traceArtifactId,
        ...attempt.steps.flatMap(step => [
          step.screenshotArtifactId,
          step.visual?.actualArtifactId,
          step.visual?.diffArtifactId,
        ]),
      ]),
    );
    const contents: Buffer[] = [];
    for (const id of ids.filter((x): x is string => Boolean(x))) {
      const bytes = await readArtifact(id);
      contents.push(bytes);
      const artifact = await store.getArtifact(id);
      if (artifact?.kind === 'trace') {
        const zip = await JSZip.loadAsync(bytes);
        for (const entry of Object.values(zip.files)) {
          contents.push(Buffer.from(entry.name));
          if (!entry.dir) contents.push(await entry.async('nodebuffer'));
        }
      }
    }
    return contents;
  }

  it('runs a suite and stores its artifacts and results without the secrets', async () => {
    await createSuite(
      'passing',
      {},
      `${passStep('checkout', 1, 0)}${passStep('checkout', 1, 1)}
       ${finishTest('checkout', 1, 'passed')}
       ${passStep('search', 1, 0)}${finishTest('search', 1, 'passed')}
       emit({ type: 'done' });`,
    );
    const queued = await queueRun('passing');
    createRunner({ videoUnavailable: undefined }).start();
    const run = await finished(queued.runId);

    expect(run.status).toBe('passed');
    expect(run.reason).toBeUndefined();
    expect(run.counts).toEqual({ passed: 2, failed: 0, flaky: 0, skipped: 0 });
    const checkout = run.results.find(r => r.testId === 'checkout')!;
    expect(checkout.testName).toBe('Checkout');
    expect(checkout.attempts).toHaveLength(1);
    const attempt = checkout.attempts[0];
    expect(attempt.steps.map(s => s.screenshotArtifactId)).toEqual([
      expect.any(String),
      expect.any(String),
    ]);
    expect(
      (await store.getArtifact(attempt.videoArtifactId!))?.contentType,
    ).toBe('video/webm');
    const trace = await store.getArtifact(attempt.traceArtifactId!);
    expect(trace).toMatchObject({
      kind: 'trace',
      contentType: 'application/zip',
    });
    const screenshot = await readArtifact(
      attempt.steps[0].screenshotArtifactId!,
    );
    expect(screenshot.toString()).toBe('jpeg-bytes ***');

    // the job had the stored secret (over config's) and config's own secret
    expect(startedJobs[0].secrets).toEqual({
      PASSWORD: SECRET,
      API_TOKEN: CONFIG_SECRET,
    });
    expect(startedJobs[0].trace).toBe(true);
    // no stored byte holds a secret, inside the trace zip included
    const contents = await artifactBytes(queued.runId);
    expect(contents.length).toBeGreaterThan(10);
    for (const content of contents) {
      for (const secret of [SECRET, CONFIG_SECRET]) {
        expect(content.includes(secret)).toBe(false);
        expect(content.includes(encodeURIComponent(secret))).toBe(false);
      }
    }
    // the run's folder is gone
    await expect(
      fs.stat(path.join(tmp, 'work', queued.runId)),
    ).rejects.toThrow();
    // nothing logged the secret
    const logged = JSON.stringify([
      logger.info.mock.calls,
      logger.warn.mock.calls,
      logger.error.mock.calls,
    ]);
    expect(logged).not.toContain(SECRET);
  });

  it('fails the run when a test fails, with the failure signature', async () => {
    await createSuite(
      'failing',
      {},
      `${passStep('checkout', 1, 0)}
       ${finishTest(
         'checkout',
         1,
         'failed',
         'Timeout 5000ms waiting for getByLabel("Password") ',
       )}
       ${passStep('search', 1, 0)}${finishTest('search', 1, 'passed')}
       emit({ type: 'done', videoUnavailable: 'ffmpeg is not installed' });`,
    );
    const queued = await queueRun('failing');
    createRunner().start();
    const run = await finished(queued.runId);

    expect(run.status).toBe('failed');
    expect(run.videoUnavailable).toBe('ffmpeg is not installed');
    const checkout = run.results.find(r => r.testId === 'checkout')!;
    expect(checkout.status).toBe('failed');
    const error = checkout.attempts[0].error!;
    expect(error.message).toBe(
      'Timeout 5000ms waiting for getByLabel("Password") ***',
    );
    expect(error.stepId).toBe('s1');
    expect(error.signature).toBeTruthy();
    expect(error.signature).not.toContain('5000');
    const history = await store.getTestHistory('failing', 'checkout', 5);
    expect(history[0].signature).toBe(error.signature);
  });

  it('counts a test that passes on a retry as flaky and the run as passed', async () => {
    await createSuite(
      'retried',
      {},
      `${finishTest('checkout', 1, 'failed', 'element not found ')}
       ${finishTest('checkout', 2, 'passed')}
       ${finishTest('search', 1, 'passed')}
       emit({ type: 'done' });`,
    );
    const queued = await queueRun('retried', { retries: 1 });
    createRunner().start();
    const run = await finished(queued.runId);
    expect(startedJobs[0].retries).toBe(1);
    expect(run.status).toBe('passed');
    const checkout = run.results.find(r => r.testId === 'checkout')!;
    expect(checkout.status).toBe('flaky');
    expect(checkout.attempts.map(a => a.status)).toEqual(['failed', 'passed']);
  });

  it('does not fail the run for a quarantined test', async () => {
    await createSuite(
      'quarantine',
      {},
      `${finishTest('checkout', 1, 'failed', 'element not found ')}
       ${finishTest('search', 1, 'passed')}
       emit({ type: 'done' });`,
    );
    await store.setQuarantined({
      suiteName: 'quarantine',
      testId: 'checkout',
      quarantined: true,
      by: 'user:default/alice',
    });
    const queued = await queueRun('quarantine');
    createRunner().start();
    const run = await finished(queued.runId);
    expect(run.status).toBe('passed');
    const checkout = run.results.find(r => r.testId === 'checkout')!;
    expect(checkout).toMatchObject({ status: 'failed', quarantined: true });
  });

  it('cancels a run: the worker is asked to stop and the run is cancelled', async () => {
    const release = path.join(tmp, 'cancel-never');
    await createSuite(
      'cancelled',
      {},
      `${passStep('checkout', 1, 0)}
       await waitForFile(${JSON.stringify(release)});`,
    );
    const queued = await queueRun('cancelled');
    createRunner().start();
    await waitFor(
      async () =>
        (
          await knex('test_recorder_artifacts').where({ run_id: queued.runId })
        ).length > 0,
      'the first screenshot',
    );
    await store.requestCancel(queued.runId);
    const run = await finished(queued.runId);
    expect(run.status).toBe('cancelled');
    // the first step's screenshot was stored before the cancel
    const artifacts = await knex('test_recorder_artifacts')
      .where({ run_id: queued.runId })
      .select('kind');
    expect(artifacts.map(a => a.kind)).toContain('screenshot');
  });

  it('fails a run whose worker dies mid-run, keeping its artifacts and naming the exit', async () => {
    await createSuite(
      'killed',
      {},
      `emit({ type: 'testStarted', testId: 'checkout', attempt: 1 });
       ${passStep('checkout', 1, 0)}
       process.stderr.write('chromium crashed while typing ' + job.secrets.PASSWORD + '\\n');
       await new Promise(resolve => setTimeout(resolve, 100));
       process.kill(process.pid, 'SIGKILL');`,
    );
    const queued = await queueRun('killed');
    createRunner().start();
    const run = await finished(queued.runId);

    expect(run.status).toBe('failed');
    expect(run.reason).toContain(
      'the browser worker was killed before the run finished',
    );
    expect(run.reason).toContain('chromium crashed while typing ***');
    expect(run.reason).not.toContain(SECRET);
    const checkout = run.results.find(r => r.testId === 'checkout')!;
    expect(checkout.status).toBe('failed');
    expect(checkout.attempts[0].error?.message).toBe(
      'the browser worker was killed before the run finished',
    );
    expect(checkout.attempts[0].steps[0].screenshotArtifactId).toBeDefined();
    expect(
      (
        await readArtifact(checkout.attempts[0].steps[0].screenshotArtifactId!)
      ).toString(),
    ).toBe('jpeg-bytes ***');
  });

  it('reports a worker error event and its exit code', async () => {
    await createSuite(
      'worker-error',
      {},
      `throw new Error('cannot launch chromium');`,
    );
    const queued = await queueRun('worker-error');
    createRunner().start();
    const run = await finished(queued.runId);
    expect(run.status).toBe('failed');
    expect(run.reason).toBe(
      'the browser worker exited with code 1 before the run finished: cannot launch chromium',
    );
  });

  it('runs at most maxRunning runs at once and then the rest', async () => {
    const release = path.join(tmp, 'release-max-running');
    await createSuite(
      'queued',
      {},
      `await waitForFile(${JSON.stringify(release)});
       ${finishTest('checkout', 1, 'passed')}${finishTest(
        'search',
        1,
        'passed',
      )}
       emit({ type: 'done' });`,
    );
    const runIds: string[] = [];
    for (let i = 0; i < 5; i++) runIds.push((await queueRun('queued')).runId);
    const runner = createRunner({ maxRunning: 2 });
    runner.start();
    await waitFor(async () => startedJobs.length === 2, 'two runs to start');
    const runs = await Promise.all(runIds.map(id => store.getRun(id)));
    expect(runs.map(r => r!.status).sort()).toEqual([
      'queued',
      'queued',
      'queued',
      'running',
      'running',
    ]);
    expect(runner.runningRunIds).toHaveLength(2);
    await fs.writeFile(release, '');
    const done = await Promise.all(runIds.map(finished));
    expect(done.map(r => r.status)).toEqual(Array(5).fill('passed'));
    expect(maxConcurrent).toBe(2);
    expect(startedJobs).toHaveLength(5);
  });

  it('starts a queued run at once when woken', async () => {
    await createSuite(
      'woken',
      {},
      `${finishTest('checkout', 1, 'passed')}${finishTest(
        'search',
        1,
        'passed',
      )}
       emit({ type: 'done' });`,
    );
    // a poll interval longer than the test: only wake() can start the run
    const runner = createRunner({ pollIntervalMs: 600_000 });
    runner.start();
    await waitFor(async () => runner.runningRunIds.length === 0, 'idle');
    const queued = await queueRun('woken');
    runner.wake();
    expect((await finished(queued.runId)).status).toBe('passed');
  });

  it('fails at start the runs whose owner stopped renewing their lease', async () => {
    await createSuite('orphaned');
    const queued = await queueRun('orphaned');
    const past = new Date(Date.now() - 5 * 60_000);
    const otherInstance = await DatabaseTestRecorderStore.create({
      database: { getClient: async () => knex, migrations: { skip: true } },
      artifactsDir: path.join(tmp, 'artifacts'),
      cipher: SecretsCipher.fromSecret('test-key'),
      clock: () => past,
    });
    expect(
      await otherInstance.claimNextRun({ owner: 'instance-b', maxRunning: 5 }),
    ).toMatchObject({ runId: queued.runId });
    createRunner().start();
    const run = await finished(queued.runId);
    expect(run.status).toBe('failed');
    expect(run.reason).toBe('the backend running it stopped');
    expect(startedJobs).toHaveLength(0);
  });

  it('checks out the repository at the run commit for the web server', async () => {
    await createSuite(
      'web-server',
      { webServer: { command: 'node server.js', port: 4173 } },
      `if (!fs.existsSync(path.join(job.repoDir, 'server.js'))) throw new Error('no checkout');
       emit({ type: 'webServer', status: 'ready' });
       ${finishTest('checkout', 1, 'passed')}${finishTest(
        'search',
        1,
        'passed',
      )}
       emit({ type: 'done' });`,
    );
    const queued = await queueRun('web-server', { commit: repoCommit });
    createRunner().start();
    const run = await finished(queued.runId);
    expect(run.status).toBe('passed');
    expect(startedJobs[0].webServer).toEqual({
      command: 'node server.js',
      port: 4173,
    });
    expect(startedJobs[0].repoDir).toBe(
      path.join(tmp, 'work', queued.runId, 'repo'),
    );
    expect(gitServer.requests.some(r => r.includes('storefront'))).toBe(true);
  });

  it('fails the run with the checkout error', async () => {
    await createSuite('bad-repo', {
      webServer: { command: 'node server.js', port: 4173 },
    });
    const queued = await queueRun('bad-repo');
    createRunner({
      resolveRepository: async () => ({ url: gitServer.url('missing') }),
    }).start();
    const run = await finished(queued.runId);
    expect(run.status).toBe('failed');
    expect(run.reason).toContain(
      `could not check out the repository for the web server: Could not fetch ${gitServer.url(
        'missing',
      )}`,
    );
    expect(startedJobs).toHaveLength(0);
  });

  it('fails the run when the entity has no repository', async () => {
    await createSuite('no-repo', {
      webServer: { command: 'node server.js', port: 4173 },
    });
    const queued = await queueRun('no-repo');
    createRunner({ resolveRepository: async () => undefined }).start();
    const run = await finished(queued.runId);
    expect(run.reason).toBe(
      'the suite starts a web server from the repository, but component:default/storefront-web has no backstage.io/source-location annotation',
    );
  });

  it('fails the run when the web server never becomes ready', async () => {
    await createSuite(
      'server-down',
      { webServer: { command: 'node server.js', port: 4173 } },
      `emit({ type: 'webServer', status: 'failed', message: 'node server.js did not answer on http://127.0.0.1:4173/ within 30 s' });
       throw new Error('web server not ready');`,
    );
    const queued = await queueRun('server-down');
    createRunner().start();
    const run = await finished(queued.runId);
    expect(run.status).toBe('failed');
    expect(run.reason).toBe(
      'the web server did not become ready: node server.js did not answer on http://127.0.0.1:4173/ within 30 s',
    );
  });

  it('on stop, kills runs that outlive the grace period and fails them', async () => {
    const release = path.join(tmp, 'stop-never');
    await createSuite(
      'stopped',
      {},
      `${passStep('checkout', 1, 0)}
       await waitForFile(${JSON.stringify(release)});`,
    );
    const queued = await queueRun('stopped');
    const runner = createRunner({ stopGraceMs: 100 });
    runner.start();
    await waitFor(async () => {
      const run = await store.getRun(queued.runId);
      return (
        startedJobs.length === 1 &&
        (await knex('test_recorder_artifacts').where({ run_id: queued.runId }))
          .length > 0 &&
        run
      );
    }, 'the first screenshot');
    await runner.stop();
    const run = await store.getRun(queued.runId);
    expect(run).toMatchObject({ status: 'failed', reason: 'backend stopped' });
    expect(runner.runningRunIds).toEqual([]);
  });

  it('fails a run that takes longer than the run timeout', async () => {
    const release = path.join(tmp, 'timeout-never');
    await createSuite(
      'slow',
      {},
      `await waitForFile(${JSON.stringify(release)});`,
    );
    const queued = await queueRun('slow');
    createRunner({ runTimeoutMs: 300 }).start();
    const run = await finished(queued.runId);
    expect(run.status).toBe('failed');
    expect(run.reason).toBe('the run took longer than 300 ms and was stopped');
  });

  it('names the run timeout in words', () => {
    expect(
      [300, 1_400, 60_000, 90_000, 120_000, 30 * 60_000].map(formatDuration),
    ).toEqual(['300 ms', '1 s', '1 minute', '90 s', '2 minutes', '30 minutes']);
  });

  it('refuses a maxRunning that is not a whole number of at least 1', () => {
    for (const maxRunning of [0, 1.5, -1]) {
      expect(() => createRunner({ maxRunning })).toThrow(
        `maxRunning must be a whole number of at least 1, got ${maxRunning}`,
      );
    }
  });

  it('kills a cancelled worker that does not stop within terminateGraceMs', async () => {
    const release = path.join(tmp, 'stubborn-never');
    await createSuite(
      'stubborn',
      {},
      `process.removeAllListeners('SIGTERM');
       process.on('SIGTERM', () => process.stderr.write('not stopping\\n'));
       ${passStep('checkout', 1, 0)}
       await waitForFile(${JSON.stringify(release)});`,
    );
    const exits: Array<number | null> = [];
    const queued = await queueRun('stubborn');
    createRunner({
      terminateGraceMs: 200,
      startWorker: async ({ job, workDir }) => {
        const worker = await startScriptedWorker({
          job,
          workDir: path.join(workDir, 'worker'),
          script: scripts[job.suite.name],
        });
        void worker.exited.then(exit => exits.push(exit.exitCode));
        return worker;
      },
    }).start();
    await waitFor(
      async () =>
        (
          await knex('test_recorder_artifacts').where({ run_id: queued.runId })
        ).length > 0,
      'the first screenshot',
    );
    await store.requestCancel(queued.runId);
    const run = await finished(queued.runId);
    expect(run.status).toBe('cancelled');
    // killed (no exit code), not stopped by its SIGTERM
    expect(exits).toEqual([null]);
  });

  it('stops a run whose lease another instance took, and fails it', async () => {
    const release = path.join(tmp, 'lease-never');
    await createSuite(
      'lease-lost',
      {},
      `${passStep('checkout', 1, 0)}
       await waitForFile(${JSON.stringify(release)});`,
    );
    const queued = await queueRun('lease-lost');
    createRunner({ heartbeatIntervalMs: 50 }).start();
    await waitFor(
      async () =>
        (
          await knex('test_recorder_artifacts').where({ run_id: queued.runId })
        ).length > 0,
      'the first screenshot',
    );
    await knex('test_recorder_runs')
      .where({ run_id: queued.runId })
      .update({ owner: 'instance-b' });
    const run = await finished(queued.runId);
    expect(run).toMatchObject({
      status: 'failed',
      reason: 'the backend running it stopped',
    });
    expect(logger.warn).toHaveBeenCalledWith(
      `Test run ${queued.runId} is no longer this backend's (its lease expired); stopping it`,
    );
  });

  /** The store, with some of its methods replaced. */
  function storeWith(overrides: Partial<DatabaseTestRecorderStore>) {
    return Object.assign(
      Object.create(store),
      overrides,
    ) as DatabaseTestRecorderStore;
  }

  it('keeps running when the queue or a heartbeat cannot be read, and says so', async () => {
    await createSuite(
      'store-hiccups',
      {},
      `${passStep('checkout', 1, 0)}
       await new Promise(resolve => setTimeout(resolve, 300));
       ${finishTest('checkout', 1, 'passed')}${finishTest(
        'search',
        1,
        'passed',
      )}
       emit({ type: 'done' });`,
    );
    const queued = await queueRun('store-hiccups');
    let claims = 0;
    createRunner({
      heartbeatIntervalMs: 50,
      store: storeWith({
        claimNextRun: async options => {
          claims += 1;
          if (claims === 1) throw new Error('database is restarting');
          return store.claimNextRun(options);
        },
        heartbeat: async () => {
          throw new Error('connection reset');
        },
      }),
    }).start();
    const run = await finished(queued.runId);
    expect(run.status).toBe('passed');
    expect(logger.error).toHaveBeenCalledWith(
      'Test run queue: Error: database is restarting',
    );
    expect(logger.warn).toHaveBeenCalledWith(
      `Could not renew the lease of test run ${queued.runId}: Error: connection reset`,
    );
  });

  it('starts a run queued while the queue was being read, without waiting for the next poll', async () => {
    await createSuite(
      'woken-mid-read',
      {},
      `${finishTest('checkout', 1, 'passed')}${finishTest(
        'search',
        1,
        'passed',
      )}
       emit({ type: 'done' });`,
    );
    let releaseFirstClaim!: () => void;
    const firstClaimHeld = new Promise<void>(resolve => {
      releaseFirstClaim = resolve;
    });
    let claims = 0;
    const runner = createRunner({
      // longer than the test: only a wake() can start the run
      pollIntervalMs: 600_000,
      store: storeWith({
        claimNextRun: async options => {
          claims += 1;
          if (claims === 1) {
            // this read began before the run was queued: it finds nothing
            await firstClaimHeld;
            return undefined;
          }
          return store.claimNextRun(options);
        },
      }),
    });
    runner.start();
    await waitFor(async () => claims === 1, 'the first read of the queue');
    const queued = await queueRun('woken-mid-read');
    runner.wake();
    releaseFirstClaim();
    expect((await finished(queued.runId)).status).toBe('passed');
  });

  it('fails a run whose suite version is gone, or whose files have unusable names', async () => {
    await createSuite('gone-version');
    const gone = await store.createRun({
      suiteName: 'gone-version',
      suiteVersion: 7,
      entityRef: 'component:default/storefront-web',
      trigger: 'manual',
      triggeredBy: 'user:default/alice',
      baseUrl: 'http://127.0.0.1:4173',
      retries: 0,
    });
    await createSuite('bad-file');
    await store.putFile('bad-file', '../escape.txt', Buffer.from('x'));
    const badFile = await queueRun('bad-file');
    createRunner().start();
    expect(await finished(gone.runId)).toMatchObject({
      status: 'failed',
      reason: 'version 7 of suite gone-version no longer exists',
    });
    expect(await finished(badFile.runId)).toMatchObject({
      status: 'failed',
      reason: 'suite bad-file has a file with an unusable name "../escape.txt"',
    });
    expect(startedJobs).toHaveLength(0);
  });

  it('leaves baselines with unusable names out of the job', async () => {
    const listing = path.join(tmp, 'odd-baselines-listing.json');
    await createSuite(
      'odd-baselines',
      {},
      `fs.writeFileSync(${JSON.stringify(
        listing,
      )}, JSON.stringify(fs.readdirSync(job.baselinesDir, { recursive: true }).sort()));
       ${finishTest('checkout', 1, 'passed')}${finishTest(
        'search',
        1,
        'passed',
      )}
       emit({ type: 'done' });`,
    );
    const first = await queueRun('odd-baselines');
    const seed = await store.addArtifact({
      runId: first.runId,
      kind: 'visual-actual',
      contentType: 'image/png',
      content: Buffer.from('png-bytes'),
    });
    for (const [testId, name] of [
      ['checkout', 'home'],
      ['..', 'home'],
      ['checkout', 'a/b'],
      ['search', '.'],
    ]) {
      await store.acceptBaseline({
        suiteName: 'odd-baselines',
        testId,
        name,
        artifactId: seed.artifactId,
        by: 'user:default/alice',
      });
    }
    createRunner().start();
    expect((await finished(first.runId)).status).toBe('passed');
    expect(JSON.parse(await fs.readFile(listing, 'utf8'))).toEqual([
      'checkout',
      path.join('checkout', 'home.png'),
    ]);
  });

  it('logs a run whose end cannot be recorded, and frees its slot', async () => {
    await createSuite(
      'unrecorded',
      {},
      `${finishTest('checkout', 1, 'passed')}${finishTest(
        'search',
        1,
        'passed',
      )}
       emit({ type: 'done' });`,
    );
    const queued = await queueRun('unrecorded');
    const runner = createRunner({
      store: storeWith({
        finishRun: async () => {
          throw new Error('database is read-only');
        },
      }),
    });
    runner.start();
    await waitFor(
      async () =>
        logger.error.mock.calls.some(([message]) =>
          String(message).includes(queued.runId),
        ),
      'the error',
    );
    expect(logger.error).toHaveBeenCalledWith(
      `Could not record the end of test run ${queued.runId}: database is read-only`,
    );
    await waitFor(async () => runner.runningRunIds.length === 0, 'the slot');
    // its lease runs out and another pass of failExpiredRuns fails it
    expect((await store.getRun(queued.runId))?.status).toBe('running');
  });
});
