/*
 * Offline failure analysis benchmark (part of `yarn bench:ai-assistant`): the time and memory
 * `explainOffline` takes from a stored log's text to its result, on generated CI logs of 5, 10
 * and 20 MB (GitHub Actions timestamps, yarn and webpack output, Jest runs with console noise,
 * stack frames, hashes and paths) whose failure (a Jest TypeError, then the summary and the exit
 * code) sits in the last lines. The pipeline's last two green runs (the same generator, other
 * times, hashes and durations, no failure) are the baseline for new lines.
 *
 * Each size is measured in a fresh child process, so its peak memory is its own: the log is
 * read from a file, the heap collected, then `explainOffline` runs once cold (JIT warm-up; its
 * peak memory is reported), then `--runs` times timed, the heap collected before each. Peak RSS is the process's high-water mark (`process.resourceUsage()`)
 * during the first analysis, above its RSS just before it (the green logs are read in 1 MB
 * pieces, so they do not raise the mark first); the heap delta is what the result keeps.
 *
 *   node --expose-gc --require @backstage/cli-node/config/nodeTransform.cjs \
 *     plugins/ai-assistant-backend/bench/benchAnalysis.ts [--sizes 5,10,20] [--runs 5] \
 *     [--only analysis|streaming] [--turns 60]
 *
 * Then (unless `--only analysis`) it runs the chat's streaming latency benchmark,
 * `benchStreaming.ts`, in a child process with the same arguments.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { explainOffline } from '../src/analysis/explainOffline';
import { FailureKnowledgeBase } from '../src/analysis/FailureKnowledgeBase';
import { LogBaseline } from '../src/analysis/LogBaseline';
import type { FingerprintedRun } from '../src/analysis/types';

/* eslint-disable no-console */

const args = process.argv.slice(2);
const argOf = (name: string, fallback: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : fallback;
};
const MB = 1024 * 1024;

