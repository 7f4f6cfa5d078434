// @ts-check
'use strict';
/**
 * Run mode: every selected test, with retries, in a fresh context per attempt. Writes
 * `<testId>/attempt-<n>/` (step-<index>.jpg, trace.zip, video.webm, <name>-actual.png,
 * <name>-diff.png) and `results.json` under job.outputDir, and reports progress as events.
 */
const childProcess = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const {
  startWebServer,
  launchBrowser,
  newContext,
  executeStep,
  playwrightOf,
  errorMessage,
  frameFitsViewport,
} = require('./shared.cjs');

/** @typedef {import('../src/browser/protocol').WorkerRunJob} WorkerRunJob */
/** @typedef {import('../src/browser/protocol').WorkerEvent} WorkerEvent */
/** @typedef {import('../src/browser/protocol').WorkerVisualResult} WorkerVisualResult */
/** @typedef {import('@internal/plugin-test-recorder-common').TestCase} TestCase */
/** @typedef {import('@internal/plugin-test-recorder-common').AssertScreenshotStep} AssertScreenshotStep */
/**
 * What browserWorker.cjs gives a mode.
 * @typedef {{
 *   emit(event: WorkerEvent): void;
 *   onShutdown(cleanup: () => Promise<void> | void): void;
 *   onCommand(handler: (command: import('../src/browser/protocol').WorkerCommand) => void): void;
 *   isShuttingDown(): boolean;
 * }} WorkerHost
 */

const VIDEO_FPS = 10;
/**
 * Video frames fit in this box (as Playwright's own videos do): encoding VP8 costs CPU in
 * proportion to pixels, and at a full desktop viewport ffmpeg falls behind two runs on two cores.
 */
const VIDEO_MAX_SIZE = 800;
const SCREENSHOT_TIMEOUT_MS = 5_000;

/**
 * @param {WorkerRunJob} job
 * @param {WorkerHost} host
 */
async function runJob(job, host) {
  const playwright = playwrightOf(job);
  const tests = selectTests(job);
  /** @type {string | undefined} */
  let videoUnavailable = job.ffmpegPath
    ? undefined
    : 'ffmpeg is not configured (testRecorder.ffmpegPath): runs have no video';

  const webServer = await startWebServer(job, host.emit);
  host.onShutdown(() => webServer.stop());

  /** @type {import('playwright-core').Browser | undefined} */
  let browser;
  host.onShutdown(async () => {
    await browser?.close().catch(() => {});
  });

  const results = [];
  for (const test of tests) {
    const attempts = [];
    for (let attempt = 1; attempt <= 1 + job.retries; attempt++) {
      if (host.isShuttingDown()) return;
      if (!browser || !browser.isConnected()) {
        browser = await launchBrowser(job);
      }
      const result = await runAttempt(
        job,
        host,
        playwright,
        browser,
        test,
        attempt,
      );
      if (result.videoError) videoUnavailable ??= result.videoError;
      attempts.push(result.summary);
      if (result.summary.status === 'passed') break;
    }
    results.push({
      testId: test.id,
      name: test.name,
      status: attempts[attempts.length - 1].status,
      flaky:
        attempts.length > 1 &&
        attempts[attempts.length - 1].status === 'passed',
      attempts,
    });
  }

  fs.writeFileSync(
    path.join(job.outputDir, 'results.json'),
    `${JSON.stringify(
      {
        suite: job.suite.name,
        status: results.every(r => r.status === 'passed') ? 'passed' : 'failed',
        videoUnavailable,
        tests: results,
      },
      null,
      2,
    )}\n`,
  );
  host.emit({
    type: 'done',
    ...(videoUnavailable ? { videoUnavailable } : {}),
  });
}

/** @param {WorkerRunJob} job */
function selectTests(job) {
  if (!job.testIds) return job.suite.tests;
  const known = new Set(job.suite.tests.map(t => t.id));
  const unknown = job.testIds.filter(id => !known.has(id));
  if (unknown.length) {
    throw new Error(
      `suite ${job.suite.name} has no test ${unknown
        .map(id => JSON.stringify(id))
        .join(', ')} (its tests: ${[...known].join(', ')})`,
    );
  }
  return job.suite.tests.filter(t => job.testIds?.includes(t.id));
}

