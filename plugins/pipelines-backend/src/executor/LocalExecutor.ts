import { ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { accessSync, constants as fsConstants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  type PipelineExecutor,
  type PipelineSandboxService,
  type PipelineScriptRequest,
  type PipelineScriptResult,
  type PipelineWorkspace,
  type PipelineWorkspaceRequest,
  GitCheckout,
  GitRemotePolicy,
  isProcessGroupAlive,
  signalProcessGroup,
} from '@internal/plugin-pipelines-node';
import { LogLineSplitter } from '../logs/LogLineSplitter';

export type LocalExecutorOptions = {
  /** Where workspaces are created: `<workspaceRoot>/<runId>/<jobRunId>-<random>`. */
  workspaceRoot: string;
  logger: LoggerService;
  /** How long a step has after SIGTERM before its process group is SIGKILLed. */
  killGracePeriodMs?: number;
  /** The limit for each git command of the checkout. */
  gitTimeoutMs?: number;
  /**
   * Which repositories may be checked out (`pipelines.git.allowedHosts`, after
   * `pipelines.gitUrlRewrites`). Default: none.
   */
  gitRemotePolicy?: GitRemotePolicy;
  /**
   * Where steps run (`pipelineSandboxServiceRef`). Required unless `unsandboxed` is set; see
   * `resolveStepSandbox`, which decides between them from config.
   */
  sandbox?: PipelineSandboxService;
  /** Run steps as plain child processes of the backend (`pipelines.localExecutor.unsandboxed`). */
  unsandboxed?: boolean;
  /** `pipelines.sandbox.allowedEgress`: what sandboxed steps may reach through the proxy. */
  allowedEgress?: string[];
};

const DEFAULT_KILL_GRACE_PERIOD_MS = 10_000;
const DEFAULT_GIT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';
/** setTimeout's maximum; longer delays fire immediately. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** How long to wait for stdout/stderr to close after the step and its group are gone. */
const STREAM_CLOSE_SLACK_MS = 2_000;

/**
 * Runs steps as child processes on the backend's machine.
 *
 * - A workspace is a shallow checkout of one commit in
 *   `<workspaceRoot>/<runId>/<jobRunId>-<random>`.
 * - A step's script is written to a private temp file and run with `bash`; its environment is
 *   exactly the step's `env` plus `PATH` and `HOME` (a per-job home next to the workspace,
 *   shared by the job's steps) — nothing else of the backend's environment.
 * - Each step runs in the step sandbox (`pipelineSandboxServiceRef`: its own user and
 *   namespaces, only the workspace and HOME writable, no network but allowlisted egress), or,
 *   only with `pipelines.localExecutor.unsandboxed`, as a plain child process of the backend.
 * - Each step runs in its own process group. On cancel or timeout the whole group gets SIGTERM,
 *   then SIGKILL after the grace period. Processes a step leaves behind when it exits are
 *   terminated the same way, so no step outlives its result.
 */
export class LocalExecutor implements PipelineExecutor {
  readonly id = 'local';

  readonly #root: string;
  readonly #logger: LoggerService;
  readonly #graceMs: number;
  readonly #gitTimeoutMs: number;
  readonly #gitRemotePolicy: GitRemotePolicy;
  readonly #bash: string;
  readonly #sandbox?: PipelineSandboxService;
  readonly #allowedEgress: string[];
  /** Per-workspace HOME directories for workspaces outside the workspace root. */
  readonly #externalHomes = new Map<string, Promise<string>>();

  static create(options: LocalExecutorOptions): LocalExecutor {
    return new LocalExecutor(options);
  }

  private constructor(options: LocalExecutorOptions) {
    if (!options.workspaceRoot) {
      throw new Error('LocalExecutor needs a workspaceRoot');
    }
    this.#root = path.resolve(options.workspaceRoot);
    this.#logger = options.logger;
    this.#graceMs = nonNegative(
      options.killGracePeriodMs,
      DEFAULT_KILL_GRACE_PERIOD_MS,
    );
    this.#gitTimeoutMs = nonNegative(
      options.gitTimeoutMs,
      DEFAULT_GIT_TIMEOUT_MS,
    );
    this.#gitRemotePolicy = options.gitRemotePolicy ?? GitRemotePolicy.create();
    this.#bash = findExecutable('bash') ?? 'bash';
    if (!options.sandbox && !options.unsandboxed) {
      throw new Error(
        'LocalExecutor needs a sandbox for steps, or unsandboxed: true (pipelines.localExecutor.unsandboxed)',
      );
    }
    this.#sandbox = options.sandbox;
    this.#allowedEgress = options.allowedEgress ?? [];
  }

  async prepareWorkspace(
    request: PipelineWorkspaceRequest,
  ): Promise<PipelineWorkspace> {
    const { runId, jobRunId, repositoryUrl, ref } = request;
    // Checked before anything is created: URL, ref and the allowed hosts (src/git/checkout.ts)
    const checkout = GitCheckout.prepare({
      repositoryUrl,
      ref,
      remotePolicy: this.#gitRemotePolicy,
    });

    const runDir = path.join(this.#root, sanitizePathSegment(runId));
    await fs.mkdir(runDir, { recursive: true });
    const dir = await fs.mkdtemp(
      path.join(runDir, `${sanitizePathSegment(jobRunId)}-`),
    );
    const source = checkout.source;

    try {
      const commit = await checkout.into(dir, {
        timeoutMs: this.#gitTimeoutMs,
        signal: request.signal,
      });
      this.#logger.debug(`Checked out ${source} (${commit}) in ${dir}`);
      return { dir, commit };
    } catch (error) {
      await this.#removeWorkspaceDirs(dir).catch(cleanupError =>
        this.#logger.warn(
          `Could not remove the failed workspace ${dir}: ${String(
            cleanupError,
          )}`,
        ),
      );
      throw error;
    }
  }

  async runScript(
    request: PipelineScriptRequest,
  ): Promise<PipelineScriptResult> {
    const { workspace, script, env, signal } = request;
    validateEnv(env);
    const cwd = path.resolve(workspace.dir);
    const stat = await fs.stat(cwd).catch(() => undefined);
    if (!stat?.isDirectory()) {
      throw new Error(`The workspace ${cwd} does not exist`);
    }
    if (signal.aborted) {
      return { exitCode: null, terminatedBy: 'cancel' };
    }

    const home = await this.#homeFor(cwd);
    const scriptDir = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-step-'));
    try {
      await fs.chmod(scriptDir, 0o700);
      const scriptFile = path.join(scriptDir, 'step.sh');
      await fs.writeFile(scriptFile, `set -eo pipefail\n${script}\n`, {
        mode: 0o700,
        flag: 'wx',
      });
      const childEnv: Record<string, string> = {
        ...env,
        PATH: env.PATH ?? process.env.PATH ?? DEFAULT_PATH,
        HOME: env.HOME ?? home,
      };
      if (this.#sandbox) {
        return await this.#runSandboxed(this.#sandbox, {
          scriptFile,
          scriptDir,
          cwd,
          home: childEnv.HOME === home ? home : undefined,
          env: childEnv,
          request,
        });
      }
      return await this.#run(scriptFile, cwd, childEnv, request);
    } finally {
      await fs
        .rm(scriptDir, { recursive: true, force: true })
        .catch(error =>
          this.#logger.warn(
            `Could not remove the step's script directory ${scriptDir}: ${String(
              error,
            )}`,
          ),
        );
    }
  }

  async collectArtifacts(
    workspace: PipelineWorkspace,
    paths: string[],
    targetDir: string,
  ): Promise<string[]> {
    const dir = path.resolve(workspace.dir);
    // Validate everything before copying anything.
    const entries = paths.map(original => ({
      original,
      relative: validateArtifactPath(original),
    }));
    const realDir = await fs.realpath(dir);
    const target = path.resolve(targetDir);
    const copied: string[] = [];

    for (const { original, relative } of entries) {
      let source: string;
      try {
        source = await fs.realpath(path.join(dir, relative));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          continue; // missing (or a dangling symlink): the caller reports it
        }
        throw error;
      }
      if (!isInside(realDir, source, true)) {
        throw new Error(
          `Artifact path ${JSON.stringify(
            original,
          )} resolves outside the workspace`,
        );
      }
      const destination = path.join(target, relative);
      await fs.mkdir(path.dirname(destination), { recursive: true });
      await fs.cp(source, destination, {
        recursive: true,
        force: true,
        verbatimSymlinks: true,
        // Symlinks are copied as links, and only when they point inside the workspace.
        filter: async src => {
          const linkStat = await fs.lstat(src);
          if (!linkStat.isSymbolicLink()) {
            return true;
          }
          const resolved = await fs.realpath(src).catch(() => undefined);
          return resolved !== undefined && isInside(realDir, resolved, true);
        },
      });
      copied.push(original);
    }
    return copied;
  }

  async cleanupWorkspace(workspace: PipelineWorkspace): Promise<void> {
    const dir = path.resolve(workspace.dir);
    const external = this.#externalHomes.get(dir);
    if (external) {
      this.#externalHomes.delete(dir);
      await removeTree(await external.catch(() => ''));
    }
    if (!this.#isManagedWorkspace(dir)) {
      throw new Error(
        `Refusing to remove ${dir}: it is not a workspace under ${this.#root}`,
      );
    }
    await this.#removeWorkspaceDirs(dir);
  }

  /** Removes a workspace, its HOME, and its run directory when that is left empty. */
  async #removeWorkspaceDirs(dir: string): Promise<void> {
    await removeTree(dir);
    await removeTree(homeDirFor(dir));
    const runDir = path.dirname(dir);
    if (isInside(this.#root, runDir, false)) {
      await fs.rmdir(runDir).catch(() => {
        // not empty (other jobs of the run), or already gone
      });
    }
  }

  #isManagedWorkspace(dir: string): boolean {
    const relative = path.relative(this.#root, dir);
    const segments = relative.split(path.sep);
    return (
      isInside(this.#root, dir, false) &&
      segments.length === 2 &&
      !segments.includes('..')
    );
  }

  /** HOME for the steps of a job: next to its workspace, or a temp dir for foreign ones. */
  async #homeFor(dir: string): Promise<string> {
    if (this.#isManagedWorkspace(dir)) {
      const home = homeDirFor(dir);
      await fs.mkdir(home, { recursive: true, mode: 0o700 });
      return home;
    }
    let home = this.#externalHomes.get(dir);
    if (!home) {
      home = fs.mkdtemp(path.join(os.tmpdir(), 'comet-home-'));
      this.#externalHomes.set(dir, home);
      home.catch(() => this.#externalHomes.delete(dir));
    }
    return home;
  }

  /**
   * Runs the script in the sandbox: only the workspace and the job's HOME are writable, the
   * script's private dir is read-only, and the network is off unless
   * `pipelines.sandbox.allowedEgress` lists hosts. Cancel and timeout send SIGTERM to the
   * step's process group inside the sandbox, and end the whole sandbox after the grace period;
   * the sandbox (and anything a step left running) ends when the script does.
   */
  async #runSandboxed(
    sandbox: PipelineSandboxService,
    options: {
      scriptFile: string;
      scriptDir: string;
      cwd: string;
      home?: string;
      env: Record<string, string>;
      request: PipelineScriptRequest;
    },
  ): Promise<PipelineScriptResult> {
    const { signal, onOutput, timeoutMs } = options.request;
    const logger = this.#logger;
    const child = await sandbox.spawn({
      // The sandbox has /usr and its /bin link, not the backend's PATH directories.
      command: '/bin/bash',
      args: [options.scriptFile],
      cwd: options.cwd,
      env: options.env,
      writablePaths: options.home ? [options.cwd, options.home] : [options.cwd],
      privatePaths: [options.scriptDir],
      network:
        this.#allowedEgress.length > 0
          ? { allowedEgress: this.#allowedEgress }
          : 'none',
    });
    const deliver =
      (stream: 'stdout' | 'stderr') => (text: string, continues: boolean) => {
        try {
          onOutput(continues ? { stream, text, continues } : { stream, text });
        } catch (error) {
          logger.warn(`A step output listener threw: ${String(error)}`);
        }
      };
    const stdout = new LogLineSplitter(deliver('stdout'));
    const stderr = new LogLineSplitter(deliver('stderr'));
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));

    let terminatedBy: PipelineScriptResult['terminatedBy'];
    let killTimer: NodeJS.Timeout | undefined;
    let timeoutTimer: NodeJS.Timeout | undefined;
    const terminate = (reason: 'timeout' | 'cancel') => {
      if (terminatedBy) {
        return;
      }
      terminatedBy = reason;
      child.terminate();
      killTimer = setTimeout(() => child.kill(), this.#graceMs);
    };
    const onAbort = () => terminate('cancel');
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) {
      onAbort();
    }
    if (
      timeoutMs !== undefined &&
      Number.isFinite(timeoutMs) &&
      timeoutMs > 0
    ) {
      timeoutTimer = setTimeout(
        () => terminate('timeout'),
        Math.min(timeoutMs, MAX_TIMER_MS),
      );
    }
    try {
      const exit = await child.exited;
      stdout.end();
      stderr.end();
      if (exit.limitExceeded) {
        deliver('stderr')(exit.limitExceeded.message, false);
      }
      return terminatedBy
        ? { exitCode: null, terminatedBy }
        : { exitCode: exit.exitCode };
    } finally {
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  #run(
    scriptFile: string,
    cwd: string,
    env: Record<string, string>,
    request: PipelineScriptRequest,
  ): Promise<PipelineScriptResult> {
    const { signal, onOutput, timeoutMs } = request;
    const logger = this.#logger;
    const graceMs = this.#graceMs;

    return new Promise<PipelineScriptResult>((resolve, reject) => {
      let child: ChildProcessByStdio<null, Readable, Readable>;
      try {
        child = spawn(this.#bash, [scriptFile], {
          cwd,
          env,
          detached: true, // its own process group, so the whole step can be signalled
          stdio: ['ignore', 'pipe', 'pipe'],
          windowsHide: true,
        });
      } catch (error) {
        reject(error);
        return;
      }
      const pgid = child.pid;
      const releaseWatchdog = pgid ? startOrphanWatchdog(pgid) : () => {};
      child.once('exit', () => releaseWatchdog());

      let settled = false;
      let exited = false;
      let terminatedBy: PipelineScriptResult['terminatedBy'];
      let timeoutTimer: NodeJS.Timeout | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      let forceCloseTimer: NodeJS.Timeout | undefined;

      const deliver =
        (stream: 'stdout' | 'stderr') => (text: string, continues: boolean) => {
          try {
            onOutput(
              continues ? { stream, text, continues } : { stream, text },
            );
          } catch (error) {
            logger.warn(`A step output listener threw: ${String(error)}`);
          }
        };
      const stdout = new LogLineSplitter(deliver('stdout'));
      const stderr = new LogLineSplitter(deliver('stderr'));
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));

      const signalGroup = (sig: NodeJS.Signals) => {
        if (pgid === undefined) {
          return;
        }
        try {
          signalProcessGroup(pgid, sig);
        } catch (error) {
          logger.warn(
            `Could not send ${sig} to process group ${pgid}: ${String(error)}`,
          );
        }
      };
      /** SIGTERM now, SIGKILL after the grace period if anything is still alive. */
      const terminateGroup = () => {
        if (killTimer || pgid === undefined) {
          return;
        }
        signalGroup('SIGTERM');
        killTimer = setTimeout(() => {
          if (isProcessGroupAlive(pgid)) {
            logger.debug(
              `Process group ${pgid} outlived the ${graceMs} ms grace period; sending SIGKILL`,
            );
            signalGroup('SIGKILL');
          }
        }, graceMs);
      };
      const terminate = (reason: 'timeout' | 'cancel') => {
        if (exited || terminatedBy) {
          return;
        }
        terminatedBy = reason;
        terminateGroup();
      };
      const onAbort = () => terminate('cancel');
      signal.addEventListener('abort', onAbort, { once: true });
      if (
        timeoutMs !== undefined &&
        Number.isFinite(timeoutMs) &&
        timeoutMs > 0
      ) {
        timeoutTimer = setTimeout(
          () => terminate('timeout'),
          Math.min(timeoutMs, MAX_TIMER_MS),
        );
      }
      const stopWatching = () => {
        clearTimeout(timeoutTimer);
        signal.removeEventListener('abort', onAbort);
      };

      child.on('error', error => {
        if (pgid === undefined && !settled) {
          // bash could not be started at all
          settled = true;
          stopWatching();
          reject(new Error(`Could not start ${this.#bash}: ${error.message}`));
        } else {
          logger.warn(`Step process error: ${error.message}`);
        }
      });

      child.once('exit', () => {
        exited = true;
        stopWatching();
        if (pgid !== undefined && isProcessGroupAlive(pgid)) {
          if (!terminatedBy) {
            logger.info(
              'The step left processes running after it exited; terminating them',
            );
          }
          terminateGroup();
        }
        // Something that escaped the group may still hold stdout/stderr open; do not wait forever.
        forceCloseTimer = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, graceMs + STREAM_CLOSE_SLACK_MS);
      });

      child.once('close', (code: number | null) => {
        clearTimeout(forceCloseTimer);
        void (async () => {
          if (pgid !== undefined && killTimer) {
            const gone = await waitUntil(
              () => !isProcessGroupAlive(pgid),
              graceMs + STREAM_CLOSE_SLACK_MS,
            );
            if (gone) {
              clearTimeout(killTimer);
            } else {
              logger.warn(
                `Processes of group ${pgid} are still alive after SIGKILL`,
              );
            }
          }
          stdout.end();
          stderr.end();
          if (!settled) {
            settled = true;
            resolve(
              terminatedBy
                ? { exitCode: code, terminatedBy }
                : { exitCode: code },
            );
          }
        })();
      });
    });
  }
}