/** A small deterministic generator (mulberry32), so every run benchmarks the same logs. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PACKAGES = [
  'react',
  'lodash',
  'express',
  'zod',
  'knex',
  'jest',
  'webpack',
  'typescript',
  'date-fns',
  'msw',
  'luxon',
  'yaml',
  'undici',
  'pino',
  'ajv',
  'semver',
];
const AREAS = [
  'components',
  'api',
  'hooks',
  'store',
  'utils',
  'routes',
  'billing',
  'ledger',
];
const NAMES = [
  'InvoiceTable',
  'PaymentForm',
  'LedgerStore',
  'formatMoney',
  'RatesClient',
  'useInvoices',
  'AuditLog',
  'RefundDialog',
  'CurrencyPicker',
  'SettlementJob',
];
const TESTS = [
  'renders the total',
  'shows an error message when the API fails',
  'sorts rows by due date',
  'refunds a partial amount',
  'retries after a 503',
  'keeps the cursor between pages',
  'rounds half to even',
  'rejects an unknown currency',
];

/** One CI log: about `bytes` of noise, and the failure at the end when `failed`. */
function generateLog(bytes: number, seed: number, failed: boolean): string {
  const next = random(seed);
  const int = (max: number) => Math.floor(next() * max);
  const hex = (length: number) => {
    let result = '';
    while (result.length < length)
      result += int(0xffffffff).toString(16).padStart(8, '0');
    return result.slice(0, length);
  };
  let time = Date.UTC(2025, 2, 11, 9, 0, 0) + seed * 86_400_000;
  const stamp = () => {
    time += int(40);
    return `${new Date(time).toISOString().replace('Z', '')}${String(
      int(9999),
    ).padStart(4, '0')}Z`;
  };
  const parts: string[] = [];
  let size = 0;
  let index = 0;
  const push = (line: string) => {
    const stamped = `${stamp()} ${line}`;
    parts.push(stamped);
    size += stamped.length + 1;
  };
  push('##[group]Run yarn install --immutable');
  while (size < bytes - 8 * 1024) {
    const pkg = PACKAGES[index % PACKAGES.length];
    const area = AREAS[index % AREAS.length];
    const name = NAMES[index % NAMES.length];
    const test = TESTS[index % TESTS.length];
    switch (index % 12) {
      case 0:
        push(
          `➤ YN0013: │ ${pkg}@npm:${1 + (index % 7)}.${index % 13}.${
            index % 5
          } can't be found in the cache and will be fetched from the remote registry`,
        );
        break;
      case 1:
        push(
          `Downloading https://registry.example.org/${pkg}/-/${pkg}-${
            1 + (index % 7)
          }.${index % 13}.0.tgz (sha512-${Buffer.from(hex(128), 'hex').toString(
            'base64',
          )})`,
        );
        break;
      case 2:
        push(
          `asset ${name.toLowerCase()}.${hex(8)}.js ${(
            int(90000) / 100
          ).toFixed(2)} KiB [emitted] [immutable] [minimized] (name: ${area})`,
        );
        break;
      case 3:
        push(
          `PASS src/${area}/${name}.test.ts (${(int(9000) / 1000).toFixed(
            3,
          )} s)`,
        );
        break;
      case 4:
        push(`  ✓ ${test} (${int(300)} ms)`);
        break;
      case 5:
        push(`  console.error`);
        break;
      case 6:
        push(
          `    Warning: An update to ${name} inside a test was not wrapped in act(...).`,
        );
        break;
      case 7:
        push(
          `        at ${name} (/home/runner/work/payments/payments/src/${area}/${name}.tsx:${int(
            300,
          )}:${int(80)})`,
        );
        break;
      case 8:
        push(
          `Error: ENOENT: no such file or directory, open '/home/runner/.cache/${hex(
            12,
          )}/manifest.json' (ignored, using defaults)`,
        );
        break;
      case 9:
        push(
          `[webpack] compiled ${area} in ${int(4000)} ms, ${int(
            400,
          )} modules, commit ${hex(40)}`,
        );
        break;
      case 10:
        push(
          `npm warn deprecated ${pkg}@${index % 4}.${index % 9}.${
            index % 3
          }: This version is no longer supported; request ${hex(8)}-${hex(
            4,
          )}-${hex(4)}-${hex(4)}-${hex(12)}`,
        );
        break;
      default:
        push(`  ✓ ${area}: ${test} (${int(90)} ms)`);
    }
    index++;
  }
  if (failed) {
    push('FAIL src/billing/RefundDialog.test.tsx (12.871 s)');
    push('  ● RefundDialog › refunds a partial amount');
    push('');
    push(
      "    TypeError: Cannot read properties of undefined (reading 'amount')",
    );
    push('');
    push(
      '      41 |     const refund = await client.refund(invoice.id, partial);',
    );
    push('    > 42 |     expect(refund.total.amount).toBe(1250);');
    push('         |                         ^');
    push('');
    push(
      `      at Object.<anonymous> (/home/runner/work/payments/payments/src/billing/RefundDialog.test.tsx:42:25)`,
    );
    push('');
    push('Test Suites: 1 failed, 79 passed, 80 total');
    push('Tests:       1 failed, 611 passed, 612 total');
    push(`Time:        ${(int(90000) / 1000).toFixed(3)} s`);
    push('error Command failed with exit code 1.');
    push('##[error]Process completed with exit code 1.');
  } else {
    push('Test Suites: 80 passed, 80 total');
    push('Tests:       612 passed, 612 total');
  }
  return `${parts.join('\n')}\n`;
}

type ChildResult = {
  sizeMB: number;
  lines: number;
  runsMs: number[];
  /** CPU time (user + system) of each run: less sensitive than wall time to a busy machine. */
  cpuMs: number[];
  baselineMs: number;
  category: string;
  fingerprintLine: number;
  newLines: number;
  rssBeforeMB: number;
  peakRssMB: number;
  heapBeforeMB: number;
  heapAfterMB: number;
  summary: string;
};

const gc = (globalThis as { gc?: () => void }).gc;
const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;

/** A log file in pieces of whole lines of about 1 MB, so reading it never holds it all. */
function* readInPieces(file: string): Generator<string> {
  const descriptor = fs.openSync(file, 'r');
  const buffer = Buffer.alloc(MB);
  let rest = '';
  try {
    for (;;) {
      const read = fs.readSync(descriptor, buffer, 0, buffer.length, null);
      if (read === 0) {
        break;
      }
      const text = rest + buffer.toString('utf8', 0, read);
      const cut = text.lastIndexOf('\n') + 1;
      rest = text.slice(cut);
      yield text.slice(0, cut);
    }
    if (rest) {
      yield rest;
    }
  } finally {
    fs.closeSync(descriptor);
  }
}

/**
 * The green runs' baseline. Each piece is read as a log of its own: the same line shapes,
 * without a second 20 MB string in memory before the measurement starts. (A function of its
 * own, so no temporary of it stays on the caller's frame while the heap is measured.)
 */
function buildBaseline(greenFiles: string[]): LogBaseline {
  return LogBaseline.fromLogs(
    greenFiles.flatMap(green => [...readInPieces(green)]),
  );
}

