import type { LoggerService } from '@backstage/backend-plugin-api';
import type { MetricsServiceHistogram } from '@backstage/backend-plugin-api/alpha';
import type { V1Pod } from '@kubernetes/client-node';
import {
  GitRemotePolicy,
  isSafeGitRef,
  isSafeRepositoryUrl,
  redactCredentials,
  redactUrl,
  type PipelineExecutor,
  type PipelineScriptRequest,
  type PipelineScriptResult,
  type PipelineWorkspace,
  type PipelineWorkspaceRequest,
} from '@internal/plugin-pipelines-node';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { extract as tarExtract } from 'tar-stream';
import { KubernetesApi } from './KubernetesApi';
import { LineSplitter } from './LineSplitter';
import {
  isImageAllowed,
  KUBERNETES_CONFIG_KEY,
  type KubernetesExecutorConfig,
} from './KubernetesExecutorConfig';
import {
  checkoutSecret,
  CHECKOUT_CONTAINER,
  COMMIT_MARKER,
  jobManifest,
  objectsFor,
  SOURCE_DIR,
  STEPS_CONTAINER,
  WORKSPACE_MOUNT,
  type JobObjects,
} from './manifests';

/** The pod start metric's name (helper dashboards refer to it). */
export const POD_START_METRIC = 'comet.pipelines.executor.pod_start_seconds';
/**
 * Script payloads larger than this are written in several exec calls: they travel in the exec
 * URL, which proxies in front of an API server often limit to 32 KiB or less.
 */
const MAX_ARG_BYTES = 16 * 1024;
const DEFAULT_PATH =
  '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** setTimeout's maximum; longer delays fire immediately. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type KubernetesExecutorOptions = {
  api: KubernetesApi;
  config: KubernetesExecutorConfig;
  logger: LoggerService;
  /** `pipelines.git.allowedHosts` and rewrites: which repositories a pod may check out. */
  gitRemotePolicy: GitRemotePolicy;
  /** `comet.pipelines.executor.pod_start_seconds`, in seconds. */
  podStartHistogram?: MetricsServiceHistogram<{ executor: string }>;
};

type PodHandle = {
  objects: JobObjects;
  pod: string;
  /** Set once the pod was deleted (cancel, timeout, clean-up): later steps cannot run. */
  deleted?: 'timeout' | 'cancel' | 'cleanup';
};

/**
 * Runs each job as a Kubernetes Job of one pod (`backoffLimit: 0`): an init container checks
 * out the run's commit with the URL from a per-job Secret (mounted in it only, deleted once the
 * pod runs), the steps container idles, and each step runs in it through the exec API, its
 * stdout and stderr streamed into the run's log as they arrive and its exit code from the
 * exec status. Cancel and timeout delete the pod with the grace period; artifacts are copied
 * out with `tar` over exec.
 */
export class KubernetesExecutor implements PipelineExecutor {
  readonly id = 'kubernetes';

  static create(options: KubernetesExecutorOptions): KubernetesExecutor {
    return new KubernetesExecutor(options);
  }

  readonly #api: KubernetesApi;
  readonly #config: KubernetesExecutorConfig;
  readonly #logger: LoggerService;
  readonly #policy: GitRemotePolicy;
  readonly #podStart?: MetricsServiceHistogram<{ executor: string }>;
  readonly #pods = new WeakMap<PipelineWorkspace, PodHandle>();

  private constructor(options: KubernetesExecutorOptions) {
    this.#api = options.api;
    this.#config = options.config;
    this.#logger = options.logger;
    this.#policy = options.gitRemotePolicy;
    this.#podStart = options.podStartHistogram;
  }

