/*
 * Suite runs for measures 2 and 3 of the test recorder benchmark: Comet's own (the real
 * SuiteRunner, DatabaseTestRecorderStore on SQLite, RepositoryCheckout of a git repository,
 * browser workers in the bubblewrap sandbox), and the same suite exported as a Playwright Test
 * project and run by the repository's own `playwright test`.
 */
import { BubblewrapSandbox } from '@internal/plugin-pipelines-node';
import {
  renderPlaywrightProject,
  secretEnvName,
  type TestRun,
} from '@internal/plugin-test-recorder-common';
import JSZip from 'jszip';
import knexFactory, { type Knex } from 'knex';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BrowserWorker } from '../src/browser/BrowserWorker';
import type { RepositoryCheckout } from '../src/runner/RepositoryCheckout';
import { SuiteRunner } from '../src/runner/SuiteRunner';
import { DatabaseTestRecorderStore } from '../src/store/DatabaseTestRecorderStore';
import { SecretsCipher } from '../src/store/SecretsCipher';
import {
  ACCOUNT_PASSWORD,
  ProcessTreeCpu,
  errorMessage,
  quietLogger,
  REPO_ROOT,
  sleep,
  type Suite,
  USER,
} from './common';

/** The service's default (testRecorder.maxConcurrentRuns). */
export const MAX_RUNNING = 2;
const PLAYWRIGHT_BIN = path.join(REPO_ROOT, 'node_modules/.bin/playwright');
export const PLAYWRIGHT_TEST_DIR = path.dirname(
  require.resolve('@playwright/test/package.json', { paths: [REPO_ROOT] }),
);

export type Comet = {
  knex: Knex;
  store: DatabaseTestRecorderStore;
  runner: SuiteRunner;
  /** Browser workers alive now and the most alive at once. */
  workers: { alive: number; max: number };
};

export async function startComet(options: {
  sandbox: BubblewrapSandbox;
  checkout: RepositoryCheckout;
  chromiumPath: string;
  ffmpegPath: string;
  dir: string;
  suites: Suite[];
  /** The git repository of each entity (its backstage.io/source-location). */
  repositoryOf: (entityRef: string) => string | undefined;
}): Promise<Comet> {
  await fs.mkdir(options.dir, { recursive: true });
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: path.join(options.dir, 'test-recorder.sqlite') },
    useNullAsDefault: true,
  });
  const store = await DatabaseTestRecorderStore.create({
    database: { getClient: async () => knex },
    artifactsDir: path.join(options.dir, 'artifacts'),
    cipher: SecretsCipher.fromSecret('bench secrets key'),
  });
  for (const { entityRef, ...definition } of options.suites) {
    await store.createSuite({ entityRef, definition, createdBy: USER });
  }
  await store.setSecret(
    'storefront-checkout',
    'ACCOUNT_PASSWORD',
    ACCOUNT_PASSWORD,
  );
  const workers = { alive: 0, max: 0 };
  // plugin.ts's SuiteRunner with the config defaults: 2 at once, trace on, 15 s steps
  const runner = SuiteRunner.create({
    store,
    sandbox: options.sandbox,
    checkout: options.checkout,
    resolveRepository: async entityRef => {
      const url = options.repositoryOf(entityRef);
      return url ? { url } : undefined;
    },
    logger: quietLogger(),
    workDir: path.join(options.dir, 'runs'),
    owner: `bench-${process.pid}`,
    maxRunning: MAX_RUNNING,
    allowedOrigins: [],
    allowedEgress: [],
    testIdAttribute: 'data-testid',
    stepTimeoutMs: 15_000,
    trace: true,
    chromiumPath: options.chromiumPath,
    ffmpegPath: options.ffmpegPath,
    configSecrets: () => ({}),
    // BrowserWorker.start, counted
    startWorker: async workerOptions => {
      const worker = await BrowserWorker.start(workerOptions);
      workers.alive += 1;
      workers.max = Math.max(workers.max, workers.alive);
      void worker.exited.finally(() => {
        workers.alive -= 1;
      });
      return worker;
    },
  });
  runner.start();
  return { knex, store, runner, workers };
}

