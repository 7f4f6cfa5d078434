import { execFileSync } from 'node:child_process';
import nodeFs, { existsSync, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { BubblewrapSandbox } from '@internal/plugin-pipelines-node';
import type { TestCase } from '@internal/plugin-test-recorder-common';
import { PNG } from 'pngjs';
import {
  BrowserWorker,
  BrowserWorkerExit,
  findChromium,
  findFfmpeg,
  workerModules,
} from './BrowserWorker';
import type { WorkerEvent, WorkerRunJob } from './protocol';

const chromium = findChromium();
const ffmpeg = findFfmpeg();
const ffmpegPath = 'path' in ffmpeg ? ffmpeg.path : undefined;
// Without bubblewrap, Chromium or ffmpeg there is nothing real to run; CI installs all three
const canRun =
  existsSync('/usr/bin/bwrap') &&
  'path' in chromium &&
  ffmpegPath !== undefined;
const describeWorker = canRun ? describe : describe.skip;

const PORT = 4173;
const BASE_URL = `http://127.0.0.1:${PORT}`;
const SECRET_VALUE = 'hunter2-very-secret-value';
const SWATCH = { width: 120, height: 80, rgb: [0, 128, 255] };

jest.setTimeout(600_000);

function solidPng(width: number, height: number, rgb: number[]): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    png.data[i * 4] = rgb[0];
    png.data[i * 4 + 1] = rgb[1];
    png.data[i * 4 + 2] = rgb[2];
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      files.push(...(await listFiles(full)));
    } else {
      files.push(full);
    }
  }
  return files;
}

const byTestId = (value: string) => ({
  locator: { kind: 'testId' as const, value },
});

