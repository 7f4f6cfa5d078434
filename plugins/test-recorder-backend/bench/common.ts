/*
 * What the test recorder benchmark's measurements share: statistics, formatting, a quiet
 * logger, the example projects as git repositories, and CPU time of this process and the
 * processes it waited for.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  parseTestSuiteFile,
  type TestSuiteDefinition,
} from '@internal/plugin-test-recorder-common';
import { makeGitRepository } from '@internal/plugin-pipelines-node/testUtils';
import { execFileSync } from 'node:child_process';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const USER = 'user:default/bench';
export const ACCOUNT_PASSWORD = 'bench-account-passw0rd';

/** An example suite with the entity it belongs to. */
export type Suite = TestSuiteDefinition & { entityRef: string };

/** The example suites and the example project each one's entity's repository holds. */
const EXAMPLES = [
  { file: 'storefront-checkout.json', project: 'storefront-web' },
  { file: 'payments-api-smoke.json', project: 'payments-api' },
];

export async function loadSuites(): Promise<
  Array<{ suite: Suite; project: string }>
> {
  const loaded: Array<{ suite: Suite; project: string }> = [];
  for (const { file, project } of EXAMPLES) {
    const fileName = path.join(REPO_ROOT, 'examples/test-suites', file);
    const suite = parseTestSuiteFile(
      await fs.readFile(fileName, 'utf8'),
      fileName,
    );
    if (!suite.entityRef) throw new Error(`${fileName} names no entity`);
    loaded.push({ suite: suite as Suite, project });
  }
  return loaded;
}

/**
 * Each example project (without node_modules and tests) committed to a git repository of
 * its own under `dir`: what the entity's `backstage.io/source-location` points at. Returns
 * the repository folder by project name.
 */
export async function exampleRepositories(
  dir: string,
  projects: string[],
): Promise<Map<string, string>> {
  const repositories = new Map<string, string>();
  for (const project of projects) {
    const source = path.join(REPO_ROOT, 'examples/projects', project);
    const files: Record<string, string> = {};
    for (const entry of await fs.readdir(source, {
      recursive: true,
      withFileTypes: true,
    })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      const relative = path.relative(source, file);
      if (/^(node_modules|test)\//.test(relative)) continue;
      files[relative] = readFileSync(file, 'utf8');
    }
    const repository = path.join(dir, project);
    makeGitRepository(repository, files);
    repositories.set(project, repository);
  }
  return repositories;
}

export function quietLogger(): LoggerService {
  const logger: LoggerService = {
    info: () => {},
    debug: () => {},
    warn: (message: string) => console.error(`warn: ${message}`),
    error: (message: string) => console.error(`error: ${message}`),
    child: () => logger,
  };
  return logger;
}

/** Nearest-rank percentile; Infinity (a sample that never came) sorts last. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(
      sorted.length - 1,
      Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
    )
  ];
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const sleep = (ms: number) =>
  new Promise<void>(resolve => setTimeout(resolve, ms));

export function formatMs(value: number, limitMs?: number): string {
  if (Number.isNaN(value)) return 'none';
  if (!Number.isFinite(value)) {
    return limitMs ? `> ${(limitMs / 1000).toFixed(0)} s` : 'none';
  }
  return `${value.toFixed(0)} ms`;
}

export const formatSeconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export const errorMessage = (error: unknown) =>
  error instanceof Error ? error.message : String(error);

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
  } catch {
    return 100;
  }
})();

type ProcStat = { key: string; ppid: number; ticks: number };

function readProcStats(): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // after "pid (comm) ": fields[0] is field 3 (state), ppid field 4, utime 14, stime 15,
    // starttime 22
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    stats.set(Number(name), {
      key: `${name}@${fields[19]}`,
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
    });
  }
  return stats;
}

/**
 * CPU time of this process and of every process started under it while sampling (sandboxed
 * ones included: the host's /proc shows them), read from /proc every 200 ms. A process stays
 * counted after its parent exits; what a process uses in its last 200 ms before it exits is
 * missed. Less sensitive than wall-clock time to what else the machine runs (not immune:
 * contention for caches and cores costs CPU time too).
 */
export class ProcessTreeCpu {
  readonly #ticks = new Map<string, number>();
  readonly #tracked = new Set<string>();
  readonly #baseline: number;
  readonly #timer: NodeJS.Timeout;

  static start(): ProcessTreeCpu {
    return new ProcessTreeCpu();
  }

  private constructor() {
    // this process and those under it already: only what they use from now on counts
    this.#sample(readProcStats());
    let baseline = 0;
    for (const ticks of this.#ticks.values()) baseline += ticks;
    this.#baseline = baseline;
    this.#timer = setInterval(() => this.#sample(readProcStats()), 200);
  }

  #sample(stats: Map<number, ProcStat>) {
    const isDescendant = (pid: number): boolean => {
      for (let at = pid, depth = 0; at > 1 && depth < 64; depth++) {
        if (at === process.pid) return true;
        const stat = stats.get(at);
        if (!stat) return false;
        if (this.#tracked.has(stat.key)) return true;
        at = stat.ppid;
      }
      return false;
    };
    for (const [pid, stat] of stats) {
      if (this.#tracked.has(stat.key) || isDescendant(pid)) {
        this.#tracked.add(stat.key);
        this.#ticks.set(stat.key, stat.ticks);
      }
    }
  }

  /** CPU seconds since start. */
  stop(): number {
    clearInterval(this.#timer);
    this.#sample(readProcStats());
    let total = 0;
    for (const ticks of this.#ticks.values()) total += ticks;
    return (total - this.#baseline) / CLOCK_TICKS;
  }
}

export function versionOf(command: string, commandArgs: string[]): string {
  try {
    return execFileSync(command, commandArgs, { encoding: 'utf8' })
      .split('\n')[0]
      .trim();
  } catch {
    return 'unknown';
  }
}

/** A Markdown table cell: no pipes or line breaks. */
export const cell = (text: string) =>
  text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