/** Runs in the child: one size, measured on its own. */
function measure(
  file: string,
  greenFiles: string[],
  runs: number,
): ChildResult {
  const knowledgeBase = FailureKnowledgeBase.default();
  const baselineStarted = performance.now();
  const baseline = buildBaseline(greenFiles);
  const baselineMs = performance.now() - baselineStarted;
  const log = fs.readFileSync(file, 'utf8');
  const history: FingerprintedRun[] = [];
  gc?.();
  gc?.();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  // The first run, cold, gives the peak memory of one analysis.
  let result = explainOffline(log, {
    knowledgeBase,
    baseline,
    history,
    exitCode: 1,
  });
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const runsMs: number[] = [];
  const cpuMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    gc?.();
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    result = explainOffline(log, {
      knowledgeBase,
      baseline,
      history,
      exitCode: 1,
    });
    const cpu = process.cpuUsage(cpuStarted);
    runsMs.push(performance.now() - started);
    cpuMs.push((cpu.user + cpu.system) / 1000);
  }
  gc?.();
  gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  return {
    sizeMB: mb(log.length),
    lines: result.log.lines,
    runsMs,
    cpuMs,
    baselineMs,
    category: result.category,
    fingerprintLine: result.fingerprint.startLine,
    newLines: result.newLines?.total ?? 0,
    rssBeforeMB: mb(rssBefore),
    peakRssMB: mb(Math.max(0, peakRss - rssBefore)),
    heapBeforeMB: mb(heapBefore),
    heapAfterMB: mb(heapAfter - heapBefore),
    summary: result.summary,
  };
}

function main() {
  const childIndex = args.indexOf('--child');
  if (childIndex >= 0) {
    const [file, green1, green2, runs] = args.slice(childIndex + 1);
    console.log(JSON.stringify(measure(file, [green1, green2], Number(runs))));
    return;
  }
  const only = argOf('--only', '');
  if (only !== 'streaming') analysis();
  if (only !== 'analysis') {
    execFileSync(
      process.execPath,
      [
        ...process.execArgv.filter(flag => flag !== '--expose-gc'),
        path.join(__dirname, 'benchStreaming.ts'),
        ...args,
      ],
      { stdio: 'inherit' },
    );
  }
}

function analysis() {
  const sizes = argOf('--sizes', '5,10,20').split(',').map(Number);
  const runs = Number(argOf('--runs', '5'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-bench-analysis-'));
  const results: ChildResult[] = [];
  try {
    for (const size of sizes) {
      const file = path.join(dir, `failed-${size}.log`);
      fs.writeFileSync(file, generateLog(size * MB, 1, true));
      const greens = [2, 3].map(seed => {
        const green = path.join(dir, `green-${size}-${seed}.log`);
        fs.writeFileSync(green, generateLog(size * MB, seed, false));
        return green;
      });
      const output = execFileSync(
        process.execPath,
        [
          ...process.execArgv,
          __filename,
          '--child',
          file,
          ...greens,
          String(runs),
        ],
        { encoding: 'utf8', maxBuffer: 16 * MB },
      );
      results.push(JSON.parse(output.trim().split('\n').pop()!));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const ms = (value: number) => `${Math.round(value)} ms`;
  const load = os
    .loadavg()
    .map(value => value.toFixed(1))
    .join(' ');
  console.log(
    `\nOffline failure analysis (explainOffline), ${
      os.cpus()[0]?.model ?? 'unknown CPU'
    } × ${os.cpus().length}, Node.js ${process.version}, load average ${load}${
      gc ? '' : ' (run with --expose-gc for heap figures)'
    }, ${runs} runs per size after one warm-up\n`,
  );
  console.log(
    '| log | lines | wall median | wall min–max | CPU median | peak RSS of one analysis (above the loaded log) | heap kept after | baseline from 2 green logs | category | first error at line | new lines |',
  );
  console.log(
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
  );
  for (const result of results) {
    console.log(
      `| ${result.sizeMB} MB | ${result.lines.toLocaleString('en')} | ${ms(
        median(result.runsMs),
      )} | ${ms(Math.min(...result.runsMs))}–${ms(
        Math.max(...result.runsMs),
      )} | ${ms(median(result.cpuMs))} | ${result.peakRssMB} MB | ${
        result.heapAfterMB
      } MB | ${ms(result.baselineMs)} | ${
        result.category
      } | ${result.fingerprintLine.toLocaleString('en')} | ${
        result.newLines
      } |`,
    );
  }
  const largest = results[results.length - 1];
  console.log(
    `\nTarget: < 1 s for 20 MB, memory bounded. Summary of the ${largest.sizeMB} MB log: ${largest.summary}`,
  );
}

main();
