import { spawn } from 'node:child_process';
import {
  accessSync,
  constants as fsConstants,
  lstatSync,
  readlinkSync,
  realpathSync,
  promises as fs,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import type {
  PipelineSandboxAvailability,
  PipelineSandboxExit,
  PipelineSandboxLimits,
  PipelineSandboxProcess,
  PipelineSandboxService,
  PipelineSandboxSpawnRequest,
} from '../sandbox';
import { parseEgressRule } from './egressPolicy';
import { EgressProxy, EgressResolver } from './EgressProxy';
import { LAUNCHER_SOURCE } from './launcherSource';
import { UidLeases } from './UidLeases';

export type BubblewrapSandboxOptions = {
  logger: LoggerService;
  /** Default: `bwrap` on the backend's PATH, else /usr/bin/bwrap. */
  bwrapPath?: string;
  /** util-linux `setpriv`, used to drop from root to a sandbox uid. Default: on PATH. */
  setprivPath?: string;
  /** The Node that runs the sandbox's launcher. Default: the backend's own. */
  nodePath?: string;
  /** Read-only mounts in every sandbox besides /usr: Node's install dir, and these. */
  readOnlyPaths?: string[];
  /** Default limits; a request's own limits override them. */
  limits?: PipelineSandboxLimits;
  /** When the backend runs as root: sandbox uids `uidBase` to `uidBase + uidCount - 1`. */
  uidBase?: number;
  uidCount?: number;
  /**
   * Where uid leases are kept, shared by every process on the host that runs sandboxes from
   * the same pool. Default: /run/comet-sandbox-uids.
   */
  uidLeaseDir?: string;
  /** Where per-sandbox runtime directories are made. Default: the OS temp dir. */
  runtimeRoot?: string;
  /** How often the size of the writable paths is checked. Default 5 s. */
  writableCheckIntervalMs?: number;
  /**
   * Paths no mount may contain (a mount of a parent would expose them): by default the
   * backend's working directory, the checkout with its config and `.data/`.
   */
  protectedPaths?: string[];
  /** Whether to drop to pool uids; default: when the backend runs as root. */
  dropPrivileges?: boolean;
  /** For tests only: the egress proxy's resolver and address filter. */
  egress?: {
    resolve?: EgressResolver;
    isAddressAllowed?: (address: string) => boolean;
  };
};

const DEFAULT_LIMITS: Required<PipelineSandboxLimits> = {
  memoryMb: 4096,
  processes: 512,
  tmpMb: 1024,
  writableMb: 10240,
};
const DEFAULT_UID_BASE = 61000;
const DEFAULT_UID_COUNT = 64;
const DEFAULT_UID_LEASE_DIR = '/run/comet-sandbox-uids';
const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';
const RUNTIME_MOUNT = '/run/comet-sandbox';
const PROXY_PORT = 3128;
const PROBE_TIMEOUT_MS = 20_000;
/** Host `/etc` entries a toolchain needs; nothing that names the host's users or secrets. */
const ETC_ENTRIES = [
  'alternatives',
  'ca-certificates',
  'ca-certificates.conf',
  'ssl',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'localtime',
  'timezone',
  'mime.types',
  'nsswitch.conf',
  'protocols',
  'services',
  'os-release',
  'debian_version',
  'bash.bashrc',
  'profile',
  'inputrc',
  'terminfo',
  'java-17-openjdk',
  'python3',
  'python3.11',
  'perl',
];
const ROOT_LINKS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

/**
 * Runs commands in a Bubblewrap sandbox:
 *
 * - new user, mount, PID, network, IPC, UTS and cgroup namespaces (`--unshare-all`); no
 *   nested user namespaces; a fresh /proc that shows only the sandbox's processes; the
 *   sandbox ends with its first process and with the backend (`--die-with-parent`);
 * - a filesystem of /usr (and its /bin, /lib links), a few /etc files, Node's install dir,
 *   the request's paths, a private /tmp (tmpfs) and /dev; nothing else of the host;
 * - when the backend runs as root, each sandbox runs as its own uid from a pool (so
 *   RLIMIT_NPROC is per sandbox and sandboxes cannot touch each other's files); otherwise as
 *   the backend's uid mapped into the user namespace;
 * - no network, or only an allowlisted egress proxy reached through a Unix socket.
 */
export class BubblewrapSandbox implements PipelineSandboxService {
  readonly #logger: LoggerService;
  readonly #bwrap: string;
  readonly #setpriv: string;
  readonly #node: string;
  readonly #readOnlyPaths: string[];
  readonly #limits: Required<PipelineSandboxLimits>;
  readonly #uidBase: number;
  readonly #uidCount: number;
  readonly #runtimeRoot: string;
  readonly #checkIntervalMs: number;
  readonly #protected: string[];
  readonly #dropPrivileges: boolean;
  readonly #egress: BubblewrapSandboxOptions['egress'];
  readonly #uidLeases: UidLeases;
  #probe?: Promise<PipelineSandboxAvailability>;

  static fromConfig(
    config: RootConfigService,
    options: Omit<
      BubblewrapSandboxOptions,
      'limits' | 'uidBase' | 'uidCount' | 'readOnlyPaths'
    >,
  ): BubblewrapSandbox {
    const sandbox = config.getOptionalConfig('pipelines.sandbox');
    const mb = (key: string) => {
      const value = sandbox?.getOptionalNumber(key);
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
        throw new Error(
          `pipelines.sandbox.${key} must be a positive number, got ${value}`,
        );
      }
      return value;
    };
    for (const entry of sandbox?.getOptionalStringArray('allowedEgress') ??
      []) {
      parseEgressRule(entry, 'pipelines.sandbox.allowedEgress');
    }
    return new BubblewrapSandbox({
      ...options,
      bwrapPath: options.bwrapPath ?? sandbox?.getOptionalString('bwrapPath'),
      readOnlyPaths: sandbox?.getOptionalStringArray('readOnlyPaths'),
      uidBase: sandbox?.getOptionalNumber('uidBase'),
      uidCount: sandbox?.getOptionalNumber('uidCount'),
      limits: {
        memoryMb: mb('maxMemoryMb'),
        processes: mb('maxProcesses'),
        tmpMb: mb('maxTmpMb'),
        writableMb: mb('maxWorkspaceMb'),
      },
    });
  }

  constructor(options: BubblewrapSandboxOptions) {
    this.#logger = options.logger;
    this.#bwrap =
      options.bwrapPath ?? findExecutable('bwrap') ?? '/usr/bin/bwrap';
    this.#setpriv =
      options.setprivPath ?? findExecutable('setpriv') ?? '/usr/bin/setpriv';
    this.#node = options.nodePath ?? process.execPath;
    this.#protected = (options.protectedPaths ?? [process.cwd()]).map(p =>
      path.resolve(p),
    );
    const nodeInstall = path.dirname(path.dirname(realpath(this.#node)));
    this.#readOnlyPaths = unique([
      ...(isInside('/usr', nodeInstall) ? [] : [nodeInstall]),
      ...(options.readOnlyPaths ?? []).map(p => path.resolve(p)),
    ]);
    for (const mount of this.#readOnlyPaths) {
      this.#checkMountable(mount, 'pipelines.sandbox.readOnlyPaths');
    }
    this.#limits = {
      memoryMb: options.limits?.memoryMb ?? DEFAULT_LIMITS.memoryMb,
      processes: options.limits?.processes ?? DEFAULT_LIMITS.processes,
      tmpMb: options.limits?.tmpMb ?? DEFAULT_LIMITS.tmpMb,
      writableMb: options.limits?.writableMb ?? DEFAULT_LIMITS.writableMb,
    };
    this.#uidBase = options.uidBase ?? DEFAULT_UID_BASE;
    this.#uidCount = options.uidCount ?? DEFAULT_UID_COUNT;
    if (
      !Number.isInteger(this.#uidBase) ||
      this.#uidBase < 1000 ||
      !Number.isInteger(this.#uidCount) ||
      this.#uidCount < 1
    ) {
      throw new Error(
        `pipelines.sandbox.uidBase must be an integer >= 1000 and uidCount >= 1, got ${
          this.#uidBase
        } and ${this.#uidCount}`,
      );
    }
    this.#uidLeases = new UidLeases(
      options.uidLeaseDir ?? DEFAULT_UID_LEASE_DIR,
    );
    this.#runtimeRoot = options.runtimeRoot ?? os.tmpdir();
    this.#checkIntervalMs = options.writableCheckIntervalMs ?? 5_000;
    this.#dropPrivileges = options.dropPrivileges ?? process.getuid?.() === 0;
    this.#egress = options.egress;
  }

  describe(): string {
    const limits = this.#limits;
    return (
      `bubblewrap (${this.#bwrap}); ${
        this.#dropPrivileges
          ? `uids ${this.#uidBase}-${this.#uidBase + this.#uidCount - 1}`
          : `the backend's uid in a user namespace`
      }; memory ${limits.memoryMb} MiB per process, ${
        this.#dropPrivileges ? `${limits.processes} processes, ` : ''
      }/tmp ${limits.tmpMb} MiB, writable paths ${limits.writableMb} MiB; ` +
      `read-only: /usr${this.#readOnlyPaths.map(p => `, ${p}`).join('')}`
    );
  }

  available(): Promise<PipelineSandboxAvailability> {
    this.#probe ??= this.#runProbe();
    return this.#probe;
  }

  async #runProbe(): Promise<PipelineSandboxAvailability> {
    try {
      accessSync(this.#bwrap, fsConstants.X_OK);
    } catch {
      return {
        available: false,
        reason: `bubblewrap was not found at ${
          this.#bwrap
        } (install the Debian/Ubuntu package "bubblewrap")`,
      };
    }
    const probeDir = await fs.mkdtemp(
      path.join(this.#runtimeRoot, 'comet-sandbox-probe-'),
    );
    try {
      const child = await this.spawn({
        command: '/bin/sh',
        args: ['-c', 'echo probe > probe.txt'],
        cwd: probeDir,
        env: { PATH: SANDBOX_PATH },
        writablePaths: [probeDir],
      });
      let output = '';
      child.stdout.on('data', d => (output += String(d)));
      child.stderr.on('data', d => (output += String(d)));
      const timer = setTimeout(() => child.kill(), PROBE_TIMEOUT_MS);
      const exit = await child.exited;
      clearTimeout(timer);
      const written = await fs
        .readFile(path.join(probeDir, 'probe.txt'), 'utf8')
        .catch(() => '');
      if (exit.exitCode !== 0 || written.trim() !== 'probe') {
        return {
          available: false,
          reason: `a test command in the sandbox failed (exit ${
            exit.exitCode
          }): ${output.trim().slice(0, 500) || 'no output'}`,
        };
      }
      return { available: true };
    } catch (error) {
      return {
        available: false,
        reason: `the sandbox could not be started: ${(error as Error).message}`,
      };
    } finally {
      await fs.rm(probeDir, { recursive: true, force: true });
    }
  }

  async spawn(
    request: PipelineSandboxSpawnRequest,
  ): Promise<PipelineSandboxProcess> {
    const writable = unique(request.writablePaths.map(p => path.resolve(p)));
    const readOnly = unique((request.readOnlyPaths ?? []).map(resolvePath));
    const privatePaths = unique((request.privatePaths ?? []).map(resolvePath));
    for (const mount of [...writable, ...readOnly, ...privatePaths]) {
      this.#checkMountable(mount, 'a sandbox mount');
      await fs.stat(mount).catch(() => {
        throw new Error(`The sandbox mount ${mount} does not exist`);
      });
    }
    for (const mount of [...writable, ...privatePaths]) {
      await this.#checkHandable(mount);
    }
    const cwd = path.resolve(request.cwd);
    if (
      ![...writable, ...readOnly, ...privatePaths].some(m => isInside(m, cwd))
    ) {
      throw new Error(
        `The sandbox's working directory ${cwd} is not inside one of its mounts`,
      );
    }
    validateEnv(request.env);
    const limits = { ...this.#limits, ...definedOnly(request.limits ?? {}) };
    const egress =
      request.network && request.network !== 'none'
        ? request.network.allowedEgress.map(entry =>
            parseEgressRule(entry, 'allowedEgress'),
          )
        : undefined;

    const uid = this.#dropPrivileges
      ? await this.#uidLeases.acquire(this.#uidBase, this.#uidCount)
      : process.getuid!();
    const gid = this.#dropPrivileges ? uid : process.getgid!();
    let runtimeDir: string | undefined;
    let proxy: EgressProxy | undefined;
    const release = async () => {
      await proxy?.close().catch(() => {});
      if (runtimeDir) {
        await fs.rm(runtimeDir, { recursive: true, force: true });
      }
      if (this.#dropPrivileges) {
        await this.#uidLeases.release(uid);
      }
    };

    try {
      runtimeDir = await fs.mkdtemp(
        path.join(this.#runtimeRoot, 'comet-sandbox-'),
      );
      await fs.writeFile(path.join(runtimeDir, 'launcher.js'), LAUNCHER_SOURCE);
      await fs.writeFile(
        path.join(runtimeDir, 'passwd'),
        `root:x:0:0:root:/root:/usr/sbin/nologin\ncomet:x:${uid}:${gid}:Comet sandbox:/tmp:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
      );
      await fs.writeFile(
        path.join(runtimeDir, 'group'),
        `root:x:0:\ncomet:x:${gid}:\nnogroup:x:65534:\n`,
      );
      await fs.writeFile(
        path.join(runtimeDir, 'hosts'),
        '127.0.0.1 localhost\n::1 localhost\n',
      );
      if (egress) {
        proxy = await EgressProxy.listen(path.join(runtimeDir, 'proxy.sock'), {
          rules: egress,
          logger: this.#logger,
          resolve: this.#egress?.resolve,
          isAddressAllowed: this.#egress?.isAddressAllowed,
        });
      }
      if (this.#dropPrivileges) {
        for (const dir of [runtimeDir, ...writable, ...privatePaths]) {
          await chownTree(dir, uid, gid);
        }
      }
      await fs.chmod(runtimeDir, 0o700);
    } catch (error) {
      await release();
      throw error;
    }

    const bwrapArgs = this.#bwrapArgs({
      uid,
      gid,
      cwd,
      writable,
      readOnly: [...readOnly, ...privatePaths],
      runtimeDir,
      tmpMb: limits.tmpMb,
    });
    const command = this.#bwrap;
    const args = bwrapArgs;

    const env: Record<string, string> = { ...request.env };
    if (egress) {
      const proxyUrl = `http://127.0.0.1:${PROXY_PORT}`;
      for (const name of ['HTTP_PROXY', 'HTTPS_PROXY']) {
        env[name] = proxyUrl;
        env[name.toLowerCase()] = proxyUrl;
      }
      env.NO_PROXY = env.no_proxy = 'localhost,127.0.0.1,::1';
      // Node's own fetch honours the proxy variables only when asked to
      env.NODE_USE_ENV_PROXY = '1';
    }
    const processLimits: Record<string, number> = {
      data: limits.memoryMb * 1024 * 1024,
      fsize: limits.writableMb * 1024 * 1024,
    };
    if (this.#dropPrivileges) {
      processLimits.nproc = limits.processes;
    }

    let child;
    try {
      child = spawn(command, args, {
        cwd: '/',
        // Only what bwrap needs: the sandbox's first process shows this in /proc/1/environ.
        env: { PATH: SANDBOX_PATH },
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      await release();
      throw error;
    }
    child.stdin.on('error', () => {});
    child.stdin.write(
      `${JSON.stringify({
        command: request.command,
        args: request.args,
        cwd,
        env,
        limits: processLimits,
        proxySocket: egress ? `${RUNTIME_MOUNT}/proxy.sock` : undefined,
        proxyPort: PROXY_PORT,
      })}\n`,
    );

    let limitExceeded: PipelineSandboxExit['limitExceeded'];
    const killGroup = () => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    };
    const watcher =
      writable.length > 0
        ? startSizeWatch(
            writable,
            limits.writableMb * 1024 * 1024,
            this.#checkIntervalMs,
            size => {
              limitExceeded = {
                limit: 'writableMb',
                message: `The sandbox was stopped: its writable paths grew to ${Math.round(
                  size / 1024 / 1024,
                )} MiB, over the limit of ${
                  limits.writableMb
                } MiB (pipelines.sandbox.maxWorkspaceMb)`,
              };
              killGroup();
            },
          )
        : () => {};

    const exited = new Promise<PipelineSandboxExit>(resolve => {
      let startError: Error | undefined;
      child.once('error', error => {
        startError = error;
      });
      child.once('close', (code: number | null) => {
        watcher();
        child.stdin.destroy();
        void release()
          .catch(error =>
            this.#logger.warn(
              `Could not clean up after a sandbox: ${String(error)}`,
            ),
          )
          .then(() => {
            if (startError) {
              this.#logger.warn(
                `Could not start the sandbox (${command}): ${startError.message}`,
              );
            }
            resolve(
              limitExceeded
                ? { exitCode: null, limitExceeded }
                : { exitCode: startError ? null : code },
            );
          });
      });
    });

    return {
      stdout: child.stdout,
      stderr: child.stderr,
      terminate: () => {
        if (child.stdin.writable) {
          child.stdin.write('TERM\n');
        }
      },
      kill: killGroup,
      exited,
    };
  }

  #bwrapArgs(options: {
    uid: number;
    gid: number;
    cwd: string;
    writable: string[];
    readOnly: string[];
    runtimeDir: string;
    tmpMb: number;
  }): string[] {
    // As root, bwrap sets the sandbox up with root's access to the mount sources and no user
    // namespace; setpriv then drops to the sandbox's uid with no capabilities at all, so the
    // step is that uid on the host too. Otherwise the backend's uid is mapped into a user
    // namespace.
    const args = this.#dropPrivileges
      ? [
          '--unshare-ipc',
          '--unshare-pid',
          '--unshare-net',
          '--unshare-uts',
          '--unshare-cgroup-try',
          '--cap-add',
          'CAP_SETUID',
          '--cap-add',
          'CAP_SETGID',
        ]
      : [
          '--unshare-all',
          '--unshare-user',
          '--disable-userns',
          '--uid',
          String(options.uid),
          '--gid',
          String(options.gid),
        ];
    args.push(
      '--die-with-parent',
      '--new-session',
      '--hostname',
      'comet-sandbox',
      '--ro-bind',
      '/usr',
      '/usr',
    );
    for (const name of ROOT_LINKS) {
      const hostPath = `/${name}`;
      const stat = lstatSafe(hostPath);
      if (stat?.isSymbolicLink()) {
        args.push('--symlink', readlinkSync(hostPath), hostPath);
      } else if (stat?.isDirectory()) {
        args.push('--ro-bind', hostPath, hostPath);
      }
    }
    for (const name of ETC_ENTRIES) {
      args.push('--ro-bind-try', `/etc/${name}`, `/etc/${name}`);
    }
    for (const name of ['passwd', 'group', 'hosts']) {
      args.push(
        '--ro-bind',
        path.join(options.runtimeDir, name),
        `/etc/${name}`,
      );
    }
    args.push(
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--perms',
      '1777',
      '--size',
      String(options.tmpMb * 1024 * 1024),
      '--tmpfs',
      '/tmp',
      '--ro-bind',
      options.runtimeDir,
      RUNTIME_MOUNT,
    );
    // Parents before children, so a child mount is not hidden by its parent's.
    const mounts = [
      ...this.#readOnlyPaths.map(p => ({ p, rw: false })),
      ...options.readOnly.map(p => ({ p, rw: false })),
      ...options.writable.map(p => ({ p, rw: true })),
    ].sort((a, b) => a.p.split('/').length - b.p.split('/').length);
    for (const { p, rw } of mounts) {
      args.push(rw ? '--bind' : '--ro-bind', p, p);
    }
    if (this.#dropPrivileges) {
      // The directories bwrap made for the mounts copy their host modes; open them for the
      // sandbox's uid (they are on the sandbox's own tmpfs, never a host directory).
      const mounted = ['/usr', RUNTIME_MOUNT, ...mounts.map(m => m.p)];
      const parents = new Set<string>();
      const targets = [
        ...mounts.map(m => m.p),
        '/etc/passwd',
        `${RUNTIME_MOUNT}/launcher.js`,
      ];
      for (const p of targets) {
        for (let dir = path.dirname(p); dir !== '/'; dir = path.dirname(dir)) {
          if (dir !== '/tmp' && !mounted.some(m => isInside(m, dir))) {
            parents.add(dir);
          }
        }
      }
      for (const dir of [...parents].sort()) {
        args.push('--chmod', '0755', dir);
      }
    }
    args.push('--remount-ro', '/', '--chdir', options.cwd, '--');
    if (this.#dropPrivileges) {
      args.push(
        this.#setpriv,
        `--reuid=${options.uid}`,
        `--regid=${options.gid}`,
        '--clear-groups',
        '--inh-caps=-all',
        '--bounding-set=-all',
        '--',
      );
    }
    args.push(this.#node, `${RUNTIME_MOUNT}/launcher.js`);
    return args;
  }

  #checkMountable(mount: string, what: string) {
    if (!path.isAbsolute(mount)) {
      throw new Error(`${what} must be an absolute path, got ${mount}`);
    }
    for (const protectedPath of this.#protected) {
      if (isInside(mount, protectedPath)) {
        throw new Error(
          `${what} ${mount} would expose ${protectedPath} (the backend's working directory, with its config and data) to sandboxed code`,
        );
      }
    }
  }

  /**
   * Writable and private paths are handed to the sandbox's uid (chown -R as root): only a
   * directory of the caller's own, never a shared or system one such as /tmp or /home.
   */
  async #checkHandable(mount: string) {
    const stat = await fs.stat(mount);
    const shared = (stat.mode & 0o1000) !== 0 || (stat.mode & 0o002) !== 0;
    if (
      mount.split('/').filter(Boolean).length < 2 ||
      isInside(mount, this.#runtimeRoot) ||
      (stat.isDirectory() && shared)
    ) {
      throw new Error(
        `The sandbox cannot be given ${mount}: writable and private paths must be directories of their own, not a shared or system directory`,
      );
    }
  }
}

function startSizeWatch(
  paths: string[],
  maxBytes: number,
  intervalMs: number,
  onExceeded: (size: number) => void,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const isStopped = () => stopped;
  const check = async () => {
    let total = 0;
    const seen = new Set<string>();
    for (const root of paths) {
      total += await treeSize(root, seen, isStopped);
    }
    if (stopped) {
      return;
    }
    if (total > maxBytes) {
      onExceeded(total);
      return;
    }
    timer = setTimeout(() => void check(), intervalMs);
  };
  timer = setTimeout(() => void check(), intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

async function treeSize(
  root: string,
  seen: Set<string>,
  stopped: () => boolean,
): Promise<number> {
  let total = 0;
  const stack = [root];
  while (stack.length > 0 && !stopped()) {
    const current = stack.pop()!;
    const stat = await fs.lstat(current).catch(() => undefined);
    if (!stat) {
      continue;
    }
    const key = `${stat.dev}:${stat.ino}`;
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    total += Math.max(stat.size, stat.blocks * 512);
    if (stat.isDirectory()) {
      const entries = await fs.readdir(current).catch(() => [] as string[]);
      for (const entry of entries) {
        stack.push(path.join(current, entry));
      }
    }
  }
  return total;
}

async function chownTree(root: string, uid: number, gid: number) {
  const stack = [root];
  while (stack.length > 0) {
    const current = stack.pop()!;
    const stat = await fs.lstat(current);
    await fs.lchown(current, uid, gid);
    if (stat.isDirectory()) {
      for (const entry of await fs.readdir(current)) {
        stack.push(path.join(current, entry));
      }
    }
  }
}

function validateEnv(env: Record<string, string>) {
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

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

/** Whether `child` is `parent` or inside it. */
function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return (
    relative === '' ||
    (!relative.startsWith(`..${path.sep}`) &&
      relative !== '..' &&
      !path.isAbsolute(relative))
  );
}

function resolvePath(p: string): string {
  return path.resolve(p);
}

function realpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function lstatSafe(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? SANDBOX_PATH).split(path.delimiter)) {
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
