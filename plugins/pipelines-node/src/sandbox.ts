import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import type { Readable } from 'node:stream';
import { BubblewrapSandbox } from './bubblewrap/BubblewrapSandbox';

/**
 * What a sandboxed process may reach on the network: nothing (the default), or only the
 * listed `host[:port]` entries (`*.example.com` matches every subdomain) through Comet's
 * egress proxy, never a loopback, private, link-local or metadata address.
 */
export type PipelineSandboxNetwork = 'none' | { allowedEgress: string[] };

/** Resource limits of one sandboxed process tree; unset fields use `pipelines.sandbox.*`. */
export type PipelineSandboxLimits = {
  /** Writable memory (RLIMIT_DATA) of each process, in MiB. */
  memoryMb?: number;
  /** Processes of the sandbox's user (RLIMIT_NPROC); applied when each sandbox has its own uid. */
  processes?: number;
  /** Size of the sandbox's private /tmp (a tmpfs), in MiB. */
  tmpMb?: number;
  /** Total size of the writable paths; the sandbox is killed when they grow past it, in MiB. */
  writableMb?: number;
};

export type PipelineSandboxSpawnRequest = {
  /** An absolute path, or a name looked up on `env.PATH` inside the sandbox. */
  command: string;
  args: string[];
  /** The working directory; must be one of (or inside one of) the mounted paths. */
  cwd: string;
  /** The whole environment of the command: nothing of the backend's is added. */
  env: Record<string, string>;
  /** Directories the command may write, mounted at the same path. */
  writablePaths: string[];
  /** More directories or files mounted read-only at the same path (toolchains, caches). */
  readOnlyPaths?: string[];
  /**
   * Files and directories the caller created for this process alone (a script): handed to
   * the sandbox's user and mounted read-only at the same path.
   */
  privatePaths?: string[];
  network?: PipelineSandboxNetwork;
  limits?: PipelineSandboxLimits;
};

export type PipelineSandboxExit = {
  /** The command's exit code; null when the sandbox was killed. */
  exitCode: number | null;
  /** Set when the sandbox stopped the command because it went over a limit. */
  limitExceeded?: { limit: keyof PipelineSandboxLimits; message: string };
};

/** A running sandboxed command. */
export interface PipelineSandboxProcess {
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Asks the command to stop: SIGTERM to its process group inside the sandbox. */
  terminate(): void;
  /** Ends the sandbox at once: every process in it is killed. */
  kill(): void;
  /** Resolves once the sandbox is gone and its output streams are closed. */
  readonly exited: Promise<PipelineSandboxExit>;
}

export type PipelineSandboxAvailability =
  | { available: true }
  | { available: false; reason: string };

/**
 * Runs untrusted commands (pipeline steps, a step type's tool, a test recorder's web server
 * and browser) isolated from the backend: their own user, mount, PID and network namespaces,
 * only the paths they are given, and no network but an allowlisted egress proxy.
 */
export interface PipelineSandboxService {
  /** One line for logs: the mechanism and its settings. */
  describe(): string;
  /** Whether the sandbox works on this machine (probed once, by running a command in it). */
  available(): Promise<PipelineSandboxAvailability>;
  spawn(request: PipelineSandboxSpawnRequest): Promise<PipelineSandboxProcess>;
}

/**
 * The step sandbox, one per backend (root scope, so the pool of sandbox uids is shared by
 * every plugin that runs untrusted code). Bubblewrap by default, from `pipelines.sandbox.*`.
 */
export const pipelineSandboxServiceRef =
  createServiceRef<PipelineSandboxService>({
    id: 'pipelines.sandbox',
    scope: 'root',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        initialization: 'lazy',
        deps: {
          config: coreServices.rootConfig,
          logger: coreServices.rootLogger,
        },
        factory: ({ config, logger }) =>
          BubblewrapSandbox.fromConfig(config, {
            logger: logger.child({ service: 'pipelines.sandbox' }),
          }),
      }),
  });

export {
  BACKEND_HOST_NAME,
  parseEgressRule,
  isPublicAddress,
} from './bubblewrap/egressPolicy';
export { BubblewrapSandbox } from './bubblewrap/BubblewrapSandbox';
export type { BubblewrapSandboxOptions } from './bubblewrap/BubblewrapSandbox';
export type { EgressResolver } from './bubblewrap/EgressProxy';
export type { EgressRule } from './bubblewrap/egressPolicy';