describeWorker('BrowserWorker (real bwrap and Chromium)', () => {
  let tmp: string;
  let baselinesDir: string;
  let uploadFile: string;
  let sandbox: BubblewrapSandbox;
  let counter = 0;

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-browser-worker-'));
    await fs.chmod(tmp, 0o755);
    uploadFile = path.join(tmp, 'notes.txt');
    await fs.writeFile(uploadFile, 'release notes\n');
    baselinesDir = path.join(tmp, 'baselines');
    for (const testId of ['visual-match', 'visual-differs']) {
      await fs.mkdir(path.join(baselinesDir, testId), { recursive: true });
      await fs.writeFile(
        path.join(baselinesDir, testId, 'swatch.png'),
        solidPng(SWATCH.width, SWATCH.height, SWATCH.rgb),
      );
    }
    await fs.mkdir(path.join(baselinesDir, 'visual-size'), { recursive: true });
    await fs.writeFile(
      path.join(baselinesDir, 'visual-size', 'swatch.png'),
      solidPng(60, 40, SWATCH.rgb),
    );
    sandbox = new BubblewrapSandbox({
      logger: mockServices.logger.mock(),
      protectedPaths: [process.cwd()],
    });
  });

  afterAll(async () => {
    if (tmp) {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });

  /** A job with its own output folder and repository (its sandbox takes them over). */
  async function makeJob(
    tests: TestCase[],
    overrides: Partial<WorkerRunJob> = {},
  ): Promise<WorkerRunJob> {
    counter += 1;
    const outputDir = path.join(tmp, `output-${counter}`);
    await fs.mkdir(outputDir, { recursive: true });
    const repoDir = path.join(tmp, `repo-${counter}`);
    await fs.mkdir(path.join(repoDir, 'app'), { recursive: true });
    await fs.copyFile(
      path.join(__dirname, '__fixtures__/app/server.js'),
      path.join(repoDir, 'app/server.js'),
    );
    return {
      mode: 'run',
      chromiumPath: (chromium as { path: string }).path,
      modules: workerModules(),
      proxyServer: 'http://127.0.0.1:3128',
      repoDir,
      webServer: {
        command: 'node server.js',
        cwd: 'app',
        port: PORT,
        timeoutMs: 60_000,
      },
      baseUrl: BASE_URL,
      testIdAttribute: 'data-testid',
      stepTimeoutMs: 15_000,
      allowedOrigins: [],
      secrets: { NICKNAME_TOKEN: SECRET_VALUE },
      files: { 'notes.txt': uploadFile },
      suite: { name: 'fixture', baseUrl: BASE_URL, tests },
      retries: 0,
      outputDir,
      baselinesDir,
      ffmpegPath,
      trace: true,
      ...overrides,
    };
  }

  async function start(
    job: WorkerRunJob,
    allowedEgress = ['allowed.example.test'],
  ) {
    const workDir = await fs.mkdtemp(path.join(tmp, 'work-'));
    // the sandbox's own uid reaches its home and socket folders through it
    await fs.chmod(workDir, 0o755);
    const worker = await BrowserWorker.start({
      sandbox,
      job,
      workDir,
      allowedEgress,
      logger: mockServices.logger.mock(),
    });
    return { worker, workDir };
  }

  async function run(job: WorkerRunJob, allowedEgress?: string[]) {
    const { worker, workDir } = await start(job, allowedEgress);
    const events: WorkerEvent[] = [];
    for await (const event of worker.events) {
      events.push(event);
    }
    const exit = await worker.exited;
    return { events, exit, workDir };
  }

  describe('a run job', () => {
    let job: WorkerRunJob;
    let jobB: WorkerRunJob;
    let events: WorkerEvent[];
    let eventsA: WorkerEvent[];
    let eventsB: WorkerEvent[];
    let exit: BrowserWorkerExit;
    let exitB: BrowserWorkerExit;
    let workDir: string;
    /** Stands in for the backend on the host's loopback: the sandbox must not reach it. */
    let hostBackend: http.Server;
    let hostBackendUrl: string;
    const hostBackendRequests: string[] = [];

    const stepsOf = (testId: string, attempt = 1) =>
      events.filter(
        (e): e is Extract<WorkerEvent, { type: 'stepFinished' }> =>
          e.type === 'stepFinished' &&
          e.testId === testId &&
          e.attempt === attempt,
      );
    const finishedOf = (testId: string) =>
      events.filter(
        (e): e is Extract<WorkerEvent, { type: 'testFinished' }> =>
          e.type === 'testFinished' && e.testId === testId,
      );

    afterAll(async () => {
      await new Promise(resolve => hostBackend?.close(resolve));
    });

    beforeAll(async () => {
      hostBackend = http.createServer((req, res) => {
        hostBackendRequests.push(`${req.method} ${req.url}`);
        res.writeHead(200, {
          'content-type': 'application/json',
          'access-control-allow-origin': '*',
        });
        res.end('{"items":[]}');
      });
      await new Promise<void>(resolve =>
        hostBackend.listen(0, '127.0.0.1', resolve),
      );
      hostBackendUrl = `http://127.0.0.1:${
        (hostBackend.address() as AddressInfo).port
      }/api/catalog/entities`;

      const swatchTest = (id: string, color: string): TestCase => ({
        id,
        name: id,
        steps: [
          { id: 'open', action: 'navigate', url: `/box-color?color=${color}` },
          {
            id: 'look',
            action: 'assertScreenshot',
            name: 'swatch',
            target: byTestId('swatch'),
          },
        ],
      });
      job = await makeJob(
        [
          {
            id: 'all-steps',
            name: 'Every step kind',
            steps: [
              { id: 'open', action: 'navigate', url: '/' },
              {
                id: 'email',
                action: 'fill',
                target: { locator: { kind: 'label', value: 'Email' } },
                value: 'dev@example.com',
              },
              {
                id: 'nickname',
                action: 'fill',
                target: byTestId('nickname'),
                secret: 'NICKNAME_TOKEN',
              },
              {
                id: 'nickname-masked',
                action: 'assertVisible',
                target: {
                  locator: {
                    kind: 'css',
                    value:
                      '[data-testid="nickname"][style*="-webkit-text-security: disc"]',
                  },
                },
                visible: true,
              },
              {
                id: 'search',
                action: 'fill',
                target: {
                  locator: { kind: 'placeholder', value: 'Search products' },
                },
                value: 'shoes',
              },
              {
                id: 'search-value',
                action: 'assertValue',
                target: {
                  locator: { kind: 'placeholder', value: 'Search products' },
                },
                value: 'shoes',
              },
              {
                id: 'terms',
                action: 'check',
                target: { locator: { kind: 'label', value: 'Accept terms' } },
                checked: true,
              },
              {
                id: 'terms-checked',
                action: 'assertChecked',
                target: { locator: { kind: 'label', value: 'Accept terms' } },
                checked: true,
              },
              {
                id: 'country',
                action: 'select',
                target: { locator: { kind: 'label', value: 'Country' } },
                values: ['de'],
              },
              {
                id: 'country-value',
                action: 'assertValue',
                target: { locator: { kind: 'label', value: 'Country' } },
                value: 'de',
              },
              {
                id: 'attach',
                action: 'upload',
                target: { locator: { kind: 'label', value: 'Attachment' } },
                files: ['notes.txt'],
              },
              {
                id: 'attached',
                action: 'assertText',
                target: byTestId('file-name'),
                text: 'notes.txt',
                match: 'exact',
              },
              {
                id: 'logo',
                action: 'waitFor',
                target: { locator: { kind: 'altText', value: 'Company logo' } },
                state: 'attached',
              },
              {
                id: 'help',
                action: 'assertVisible',
                target: { locator: { kind: 'title', value: 'Help text' } },
                visible: true,
              },
              {
                id: 'greet',
                action: 'click',
                target: {
                  locator: {
                    kind: 'role',
                    role: 'button',
                    name: 'Show greeting',
                  },
                },
              },
              {
                id: 'greeting',
                action: 'assertText',
                // A stale test id: the fallback finds the element.
                target: {
                  locator: { kind: 'testId', value: 'old-greeting' },
                  fallbacks: [{ kind: 'css', value: '#greeting' }],
                },
                text: 'Hello, Comet!',
                match: 'exact',
                timeoutMs: 1_000,
              },
              {
                id: 'hidden',
                action: 'assertVisible',
                target: byTestId('hidden-note'),
                visible: false,
              },
              {
                id: 'submit',
                action: 'press',
                target: { locator: { kind: 'label', value: 'Email' } },
                key: 'Enter',
              },
              {
                id: 'submitted',
                action: 'assertText',
                target: byTestId('submitted'),
                text: 'dev@example.com',
                match: 'contains',
              },
              {
                id: 'box',
                action: 'assertScreenshot',
                name: 'box',
                target: byTestId('box'),
              },
              {
                id: 'next',
                action: 'click',
                target: { locator: { kind: 'text', value: 'Second page' } },
              },
              {
                id: 'at-second',
                action: 'assertUrl',
                url: '/second',
                match: 'exact',
              },
              { id: 'tab', action: 'press', key: 'Tab' },
              {
                id: 'heading',
                action: 'waitFor',
                target: byTestId('heading'),
                state: 'visible',
              },
            ],
          },
          {
            id: 'flaky',
            name: 'Fails on a cold start',
            steps: [
              { id: 'open', action: 'navigate', url: '/flaky' },
              {
                id: 'ready',
                action: 'assertText',
                target: byTestId('status'),
                text: 'Ready',
                match: 'exact',
                timeoutMs: 1_000,
              },
            ],
          },
        ],
        { retries: 1 },
      );
      // The other tests without retries, trace and video: cheaper, and shows a run without
      // ffmpeg. Both jobs run at once, each in its own sandbox.
      jobB = await makeJob(
        [
          {
            id: 'bad-locator',
            name: 'A locator that matches nothing',
            steps: [
              { id: 'open', action: 'navigate', url: '/' },
              {
                id: 'missing',
                action: 'click',
                target: {
                  locator: { kind: 'testId', value: 'no-such-button' },
                  fallbacks: [{ kind: 'text', value: 'Duplicate' }],
                },
                timeoutMs: 1_000,
              },
              { id: 'after', action: 'navigate', url: '/second' },
              {
                id: 'after-2',
                action: 'assertUrl',
                url: '/second',
                match: 'contains',
              },
            ],
          },
          {
            id: 'metadata',
            name: 'The cloud metadata address',
            steps: [
              {
                id: 'open',
                action: 'navigate',
                url: 'http://169.254.169.254/latest/meta-data/',
              },
            ],
          },
          {
            id: 'backend',
            name: 'The backend outside the sandbox',
            steps: [{ id: 'open', action: 'navigate', url: hostBackendUrl }],
          },
          {
            id: 'page-fetch',
            name: 'A page that fetches the metadata address and the backend',
            steps: [
              {
                id: 'open',
                action: 'navigate',
                url: `/fetch?${new URLSearchParams([
                  ['url', 'http://169.254.169.254/latest/meta-data/'],
                  ['url', hostBackendUrl],
                ])}`,
              },
              {
                id: 'metadata',
                action: 'assertText',
                target: byTestId('fetch-0'),
                text: 'refused',
                match: 'contains',
              },
              {
                id: 'backend',
                action: 'assertText',
                target: byTestId('fetch-1'),
                text: 'refused',
                match: 'contains',
              },
            ],
          },
          {
            id: 'metadata-allowed',
            name: 'The metadata address named in both allowlists',
            steps: [
              {
                id: 'open',
                action: 'navigate',
                url: 'http://169.254.169.254:8080/latest/meta-data/',
              },
            ],
          },
          {
            id: 'private-allowed',
            name: 'A private address named in both allowlists',
            steps: [
              {
                id: 'open',
                action: 'navigate',
                url: 'http://10.20.30.40:8080/',
              },
              {
                id: 'refused',
                action: 'assertText',
                target: { locator: { kind: 'css', value: 'body' } },
                text: "Comet's egress proxy: 10.20.30.40 resolves to 10.20.30.40, a loopback, private, link-local or reserved address",
                match: 'contains',
              },
            ],
          },
          swatchTest('visual-match', SWATCH.rgb.join(',')),
          swatchTest('visual-differs', '255,0,0'),
          swatchTest('visual-size', SWATCH.rgb.join(',')),
        ],
        {
          trace: false,
          ffmpegPath: undefined,
          // Mistakes an operator could make: the sandbox still refuses these addresses.
          allowedOrigins: [
            'http://169.254.169.254:8080',
            'http://10.20.30.40:8080',
          ],
        },
      );
      const [first, second] = await Promise.all([
        run(job),
        run(jobB, [
          'allowed.example.test',
          '169.254.169.254:8080',
          '10.20.30.40:8080',
        ]),
      ]);
      ({ events: eventsA, exit, workDir } = first);
      eventsB = second.events;
      exitB = second.exit;
      events = [...eventsA, ...eventsB];
    });

    it('runs every step kind and writes screenshots, a trace and a video', async () => {
      expect(exit.exitCode).toBe(0);
      expect(eventsA[0]).toEqual({
        type: 'webServer',
        status: 'starting',
        message: 'node server.js',
      });
      expect(eventsA).toContainEqual({
        type: 'webServer',
        status: 'ready',
        message: `${BASE_URL}/`,
      });
      const steps = stepsOf('all-steps');
      expect(steps.map(s => [s.stepId, s.status, s.error])).toEqual(
        job.suite.tests[0].steps.map(s => [s.id, 'passed', undefined]),
      );
      expect(steps.find(s => s.stepId === 'greeting')?.usedFallback).toBe(
        "locator('#greeting')",
      );
      expect(steps.find(s => s.stepId === 'box')?.visual).toEqual({
        name: 'box',
        status: 'new',
        actualPath: 'all-steps/attempt-1/box-actual.png',
      });
      for (const step of steps) {
        expect(step.screenshotPath).toBe(
          `all-steps/attempt-1/step-${step.index}.jpg`,
        );
        const jpeg = await fs.readFile(
          path.join(job.outputDir, step.screenshotPath!),
        );
        expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      }
      const [finished] = finishedOf('all-steps');
      expect(finished).toMatchObject({
        status: 'passed',
        attempt: 1,
        tracePath: 'all-steps/attempt-1/trace.zip',
      });
      const trace = await fs.stat(
        path.join(job.outputDir, finished.tracePath!),
      );
      expect(trace.size).toBeGreaterThan(1000);
      expect(finished.videoPath).toBe('all-steps/attempt-1/video.webm');
      const videoFile = path.join(job.outputDir, finished.videoPath!);
      expect((await fs.stat(videoFile)).size).toBeGreaterThan(1000);
      const probe = (entries: string) =>
        execFileSync(
          path.join(path.dirname(ffmpegPath!), 'ffprobe'),
          [
            '-v',
            'error',
            '-select_streams',
            'v:0',
            '-show_entries',
            entries,
            '-of',
            'csv=p=0',
            videoFile,
          ],
          { encoding: 'utf8' },
        ).trim();
      // The video covers every step, however long the page stood still (frames repeat), and
      // no more than the attempt: both spans come from this run, whatever the machine's load.
      const duration = Number(probe('format=duration'));
      const stepsSeconds =
        steps.reduce((sum, step) => sum + step.durationMs, 0) / 1000;
      expect(duration).toBeGreaterThanOrEqual(stepsSeconds - 0.5);
      expect(duration).toBeLessThanOrEqual(finished.durationMs / 1000 + 0.5);
      // The 1280x720 viewport, scaled down to fit 800x800
      expect(probe('stream=width,height')).toBe('800,450');
      expect(eventsA[eventsA.length - 1]).toEqual({ type: 'done' });
      expect(exitB.exitCode).toBe(0);
      expect(eventsB[eventsB.length - 1]).toEqual({
        type: 'done',
        videoUnavailable:
          'ffmpeg is not configured (testRecorder.ffmpegPath): runs have no video',
      });
      expect(
        eventsB.filter(
          e => e.type === 'testFinished' && (e.videoPath || e.tracePath),
        ),
      ).toEqual([]);
    });

    it('fails the step whose locator matches nothing and skips the rest', () => {
      const steps = stepsOf('bad-locator');
      expect(steps.map(s => s.status)).toEqual([
        'passed',
        'failed',
        'skipped',
        'skipped',
      ]);
      expect(steps[1].error).toBe(
        "no element matches getByTestId('no-such-button') (also tried getByText('Duplicate')) within 1000 ms",
      );
      expect(
        finishedOf('bad-locator').map(f => [f.attempt, f.status, f.error]),
      ).toEqual([
        [
          1,
          'failed',
          {
            message: expect.stringContaining('no element matches'),
            stepId: 'missing',
            stepIndex: 1,
          },
        ],
      ]);
    });

    it('retries a failed test and passes on the second attempt', async () => {
      expect(stepsOf('flaky', 1)[1]).toMatchObject({
        status: 'failed',
        error:
          'expected the text of getByTestId(\'status\') to be "Ready", found "Warming up"',
      });
      expect(finishedOf('flaky').map(f => f.status)).toEqual([
        'failed',
        'passed',
      ]);
      // A test that passed at once is not tried again
      expect(finishedOf('all-steps').map(f => f.status)).toEqual(['passed']);
      const readResults = async (outputDir: string) =>
        JSON.parse(
          await fs.readFile(path.join(outputDir, 'results.json'), 'utf8'),
        );
      const results = await readResults(job.outputDir);
      expect(results.status).toBe('passed');
      expect(results.tests.map((t: { testId: string }) => t.testId)).toEqual([
        'all-steps',
        'flaky',
      ]);
      const flaky = results.tests[1];
      expect(flaky).toMatchObject({ status: 'passed', flaky: true });
      expect(flaky.attempts).toHaveLength(2);
      const resultsB = await readResults(jobB.outputDir);
      expect(resultsB.status).toBe('failed');
      expect(resultsB.tests.map((t: { testId: string }) => t.testId)).toEqual(
        jobB.suite.tests.map(t => t.id),
      );
      // Without retries, a failed test has one attempt
      expect(
        resultsB.tests.find((t: { testId: string }) => t.testId === 'metadata')
          .attempts,
      ).toHaveLength(1);
    });

    it('blocks the metadata address and cannot reach the backend', async () => {
      expect(stepsOf('metadata')[0].error).toBe(
        'blocked request to http://169.254.169.254/latest/meta-data/: its origin is not in testRecorder.allowedOrigins',
      );
      // The sandbox's 127.0.0.1 is its own: the host's backend port is not there
      expect(stepsOf('backend')[0]).toMatchObject({
        status: 'failed',
        error: `could not open ${hostBackendUrl}: net::ERR_CONNECTION_REFUSED (nothing listens on ${
          new URL(hostBackendUrl).host
        } inside the sandbox, whose loopback is its own: services on the host, Comet's backend among them, are out of reach)`,
      });
      // Nor can a page's own requests get there
      expect(
        stepsOf('page-fetch').map(s => [s.stepId, s.status, s.error]),
      ).toEqual([
        ['open', 'passed', undefined],
        ['metadata', 'passed', undefined],
        ['backend', 'passed', undefined],
      ]);
      expect(hostBackendRequests).toEqual([]);
      // Named in testRecorder.allowedOrigins and in the sandbox's egress list, the metadata
      // address is still out of reach: Chromium never proxies link-local addresses, and the
      // sandbox's network has no route but loopback
      expect(stepsOf('metadata-allowed')[0]).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(
          /^could not open http:\/\/169\.254\.169\.254:8080\/latest\/meta-data\/: net::ERR_[A-Z_]+ /,
        ),
      });
      // and a private address gets the egress proxy's refusal instead of an answer
      expect(
        stepsOf('private-allowed').map(s => [s.stepId, s.status, s.error]),
      ).toEqual([
        ['open', 'passed', undefined],
        ['refused', 'passed', undefined],
      ]);
      // The stand-in backend answered on the host's loopback all along: only the sandbox
      // could not reach it
      expect((await fetch(hostBackendUrl)).status).toBe(200);
      expect(hostBackendRequests).toEqual(['GET /api/catalog/entities']);
    });

    it('compares screenshots with their baselines', async () => {
      expect(stepsOf('visual-match')[1]).toMatchObject({
        status: 'passed',
        visual: {
          name: 'swatch',
          status: 'match',
          actualPath: 'visual-match/attempt-1/swatch-actual.png',
          diffPixels: 0,
          diffRatio: 0,
        },
      });
      const differs = stepsOf('visual-differs')[1];
      expect(differs).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(
          /^screenshot swatch differs from its baseline: 9600 pixels \(100\.00%\) differ/,
        ),
        visual: {
          status: 'differs',
          diffPath: 'visual-differs/attempt-1/swatch-diff.png',
          diffPixels: 9600,
        },
      });
      const diff = PNG.sync.read(
        await fs.readFile(path.join(jobB.outputDir, differs.visual!.diffPath!)),
      );
      expect([diff.width, diff.height]).toEqual([SWATCH.width, SWATCH.height]);
      expect(stepsOf('visual-size')[1]).toMatchObject({
        status: 'failed',
        error: 'screenshot swatch is 120x80 but its baseline is 60x40',
        visual: { status: 'differs' },
      });
    });

    it('keeps the secret out of every file but the trace, and removes the job file', async () => {
      const files = [
        ...(await listFiles(job.outputDir)),
        ...(await listFiles(jobB.outputDir)),
      ];
      expect(files.some(f => f.endsWith('.jpg'))).toBe(true);
      for (const file of files.filter(f => !f.endsWith('trace.zip'))) {
        const content = await fs.readFile(file);
        expect({ file, leaked: content.includes(SECRET_VALUE) }).toEqual({
          file,
          leaked: false,
        });
      }
      expect(existsSync(path.join(workDir, 'job', 'job.json'))).toBe(false);
    });
  });

  it('reports a web server that never becomes ready', async () => {
    const job = await makeJob(
      [
        {
          id: 't',
          name: 't',
          steps: [{ id: 'open', action: 'navigate', url: '/' }],
        },
      ],
      {
        webServer: {
          command: 'node server.js',
          cwd: 'app',
          port: PORT,
          timeoutMs: 2_000,
          env: { NEVER_READY: '1' },
        },
      },
    );
    const { events, exit } = await run(job);
    expect(exit.exitCode).toBe(1);
    const failed = events.find(
      e => e.type === 'webServer' && e.status === 'failed',
    );
    const error = events.find(e => e.type === 'error');
    for (const message of [
      failed && 'message' in failed ? failed.message : undefined,
      error && 'message' in error ? error.message : undefined,
    ]) {
      expect(message).toContain(
        `the web server \`node server.js\` did not answer at ${BASE_URL}/ within 2 s (webServer.timeoutMs); its last output:`,
      );
      expect(message).toContain(
        'fixture app: NEVER_READY is set, answering 503',
      );
    }
    expect(events.some(e => e.type === 'testStarted')).toBe(false);
  });

  it('refuses commands in a run, stops on terminate() and reports the stderr tail', async () => {
    const job = await makeJob([
      {
        id: 'slow',
        name: 'slow',
        steps: [
          { id: 'open', action: 'navigate', url: '/' },
          {
            id: 'wait',
            action: 'waitFor',
            target: byTestId('never-there'),
            state: 'visible',
            timeoutMs: 120_000,
          },
        ],
      },
    ]);
    const { worker } = await start(job);
    const firstStep = new Promise<void>(resolve =>
      worker.on(event => {
        if (event.type === 'stepFinished') {
          resolve();
        }
      }),
    );
    await firstStep;
    // Commands drive a recording; a run worker replies that it takes none
    await expect(worker.send({ cmd: 'back' })).rejects.toThrow(
      'the worker is not ready for back',
    );
    worker.terminate();
    const exit = await worker.exited;
    expect(exit.exitCode).toBe(143);
    expect(exit.stderrTail).toContain('SIGTERM: stopping');
    await expect(worker.send({ cmd: 'close' })).rejects.toThrow(
      'the browser worker has exited',
    );
  });

  it('gives the exit and stderr tail when the sandbox is killed mid-run', async () => {
    const job = await makeJob(
      [
        {
          id: 't',
          name: 't',
          steps: [{ id: 'open', action: 'navigate', url: '/' }],
        },
      ],
      {
        // Prints the secret to stderr: the tail masks it.
        webServer: {
          command: `echo "token is $TOKEN" >&2; node server.js`,
          cwd: 'app',
          port: PORT,
          env: { TOKEN: SECRET_VALUE },
        },
      },
    );
    const { worker } = await start(job);
    const started = new Promise<void>(resolve =>
      worker.on(event => {
        if (event.type === 'webServer' && event.status === 'ready') {
          resolve();
        }
      }),
    );
    await started;
    worker.kill();
    const exit = await worker.exited;
    expect(exit.exitCode).toBeNull();
    expect(exit.stderrTail).toContain('token is ***');
    expect(exit.stderrTail).toContain('fixture app listening on');
    expect(exit.stderrTail).not.toContain(SECRET_VALUE);
  });
});

