/*
 * Test recorder benchmark (`yarn bench:test-recorder`): the issue's three targets, measured on
 * the real thing in this process: Debian's Chromium, the pipelines' bubblewrap sandbox,
 * ffmpeg, the browser worker, RecordingSessions and the recording WebSocket handler,
 * SuiteRunner, RepositoryCheckout and DatabaseTestRecorderStore on SQLite in a temporary
 * folder. The example projects are committed to git repositories there, which the checkout
 * clones as it would the entity's repository. Prints a Markdown table.
 *
 * 1. Recording: input to frame on localhost (see recording.ts).
 * 2. The example suites (examples/test-suites/*.json) in Comet, queued to finished, against
 *    the same suites exported as a Playwright Test project (renderPlaywrightProject, as the
 *    export zip) and run with the repository's `playwright test` (trace, video and
 *    screenshots on, Debian's Chromium with the flags Comet's worker uses, Debian's ffmpeg
 *    where Playwright looks for its own), interleaved, `--rounds` times each after one
 *    untimed warm-up that also makes the screenshot baselines on both sides.
 * 3. `--concurrent` runs queued at once (the two example suites alternately) with the default
 *    worker limit (2): every run passes, every expected artifact is stored and reads back in
 *    full, and no more than 2 runs (and browser workers) are ever running.
 *
 *   yarn bench:test-recorder [--inputs 20] [--bursts 10] [--rounds 3] [--concurrent 20]
 *                            [--only 1,2,3] [--verbose]
 */
import {
  BubblewrapSandbox,
  GitRemotePolicy,
} from '@internal/plugin-pipelines-node';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findChromium, findFfmpeg } from '../src/browser/BrowserWorker';
import { RepositoryCheckout } from '../src/runner/RepositoryCheckout';
import {
  cell,
  exampleRepositories,
  formatMs,
  formatSeconds,
  loadSuites,
  median,
  percentile,
  quietLogger,
  REPO_ROOT,
  sleep,
  type Suite,
  versionOf,
} from './common';
import { benchRecording, recordingSettings } from './recording';
import {
  acceptNewBaselines,
  breakdown,
  checkArtifacts,
  type Comet,
  describeFailure,
  finished,
  MAX_RUNNING,
  PLAYWRIGHT_TEST_DIR,
  playwrightFfmpeg,
  type PlainProject,
  portInUse,
  preparePlain,
  queueRun,
  runComet,
  runPlain,
  startComet,
} from './runs';

/* eslint-disable no-console */

const args = process.argv.slice(2);
const argOf = (name: string, fallback: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : fallback;
};
const inputsPerKind = Number(argOf('--inputs', '20'));
const burstCount = Number(argOf('--bursts', '10'));
const rounds = Number(argOf('--rounds', '3'));
const concurrentRuns = Number(argOf('--concurrent', '20'));
/** `--only 1,3` runs only those measurements (numbered as in the header). */
const only = argOf('--only', '1,2,3').split(',').map(Number);
/** `--verbose` prints where each Comet run's time went, and each plain run's output. */
const verbose = args.includes('--verbose');

