import { existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  LoggerService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type {
  PipelineSandboxProcess,
  PipelineSandboxService,
} from '@internal/plugin-pipelines-node';
import type {
  WorkerCommand,
  WorkerEvent,
  WorkerJob,
  WorkerModules,
} from './protocol';

/** A command without its `id` (the worker assigns one per call). */
export type BrowserWorkerCommand = WorkerCommand extends infer C
  ? C extends WorkerCommand
    ? Omit<C, 'id'>
    : never
  : never;

export type BrowserWorkerOptions = {
  sandbox: PipelineSandboxService;
  job: WorkerJob;
  /**
   * A directory of this worker's own (created by the caller, removed by it afterwards): the
   * job file, the worker's HOME and the command socket go here. Not inside the backend's
   * working directory.
   */
  workDir: string;
  /** The sandbox's egress allowlist (`host[:port]`); no network but loopback when unset. */
  allowedEgress?: string[];
  logger: LoggerService;
};

export type BrowserWorkerExit = {
  /** null when the sandbox was killed. */
  exitCode: number | null;
  /** The last lines of the worker's stderr, secret values masked. */
  stderrTail: string;
  /** Set when the sandbox stopped the worker for going over a limit. */
  limitExceeded?: string;
};

const STDERR_TAIL_CHARS = 8_000;
const WORKER_PACKAGE = '@internal/plugin-test-recorder-backend';

/**
 * The browser worker (`worker/browserWorker.cjs`) running in the pipelines sandbox: writes
 * its job, starts it, and exchanges JSON lines with it (events on stdout, commands over a
 * Unix socket because a sandboxed command has no stdin).
 */
export class BrowserWorker {
  readonly exited: Promise<BrowserWorkerExit>;
  readonly #process: PipelineSandboxProcess;
  readonly #commands: Promise<net.Socket | undefined>;
  readonly #listeners = new Set<(event: WorkerEvent) => void>();
  readonly #pendingReplies = new Map<
    number,
    { resolve: () => void; reject: (error: Error) => void }
  >();
  readonly #queue: WorkerEvent[] = [];
  #wake?: () => void;
  #ended = false;
  #nextId = 1;
  #iterated = false;

  static async start(options: BrowserWorkerOptions): Promise<BrowserWorker> {
    const { sandbox, job, workDir, allowedEgress } = options;
    const workerFile = resolvePackagePath(
      WORKER_PACKAGE,
      'worker/browserWorker.cjs',
    );
    const jobDir = path.join(workDir, 'job');
    const homeDir = path.join(workDir, 'home');
    const ipcDir = path.join(workDir, 'ipc');
    await Promise.all(
      [jobDir, homeDir, ipcDir].map(dir => fs.mkdir(dir, { recursive: true })),
    );

    // The backend listens and the worker connects: the socket lives in a directory the
    // sandbox may write (its uid owns it), and only this worker can reach it.
    const commandSocket = path.join(ipcDir, 'commands.sock');
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(commandSocket, () => resolve());
    });
    await fs.chmod(commandSocket, 0o777);
    const connection = new Promise<net.Socket | undefined>(resolve => {
      server.once('connection', socket => {
        socket.on('error', () => {});
        server.close();
        resolve(socket);
      });
      server.once('close', () => resolve(undefined));
    });

    const jobFile = path.join(jobDir, 'job.json');
    await fs.writeFile(
      jobFile,
      JSON.stringify({ ...job, commandSocket } satisfies WorkerJob),
      { mode: 0o600 },
    );

    const readOnlyPaths = unique([
      path.dirname(workerFile),
      ...Object.values(job.modules),
      ...Object.values(job.files),
      ...(job.mode === 'run' && job.baselinesDir && existsSync(job.baselinesDir)
        ? [job.baselinesDir]
        : []),
    ]);
    const writablePaths = unique([
      homeDir,
      ipcDir,
      ...(job.mode === 'run' ? [job.outputDir] : []),
      ...(job.repoDir ? [job.repoDir] : []),
    ]);

    let child: PipelineSandboxProcess;
    try {
      child = await sandbox.spawn({
        command: process.execPath,
        args: [workerFile, jobFile],
        cwd: homeDir,
        env: {
          PATH: '/usr/local/bin:/usr/bin:/bin',
          HOME: homeDir,
          TMPDIR: '/tmp',
        },
        writablePaths,
        readOnlyPaths,
        privatePaths: [jobDir],
        network: allowedEgress ? { allowedEgress } : 'none',
      });
    } catch (error) {
      server.close();
      await fs.rm(jobFile, { force: true });
      throw error;
    }
    return new BrowserWorker(
      child,
      server,
      connection,
      jobFile,
      job,
      options.logger,
    );
  }

  private constructor(
    child: PipelineSandboxProcess,
    server: net.Server,
    commands: Promise<net.Socket | undefined>,
    jobFile: string,
    job: WorkerJob,
    logger: LoggerService,
  ) {
    this.#process = child;
    this.#commands = commands;
    const secretValues = Object.values(job.secrets).filter(v => v.length > 0);
    const mask = (text: string) => {
      let masked = text;
      for (const value of secretValues) {
        masked = masked.split(value).join('***');
      }
      return masked;
    };
    // Holds secret values: gone once the worker has read it (first event) or ended.
    let jobFileRemoved = false;
    const removeJobFile = () => {
      if (!jobFileRemoved) {
        jobFileRemoved = true;
        fs.rm(jobFile, { force: true }).catch(error =>
          logger.warn(
            `Could not remove the browser worker's job file: ${error}`,
          ),
        );
      }
    };

    let stderrTail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(
        -STDERR_TAIL_CHARS * 2,
      );
    });

    const stdoutDone = new Promise<void>(resolve => {
      readLines(
        child.stdout,
        line => {
          let event: WorkerEvent;
          try {
            event = JSON.parse(line);
          } catch {
            logger.warn(
              `The browser worker wrote a line that is not JSON (${line.length} characters)`,
            );
            return;
          }
          removeJobFile();
          this.#dispatch(event);
        },
        resolve,
      );
    });

    commands.then(socket => {
      socket?.on('data', () => {});
      socket?.on('close', () =>
        this.#rejectPending('the browser worker closed its command connection'),
      );
    });

    this.exited = (async () => {
      const exit = await child.exited;
      await stdoutDone;
      removeJobFile();
      if (server.listening) {
        // The worker never connected (it failed early): stop waiting for it.
        server.close();
      }
      (await commands)?.destroy();
      const tail = mask(stderrTail).slice(-STDERR_TAIL_CHARS);
      this.#rejectPending(
        `the browser worker exited (code ${exit.exitCode})${
          tail ? `: ${lastLine(tail)}` : ''
        }`,
      );
      this.#ended = true;
      this.#wake?.();
      return {
        exitCode: exit.exitCode,
        stderrTail: tail,
        ...(exit.limitExceeded
          ? { limitExceeded: exit.limitExceeded.message }
          : {}),
      };
    })();
  }

  /**
   * Every event, in order, until the worker exits. One consumer only; events that arrive
   * before iteration starts are kept.
   */
  get events(): AsyncIterable<WorkerEvent> {
    if (this.#iterated) {
      throw new Error('BrowserWorker.events can only be iterated once');
    }
    this.#iterated = true;
    return { [Symbol.asyncIterator]: () => this.#iterate() };
  }

  async *#iterate(): AsyncGenerator<WorkerEvent> {
    for (;;) {
      const event = this.#queue.shift();
      if (event) {
        yield event;
      } else if (this.#ended) {
        return;
      } else {
        await new Promise<void>(resolve => (this.#wake = resolve));
        this.#wake = undefined;
      }
    }
  }

  /** Calls `listener` for every event from now on; returns a function that stops it. */
  on(listener: (event: WorkerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Sends a command; resolves on its `ok` reply, rejects with the reply's error. */
  async send(command: BrowserWorkerCommand): Promise<void> {
    if (this.#ended) {
      throw new Error('the browser worker has exited');
    }
    const socket = await this.#commands;
    if (!socket || socket.destroyed) {
      throw new Error('the browser worker is not connected');
    }
    const id = this.#nextId++;
    const reply = new Promise<void>((resolve, reject) =>
      this.#pendingReplies.set(id, { resolve, reject }),
    );
    socket.write(`${JSON.stringify({ ...command, id })}\n`);
    return reply;
  }

  /** Asks the worker to stop: it closes the browser and the web server, then exits. */
  terminate(): void {
    this.#process.terminate();
  }

  /** Ends the sandbox at once. */
  kill(): void {
    this.#process.kill();
  }

  #dispatch(event: WorkerEvent) {
    if (event.type === 'reply') {
      const pending = this.#pendingReplies.get(event.id);
      if (pending) {
        this.#pendingReplies.delete(event.id);
        if (event.ok) {
          pending.resolve();
        } else {
          pending.reject(new Error(event.error));
        }
      }
    }
    for (const listener of this.#listeners) {
      listener(event);
    }
    if (this.#iterated) {
      this.#queue.push(event);
      this.#wake?.();
    } else if (this.#listeners.size === 0) {
      // Nobody listens yet: keep events for a later `events` iteration.
      this.#queue.push(event);
    }
  }

  #rejectPending(message: string) {
    for (const [id, pending] of this.#pendingReplies) {
      this.#pendingReplies.delete(id);
      pending.reject(new Error(message));
    }
  }
}

/**
 * Splits a stream into lines without a size limit per line (frames are multi-megabyte
 * lines) and without decoding a multi-byte character split across chunks wrongly.
 */
function readLines(
  stream: NodeJS.ReadableStream,
  onLine: (line: string) => void,
  onEnd: () => void,
) {
  let chunks: Buffer[] = [];
  stream.on('data', (data: Buffer) => {
    let start = 0;
    for (;;) {
      const newline = data.indexOf(10, start);
      if (newline < 0) break;
      chunks.push(data.subarray(start, newline));
      const line = Buffer.concat(chunks).toString('utf8');
      chunks = [];
      start = newline + 1;
      if (line.trim()) {
        onLine(line);
      }
    }
    if (start < data.length) {
      chunks.push(data.subarray(start));
    }
  });
  stream.on('end', () => {
    const rest = Buffer.concat(chunks).toString('utf8');
    if (rest.trim()) {
      onLine(rest);
    }
    onEnd();
  });
  stream.on('error', () => onEnd());
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1];
}