/** What TestRecorderService.triggerRun stores and then wakes the queue with. */
export async function queueRun(comet: Comet, suite: Suite) {
  const run = await comet.store.createRun({
    suiteName: suite.name,
    suiteVersion: 1,
    entityRef: suite.entityRef,
    trigger: 'manual',
    triggeredBy: USER,
    baseUrl: suite.baseUrl,
    retries: 0,
  });
  comet.runner.wake();
  return run;
}

export async function finished(comet: Comet, runId: string): Promise<TestRun> {
  for (;;) {
    const run = await comet.store.getRun(runId);
    if (run && !['queued', 'running'].includes(run.status)) return run;
    await sleep(100);
  }
}

/** Queued to finished, from the store's own timestamps. */
export const queuedToFinished = (run: TestRun) =>
  Date.parse(run.finishedAt!) - Date.parse(run.createdAt);

export function describeFailure(run: TestRun): string {
  const failed = run.results
    .filter(r => r.status === 'failed')
    .map(r => {
      const error = r.attempts.at(-1)?.error;
      return `${r.testId}: ${error?.message.split('\n')[0] ?? 'failed'}`;
    });
  return [run.reason, ...failed].filter(Boolean).join('; ') || run.status;
}

/** Where a run's time went: the queue, each test's steps, and the rest (start-up, storing). */
export function breakdown(run: TestRun): string {
  const queue = Date.parse(run.startedAt!) - Date.parse(run.createdAt);
  let inTests = 0;
  const tests = run.results.map(result => {
    const attempt = result.attempts.at(-1);
    inTests += result.durationMs;
    const steps = (attempt?.steps ?? [])
      .map(step => `${step.action} ${step.durationMs}`)
      .join(', ');
    return `${result.testId} ${result.durationMs} ms [${steps}]`;
  });
  return `queued ${queue} ms; run ${
    run.durationMs
  } ms, of which tests ${inTests} ms (${tests.join('; ')}), the rest ${
    run.durationMs! - inTests
  } ms`;
}

/** One run, queued to finished, with the CPU time of everything it started. */
export async function runComet(comet: Comet, suite: Suite) {
  const cpuTime = ProcessTreeCpu.start();
  const queued = await queueRun(comet, suite);
  const run = await finished(comet, queued.runId);
  // SuiteRunner waited for the worker's sandbox to exit before it finished the run
  const cpu = cpuTime.stop();
  return { run, ms: queuedToFinished(run), cpu };
}

/** Accepts every new screenshot of a run as the suite's baseline (as a user would). */
export async function acceptNewBaselines(comet: Comet, run: TestRun) {
  for (const result of run.results) {
    for (const step of result.attempts.at(-1)?.steps ?? []) {
      if (step.visual?.status === 'new') {
        await comet.store.acceptBaseline({
          suiteName: run.suiteName,
          testId: result.testId,
          name: step.visual.name,
          artifactId: step.visual.actualArtifactId,
          by: USER,
        });
      }
    }
  }
}

export type PlainProject = {
  suiteName: string;
  dir: string;
  env: Record<string, string>;
};

/**
 * The suite exported as Comet exports it (renderPlaywrightProject, the files of the export
 * zip), next to a checkout of the app's repository, with the repository's @playwright/test
 * in its node_modules and a config that adds Debian's Chromium to the exported one.
 */
