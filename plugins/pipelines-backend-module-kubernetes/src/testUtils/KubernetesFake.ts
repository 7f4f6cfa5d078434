import type { PipelineSandboxService } from '@internal/plugin-pipelines-node';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';

/* eslint-disable @typescript-eslint/no-explicit-any */
// The routes are one table of `if ((m = match(...))) return handler(...)`, as in a router
/* eslint-disable no-cond-assign, consistent-return */
type KubeObject = Record<string, any>;

type RunningExec = {
  terminate(): void;
  kill(): void;
  socket: WebSocket;
};

type FakePod = {
  object: KubeObject;
  /** Local folder per emptyDir volume. */
  volumes: Map<string, string>;
  logs: Map<string, string>;
  execs: Set<RunningExec>;
};

type Injected = {
  method: string;
  pathPrefix: string;
  status: number;
  retryAfterSeconds?: number;
};

export type KubernetesFakeOptions = {
  /**
   * Where exec'd commands run: the pipelines sandbox (own user and namespaces, only the pod's
   * volumes writable, no network). Without it they run as plain child processes.
   */
  sandbox?: PipelineSandboxService;
  /** Parent of the pods' volume folders; a temp folder by default. */
  root?: string;
};

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** How many watch events the fake remembers; older resourceVersions get 410 Gone. */
const EVENT_WINDOW = 1000;

/**
 * A local fake of the Kubernetes API, as documented, for the calls Comet's Kubernetes
 * executor makes with the real `@kubernetes/client-node`: Jobs (batch/v1) that create one Pod,
 * Pods with list, watch, delete (with a grace period), logs (also followed) and exec over
 * WebSocket (`v5.channel.k8s.io`/`v4.channel.k8s.io`: channel 1 stdout, 2 stderr, 3 the
 * status with the exit code), and Secrets. Answers 401 without the token, 409 AlreadyExists,
 * 404 NotFound, 422 Invalid, 410 Expired in watches, and 429 with Retry-After when injected.
 *
 * Pods "run" on this machine: each emptyDir volume is a local folder; init containers run their
 * command as a child process (they need the network to fetch the repository); the main
 * container idles, and exec'd commands run in the pipelines sandbox with the working directory's
 * volume as their current and only writable folder.
 */
export class KubernetesFake {
  static async start(
    options: KubernetesFakeOptions = {},
  ): Promise<KubernetesFake> {
    const root =
      options.root ??
      (await fs.mkdtemp(path.join(os.tmpdir(), 'comet-k8s-fake-')));
    await fs.mkdir(root, { recursive: true });
    await fs.chmod(root, 0o755);
    const fake = new KubernetesFake(options, root);
    await new Promise<void>(resolve =>
      fake.#server.listen(0, '127.0.0.1', () => resolve()),
    );
    return fake;
  }