function unique(paths: string[]): string[] {
  return [...new Set(paths.map(p => path.resolve(p)))];
}

/** The folders of the modules the worker `require`s, resolved from this package. */
export function workerModules(): WorkerModules {
  const folder = (name: string) =>
    path.dirname(require.resolve(`${name}/package.json`));
  return {
    playwrightCore: folder('playwright-core'),
    pixelmatch: folder('pixelmatch'),
    pngjs: folder('pngjs'),
  };
}

const CHROMIUM_CANDIDATES = [
  '/usr/lib/chromium/chromium',
  '/usr/lib/chromium-browser/chromium-browser',
];

/**
 * The Chromium binary itself (Debian's `/usr/bin/chromium` is a shell wrapper that the
 * sandbox's minimal filesystem cannot run), or why there is none.
 */
export function findChromium(
  configured?: string,
): { path: string } | { reason: string } {
  if (configured) {
    return existsSync(configured)
      ? { path: configured }
      : {
          reason: `Chromium was not found at ${configured} (testRecorder.chromiumPath)`,
        };
  }
  const found = CHROMIUM_CANDIDATES.find(candidate => existsSync(candidate));
  return found
    ? { path: found }
    : {
        reason: `Chromium is not installed (looked for ${CHROMIUM_CANDIDATES.join(
          ', ',
        )}): apt-get install chromium, or set testRecorder.chromiumPath`,
      };
}

/** ffmpeg for run videos, or why there is none (runs then have no video). */
export function findFfmpeg(
  configured?: string,
): { path: string } | { reason: string } {
  if (configured) {
    return existsSync(configured)
      ? { path: configured }
      : {
          reason: `ffmpeg was not found at ${configured} (testRecorder.ffmpegPath)`,
        };
  }
  for (const dir of ['/usr/bin', '/usr/local/bin']) {
    const candidate = path.join(dir, 'ffmpeg');
    if (existsSync(candidate)) {
      return { path: candidate };
    }
  }
  return { reason: 'ffmpeg is not installed: apt-get install ffmpeg' };
}