  async prepareWorkspace(
    request: PipelineWorkspaceRequest,
  ): Promise<PipelineWorkspace> {
    const { repositoryUrl, ref, signal } = request;
    if (!isSafeRepositoryUrl(repositoryUrl)) {
      throw new Error(
        `Invalid repository URL ${JSON.stringify(
          redactUrl(repositoryUrl ?? ''),
        )}`,
      );
    }
    if (ref !== undefined && !isSafeGitRef(ref)) {
      throw new Error(`Invalid git ref ${JSON.stringify(ref)}`);
    }
    const remote = this.#policy.resolve(repositoryUrl);
    const image = request.image ?? this.#config.image;
    if (!isImageAllowed(image, this.#config.allowedImages)) {
      throw new Error(
        `The job's image "${image}" is not allowed: ${KUBERNETES_CONFIG_KEY}.allowedImages lists ${this.#config.allowedImages
          .map(entry => `"${entry}"`)
          .join(', ')}`,
      );
    }
    const objects = objectsFor({
      runId: request.runId,
      jobRunId: request.jobRunId,
      entityRef: request.entityRef,
      random: randomBytes(3).toString('hex'),
    });
    signal?.throwIfAborted();

    await this.#api.createSecret(
      checkoutSecret(objects, { url: remote.fetchUrl, ref: ref ?? 'HEAD' }),
    );
    const started = Date.now();
    try {
      await this.#api.createJob(
        jobManifest(objects, this.#config, { image, allowFile: remote.local }),
      );
      const pod = await this.#waitForStart(objects, signal);
      this.#podStart?.record((Date.now() - started) / 1000, {
        executor: this.id,
      });
      await this.#deleteSecret(objects);
      const log = await this.#api.readLog(pod.name, CHECKOUT_CONTAINER);
      if (pod.failed) {
        throw new Error(
          `The checkout of ${remote.shownUrl}${
            ref ? ` at ${ref}` : ''
          } failed in pod ${pod.name}: ${pod.failed}${
            log.trim()
              ? `\n${this.#hide(lastLines(log, 20), remote.fetchUrl)}`
              : ''
          }`,
        );
      }
      const commit = log
        .split('\n')
        .reverse()
        .find(line => line.startsWith(COMMIT_MARKER))
        ?.slice(COMMIT_MARKER.length)
        .trim();
      if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) {
        throw new Error(
          `The checkout in pod ${pod.name} did not report the commit it checked out`,
        );
      }
      const workspace: PipelineWorkspace = {
        dir: `${WORKSPACE_MOUNT}/${SOURCE_DIR}`,
        commit,
      };
      this.#pods.set(workspace, { objects, pod: pod.name });
      this.#logger.debug(
        `Checked out ${remote.shownUrl} (${commit}) in pod ${pod.name} of Job ${objects.name}`,
      );
      return workspace;
    } catch (error) {
      await this.#removeObjects(objects).catch(cleanupError =>
        this.#logger.warn(
          `Cannot remove the Job ${objects.name} of a failed checkout: ${cleanupError}`,
        ),
      );
      throw error;
    }
  }

  async runScript(
    request: PipelineScriptRequest,
  ): Promise<PipelineScriptResult> {
    const handle = this.#handle(request.workspace);
    validateEnv(request.env);
    if (handle.deleted) {
      throw new Error(
        `The job's pod ${handle.pod} was deleted (${handle.deleted}) before this step, so it cannot run`,
      );
    }
    if (request.signal.aborted) {
      return { exitCode: null, terminatedBy: 'cancel' };
    }
    const stepId = randomBytes(8).toString('hex');
    const payload = Buffer.from(stepFile(request), 'utf8').toString('base64');
    const file = `.comet/step-${stepId}.sh`;
    // Large scripts are appended in pieces first; the last piece runs the step
    let offset = 0;
    while (payload.length - offset > MAX_ARG_BYTES) {
      const piece = payload.slice(offset, offset + MAX_ARG_BYTES);
      offset += MAX_ARG_BYTES;
      const result = await this.#api.exec({
        pod: handle.pod,
        container: STEPS_CONTAINER,
        command: [
          '/bin/sh',
          '-c',
          'umask 077 && mkdir -p .comet && printf %s "$1" >> "$2"',
          'comet-step',
          piece,
          `${file}.b64`,
        ],
        onStdout: () => {},
        onStderr: () => {},
      });
      if (result.kind !== 'exited' || result.exitCode !== 0) {
        throw new Error(
          `Cannot copy the step's script into pod ${handle.pod}: ${
            result.kind === 'dropped'
              ? result.reason
              : `exit code ${result.exitCode}`
          }`,
        );
      }
    }
    const rest = payload.slice(offset);

    const stdout = new LineSplitter('stdout', request.onOutput, this.#logger);
    const stderr = new LineSplitter('stderr', request.onOutput, this.#logger);
    let terminatedBy: PipelineScriptResult['terminatedBy'];
    const terminate = (reason: 'timeout' | 'cancel') => {
      if (terminatedBy) return;
      terminatedBy = reason;
      handle.deleted = reason;
      this.#api
        .deletePod(handle.pod, this.#config.terminationGracePeriodSeconds)
        .catch(error =>
          this.#logger.warn(
            `Cannot delete pod ${handle.pod} to stop a step (${reason}): ${error}`,
          ),
        );
    };
    const onAbort = () => terminate('cancel');
    request.signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    if (
      request.timeoutMs !== undefined &&
      Number.isFinite(request.timeoutMs) &&
      request.timeoutMs > 0
    ) {
      timer = setTimeout(
        () => terminate('timeout'),
        Math.min(request.timeoutMs, MAX_TIMER_MS),
      );
    }
    try {
      const result = await this.#api
        .exec({
          pod: handle.pod,
          container: STEPS_CONTAINER,
          command: [
            '/bin/sh',
            '-c',
            // The decoded file removes itself before the step's own script starts (bash keeps it
            // open), so no later step finds this step's environment on disk
            'umask 077 && mkdir -p .comet && printf %s "$1" >> "$2.b64" && base64 -d < "$2.b64" > "$2" && rm -f "$2.b64" && exec /usr/bin/env -i /bin/bash "$2"',
            'comet-step',
            rest,
            file,
          ],
          onStdout: chunk => stdout.push(chunk),
          onStderr: chunk => stderr.push(chunk),
        })
        .catch(error => {
          // Stopped before the exec stream was open: the pod is already going away
          if (terminatedBy) return undefined;
          throw error;
        });
      stdout.end();
      stderr.end();
      if (terminatedBy || !result) {
        return { exitCode: null, terminatedBy: terminatedBy ?? 'cancel' };
      }
      if (result.kind === 'dropped') {
        // Never silently lost: the step's output and result are unknown from here on
        throw new Error(
          `Lost the connection to the step in pod ${handle.pod}: ${result.reason}; its output may be incomplete and its exit code is unknown`,
        );
      }
      return { exitCode: result.exitCode };
    } finally {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onAbort);
    }
  }

  async collectArtifacts(
    workspace: PipelineWorkspace,
    paths: string[],
    targetDir: string,
  ): Promise<string[]> {
    const handle = this.#handle(workspace);
    const relative = paths.map(original => ({
      original,
      relative: validateArtifactPath(original),
    }));
    const listing: Buffer[] = [];
    const errors: Buffer[] = [];
    const found = await this.#api.exec({
      pod: handle.pod,
      container: STEPS_CONTAINER,
      command: [
        '/bin/sh',
        '-c',
        'cd "$1" && shift && for p in "$@"; do if [ -e "$p" ] || [ -L "$p" ]; then printf "%s\\0" "$p"; fi; done',
        'comet-artifacts',
        SOURCE_DIR,
        ...relative.map(entry => entry.relative),
      ],
      onStdout: chunk => listing.push(chunk),
      onStderr: chunk => errors.push(chunk),
    });
    if (found.kind !== 'exited' || found.exitCode !== 0) {
      throw new Error(
        `Cannot list the artifacts in pod ${handle.pod}: ${
          found.kind === 'dropped'
            ? found.reason
            : `exit code ${found.exitCode}: ${Buffer.concat(errors)
                .toString('utf8')
                .trim()}`
        }`,
      );
    }
    const existing = new Set(
      Buffer.concat(listing).toString('utf8').split('\0').filter(Boolean),
    );
    const present = relative.filter(entry => existing.has(entry.relative));
    if (present.length === 0) return [];

    const target = path.resolve(targetDir);
    await fs.mkdir(target, { recursive: true });
    const extraction = extractInto(target);
    const tarErrors: Buffer[] = [];
    const archived = await this.#api.exec({
      pod: handle.pod,
      container: STEPS_CONTAINER,
      command: [
        'tar',
        '-C',
        SOURCE_DIR,
        '-cf',
        '-',
        '--',
        ...present.map(entry => entry.relative),
      ],
      onStdout: chunk => extraction.write(chunk),
      onStderr: chunk => tarErrors.push(chunk),
    });
    await extraction.end();
    if (archived.kind !== 'exited' || archived.exitCode !== 0) {
      throw new Error(
        `Cannot copy the artifacts out of pod ${handle.pod}: ${
          archived.kind === 'dropped'
            ? archived.reason
            : `tar exited with ${archived.exitCode}: ${Buffer.concat(tarErrors)
                .toString('utf8')
                .trim()}`
        }`,
      );
    }
    return present.map(entry => entry.original);
  }

  async cleanupWorkspace(workspace: PipelineWorkspace): Promise<void> {
    const handle = this.#handle(workspace);
    this.#pods.delete(workspace);
    handle.deleted ??= 'cleanup';
    await this.#removeObjects(handle.objects);
  }

  #handle(workspace: PipelineWorkspace): PodHandle {
    const handle = this.#pods.get(workspace);
    if (!handle) {
      throw new Error(
        `The workspace ${workspace.dir} (${workspace.commit}) was not prepared by this Kubernetes executor, or was cleaned up`,
      );
    }
    return handle;
  }

  async #removeObjects(objects: JobObjects): Promise<void> {
    await this.#api.deleteJob(
      objects.name,
      this.#config.terminationGracePeriodSeconds,
    );
    await this.#deleteSecret(objects);
  }

  async #deleteSecret(objects: JobObjects): Promise<void> {
    await this.#api.deleteSecret(objects.secretName);
  }

  /** Waits until the job's pod runs its steps container (the checkout is done), or failed. */
  async #waitForStart(
    objects: JobObjects,
    signal?: AbortSignal,
  ): Promise<{ name: string; failed?: string }> {
    const controller = new AbortController();
    const timeoutSeconds = this.#config.podStartTimeoutSeconds;
    const timer = setTimeout(
      () =>
        controller.abort(
          new Error(
            `The pod of Job ${objects.name} did not start within ${timeoutSeconds} s (${KUBERNETES_CONFIG_KEY}.podStartTimeoutSeconds)`,
          ),
        ),
      timeoutSeconds * 1000,
    );
    const onAbort = () =>
      controller.abort(new Error('The job was stopped during the checkout'));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    try {
      return await this.#api.waitForPod(
        `job-name=${objects.name}`,
        podStartState,
        controller.signal,
      );
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #hide(text: string, fetchUrl: string): string {
    return redactCredentials(text, fetchUrl);
  }
}