  readonly token = randomBytes(16).toString('hex');
  /** Every request, as `METHOD /path?query`. */
  readonly requests: string[] = [];
  readonly jobs = new Map<string, KubeObject>();
  readonly pods = new Map<string, FakePod>();
  readonly secrets = new Map<string, KubeObject>();
  readonly #server: http.Server;
  readonly #wss = new WebSocketServer({
    noServer: true,
    handleProtocols: protocols =>
      ['v5.channel.k8s.io', 'v4.channel.k8s.io'].find(p => protocols.has(p)) ??
      false,
  });
  readonly #options: KubernetesFakeOptions;
  readonly #root: string;
  #resourceVersion = 1;
  readonly #events: Array<{ rv: number; type: string; object: KubeObject }> =
    [];
  readonly #watchers = new Set<(type: string, object: KubeObject) => void>();
  readonly #injected: Injected[] = [];
  /** Milliseconds a pod stays Pending before its init containers run. */
  podStartDelayMs = 0;

  private constructor(options: KubernetesFakeOptions, root: string) {
    this.#options = options;
    this.#root = root;
    // The API server is a Go HTTP server: 1 MiB of request line and headers
    this.#server = http.createServer(
      { maxHeaderSize: 1024 * 1024 },
      (req, res) => {
        this.#handle(req, res).catch(error => {
          if (!res.headersSent) {
            this.#status(res, 500, 'InternalError', String(error));
          } else res.end();
        });
      },
    );
    this.#server.on('upgrade', (req, socket, head) =>
      this.#upgrade(req, socket, head),
    );
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** A kubeconfig (YAML is a superset of JSON) for `KubeConfig.loadFromString` or a file. */
  kubeconfig(namespace = 'comet-jobs'): string {
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // Plain HTTP on loopback: client-node asks for skip-TLS-verify to allow http://
      clusters: [
        {
          name: 'fake',
          cluster: { server: this.url, 'insecure-skip-tls-verify': true },
        },
      ],
      users: [{ name: 'fake', user: { token: this.token } }],
      contexts: [
        { name: 'fake', context: { cluster: 'fake', user: 'fake', namespace } },
      ],
      'current-context': 'fake',
    });
  }

  /** The next `count` requests whose method and path match answer `status` (429: Retry-After). */
  failNext(
    method: string,
    pathPrefix: string,
    status: number,
    options: { count?: number; retryAfterSeconds?: number } = {},
  ) {
    for (let i = 0; i < (options.count ?? 1); i++) {
      this.#injected.push({ method, pathPrefix, status, ...options });
    }
  }

  /** Forgets the watch history: watches from an older resourceVersion get 410 Expired. */
  compactEvents() {
    this.#events.length = 0;
  }

  /** Closes every exec connection abruptly (no status), leaving the commands running. */
  dropExecConnections() {
    for (const pod of this.pods.values()) {
      for (const exec of pod.execs) exec.socket.terminate();
    }
  }

  async close(): Promise<void> {
    for (const name of [...this.pods.keys()]) await this.#removePod(name, 0);
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>(resolve => this.#wss.close(() => resolve()));
    this.#server.closeAllConnections();
    await new Promise<void>(resolve => this.#server.close(() => resolve()));
    if (!this.#options.root)
      await fs.rm(this.#root, { recursive: true, force: true });
  }

  // --- HTTP ---

  async #handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      this.#status(res, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    const injected = this.#injected.findIndex(
      i => i.method === req.method && url.pathname.startsWith(i.pathPrefix),
    );
    if (injected >= 0) {
      const [entry] = this.#injected.splice(injected, 1);
      if (entry.retryAfterSeconds !== undefined) {
        res.setHeader('Retry-After', String(entry.retryAfterSeconds));
      }
      this.#status(
        res,
        entry.status,
        reasonFor(entry.status),
        `injected ${entry.status}`,
      );
      return;
    }
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const match = (pattern: RegExp) => url.pathname.match(pattern);
    let m;
    if ((m = match(/^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs$/))) {
      if (req.method === 'POST') return this.#createJob(res, m[1], body);
      if (req.method === 'GET')
        return this.#list(res, 'JobList', [...this.jobs.values()], m[1], url);
    }
    if (
      (m = match(/^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/]+)$/))
    ) {
      const job = this.jobs.get(key(m[1], m[2]));
      if (!job) return this.#notFound(res, 'jobs', m[2]);
      if (req.method === 'GET') return this.#json(res, 200, job);
      if (req.method === 'DELETE') {
        this.jobs.delete(key(m[1], m[2]));
        this.#emit('DELETED', job);
        const grace = graceOf(url);
        for (const [name, pod] of this.pods) {
          if (
            pod.object.metadata.labels?.['job-name'] === m[2] &&
            pod.object.metadata.namespace === m[1]
          ) {
            void this.#removePod(name, grace);
          }
        }
        return this.#json(res, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Success',
        });
      }
    }
    if (
      (m = match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/)) &&
      req.method === 'GET'
    ) {
      if (url.searchParams.get('watch') === 'true')
        return this.#watch(req, res, m[1], url);
      return this.#list(
        res,
        'PodList',
        [...this.pods.values()].map(p => p.object),
        m[1],
        url,
      );
    }
    if ((m = match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/))) {
      const pod = this.pods.get(key(m[1], m[2]));
      if (!pod) return this.#notFound(res, 'pods', m[2]);
      if (req.method === 'GET') return this.#json(res, 200, pod.object);
      if (req.method === 'DELETE') {
        void this.#removePod(key(m[1], m[2]), graceOf(url));
        return this.#json(res, 200, pod.object);
      }
    }
    if (
      (m = match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/)) &&
      req.method === 'GET'
    ) {
      return this.#log(res, key(m[1], m[2]), url);
    }
    if ((m = match(/^\/api\/v1\/namespaces\/([^/]+)\/secrets$/))) {
      if (req.method === 'POST') return this.#createSecret(res, m[1], body);
      if (req.method === 'GET')
        return this.#list(
          res,
          'SecretList',
          [...this.secrets.values()],
          m[1],
          url,
        );
    }
    if ((m = match(/^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/))) {
      const secret = this.secrets.get(key(m[1], m[2]));
      if (!secret) return this.#notFound(res, 'secrets', m[2]);
      if (req.method === 'GET') return this.#json(res, 200, secret);
      if (req.method === 'DELETE') {
        this.secrets.delete(key(m[1], m[2]));
        return this.#json(res, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Success',
        });
      }
    }
    this.#status(
      res,
      404,
      'NotFound',
      `the server could not find the requested resource (${req.method} ${url.pathname})`,
    );
  }

  #json(res: http.ServerResponse, status: number, body: unknown) {
    res
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify(body));
  }

  #status(
    res: http.ServerResponse,
    code: number,
    reason: string,
    message: string,
    details?: unknown,
  ) {
    this.#json(res, code, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    });
  }

  #notFound(res: http.ServerResponse, kind: string, name: string) {
    this.#status(res, 404, 'NotFound', `${kind} "${name}" not found`, {
      name,
      kind,
    });
  }

  #invalid(
    res: http.ServerResponse,
    kind: string,
    name: string,
    causes: Array<{ field: string; message: string }>,
  ) {
    this.#status(
      res,
      422,
      'Invalid',
      `${kind} "${name}" is invalid: ${causes
        .map(c => `${c.field}: ${c.message}`)
        .join(', ')}`,
      {
        name,
        kind,
        causes: causes.map(c => ({ reason: 'FieldValueInvalid', ...c })),
      },
    );
  }

  #list(
    res: http.ServerResponse,
    kind: string,
    items: KubeObject[],
    namespace: string,
    url: URL,
  ) {
    const selector = url.searchParams.get('labelSelector') ?? '';
    this.#json(res, 200, {
      kind,
      apiVersion: kind === 'JobList' ? 'batch/v1' : 'v1',
      metadata: { resourceVersion: String(this.#resourceVersion) },
      items: items.filter(
        o => o.metadata.namespace === namespace && matches(o, selector),
      ),
    });
  }

  #nextVersion(object: KubeObject) {
    this.#resourceVersion++;
    object.metadata.resourceVersion = String(this.#resourceVersion);
  }

  #emit(type: string, object: KubeObject) {
    this.#nextVersion(object);
    const copy = JSON.parse(JSON.stringify(object));
    this.#events.push({ rv: this.#resourceVersion, type, object: copy });
    if (this.#events.length > EVENT_WINDOW) this.#events.shift();
    for (const watcher of this.#watchers) watcher(type, copy);
  }

  #watch(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    namespace: string,
    url: URL,
  ) {
    const selector = url.searchParams.get('labelSelector') ?? '';
    const from = Number(
      url.searchParams.get('resourceVersion') ?? this.#resourceVersion,
    );
    res.writeHead(200, {
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
    });
    const send = (type: string, object: KubeObject) => {
      if (
        object.kind === 'Pod' &&
        object.metadata.namespace === namespace &&
        matches(object, selector)
      ) {
        res.write(`${JSON.stringify({ type, object })}\n`);
      }
    };
    const oldest = this.#events[0]?.rv ?? this.#resourceVersion + 1;
    if (from < this.#resourceVersion && from < oldest - 1) {
      res.end(
        `${JSON.stringify({
          type: 'ERROR',
          object: {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            reason: 'Expired',
            code: 410,
            message: `too old resource version: ${from} (${oldest})`,
          },
        })}\n`,
      );
      return;
    }
    for (const event of this.#events)
      if (event.rv > from) send(event.type, event.object);
    this.#watchers.add(send);
    req.on('close', () => this.#watchers.delete(send));
  }

  #createSecret(res: http.ServerResponse, namespace: string, body: KubeObject) {
    const name = body?.metadata?.name;
    const causes = [];
    if (!name || !DNS_SUBDOMAIN.test(name) || name.length > 253)
      causes.push({
        field: 'metadata.name',
        message: `Invalid value: "${name}"`,
      });
    for (const [k, v] of Object.entries(body?.data ?? {})) {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(String(v)))
        causes.push({ field: `data[${k}]`, message: 'illegal base64 data' });
    }
    if (causes.length) return this.#invalid(res, 'Secret', name, causes);
    if (this.secrets.has(key(namespace, name))) {
      return this.#status(
        res,
        409,
        'AlreadyExists',
        `secrets "${name}" already exists`,
        { name, kind: 'secrets' },
      );
    }
    const data: Record<string, string> = { ...(body.data ?? {}) };
    for (const [k, v] of Object.entries(body.stringData ?? {}))
      data[k] = Buffer.from(String(v)).toString('base64');
    const secret = {
      ...body,
      stringData: undefined,
      data,
      metadata: {
        ...body.metadata,
        namespace,
        uid: randomUUID(),
        creationTimestamp: new Date().toISOString(),
      },
    };
    delete secret.stringData;
    this.#nextVersion(secret);
    this.secrets.set(key(namespace, name), secret);
    this.#json(res, 201, secret);
  }

  #createJob(res: http.ServerResponse, namespace: string, body: KubeObject) {
    const name = body?.metadata?.name;
    const causes = [];
    if (!name || !DNS_SUBDOMAIN.test(name) || name.length > 63)
      causes.push({
        field: 'metadata.name',
        message: `Invalid value: "${name}"`,
      });
    const spec = body?.spec?.template?.spec;
    if (!spec?.containers?.length)
      causes.push({
        field: 'spec.template.spec.containers',
        message: 'Required value',
      });
    if (!['Never', 'OnFailure'].includes(spec?.restartPolicy))
      causes.push({
        field: 'spec.template.spec.restartPolicy',
        message: `Unsupported value: "${spec?.restartPolicy}": supported values: "OnFailure", "Never"`,
      });
    for (const [i, c] of [
      ...(spec?.initContainers ?? []),
      ...(spec?.containers ?? []),
    ].entries()) {
      if (!c.image)
        causes.push({
          field: `containers[${i}].image`,
          message: 'Required value',
        });
    }
    if (causes.length) return this.#invalid(res, 'Job.batch', name, causes);
    if (this.jobs.has(key(namespace, name))) {
      return this.#status(
        res,
        409,
        'AlreadyExists',
        `jobs.batch "${name}" already exists`,
        { name, group: 'batch', kind: 'jobs' },
      );
    }
    const uid = randomUUID();
    const job = {
      ...body,
      metadata: {
        ...body.metadata,
        namespace,
        uid,
        creationTimestamp: new Date().toISOString(),
      },
      status: { active: 1 },
    };
    this.jobs.set(key(namespace, name), job);
    this.#emit('ADDED', job);
    this.#json(res, 201, job);
    void this.#startPod(namespace, job);
  }

  // --- Pods ---

  async #startPod(namespace: string, job: KubeObject) {
    const template = job.spec.template;
    const podName = `${job.metadata.name}-${randomBytes(3)
      .toString('hex')
      .slice(0, 5)}`;
    const pod: FakePod = {
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: podName,
          namespace,
          uid: randomUUID(),
          labels: {
            ...(template.metadata?.labels ?? {}),
            'job-name': job.metadata.name,
            'controller-uid': job.metadata.uid,
          },
          annotations: template.metadata?.annotations ?? {},
          ownerReferences: [
            {
              apiVersion: 'batch/v1',
              kind: 'Job',
              name: job.metadata.name,
              uid: job.metadata.uid,
              controller: true,
            },
          ],
          creationTimestamp: new Date().toISOString(),
        },
        spec: JSON.parse(JSON.stringify(template.spec)),
        status: {
          phase: 'Pending',
          initContainerStatuses: (template.spec.initContainers ?? []).map(
            (c: KubeObject) => ({
              name: c.name,
              state: { waiting: { reason: 'PodInitializing' } },
            }),
          ),
          containerStatuses: template.spec.containers.map((c: KubeObject) => ({
            name: c.name,
            state: { waiting: { reason: 'PodInitializing' } },
          })),
        },
      },
      volumes: new Map(),
      logs: new Map(),
      execs: new Set(),
    };
    const podKey = key(namespace, podName);
    this.pods.set(podKey, pod);
    this.#emit('ADDED', pod.object);
    if (this.podStartDelayMs)
      await new Promise(r => setTimeout(r, this.podStartDelayMs));
    for (const volume of pod.object.spec.volumes ?? []) {
      const dir = path.join(this.#root, `${podName}-${volume.name}`);
      await fs.mkdir(dir, { recursive: true, mode: 0o755 });
      pod.volumes.set(volume.name, dir);
    }
    for (const [index, container] of (
      pod.object.spec.initContainers ?? []
    ).entries()) {
      if (!this.pods.has(podKey)) return;
      const env = this.#resolveEnv(namespace, container);
      if (typeof env === 'string') {
        pod.object.status.initContainerStatuses[index].state = {
          waiting: { reason: 'CreateContainerConfigError', message: env },
        };
        this.#emit('MODIFIED', pod.object);
        return;
      }
      pod.object.status.initContainerStatuses[index].state = {
        running: { startedAt: new Date().toISOString() },
      };
      this.#emit('MODIFIED', pod.object);
      const { code, output } = await this.#runInit(pod, container, env);
      pod.logs.set(container.name, output);
      pod.object.status.initContainerStatuses[index].state = {
        terminated: {
          exitCode: code,
          reason: code === 0 ? 'Completed' : 'Error',
          finishedAt: new Date().toISOString(),
        },
      };
      if (code !== 0) {
        pod.object.status.phase = 'Failed';
        pod.object.status.containerStatuses.forEach(
          (s: KubeObject) =>
            (s.state = {
              terminated: { exitCode: 0, reason: 'ContainerCannotRun' },
            }),
        );
        this.#emit('MODIFIED', pod.object);
        this.#finishJob(namespace, job, 'Failed');
        return;
      }
      this.#emit('MODIFIED', pod.object);
    }
    if (!this.pods.has(podKey)) return;
    pod.object.status.phase = 'Running';
    pod.object.status.containerStatuses.forEach(
      (s: KubeObject) =>
        (s.state = { running: { startedAt: new Date().toISOString() } }),
    );
    this.#emit('MODIFIED', pod.object);
  }

  #finishJob(
    namespace: string,
    job: KubeObject,
    condition: 'Failed' | 'Complete',
  ) {
    const current = this.jobs.get(key(namespace, job.metadata.name));
    if (!current) return;
    current.status = {
      [condition === 'Failed' ? 'failed' : 'succeeded']: 1,
      conditions: [{ type: condition, status: 'True' }],
    };
    this.#emit('MODIFIED', current);
  }

  #resolveEnv(
    namespace: string,
    container: KubeObject,
  ): Record<string, string> | string {
    const env: Record<string, string> = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
    };
    for (const entry of container.env ?? []) {
      if (entry.valueFrom?.secretKeyRef) {
        const ref = entry.valueFrom.secretKeyRef;
        const secret = this.secrets.get(key(namespace, ref.name));
        if (!secret) return `secret "${ref.name}" not found`;
        const value = secret.data?.[ref.key];
        if (value === undefined)
          return `couldn't find key ${ref.key} in Secret ${namespace}/${ref.name}`;
        env[entry.name] = Buffer.from(value, 'base64').toString('utf8');
      } else {
        env[entry.name] = String(entry.value ?? '');
      }
    }
    return env;
  }

  /** The local folder behind a container's working directory (its volume mount). */
  #workingDir(pod: FakePod, container: KubeObject): string {
    const workingDir = container.workingDir ?? '/';
    for (const mount of container.volumeMounts ?? []) {
      if (
        workingDir === mount.mountPath ||
        workingDir.startsWith(`${mount.mountPath}/`)
      ) {
        return path.join(
          pod.volumes.get(mount.name)!,
          workingDir.slice(mount.mountPath.length),
        );
      }
    }
    throw new Error(`The fake needs workingDir ${workingDir} on a volume`);
  }

  #runInit(
    pod: FakePod,
    container: KubeObject,
    env: Record<string, string>,
  ): Promise<{ code: number; output: string }> {
    return new Promise(resolve => {
      const cwd = this.#workingDir(pod, container);
      // The pod's paths under its volume mounts are the local folders here
      for (const [name, value] of Object.entries(env)) {
        for (const mount of container.volumeMounts ?? []) {
          if (value.startsWith(`${mount.mountPath}/`)) {
            env[name] = path.join(
              pod.volumes.get(mount.name)!,
              value.slice(mount.mountPath.length),
            );
          }
        }
      }
      const [command, ...args] = [
        ...(container.command ?? []),
        ...(container.args ?? []),
      ];
      const child = spawn(command, args, {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', c => (output += c));
      child.stderr.on('data', c => (output += c));
      child.on('error', error => resolve({ code: 128, output: String(error) }));
      child.on('close', code => resolve({ code: code ?? 137, output }));
    });
  }

  async #removePod(podKey: string, graceSeconds: number) {
    const pod = this.pods.get(podKey);
    if (!pod || pod.object.metadata.deletionTimestamp) return;
    pod.object.metadata.deletionTimestamp = new Date().toISOString();
    pod.object.metadata.deletionGracePeriodSeconds = graceSeconds;
    this.#emit('MODIFIED', pod.object);
    const execs = [...pod.execs];
    for (const exec of execs) exec.terminate();
    if (execs.length) {
      const killTimer = setTimeout(
        () => execs.forEach(e => e.kill()),
        graceSeconds * 1000,
      );
      await waitFor(() => pod.execs.size === 0, graceSeconds * 1000 + 5000);
      clearTimeout(killTimer);
    }
    this.pods.delete(podKey);
    this.#emit('DELETED', pod.object);
    for (const dir of pod.volumes.values()) {
      await fs.rm(dir, { recursive: true, force: true }).catch(() => {});
    }
  }

  #log(res: http.ServerResponse, podKey: string, url: URL) {
    const pod = this.pods.get(podKey);
    if (!pod) return this.#notFound(res, 'pods', podKey.split('/')[1]);
    const container =
      url.searchParams.get('container') ?? pod.object.spec.containers[0].name;
    const known = [
      ...(pod.object.spec.initContainers ?? []),
      ...pod.object.spec.containers,
    ].some((c: KubeObject) => c.name === container);
    if (!known) {
      return this.#status(
        res,
        400,
        'BadRequest',
        `container ${container} is not valid for pod ${pod.object.metadata.name}`,
      );
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(pod.logs.get(container) ?? '');
  }

  // --- exec ---

  #upgrade(
    req: http.IncomingMessage,
    socket: import('node:stream').Duplex,
    head: Buffer,
  ) {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const refuse = (code: number, message: string) => {
      socket.end(
        `HTTP/1.1 ${code} ${
          http.STATUS_CODES[code]
        }\r\ncontent-type: application/json\r\n\r\n${JSON.stringify({
          kind: 'Status',
          status: 'Failure',
          code,
          message,
        })}`,
      );
    };
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return refuse(401, 'Unauthorized');
    const m = url.pathname.match(
      /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/,
    );
    if (!m) return refuse(404, 'not found');
    const pod = this.pods.get(key(m[1], m[2]));
    if (!pod) return refuse(404, `pods "${m[2]}" not found`);
    const containerName = url.searchParams.get('container');
    const container = pod.object.spec.containers.find(
      (c: KubeObject) => c.name === containerName,
    );
    if (!container)
      return refuse(
        400,
        `container ${containerName} is not valid for pod ${m[2]}`,
      );
    if (
      pod.object.status.phase !== 'Running' ||
      pod.object.metadata.deletionTimestamp
    ) {
      return refuse(
        400,
        `unable to upgrade connection: container not found ("${containerName}")`,
      );
    }
    const command = url.searchParams.getAll('command');
    if (command.length === 0)
      return refuse(400, 'you must specify at least 1 command');
    this.#wss.handleUpgrade(req, socket, head, ws => {
      void this.#exec(pod, container, command, ws);
    });
  }

  async #exec(
    pod: FakePod,
    container: KubeObject,
    command: string[],
    ws: WebSocket,
  ) {
    const cwd = this.#workingDir(pod, container);
    const env: Record<string, string> = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: cwd,
    };
    const send = (channel: number, data: Buffer | string) => {
      if (ws.readyState === WebSocket.OPEN) {
        ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
      }
    };
    let exitCode: number | null = null;
    let exited: Promise<void>;
    let exec: RunningExec;
    const writable = [...pod.volumes.values()];
    if (this.#options.sandbox) {
      const child = await this.#options.sandbox.spawn({
        command: command[0],
        args: command.slice(1),
        cwd,
        env,
        writablePaths: writable,
        network: 'none',
      });
      child.stdout.on('data', (c: Buffer) => send(1, c));
      child.stderr.on('data', (c: Buffer) => send(2, c));
      exec = {
        terminate: () => child.terminate(),
        kill: () => child.kill(),
        socket: ws,
      };
      exited = child.exited.then(result => {
        exitCode = result.exitCode;
      });
    } else {
      const child = spawn(command[0], command.slice(1), {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      child.stdout.on('data', (c: Buffer) => send(1, c));
      child.stderr.on('data', (c: Buffer) => send(2, c));
      const signal = (sig: NodeJS.Signals) => {
        try {
          if (child.pid) process.kill(-child.pid, sig);
        } catch {
          // gone
        }
      };
      exec = {
        terminate: () => signal('SIGTERM'),
        kill: () => signal('SIGKILL'),
        socket: ws,
      };
      exited = new Promise(resolve => {
        child.on('error', error => {
          send(2, `${error.message}\n`);
          exitCode = 127;
          resolve();
        });
        child.on('close', (code, sig) => {
          exitCode = code ?? (sig === 'SIGKILL' ? 137 : 143);
          resolve();
        });
      });
    }
    pod.execs.add(exec);
    await exited;
    pod.execs.delete(exec);
    // Set by the callbacks above (TypeScript does not follow assignments in them)
    const code = (exitCode as number | null) ?? 137;
    send(
      3,
      JSON.stringify(
        code === 0
          ? { metadata: {}, status: 'Success' }
          : {
              metadata: {},
              status: 'Failure',
              message: `command terminated with non-zero exit code: error executing command [${command.join(
                ' ',
              )}], exit code ${code}`,
              reason: 'NonZeroExitCode',
              details: {
                causes: [{ reason: 'ExitCode', message: String(code) }],
              },
            },
      ),
    );
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  }
}

function key(namespace: string, name: string) {
  return `${namespace}/${name}`;
}

function graceOf(url: URL): number {
  const value = Number(url.searchParams.get('gracePeriodSeconds') ?? 30);
  return Number.isFinite(value) && value >= 0 ? value : 30;
}

/** `a=b,c!=d,e` selectors (equality and existence), as the API server reads them. */
function matches(object: KubeObject, selector: string): boolean {
  const labels = object.metadata?.labels ?? {};
  return selector
    .split(',')
    .map(s => s.trim())
    .filter(Boolean)
    .every(term => {
      const ne = term.split('!=');
      if (ne.length === 2) return labels[ne[0]] !== ne[1];
      const eq = term.split(/==?/);
      if (eq.length === 2) return labels[eq[0]] === eq[1];
      return term in labels;
    });
}

function reasonFor(status: number): string {
  return (
    (
      {
        409: 'AlreadyExists',
        410: 'Expired',
        422: 'Invalid',
        429: 'TooManyRequests',
        500: 'InternalError',
        503: 'ServiceUnavailable',
      } as Record<number, string>
    )[status] ?? 'Unknown'
  );
}

async function readJson(req: http.IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

async function waitFor(condition: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 20));
  }
}
