import { spawn } from 'node:child_process';
import { signalProcessGroup } from './processGroup';

/** setTimeout's maximum; longer delays fire immediately. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type GitResult = {
  stdout: string;
  /** Why the command failed (git's stderr, trimmed to its last 5 lines), or undefined. */
  failure?: string;
};

/** Output kept per stream of a git command; git's own output is tiny, this is a safety cap. */
const MAX_GIT_OUTPUT_BYTES = 1024 * 1024;

/** Keeps the last `max` bytes written to it. */
class BoundedBuffer {
  readonly #max: number;
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(max: number) {
    this.#max = max;
  }

  push(chunk: Buffer) {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size - this.#chunks[0].length >= this.#max) {
      this.#size -= this.#chunks.shift()!.length;
    }
  }

  toString() {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

/**
 * Runs git with an argument array (never through a shell), with a time limit.
 *
 * This uses `spawn` rather than `execFile` because `execFile` drops the `detached` option: git
 * runs in its own session, so it has no controlling terminal to prompt on (ssh passphrases,
 * host keys) and the whole group (remote helpers, ssh) is killed on timeout.
 */
export function runGit(
  args: string[],
  options: {
    cwd: string;
    env: Record<string, string>;
    timeoutMs: number;
    signal?: AbortSignal;
    /** Options before the subcommand (`-c key=value`); messages name the subcommand. */
    globalArgs?: readonly string[];
  },
): Promise<GitResult> {
  return new Promise(resolve => {
    if (options.signal?.aborted) {
      resolve({
        stdout: '',
        failure: `git ${args[0]} was not started: the job was stopped`,
      });
      return;
    }
    let timedOut = false;
    let aborted = false;
    let settled = false;
    const stdout = new BoundedBuffer(MAX_GIT_OUTPUT_BYTES);
    const stderr = new BoundedBuffer(MAX_GIT_OUTPUT_BYTES);
    const child = spawn('git', [...(options.globalArgs ?? []), ...args], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const kill = () => {
      if (child.pid !== undefined) {
        try {
          signalProcessGroup(child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, Math.min(options.timeoutMs, MAX_TIMER_MS));
    // A cancelled or timed-out job does not wait for a slow fetch (git only reads and writes
    // the job's own workspace, so stopping it at once loses nothing)
    const onAbort = () => {
      aborted = true;
      kill();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (result: GitResult) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(result);
      }
    };

    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', error => {
      finish({
        stdout: '',
        failure:
          (error as NodeJS.ErrnoException).code === 'ENOENT'
            ? 'git is not installed (not found on PATH)'
            : `git ${args[0]} could not be started: ${error.message}`,
      });
    });
    child.on('close', (code, signal) => {
      const out = stdout.toString();
      if (code === 0) {
        finish({ stdout: out });
      } else if (aborted) {
        finish({
          stdout: out,
          failure: `git ${args[0]} was stopped: the job was cancelled or timed out`,
        });
      } else if (timedOut) {
        finish({
          stdout: out,
          failure: `git ${args[0]} timed out after ${Math.round(
            options.timeoutMs / 1000,
          )} s`,
        });
      } else {
        finish({
          stdout: out,
          failure:
            lastLines(stderr.toString(), 5) ||
            `git ${args[0]} exited with ${code ?? signal}`,
        });
      }
    });
  });
}

function lastLines(text: string, count: number): string {
  return text
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line.length > 0)
    .slice(-count)
    .join('\n');
}