/** The flags Comet's worker launches Chromium with (worker/shared.cjs), for the plain runs too. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

type Row = [measure: string, result: string, target: string];

const met = (ok: boolean, target: string) =>
  `${target}: ${ok ? 'met' : 'NOT met'}`;

const stats = (values: number[], limitMs?: number) =>
  `p50 ${formatMs(percentile(values, 50), limitMs)}, p95 ${formatMs(
    percentile(values, 95),
    limitMs,
  )}, max ${formatMs(Math.max(...values), limitMs)} (${values.length} inputs)`;

async function measureRecording(options: {
  sandbox: BubblewrapSandbox;
  checkout: RepositoryCheckout;
  chromiumPath: string;
  tmp: string;
  suite: Suite;
  repository: string;
}): Promise<Row[]> {
  const r = await benchRecording({
    sandbox: options.sandbox,
    checkout: options.checkout,
    chromiumPath: options.chromiumPath,
    chromiumArgs: CHROMIUM_ARGS,
    workDir: path.join(options.tmp, 'recordings'),
    suite: options.suite,
    repository: { url: options.repository, dir: options.repository },
    inputsPerKind,
    bursts: burstCount,
    log: verbose ? line => console.error(line) : undefined,
  });
  const limit = recordingSettings.frameTimeoutMs;
  const all = [...r.hover, ...r.clicks, ...r.keys];
  const p95 = percentile(all, 95);
  const rows: Row[] = [
    [
      `Recording, input to the first frame showing it, localhost (hover moves, clicks, typed keys, one at a time)`,
      `${stats(all, limit)}; lost (no frame within ${limit / 1000} s): ${
        r.lost.length
      }${r.lost.length ? ` (${r.lost.join(', ')})` : ''}`,
      met(p95 < 150, 'p95 < 150 ms'),
    ],
    [
      '… mouse moves onto and off a button (hover state)',
      stats(r.hover, limit),
      'report',
    ],
    [
      '… clicks on a checkbox: press and release, each measured',
      stats(r.clicks, limit),
      'report',
    ],
    [
      '… keys typed into a text field (insertText, as the portal sends printable keys)',
      stats(r.keys, limit),
      'report',
    ],
  ];
  const images = `${r.hoverImages.on} / ${r.hoverImages.off}`;
  rows.push([
    `… check: distinct frame images for "hover on" / "hover off"`,
    images,
    r.hoverImages.on === 1 && r.hoverImages.off === 1
      ? 'expected 1 / 1: met'
      : 'expected 1 / 1: NOT met (frame identity is not a valid test here)',
  ]);
  rows.push([
    `Recording, bursts of 9 mouse moves ${recordingSettings.burstGapMs} ms apart across the button (one per animation frame, as the portal sends them): the live view ends showing where the mouse stopped`,
    r.bursts.count === 0
      ? 'not measured (hover images not unique)'
      : `${r.bursts.shownFinal} of ${r.bursts.count} bursts${
          r.bursts.lastFrameMs.length
            ? `; last input to last frame p50 ${formatMs(
                median(r.bursts.lastFrameMs),
              )}, max ${formatMs(Math.max(...r.bursts.lastFrameMs))}`
            : ''
        }${
          r.bursts.shownFinal < r.bursts.count
            ? `; in the other ${
                r.bursts.count - r.bursts.shownFinal
              } the view still showed the previous state ${
                recordingSettings.burstQuietMs / 1000
              } s after the last frame (page in the final state, confirmed by a fresh frame: ${
                r.bursts.confirmedStale
              })`
            : ''
        }`,
    'report',
  ]);
  rows.push([
    'Recording: session open to first frame (checkout, sandbox, web server, Chromium)',
    `${formatSeconds(r.startMs)}; ${r.frames} frames received in all`,
    'report',
  ]);
  return rows;
}

async function measureVersusPlain(options: {
  comet: Comet;
  suites: Suite[];
  plain: Map<string, PlainProject>;
}): Promise<Row[]> {
  const { comet, suites, plain } = options;
  const rows: Row[] = [];
  const failures: string[] = [];
  const plainMissing: string[] = [];
  const checkPlain = (
    suite: Suite,
    result: Awaited<ReturnType<typeof runPlain>>,
    label: string,
  ) => {
    if (result.code !== 0) {
      failures.push(
        `plain ${suite.name} ${label}: exit ${result.code}: ${result.output
          .trim()
          .split('\n')
          .slice(-15)
          .join(' / ')}`,
      );
    }
    if (result.artifacts.size !== suite.tests.length) {
      plainMissing.push(
        `${suite.name} ${label}: ${result.artifacts.size} test folders in test-results for ${suite.tests.length} tests`,
      );
    }
    for (const [test, counts] of result.artifacts) {
      if (!counts.traces || !counts.videos || !counts.screenshots) {
        plainMissing.push(
          `${suite.name} ${label} ${test}: ${counts.traces} traces, ${counts.videos} videos, ${counts.screenshots} screenshots`,
        );
      }
    }
  };
  const checkComet = (run: Awaited<ReturnType<typeof runComet>>['run']) => {
    if (run.status !== 'passed') {
      failures.push(`Comet ${run.suiteName}: ${describeFailure(run)}`);
    }
  };

  // Warm-up, not timed: screenshot baselines on both sides (Comet accepts the first run's,
  // Playwright writes them with --update-snapshots), and warm disk caches
  for (const suite of suites) {
    const warm = await runComet(comet, suite);
    checkComet(warm.run);
    await acceptNewBaselines(comet, warm.run);
    checkPlain(
      suite,
      await runPlain(plain.get(suite.name)!, ['--update-snapshots']),
      'warm-up',
    );
  }

  const times = new Map(
    suites.map(suite => [
      suite.name,
      {
        comet: [] as number[],
        plain: [] as number[],
        cometCpu: [] as number[],
        plainCpu: [] as number[],
      },
    ]),
  );
  for (let round = 0; round < rounds; round++) {
    for (const suite of suites) {
      const entry = times.get(suite.name)!;
      // Alternate who goes first, so neither always runs on a warmer machine
      const order = round % 2 === 0 ? ['plain', 'comet'] : ['comet', 'plain'];
      for (const which of order) {
        if (which === 'plain') {
          const result = await runPlain(plain.get(suite.name)!);
          entry.plain.push(result.ms);
          entry.plainCpu.push(result.cpu);
          checkPlain(suite, result, `round ${round + 1}`);
          if (verbose) {
            console.error(
              `plain ${suite.name}: ${result.ms.toFixed(
                0,
              )} ms, CPU ${result.cpu.toFixed(1)} s, exit ${
                result.code
              }\n${result.output.trim()}`,
            );
          }
        } else {
          const result = await runComet(comet, suite);
          entry.comet.push(result.ms);
          entry.cometCpu.push(result.cpu);
          checkComet(result.run);
          if (verbose) {
            console.error(
              `Comet ${suite.name}: ${breakdown(
                result.run,
              )}; CPU ${result.cpu.toFixed(1)} s`,
            );
          }
        }
      }
    }
  }

  // A run that failed or lost an artifact did other work than the rest: no valid comparison
  const valid = failures.length === 0 && plainMissing.length === 0;
  const INVALID = '≤ 1.3×: not judged (a run failed, see below)';
  let cometTotal = 0;
  let plainTotal = 0;
  let cometCpuTotal = 0;
  let plainCpuTotal = 0;
  const cpuRows: Row[] = [];
  const list = (values: number[]) =>
    values.map(v => (v / 1000).toFixed(2)).join(', ');
  for (const suite of suites) {
    const t = times.get(suite.name)!;
    const ratio = median(t.comet) / median(t.plain);
    cometTotal += median(t.comet);
    plainTotal += median(t.plain);
    cometCpuTotal += median(t.cometCpu);
    plainCpuTotal += median(t.plainCpu);
    rows.push([
      `${suite.name} (${suite.tests.length} tests, ${suite.tests.reduce(
        (n, test) => n + test.steps.length,
        0,
      )} steps): Comet queued → finished / plain \`playwright test\` wall clock, median of ${rounds} (all)`,
      `${formatSeconds(median(t.comet))} (${list(t.comet)}) / ${formatSeconds(
        median(t.plain),
      )} (${list(t.plain)}); ratio ${ratio.toFixed(2)}`,
      valid ? met(ratio <= 1.3, '≤ 1.3×') : INVALID,
    ]);
    cpuRows.push([
      `${suite.name}: CPU time per run, Comet / plain, median of ${rounds}`,
      `${median(t.cometCpu).toFixed(1)} s / ${median(t.plainCpu).toFixed(
        1,
      )} s; ratio ${(median(t.cometCpu) / median(t.plainCpu)).toFixed(2)}`,
      'report',
    ]);
  }
  const totalRatio = cometTotal / plainTotal;
  rows.push([
    'Both example suites: Comet / plain, sum of the medians',
    `${formatSeconds(cometTotal)} / ${formatSeconds(
      plainTotal,
    )}; ratio ${totalRatio.toFixed(2)}`,
    valid ? met(totalRatio <= 1.3, '≤ 1.3×') : INVALID,
  ]);
  rows.push(...cpuRows);
  rows.push([
    'Both example suites: CPU time, Comet / plain, sum of the medians (the bench process and every process started under it, from /proc; less sensitive to other load than wall clock)',
    `${cometCpuTotal.toFixed(1)} s / ${plainCpuTotal.toFixed(1)} s; ratio ${(
      cometCpuTotal / plainCpuTotal
    ).toFixed(2)}`,
    'report',
  ]);
  rows.push([
    'Both sides passed every run and kept a trace, a video and a screenshot of every test',
    valid
      ? `yes (${suites.length * (rounds + 1)} runs each)`
      : cell([...failures, ...plainMissing].join('; ')),
    valid
      ? 'required for the comparison: met'
      : 'required for the comparison: NOT met',
  ]);
  return rows;
}

async function measureConcurrent(options: {
  comet: Comet;
  suites: Suite[];
}): Promise<Row[]> {
  const { comet, suites } = options;
  // the queue as it stands now, so measure 2's runs do not count
  comet.workers.max = 0;
  const started = performance.now();
  const queued: Array<{ runId: string; suite: Suite }> = [];
  for (let i = 0; i < concurrentRuns; i++) {
    const suite = suites[i % suites.length];
    queued.push({ runId: (await queueRun(comet, suite)).runId, suite });
  }
  const ids = new Set(queued.map(q => q.runId));
  let maxRunning = 0;
  let maxQueued = 0;
  let polls = 0;
  for (;;) {
    const { runs } = await comet.store.listRuns({
      limit: concurrentRuns + 100,
    });
    const mine = runs.filter(r => ids.has(r.runId));
    polls += 1;
    maxRunning = Math.max(
      maxRunning,
      mine.filter(r => r.status === 'running').length,
    );
    maxQueued = Math.max(
      maxQueued,
      mine.filter(r => r.status === 'queued').length,
    );
    if (
      mine.length === concurrentRuns &&
      mine.every(r => !['queued', 'running'].includes(r.status))
    ) {
      break;
    }
    await sleep(100);
  }
  const wall = performance.now() - started;
  const runs = await Promise.all(queued.map(q => finished(comet, q.runId)));
  const passed = runs.filter(r => r.status === 'passed').length;
  let read = 0;
  let artifactRows = 0;
  const problems: string[] = [];
  for (const [index, run] of runs.entries()) {
    const checked = await checkArtifacts(comet, run, queued[index].suite);
    read += checked.read;
    artifactRows += checked.rows;
    problems.push(...checked.problems);
  }
  const perRun = runs
    .filter(r => r.durationMs !== undefined)
    .map(r => r.durationMs!);
  const counts = suites
    .map(
      suite =>
        `${queued.filter(q => q.suite === suite).length} × ${suite.name}`,
    )
    .join(' + ');
  return [
    [
      `${concurrentRuns} runs queued at once (${counts}), maxConcurrentRuns ${MAX_RUNNING}, on ${
        os.cpus().length
      } cores: finished and passed`,
      `${runs.length} finished, ${passed} passed${
        passed < concurrentRuns
          ? `: ${cell(
              runs
                .filter(r => r.status !== 'passed')
                .map(r => `${r.runId.slice(0, 8)} ${describeFailure(r)}`)
                .join('; '),
            )}`
          : ''
      }`,
      met(passed === concurrentRuns, 'all finish and pass'),
    ],
    [
      '… total wall time (all queued → last seen finished); per run started → finished: median / max',
      `${formatSeconds(wall)}; ${formatSeconds(
        median(perRun),
      )} / ${formatSeconds(Math.max(...perRun))}`,
      'report',
    ],
    [
      `… most runs "running" at once in the store (polled every 100 ms, ${polls} polls) / browser workers alive at once / most runs "queued" at once`,
      `${maxRunning} / ${comet.workers.max} / ${maxQueued}`,
      met(
        maxRunning <= MAX_RUNNING && comet.workers.max <= MAX_RUNNING,
        `running ≤ ${MAX_RUNNING}, the rest queued`,
      ),
    ],
    [
      '… artifacts each test must have (trace, video, a screenshot per step, visual-check image), read back in full: stored size, non-empty, trace zip / WebM / image headers',
      `${read} read (${artifactRows} artifact rows for these runs); lost: ${
        problems.length
      }${
        problems.length
          ? ` (${cell(problems.slice(0, 5).join('; '))}${
              problems.length > 5 ? '; …' : ''
            })`
          : ''
      }`,
      met(problems.length === 0, 'lost = 0'),
    ],
  ];
}

async function main() {
  const chromium = findChromium('/usr/lib/chromium/chromium');
  const ffmpeg = findFfmpeg();
  if (!('path' in chromium)) throw new Error(chromium.reason);
  if (!('path' in ffmpeg)) throw new Error(ffmpeg.reason);
  const sandbox = new BubblewrapSandbox({
    logger: quietLogger(),
    protectedPaths: [REPO_ROOT],
  });
  const availability = await sandbox.available();
  if (!availability.available) {
    throw new Error(
      `the bubblewrap sandbox is not available: ${availability.reason}`,
    );
  }
  // The pipelines' checkout, allowed to clone the bench's local repositories
  const checkout = RepositoryCheckout.create({
    gitRemotePolicy: GitRemotePolicy.create({ allowLocalRepositories: true }),
  });

  const examples = await loadSuites();
  const suites = examples.map(e => e.suite);
  const storefront = suites.find(s => s.name === 'storefront-checkout')!;

  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-bench-recorder-'));
  // The sandbox's own uid reads the checkouts and baselines written here
  await fs.chmod(tmp, 0o755);
  const startedAt = new Date();
  const loads: string[] = [`${os.loadavg()[0].toFixed(2)} at the start`];
  const rows: Row[] = [];
  let comet: Comet | undefined;
  try {
    const repositories = await exampleRepositories(
      path.join(tmp, 'repositories'),
      examples.map(e => e.project),
    );
    const repositoryOf = (entityRef: string) => {
      const example = examples.find(e => e.suite.entityRef === entityRef);
      return example ? repositories.get(example.project) : undefined;
    };

    if (only.includes(1)) {
      rows.push(
        ...(await measureRecording({
          sandbox,
          checkout,
          chromiumPath: chromium.path,
          tmp,
          suite: storefront,
          repository: repositoryOf(storefront.entityRef)!,
        })),
      );
      loads.push(`${os.loadavg()[0].toFixed(2)} after measure 1`);
    }

    if (only.includes(2) || only.includes(3)) {
      comet = await startComet({
        sandbox,
        checkout,
        chromiumPath: chromium.path,
        ffmpegPath: ffmpeg.path,
        dir: path.join(tmp, 'comet'),
        suites,
        repositoryOf,
      });
    }

    if (only.includes(2) && comet) {
      for (const suite of suites) {
        const port = suite.webServer?.port;
        if (port && (await portInUse(port))) {
          throw new Error(
            `port ${port} on 127.0.0.1 is in use: the plain run of ${suite.name} starts its web server there`,
          );
        }
      }
      const browsersPath = await playwrightFfmpeg(tmp, ffmpeg.path);
      const plain = new Map<string, PlainProject>();
      for (const suite of suites) {
        plain.set(
          suite.name,
          await preparePlain({
            dir: path.join(tmp, 'plain'),
            suite,
            checkout,
            repositoryUrl: repositoryOf(suite.entityRef)!,
            browsersPath,
            chromiumPath: chromium.path,
            chromiumArgs: CHROMIUM_ARGS,
          }),
        );
      }
      rows.push(...(await measureVersusPlain({ comet, suites, plain })));
      loads.push(`${os.loadavg()[0].toFixed(2)} after measure 2`);
    }

    if (only.includes(3) && comet) {
      rows.push(...(await measureConcurrent({ comet, suites })));
      loads.push(`${os.loadavg()[0].toFixed(2)} after measure 3`);
    }
  } finally {
    await comet?.runner.stop();
    await comet?.knex.destroy();
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => {});
  }

  const cpus = os.cpus();
  const playwrightVersion = JSON.parse(
    await fs.readFile(path.join(PLAYWRIGHT_TEST_DIR, 'package.json'), 'utf8'),
  ).version;
  console.log(
    `\nTest recorder benchmark, ${startedAt.toISOString()} to ${new Date().toISOString()}: ${
      cpus.length
    } CPUs (${cpus[0]?.model ?? 'unknown'}), ${(
      os.totalmem() /
      1024 ** 3
    ).toFixed(0)} GiB, Node ${process.version}, ${versionOf(chromium.path, [
      '--version',
    ])}, ${versionOf(ffmpeg.path, ['-version']).replace(
      / Copyright.*/,
      '',
    )}, ${versionOf('bwrap', [
      '--version',
    ])}, @playwright/test ${playwrightVersion}; load average ${loads.join(
      ', ',
    )}\n`,
  );
  console.log('| measure | result | target |');
  console.log('| --- | --- | --- |');
  for (const [measure, result, target] of rows) {
    console.log(`| ${measure} | ${result} | ${target} |`);
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