/**
 * @param {WorkerRunJob} job
 * @param {WorkerHost} host
 * @param {typeof import('playwright-core')} playwright
 * @param {import('playwright-core').Browser} browser
 * @param {TestCase} test
 * @param {number} attempt
 */
async function runAttempt(job, host, playwright, browser, test, attempt) {
  const started = Date.now();
  const relativeDir = path.posix.join(test.id, `attempt-${attempt}`);
  const dir = path.join(job.outputDir, relativeDir);
  fs.mkdirSync(dir, { recursive: true });
  host.emit({ type: 'testStarted', testId: test.id, attempt });

  /** @type {string | undefined} */
  let crash;
  const onDisconnect = () =>
    (crash ??= 'the browser closed unexpectedly (crashed or was killed)');
  browser.on('disconnected', onDisconnect);

  /** @type {Array<Record<string, unknown>>} */
  const steps = [];
  /** @type {{ message: string; stepId?: string; stepIndex?: number } | undefined} */
  let failure;
  /** @type {string | undefined} */
  let tracePath;
  /** @type {string | undefined} */
  let videoPath;
  /** @type {string | undefined} */
  let videoError;
  /** @type {(import('playwright-core').BrowserContext & { blocked: string[] }) | undefined} */
  let context;
  /** @type {Awaited<ReturnType<typeof startVideo>> | undefined} */
  let video;

  try {
    context = await newContext(browser, job, playwright);
    if (job.trace) {
      await context.tracing.start({
        screenshots: true,
        snapshots: true,
        sources: false,
      });
    }
    const page = await context.newPage();
    page.on(
      'crash',
      () => (crash ??= 'the page crashed (out of memory or a renderer bug)'),
    );
    if (job.ffmpegPath) {
      try {
        video = await startVideo(
          context,
          page,
          job.ffmpegPath,
          path.join(dir, 'video.webm'),
        );
      } catch (error) {
        videoError = `video could not start: ${errorMessage(error)}`;
      }
    }

    for (const [index, step] of test.steps.entries()) {
      if (failure) {
        const skipped = {
          type: /** @type {const} */ ('stepFinished'),
          testId: test.id,
          attempt,
          index,
          stepId: step.id,
          action: step.action,
          status: /** @type {const} */ ('skipped'),
          durationMs: 0,
        };
        steps.push(skipped);
        host.emit(skipped);
        continue;
      }
      const stepStarted = Date.now();
      /** @type {string | undefined} */
      let error;
      /** @type {string | undefined} */
      let usedFallback;
      /** @type {(WorkerVisualResult & { message?: string }) | undefined} */
      let visual;
      try {
        const outcome = await executeStep(page, step, {
          job,
          secrets: job.secrets,
          files: job.files,
          blocked: context.blocked,
        });
        usedFallback = outcome.usedFallback;
        if (step.action === 'assertScreenshot' && outcome.screenshot) {
          visual = compareScreenshot(
            job,
            test.id,
            relativeDir,
            step,
            outcome.screenshot,
          );
          if (visual.status === 'differs') {
            error = visual.message;
          }
        }
      } catch (stepError) {
        error = crash
          ? `${crash}: ${errorMessage(stepError)}`
          : errorMessage(stepError);
      }
      const screenshotPath = path.posix.join(relativeDir, `step-${index}.jpg`);
      let screenshotWritten = false;
      if (!crash) {
        try {
          const jpeg = await page.screenshot({
            type: 'jpeg',
            quality: 70,
            timeout: SCREENSHOT_TIMEOUT_MS,
          });
          fs.writeFileSync(path.join(job.outputDir, screenshotPath), jpeg);
          screenshotWritten = true;
        } catch {
          // a step that closed or crashed the page has no screenshot
        }
      }
      const finished = {
        type: /** @type {const} */ ('stepFinished'),
        testId: test.id,
        attempt,
        index,
        stepId: step.id,
        action: step.action,
        status: /** @type {'passed' | 'failed'} */ (
          error ? 'failed' : 'passed'
        ),
        durationMs: Date.now() - stepStarted,
        ...(error ? { error } : {}),
        ...(usedFallback ? { usedFallback } : {}),
        ...(screenshotWritten ? { screenshotPath } : {}),
        ...(visual ? { visual: withoutMessage(visual) } : {}),
      };
      steps.push(finished);
      host.emit(finished);
      if (error) {
        failure = { message: error, stepId: step.id, stepIndex: index };
      }
    }
  } catch (error) {
    failure ??= {
      message: crash ? `${crash}: ${errorMessage(error)}` : errorMessage(error),
    };
  }

  if (video) {
    const stopped = await video.stop();
    if (stopped.ok) {
      videoPath = path.posix.join(relativeDir, 'video.webm');
    } else {
      videoError = stopped.reason;
    }
  }
  if (context && job.trace && !crash) {
    try {
      await context.tracing.stop({ path: path.join(dir, 'trace.zip') });
      tracePath = path.posix.join(relativeDir, 'trace.zip');
    } catch {
      // a crashed browser leaves no trace to save
    }
  }
  await context?.close().catch(() => {});
  browser.off('disconnected', onDisconnect);
  if (crash && browser.isConnected()) {
    // A crashed page may leave the browser in a bad state: the next attempt gets a new one.
    await browser.close().catch(() => {});
  }

  const summary = {
    attempt,
    status: /** @type {'passed' | 'failed'} */ (failure ? 'failed' : 'passed'),
    durationMs: Date.now() - started,
    ...(failure ? { error: failure } : {}),
    ...(videoPath ? { videoPath } : {}),
    ...(tracePath ? { tracePath } : {}),
    steps,
  };
  host.emit({
    type: 'testFinished',
    testId: test.id,
    attempt,
    status: summary.status,
    durationMs: summary.durationMs,
    ...(failure ? { error: failure } : {}),
    ...(videoPath ? { videoPath } : {}),
    ...(tracePath ? { tracePath } : {}),
  });
  return { summary, videoError };
}