export async function preparePlain(options: {
  dir: string;
  suite: Suite;
  checkout: RepositoryCheckout;
  repositoryUrl: string;
  browsersPath: string;
  chromiumPath: string;
  chromiumArgs: string[];
}): Promise<PlainProject> {
  const { suite } = options;
  const root = path.join(options.dir, suite.name);
  const dir = path.join(root, 'project');
  const repo = path.join(root, 'repo');
  await options.checkout.checkout({
    repositoryUrl: options.repositoryUrl,
    dir: repo,
    timeoutMs: 60_000,
  });
  const { entityRef: _entityRef, ...definition } = suite;
  for (const file of renderPlaywrightProject(definition)) {
    const target = path.join(dir, file.path);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, file.content);
  }
  await fs.mkdir(path.join(dir, 'node_modules/@playwright'), {
    recursive: true,
  });
  await fs.symlink(
    PLAYWRIGHT_TEST_DIR,
    path.join(dir, 'node_modules/@playwright/test'),
  );
  // The exported config (trace, video, screenshot on), with the Chromium and flags Comet's
  // worker launches
  await fs.writeFile(
    path.join(dir, 'local.config.ts'),
    [
      `import config from './playwright.config';`,
      `export default {`,
      `  ...config,`,
      `  use: {`,
      `    ...config.use,`,
      `    launchOptions: {`,
      `      executablePath: ${JSON.stringify(options.chromiumPath)},`,
      `      args: ${JSON.stringify(options.chromiumArgs)},`,
      `    },`,
      `  },`,
      `};`,
      '',
    ].join('\n'),
  );
  return {
    suiteName: suite.name,
    dir,
    env: {
      // a web server of its own per run (reuseExistingServer: !process.env.CI), as Comet's
      CI: '1',
      COMET_REPO_DIR: repo,
      [secretEnvName('ACCOUNT_PASSWORD')]: ACCOUNT_PASSWORD,
      PLAYWRIGHT_BROWSERS_PATH: options.browsersPath,
    },
  };
}

/**
 * Playwright records video with its own ffmpeg build, which cannot be downloaded here:
 * Debian's ffmpeg goes where Playwright looks for it. Returns PLAYWRIGHT_BROWSERS_PATH.
 */
export async function playwrightFfmpeg(dir: string, ffmpegPath: string) {
  const browsers = JSON.parse(
    await fs.readFile(
      path.join(
        path.dirname(
          require.resolve('playwright-core/package.json', {
            paths: [PLAYWRIGHT_TEST_DIR],
          }),
        ),
        'browsers.json',
      ),
      'utf8',
    ),
  ) as { browsers: Array<{ name: string; revision: string }> };
  const ffmpeg = browsers.browsers.find(b => b.name === 'ffmpeg');
  if (!ffmpeg) throw new Error("playwright-core's browsers.json has no ffmpeg");
  const browsersPath = path.join(dir, 'ms-playwright');
  const target = path.join(browsersPath, `ffmpeg-${ffmpeg.revision}`);
  await fs.mkdir(target, { recursive: true });
  await fs.symlink(ffmpegPath, path.join(target, 'ffmpeg-linux'));
  return browsersPath;
}

/** Traces, videos and screenshots a plain run left in test-results/, per test folder. */
async function plainArtifacts(dir: string) {
  const perTest = new Map<
    string,
    { traces: number; videos: number; screenshots: number }
  >();
  if (!existsSync(dir)) return perTest;
  for (const entry of await fs.readdir(dir, {
    recursive: true,
    withFileTypes: true,
  })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const parts = path.relative(dir, file).split(path.sep);
    // a folder per test; files beside them (.last-run.json) are the runner's
    if (parts.length < 2) continue;
    const test = parts[0];
    const counts = perTest.get(test) ?? {
      traces: 0,
      videos: 0,
      screenshots: 0,
    };
    perTest.set(test, counts);
    if ((await fs.stat(file)).size === 0) continue;
    if (entry.name === 'trace.zip') counts.traces += 1;
    else if (entry.name.endsWith('.webm')) counts.videos += 1;
    else if (/^test-finished-\d+\.png$/.test(entry.name)) {
      counts.screenshots += 1;
    }
  }
  return perTest;
}