/** Running with its steps container up, or failed; undefined while it is still starting. */
function podStartState(
  pod: V1Pod,
): { name: string; failed?: string } | undefined {
  const name = pod.metadata?.name ?? '';
  if (pod.metadata?.deletionTimestamp) {
    return { name, failed: 'the pod is being deleted' };
  }
  const phase = pod.status?.phase;
  if (phase === 'Failed') {
    const checkout = pod.status?.initContainerStatuses?.find(
      s => s.name === CHECKOUT_CONTAINER,
    );
    const terminated = checkout?.state?.terminated;
    return {
      name,
      failed: terminated
        ? `the checkout exited with code ${terminated.exitCode}${
            terminated.reason ? ` (${terminated.reason})` : ''
          }`
        : pod.status?.message ?? 'the pod failed',
    };
  }
  for (const status of [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ]) {
    const waiting = status.state?.waiting?.reason;
    if (
      waiting &&
      [
        'ErrImagePull',
        'ImagePullBackOff',
        'InvalidImageName',
        'CreateContainerConfigError',
        'CreateContainerError',
      ].includes(waiting)
    ) {
      return {
        name,
        failed: `container ${status.name} cannot start: ${waiting}${
          status.state?.waiting?.message
            ? ` (${status.state.waiting.message})`
            : ''
        }`,
      };
    }
  }
  const steps = pod.status?.containerStatuses?.find(
    s => s.name === STEPS_CONTAINER,
  );
  if (phase === 'Running' && steps?.state?.running) {
    return { name };
  }
  return undefined;
}