/** @param {WorkerVisualResult & { message?: string }} visual */
function withoutMessage(visual) {
  const { message: _message, ...rest } = visual;
  return rest;
}

/**
 * Compares a screenshot with its baseline and writes the actual (and diff) PNGs.
 * @param {WorkerRunJob} job
 * @param {string} testId
 * @param {string} relativeDir
 * @param {AssertScreenshotStep} step
 * @param {Buffer} actual
 * @returns {WorkerVisualResult & { message?: string }}
 */
function compareScreenshot(job, testId, relativeDir, step, actual) {
  const actualPath = path.posix.join(relativeDir, `${step.name}-actual.png`);
  fs.writeFileSync(path.join(job.outputDir, actualPath), actual);
  const baselineFile = job.baselinesDir
    ? path.join(job.baselinesDir, testId, `${step.name}.png`)
    : undefined;
  if (!baselineFile || !fs.existsSync(baselineFile)) {
    return { name: step.name, status: 'new', actualPath };
  }
  const { PNG } = /** @type {typeof import('pngjs')} */ (
    require(job.modules.pngjs)
  );
  /** @type {typeof import('pixelmatch')} */
  const pixelmatchModule = require(job.modules.pixelmatch);
  const pixelmatch =
    /** @type {any} */ (pixelmatchModule).default ?? pixelmatchModule;
  const baseline = PNG.sync.read(fs.readFileSync(baselineFile));
  const image = PNG.sync.read(actual);
  if (baseline.width !== image.width || baseline.height !== image.height) {
    return {
      name: step.name,
      status: 'differs',
      actualPath,
      message: `screenshot ${step.name} is ${image.width}x${image.height} but its baseline is ${baseline.width}x${baseline.height}`,
    };
  }
  const diff = new PNG({ width: image.width, height: image.height });
  const diffPixels = pixelmatch(
    baseline.data,
    image.data,
    diff.data,
    image.width,
    image.height,
    {
      threshold: step.threshold ?? 0.1,
    },
  );
  const diffRatio = diffPixels / (image.width * image.height);
  const maxRatio = step.maxDiffPixelRatio ?? 0;
  /** @type {string | undefined} */
  let diffPath;
  if (diffPixels > 0) {
    diffPath = path.posix.join(relativeDir, `${step.name}-diff.png`);
    fs.writeFileSync(path.join(job.outputDir, diffPath), PNG.sync.write(diff));
  }
  const differs = diffRatio > maxRatio;
  return {
    name: step.name,
    status: differs ? 'differs' : 'match',
    actualPath,
    ...(diffPath ? { diffPath } : {}),
    diffPixels,
    diffRatio,
    ...(differs
      ? {
          message: `screenshot ${
            step.name
          } differs from its baseline: ${diffPixels} pixels (${(
            diffRatio * 100
          ).toFixed(2)}%) differ, at most ${(maxRatio * 100).toFixed(2)}% may`,
        }
      : {}),
  };
}

