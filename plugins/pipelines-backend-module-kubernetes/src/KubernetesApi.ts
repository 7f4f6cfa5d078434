import type {
  KubeConfig,
  V1Job,
  V1Pod,
  V1Secret,
  V1Status,
} from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import {
  KubernetesClientModule,
  loadKubernetesClient,
} from './kubernetesClient';

/** How many times a call answered 429 (or 503) is tried before giving up. */
const MAX_ATTEMPTS = 6;
/** The longest Retry-After honoured; longer waits are capped. */
const MAX_RETRY_AFTER_MS = 30_000;

/** The outcome of a command run through the exec API. */
export type KubernetesExecResult =
  | { kind: 'exited'; exitCode: number; status: V1Status }
  /** The stream closed without a status on channel 3: the command's end is unknown. */
  | { kind: 'dropped'; reason: string };

export type KubernetesExecRequest = {
  pod: string;
  container: string;
  command: string[];
  onStdout(chunk: Buffer): void;
  onStderr(chunk: Buffer): void;
  /** Closing the socket when aborted; the result is then `dropped`. */
  signal?: AbortSignal;
};

/** An error of the Kubernetes API, with the HTTP status and the Status reason. */
export class KubernetesApiError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    readonly reason: string | undefined,
  ) {
    super(message);
    this.name = 'KubernetesApiError';
  }
}

/**
 * The few Kubernetes API calls the executor and the reaper make, in one namespace, through
 * `@kubernetes/client-node`: answers 429 and 503 are retried after their `Retry-After`, and
 * every other failure says which call, which object and what the API answered.
 */
export class KubernetesApi {
  static async create(
    kubeConfig: KubeConfig,
    namespace: string,
  ): Promise<KubernetesApi> {
    const k8s = await loadKubernetesClient();
    return new KubernetesApi(k8s, kubeConfig, namespace);
  }

  readonly #k8s: KubernetesClientModule;
  readonly #core;
  readonly #batch;
  readonly #kubeConfig: KubeConfig;
  readonly namespace: string;

  private constructor(
    k8s: KubernetesClientModule,
    kubeConfig: KubeConfig,
    namespace: string,
  ) {
    this.#k8s = k8s;
    this.#kubeConfig = kubeConfig;
    this.#core = kubeConfig.makeApiClient(k8s.CoreV1Api);
    this.#batch = kubeConfig.makeApiClient(k8s.BatchV1Api);
    this.namespace = namespace;
  }

  /** `<server>` of the current context, for messages. */
  get server(): string {
    return this.#kubeConfig.getCurrentCluster()?.server ?? '(no cluster)';
  }