/** The step's script file: its whole environment, then `set -eo pipefail` and the script. */
function stepFile(request: PipelineScriptRequest): string {
  const env: Record<string, string> = { ...request.env };
  const lines = ['rm -f -- "$0"'];
  if (env.PATH === undefined) env.PATH = DEFAULT_PATH;
  for (const [key, value] of Object.entries(env)) {
    lines.push(`export ${key}=${shellQuote(value)}`);
  }
  if (request.env.HOME === undefined) {
    lines.push('export HOME="$PWD/.comet/home"', 'mkdir -p "$HOME"');
  }
  lines.push(
    `cd ${shellQuote(
      request.workspace.dir.startsWith(`${WORKSPACE_MOUNT}/`)
        ? SOURCE_DIR
        : request.workspace.dir,
    )}`,
    'set -eo pipefail',
    request.script,
    '',
  );
  return lines.join('\n');
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function validateEnv(env: Record<string, string>): void {
  for (const [key, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new Error(
        `Invalid environment variable name ${JSON.stringify(
          key,
        )}: the Kubernetes executor passes only names of letters, digits and _ (not starting with a digit)`,
      );
    }
    if (typeof value !== 'string' || value.includes('\0')) {
      throw new Error(
        `The environment variable ${key} must be a string without NUL characters`,
      );
    }
  }
}

/** A relative, normalised `/` path inside the workspace; throws for absolute and `..` paths. */
function validateArtifactPath(original: string): string {
  if (typeof original !== 'string' || original.trim() === '') {
    throw new Error('Artifact paths must be non-empty');
  }
  if (original.includes('\0')) {
    throw new Error(`Invalid artifact path ${JSON.stringify(original)}`);
  }
  if (path.posix.isAbsolute(original) || path.win32.isAbsolute(original)) {
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
  const normalized = path.posix.normalize(original).replace(/\/+$/, '') || '.';
  if (normalized.startsWith('-')) return `./${normalized}`;
  return normalized;
}

/**
 * Unpacks a tar stream from the pod into `target`, trusting nothing in it: only regular files,
 * folders and symlinks that stay inside `target`; absolute and `..` names are refused.
 */
function extractInto(target: string) {
  const extract = tarExtract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      void (async () => {
        const name = path.posix.normalize(header.name.replace(/^\.\//, ''));
        const destination = path.resolve(target, name);
        const inside =
          !path.posix.isAbsolute(header.name) &&
          !name.split('/').includes('..') &&
          (destination === target ||
            destination.startsWith(`${target}${path.sep}`));
        if (!inside) {
          throw new Error(
            `The artifact archive from the pod has an entry outside the workspace: ${JSON.stringify(
              header.name,
            )}`,
          );
        }
        if (header.type === 'directory') {
          await fs.mkdir(destination, { recursive: true });
          stream.resume();
        } else if (header.type === 'file') {
          await fs.mkdir(path.dirname(destination), { recursive: true });
          const handle = await fs.open(destination, 'w', 0o644);
          try {
            for await (const chunk of stream) {
              await handle.write(chunk as Buffer);
            }
          } finally {
            await handle.close();
          }
        } else if (header.type === 'symlink' && header.linkname) {
          const resolved = path.resolve(
            path.dirname(destination),
            header.linkname,
          );
          if (
            !path.isAbsolute(header.linkname) &&
            resolved.startsWith(`${target}${path.sep}`)
          ) {
            await fs.mkdir(path.dirname(destination), { recursive: true });
            await fs.symlink(header.linkname, destination);
          }
          stream.resume();
        } else {
          stream.resume(); // devices, fifos, hard links: not kept
        }
      })().then(
        () => next(),
        error => {
          stream.resume();
          next(error);
        },
      );
    });
    extract.on('finish', () => resolve());
    extract.on('error', reject);
  });
  done.catch(() => {});
  return {
    write(chunk: Buffer) {
      extract.write(chunk);
    },
    async end() {
      // streamx's types want a last chunk: an empty one
      extract.end(Buffer.alloc(0));
      await done;
    },
  };
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n');
}