/** A safe single path segment: `test (shard=1)` -> `test_shard_1_`; never `.` or `..`. */
function sanitizePathSegment(value: string): string {
  const cleaned = String(value ?? '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 64);
  return cleaned || '_';
}

function validateEnv(env: Record<string, string>): void {
  for (const [key, value] of Object.entries(env)) {
    if (!key || key.includes('=') || key.includes('\0')) {
      throw new Error(
        `Invalid environment variable name ${JSON.stringify(key)}`,
      );
    }
    if (typeof value !== 'string' || value.includes('\0')) {
      throw new Error(
        `The environment variable ${key} must be a string without NUL characters`,
      );
    }
  }
}

/** A relative path inside the workspace, normalized; throws for absolute and `..` paths. */
function validateArtifactPath(original: string): string {
  if (typeof original !== 'string' || original.trim() === '') {
    throw new Error('Artifact paths must be non-empty');
  }
  if (original.includes('\0')) {
    throw new Error(`Invalid artifact path ${JSON.stringify(original)}`);
  }
  if (path.isAbsolute(original) || path.win32.isAbsolute(original)) {
    throw new Error(
      `Artifact path ${JSON.stringify(
        original,
      )} must be relative to the workspace`,
    );
  }
  if (original.split(/[\\/]+/).includes('..')) {
    throw new Error(
      `Artifact path ${JSON.stringify(original)} must not contain '..'`,
    );
  }
  return path.normalize(original).replace(/[\\/]+$/, '') || '.';
}

/** Whether `child` is inside `parent` (or equal to it when `allowEqual`). */
function isInside(parent: string, child: string, allowEqual: boolean): boolean {
  const relative = path.relative(parent, child);
  if (relative === '') {
    return allowEqual;
  }
  return (
    !relative.startsWith(`..${path.sep}`) &&
    relative !== '..' &&
    !path.isAbsolute(relative)
  );
}

function homeDirFor(workspaceDir: string): string {
  return `${workspaceDir}.home`;
}

/** rm -rf, also for trees with read-only directories (Go's module cache, for one). */
async function removeTree(target: string): Promise<void> {
  if (!target) {
    return;
  }
  try {
    await fs.rm(target, { recursive: true, force: true, maxRetries: 2 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') {
      throw error;
    }
    await makeWritable(target);
    await fs.rm(target, { recursive: true, force: true, maxRetries: 2 });
  }
}

async function makeWritable(dir: string): Promise<void> {
  const stat = await fs.lstat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) {
    return;
  }
  await fs.chmod(dir, 0o700).catch(() => {});
  const entries = await fs.readdir(dir).catch(() => [] as string[]);
  for (const entry of entries) {
    await makeWritable(path.join(dir, entry));
  }
}

function nonNegative(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 0
    ? value
    : fallback;
}

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? DEFAULT_PATH).split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) {
      return false;
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return true;
}

/**
 * A step runs in its own process group, so it would outlive a backend that is killed with
 * SIGKILL and keep running while another replica retries the job. This tiny watchdog (its
 * own process, so it survives the backend) holds a pipe from the backend: when the step ends
 * the backend writes "done" and the watchdog exits; when the backend dies the pipe closes
 * without it, and the watchdog kills the step's whole process group.
 */
function startOrphanWatchdog(pgid: number): () => void {
  try {
    const watchdog = spawn(
      '/bin/sh',
      [
        '-c',
        'read -r line; [ "$line" = done ] || kill -KILL -"$1" 2>/dev/null',
        'comet-step-watchdog',
        String(pgid),
      ],
      {
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
        env: { PATH: '/usr/bin:/bin' },
      },
    );
    watchdog.on('error', () => {});
    watchdog.stdin.on('error', () => {});
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
    return () => {
      watchdog.stdin.end('done\n');
    };
  } catch {
    // Without a watchdog a killed backend may leave the step running; nothing else breaks.
    return () => {};
  }
}