/** Is something listening on 127.0.0.1:port (another process's web server)? */
export function portInUse(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** `playwright test` in the project, wall clock and CPU time of it and its children. */
export async function runPlain(
  project: PlainProject,
  extraArgs: string[] = [],
) {
  await fs.rm(path.join(project.dir, 'test-results'), {
    recursive: true,
    force: true,
  });
  const cpuTime = ProcessTreeCpu.start();
  const started = performance.now();
  const { code, output } = await new Promise<{
    code: number | null;
    output: string;
  }>((resolve, reject) => {
    const child = spawn(
      PLAYWRIGHT_BIN,
      ['test', '--config', 'local.config.ts', ...extraArgs],
      { cwd: project.dir, env: { ...process.env, ...project.env } },
    );
    let text = '';
    child.stdout.on('data', chunk => (text += chunk));
    child.stderr.on('data', chunk => (text += chunk));
    child.once('error', reject);
    child.once('close', exitCode => resolve({ code: exitCode, output: text }));
  });
  const ms = performance.now() - started;
  const cpu = cpuTime.stop();
  const artifacts = await plainArtifacts(
    path.join(project.dir, 'test-results'),
  );
  return { code, output, ms, cpu, artifacts };
}

/**
 * Every artifact a run must have, from the suite's definition: per test and attempt a trace,
 * a video and a screenshot of every step, and the actual image of every visual check; each
 * read back in full from the store (its stored size, non-empty, the right kind of file).
 */
export async function checkArtifacts(comet: Comet, run: TestRun, suite: Suite) {
  const problems: string[] = [];
  let read = 0;
  const readBack = async (artifactId: string | undefined, what: string) => {
    if (!artifactId) {
      problems.push(`${what}: not stored`);
      return;
    }
    read += 1;
    try {
      const meta = await comet.store.getArtifact(artifactId);
      if (!meta) {
        problems.push(`${what}: no row for ${artifactId}`);
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of await comet.store.openArtifact(artifactId)) {
        chunks.push(Buffer.from(chunk));
      }
      const bytes = Buffer.concat(chunks);
      if (bytes.length === 0 || bytes.length !== meta.size) {
        problems.push(
          `${what}: read ${bytes.length} bytes of ${meta.size} (${artifactId})`,
        );
        return;
      }
      if (meta.kind === 'trace') {
        const zip = await JSZip.loadAsync(bytes);
        if (!Object.keys(zip.files).some(name => name.endsWith('.trace'))) {
          problems.push(`${what}: the trace zip has no .trace entry`);
        }
      } else if (meta.kind === 'video') {
        // WebM (EBML) magic
        if (bytes.readUInt32BE(0) !== 0x1a45dfa3) {
          problems.push(`${what}: not a WebM file`);
        }
      } else if (
        !bytes.subarray(1, 4).equals(Buffer.from('PNG')) &&
        !(bytes[0] === 0xff && bytes[1] === 0xd8)
      ) {
        problems.push(`${what}: not a PNG or JPEG image`);
      }
    } catch (error) {
      problems.push(`${what}: ${errorMessage(error)}`);
    }
  };
  for (const test of suite.tests) {
    const result = run.results.find(r => r.testId === test.id);
    const where = `${run.runId.slice(0, 8)} ${test.id}`;
    if (!result || result.attempts.length === 0) {
      problems.push(`${where}: no result`);
      continue;
    }
    for (const attempt of result.attempts) {
      const label = `${where} #${attempt.attempt}`;
      await readBack(attempt.traceArtifactId, `${label} trace`);
      await readBack(attempt.videoArtifactId, `${label} video`);
      for (const [index, step] of test.steps.entries()) {
        const stepResult = attempt.steps.find(s => s.index === index);
        if (!stepResult) {
          problems.push(`${label} step ${index + 1}: no result`);
          continue;
        }
        if (stepResult.status === 'skipped') continue;
        await readBack(
          stepResult.screenshotArtifactId,
          `${label} step ${index + 1} screenshot`,
        );
        if (step.action === 'assertScreenshot') {
          await readBack(
            stepResult.visual?.actualArtifactId,
            `${label} step ${index + 1} visual check`,
          );
        }
        if (stepResult.visual?.diffArtifactId) {
          await readBack(
            stepResult.visual.diffArtifactId,
            `${label} step ${index + 1} visual diff`,
          );
        }
      }
    }
  }
  const rows = await comet
    .knex('test_recorder_artifacts')
    .where({ run_id: run.runId })
    .count({ n: '*' });
  return { read, problems, rows: Number(rows[0].n) };
}