  createSecret(body: V1Secret): Promise<V1Secret> {
    return this.#call(`create Secret ${body.metadata?.name}`, () =>
      this.#core.createNamespacedSecret({ namespace: this.namespace, body }),
    );
  }

  async deleteSecret(name: string): Promise<boolean> {
    return this.#deleted(`delete Secret ${name}`, () =>
      this.#core.deleteNamespacedSecret({ name, namespace: this.namespace }),
    );
  }

  async listSecrets(labelSelector: string): Promise<V1Secret[]> {
    const list = await this.#call('list Secrets', () =>
      this.#core.listNamespacedSecret({
        namespace: this.namespace,
        labelSelector,
      }),
    );
    return list.items;
  }

  createJob(body: V1Job): Promise<V1Job> {
    return this.#call(`create Job ${body.metadata?.name}`, () =>
      this.#batch.createNamespacedJob({ namespace: this.namespace, body }),
    );
  }

  /** Deletes a Job and (in the background) its pods, which get `gracePeriodSeconds`. */
  async deleteJob(name: string, gracePeriodSeconds: number): Promise<boolean> {
    return this.#deleted(`delete Job ${name}`, () =>
      this.#batch.deleteNamespacedJob({
        name,
        namespace: this.namespace,
        gracePeriodSeconds,
        propagationPolicy: 'Background',
      }),
    );
  }

  async listJobs(labelSelector: string): Promise<V1Job[]> {
    const list = await this.#call('list Jobs', () =>
      this.#batch.listNamespacedJob({
        namespace: this.namespace,
        labelSelector,
      }),
    );
    return list.items;
  }

  async deletePod(name: string, gracePeriodSeconds: number): Promise<boolean> {
    return this.#deleted(`delete Pod ${name}`, () =>
      this.#core.deleteNamespacedPod({
        name,
        namespace: this.namespace,
        gracePeriodSeconds,
      }),
    );
  }

  async listPods(
    labelSelector: string,
  ): Promise<{ pods: V1Pod[]; resourceVersion?: string }> {
    const list = await this.#call('list Pods', () =>
      this.#core.listNamespacedPod({
        namespace: this.namespace,
        labelSelector,
      }),
    );
    return {
      pods: list.items,
      resourceVersion: list.metadata?.resourceVersion,
    };
  }

  /**
   * Waits until `done` returns a value for one of the pods matching `labelSelector`, from a list
   * and then watch events. A watch that ends (or is answered 410 Gone: its resourceVersion is
   * too old) starts again from a fresh list, so no change is missed.
   */
  async waitForPod<T>(
    labelSelector: string,
    done: (pod: V1Pod) => T | undefined,
    signal: AbortSignal,
  ): Promise<T> {
    const watch = new this.#k8s.Watch(this.#kubeConfig);
    for (;;) {
      signal.throwIfAborted();
      const { pods, resourceVersion } = await this.listPods(labelSelector);
      for (const pod of pods) {
        const value = done(pod);
        if (value !== undefined) return value;
      }
      const result = await new Promise<{ value?: T; error?: unknown }>(
        resolve => {
          let settled = false;
          let controller: AbortController | undefined;
          const stop = new AbortController();
          const finish = (outcome: { value?: T; error?: unknown }) => {
            if (settled) return;
            settled = true;
            stop.abort();
            controller?.abort();
            resolve(outcome);
          };
          const onAbort = () => finish({ error: signal.reason });
          // Removed with `stop` once the watch is over
          signal.addEventListener('abort', onAbort, {
            once: true,
            signal: stop.signal,
          });
          if (signal.aborted) onAbort();
          watch
            .watch(
              `/api/v1/namespaces/${this.namespace}/pods`,
              { labelSelector, resourceVersion, allowWatchBookmarks: true },
              (type: string, object: V1Pod | V1Status) => {
                if (type === 'ERROR') {
                  // 410 Gone and other watch errors: list again
                  finish({});
                  return;
                }
                if (type === 'ADDED' || type === 'MODIFIED') {
                  const value = done(object as V1Pod);
                  if (value !== undefined) finish({ value });
                }
              },
              () => finish({}),
            )
            .then(
              started => {
                controller = started;
                if (settled) started.abort();
              },
              error => finish({ error }),
            );
        },
      );
      if (result.value !== undefined) return result.value;
      if (result.error !== undefined) {
        if (signal.aborted) throw signal.reason;
        throw this.#describe('watch Pods', result.error);
      }
    }
  }

  /** The log of one container of a pod (not followed). */
  async readLog(pod: string, container: string): Promise<string> {
    return this.#call(`read the log of ${pod}/${container}`, () =>
      this.#core.readNamespacedPodLog({
        name: pod,
        namespace: this.namespace,
        container,
      }),
    );
  }

  /**
   * Runs a command in a container through the exec API (WebSocket, channel.k8s.io
   * subprotocols): stdout and stderr arrive separately as they are written, and the
   * status on channel 3 gives the exit code.
   */
  async exec(request: KubernetesExecRequest): Promise<KubernetesExecResult> {
    const exec = new this.#k8s.Exec(this.#kubeConfig);
    const sink = (deliver: (chunk: Buffer) => void) =>
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          deliver(chunk);
          callback();
        },
      });
    let status: V1Status | undefined;
    let socket;
    try {
      socket = await exec.exec(
        this.namespace,
        request.pod,
        request.container,
        request.command,
        sink(request.onStdout),
        sink(request.onStderr),
        null,
        false,
        s => {
          status = s;
        },
      );
    } catch (error) {
      throw this.#describe(`exec in pod ${request.pod}`, error);
    }
    return await new Promise<KubernetesExecResult>(resolve => {
      const onAbort = () => socket.close();
      request.signal?.addEventListener('abort', onAbort, { once: true });
      socket.on('close', (code: number, reason: Buffer) => {
        request.signal?.removeEventListener('abort', onAbort);
        if (status) {
          resolve({ kind: 'exited', exitCode: exitCodeOf(status), status });
        } else {
          resolve({
            kind: 'dropped',
            reason: `the exec stream closed (WebSocket code ${code}${
              reason.length ? `: ${reason.toString('utf8')}` : ''
            }) before the command's exit status arrived`,
          });
        }
      });
      socket.on('error', () => {
        // 'close' follows and reports it
      });
    });
  }

  async #deleted(what: string, fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.#call(what, fn);
      return true;
    } catch (error) {
      if ((error as KubernetesApiError).statusCode === 404) return false;
      throw error;
    }
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        const code = (error as { code?: number }).code;
        if ((code === 429 || code === 503) && attempt < MAX_ATTEMPTS) {
          await sleep(retryAfterMs(error, attempt));
          continue;
        }
        throw this.#describe(what, error);
      }
    }
  }

  #describe(what: string, error: unknown): Error {
    if (error instanceof KubernetesApiError) return error;
    const code = (error as { code?: unknown }).code;
    const statusCode = typeof code === 'number' ? code : undefined;
    const status = parseStatus((error as { body?: unknown }).body);
    const detail =
      status?.message ?? (error as Error)?.message ?? String(error);
    return new KubernetesApiError(
      `Kubernetes API: cannot ${what} in namespace ${this.namespace} at ${
        this.server
      }: ${statusCode ? `${statusCode} ` : ''}${
        status?.reason ? `${status.reason}: ` : ''
      }${detail}`,
      statusCode,
      status?.reason,
    );
  }
}

/** The exit code in an exec status: 0 for Success, the ExitCode cause otherwise. */
export function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find(c => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : 1;
}

function parseStatus(body: unknown): V1Status | undefined {
  if (!body) return undefined;
  if (typeof body === 'object') return body as V1Status;
  try {
    const parsed = JSON.parse(String(body));
    return typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function retryAfterMs(error: unknown, attempt: number): number {
  const headers = (error as { headers?: Record<string, string> }).headers;
  const value = headers?.['retry-after'] ?? headers?.['Retry-After'];
  const seconds = Number(value);
  if (value !== undefined && Number.isFinite(seconds) && seconds >= 0) {
    return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  }
  return Math.min(200 * 2 ** attempt, MAX_RETRY_AFTER_MS);
}

function sleep(ms: number) {
  return new Promise(resolve => setTimeout(resolve, ms));
}