describe('findChromium and findFfmpeg', () => {
  it('say why a configured path is unusable', () => {
    expect(findChromium('/nonexistent/chromium')).toEqual({
      reason:
        'Chromium was not found at /nonexistent/chromium (testRecorder.chromiumPath)',
    });
    expect(findFfmpeg('/nonexistent/ffmpeg')).toEqual({
      reason:
        'ffmpeg was not found at /nonexistent/ffmpeg (testRecorder.ffmpegPath)',
    });
  });

  it('take a configured path that exists', () => {
    expect(findChromium(process.execPath)).toEqual({ path: process.execPath });
    expect(findFfmpeg(process.execPath)).toEqual({ path: process.execPath });
  });

  describe('without a configured path', () => {
    let present: string[];
    beforeEach(() => {
      jest
        .spyOn(nodeFs, 'existsSync')
        .mockImplementation(file => present.includes(String(file)));
    });
    afterEach(() => jest.restoreAllMocks());

    it('find the Debian and Ubuntu binaries', () => {
      present = ['/usr/lib/chromium/chromium', '/usr/bin/ffmpeg'];
      expect(findChromium()).toEqual({ path: '/usr/lib/chromium/chromium' });
      expect(findFfmpeg()).toEqual({ path: '/usr/bin/ffmpeg' });
      present = [
        '/usr/lib/chromium-browser/chromium-browser',
        '/usr/local/bin/ffmpeg',
      ];
      expect(findChromium()).toEqual({
        path: '/usr/lib/chromium-browser/chromium-browser',
      });
      expect(findFfmpeg()).toEqual({ path: '/usr/local/bin/ffmpeg' });
    });

    it('say how to install what is missing', () => {
      present = [];
      expect(findChromium()).toEqual({
        reason:
          'Chromium is not installed (looked for /usr/lib/chromium/chromium, /usr/lib/chromium-browser/chromium-browser): apt-get install chromium, or set testRecorder.chromiumPath',
      });
      expect(findFfmpeg()).toEqual({
        reason: 'ffmpeg is not installed: apt-get install ffmpeg',
      });
    });
  });
});