/**
 * Records the page's screencast into a WebM: the latest frame is written at a fixed rate, so
 * the video's duration is the attempt's real duration even when the page does not change.
 * @param {import('playwright-core').BrowserContext} context
 * @param {import('playwright-core').Page} page
 * @param {string} ffmpegPath
 * @param {string} file
 */
async function startVideo(context, page, ffmpegPath, file) {
  const cdp = await context.newCDPSession(page);
  const ffmpeg = childProcess.spawn(
    ffmpegPath,
    [
      '-loglevel',
      'error',
      '-f',
      'image2pipe',
      '-c:v',
      'mjpeg',
      '-framerate',
      String(VIDEO_FPS),
      '-i',
      '-',
      '-vf',
      'scale=trunc(iw/2)*2:trunc(ih/2)*2',
      '-pix_fmt',
      'yuv420p',
      '-c:v',
      'libvpx',
      '-b:v',
      '1M',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      // One encoder thread: libvpx's own threading costs several times the CPU for the same
      // frames (measured 1.4 s against 11 s of CPU for 300 frames on two busy cores).
      '-threads',
      '1',
      '-y',
      file,
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  ffmpeg.stderr?.on('data', chunk => {
    stderr = (stderr + String(chunk)).slice(-2000);
  });
  ffmpeg.stdin?.on('error', () => {
    // ffmpeg exited early; its exit code and stderr say why
  });
  /** @type {Promise<number | null>} */
  const exited = new Promise(resolve => {
    ffmpeg.on('error', error => {
      stderr += error.message;
      resolve(-1);
    });
    ffmpeg.on('exit', code => resolve(code));
  });

  const viewport = page.viewportSize() ?? { width: 1280, height: 720 };
  /** @type {Buffer | undefined} */
  let latest;
  let framesWritten = 0;
  cdp.on('Page.screencastFrame', frame => {
    cdp
      .send('Page.screencastFrameAck', { sessionId: frame.sessionId })
      .catch(() => {});
    // ffmpeg sizes the video after its first frame: a stray one would set it wrong
    if (frameFitsViewport(frame.data, viewport)) {
      latest = Buffer.from(frame.data, 'base64');
    }
  });
  const scale = Math.min(
    1,
    VIDEO_MAX_SIZE / viewport.width,
    VIDEO_MAX_SIZE / viewport.height,
  );
  await cdp.send('Page.startScreencast', {
    format: 'jpeg',
    quality: 70,
    maxWidth: Math.round(viewport.width * scale),
    maxHeight: Math.round(viewport.height * scale),
    everyNthFrame: 1,
  });
  const startedAt = Date.now();
  // Catches up on wall-clock time: a busy machine delays timers, and a frame per tick would
  // make the video shorter than the attempt.
  const writeFrame = () => {
    const due = Math.floor(((Date.now() - startedAt) / 1000) * VIDEO_FPS);
    while (latest && ffmpeg.stdin?.writable && framesWritten < due) {
      ffmpeg.stdin.write(latest);
      framesWritten += 1;
    }
  };
  const timer = setInterval(writeFrame, 1000 / VIDEO_FPS);

  return {
    /** @returns {Promise<{ ok: true } | { ok: false; reason: string }>} */
    async stop() {
      clearInterval(timer);
      writeFrame();
      await cdp.send('Page.stopScreencast').catch(() => {});
      await cdp.detach().catch(() => {});
      ffmpeg.stdin?.end();
      const code = await exited;
      if (framesWritten === 0) {
        fs.rmSync(file, { force: true });
        return { ok: false, reason: 'the page produced no frames to record' };
      }
      if (code !== 0 || !fs.existsSync(file)) {
        return {
          ok: false,
          reason: `ffmpeg failed (exit code ${code}): ${stderr
            .trim()
            .split('\n')
            .slice(-3)
            .join(' ')}`,
        };
      }
      return { ok: true };
    },
  };
}

module.exports = { runJob };
