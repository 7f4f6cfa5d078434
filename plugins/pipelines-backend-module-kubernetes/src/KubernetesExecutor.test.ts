/*
 * The executor with the real @kubernetes/client-node against the local Kubernetes API fake,
 * which runs the exec'd commands in the pipelines sandbox (bubblewrap, where installed) and the
 * checkout against a git server on 127.0.0.1.
 */
import { mockServices } from '@backstage/backend-test-utils';
import {
  BubblewrapSandbox,
  GitRemotePolicy,
  type PipelineOutputLine,
  type PipelineWorkspace,
} from '@internal/plugin-pipelines-node';
import {
  GitHttpServer,
  makeGitRepository,
  startGitHttpServer,
} from '@internal/plugin-pipelines-node/testUtils';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubernetesApi } from './KubernetesApi';
import { KubernetesExecutor } from './KubernetesExecutor';
import type { KubernetesExecutorConfig } from './KubernetesExecutorConfig';
import { loadKubernetesClient } from './kubernetesClient';
import { KubernetesFake } from './testUtils';

jest.setTimeout(60_000);

const hasBwrap = (() => {
  try {
    execFileSync('bwrap', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const NAMESPACE = 'comet-jobs';

async function eventually(check: () => void | Promise<void>) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise(resolve => setTimeout(resolve, 20));
    }
  }
}

describe('KubernetesExecutor', () => {
  let tmp: string;
  let git: GitHttpServer;
  let fake: KubernetesFake;
  let commit: string;
  let api: KubernetesApi;
  const record = jest.fn();
  const config: KubernetesExecutorConfig = {
    namespace: NAMESPACE,
    image: 'registry.example.org/comet/runner:1',
    checkoutImage: 'registry.example.org/comet/git:1',
    allowedImages: ['registry.example.org/comet/*'],
    nodeSelector: { pool: 'ci' },
    tolerations: [{ key: 'ci', operator: 'Exists', effect: 'NoSchedule' }],
    resources: { limits: { cpu: '2', memory: '4Gi' } },
    serviceAccountName: 'comet-job',
    ttlSecondsAfterFinished: 600,
    runAsUser: 1000,
    podStartTimeoutSeconds: 30,
    terminationGracePeriodSeconds: 1,
    reaperIntervalMinutes: 10,
  };
  let executor: KubernetesExecutor;

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-k8s-test-'));
    await fs.chmod(tmp, 0o755);
    await fs.mkdir(path.join(tmp, 'repos', 'app'), { recursive: true });
    commit = makeGitRepository(path.join(tmp, 'repos', 'app'), {
      'README.md': 'hello\n',
      'build.sh': 'mkdir -p dist && echo built > dist/app.txt\n',
    });
    git = await startGitHttpServer({ root: path.join(tmp, 'repos') });
    fake = await KubernetesFake.start({
      root: path.join(tmp, 'pods'),
      sandbox: hasBwrap
        ? new BubblewrapSandbox({ logger: mockServices.logger.mock() })
        : undefined,
    });
    const k8s = await loadKubernetesClient();
    const kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromString(fake.kubeconfig(NAMESPACE));
    api = await KubernetesApi.create(kubeConfig, NAMESPACE);
    executor = KubernetesExecutor.create({
      api,
      config,
      logger: mockServices.logger.mock(),
      gitRemotePolicy: GitRemotePolicy.create({ allowedHosts: [git.host] }),
      podStartHistogram: { record },
    });
  });

  afterAll(async () => {
    await fake?.close();
    await git?.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  async function prepare(extra: { image?: string; ref?: string } = {}) {
    return executor.prepareWorkspace({
      runId: 'run-1',
      jobRunId: 'build (os=linux)',
      repositoryUrl: git.url('app'),
      ref: extra.ref ?? commit,
      entityRef: 'component:default/app',
      image: extra.image,
    });
  }

  async function run(
    workspace: PipelineWorkspace,
    script: string,
    options: {
      env?: Record<string, string>;
      timeoutMs?: number;
      signal?: AbortSignal;
      /** Where the step's lines go as they arrive, for a test that waits for one. */
      lines?: PipelineOutputLine[];
    } = {},
  ) {
    const lines = options.lines ?? [];
    const result = await executor.runScript({
      workspace,
      script,
      env: options.env ?? {},
      timeoutMs: options.timeoutMs,
      signal: options.signal ?? new AbortController().signal,
      onOutput: line => lines.push(line),
    });
    return { result, lines };
  }

  it('runs a job in one pod: checkout in the init container, steps through exec, artifacts out', async () => {
    const workspace = await prepare();
    expect(workspace).toEqual({ dir: '/workspace/src', commit });
    expect(record).toHaveBeenCalledWith(expect.any(Number), {
      executor: 'kubernetes',
    });

    // One Job, labelled and locked down; its checkout Secret is gone once the pod runs
    expect(fake.jobs.size).toBe(1);
    const job = [...fake.jobs.values()][0];
    expect(job.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'comet-pipelines',
      'comet.dev/run-id': 'run-1',
      'comet.dev/job': 'build-os-linux',
    });
    expect(job.metadata.annotations).toEqual({
      'comet.dev/run-id': 'run-1',
      'comet.dev/job-run-id': 'build (os=linux)',
      'comet.dev/entity-ref': 'component:default/app',
    });
    expect(job.spec.backoffLimit).toBe(0);
    const podSpec = job.spec.template.spec;
    expect(podSpec.automountServiceAccountToken).toBe(false);
    expect(podSpec.serviceAccountName).toBe('comet-job');
    expect(podSpec.nodeSelector).toEqual({ pool: 'ci' });
    expect(podSpec.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(podSpec.containers[0]).toMatchObject({
      image: 'registry.example.org/comet/runner:1',
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      },
      resources: { limits: { cpu: '2', memory: '4Gi' } },
    });
    // The repository URL reaches the init container only, from the Secret
    expect(JSON.stringify(podSpec.containers)).not.toContain(
      'COMET_CHECKOUT_URL',
    );
    expect(JSON.stringify(podSpec.initContainers)).toContain('secretKeyRef');
    expect(fake.secrets.size).toBe(0);

    const ok = await run(
      workspace,
      'cat README.md\necho "to stderr $GREETING" >&2\necho "home=${HOME:+set} ci=${CI:-unset}"\nbash build.sh',
      {
        env: { GREETING: "it's me" },
      },
    );
    expect(ok.result).toEqual({ exitCode: 0 });
    // Each stream in order (the two pipes are not ordered against each other)
    expect(ok.lines.filter(l => l.stream === 'stdout')).toEqual([
      { stream: 'stdout', text: 'hello' },
      { stream: 'stdout', text: 'home=set ci=unset' },
    ]);
    expect(ok.lines.filter(l => l.stream === 'stderr')).toEqual([
      { stream: 'stderr', text: "to stderr it's me" },
    ]);

    const failed = await run(workspace, 'echo before\nfalse\necho after');
    expect(failed.result).toEqual({ exitCode: 1 });
    expect(failed.lines).toEqual([{ stream: 'stdout', text: 'before' }]);
    expect((await run(workspace, 'exit 7')).result).toEqual({ exitCode: 7 });

    // A step cannot read an earlier step's environment from disk
    const leftovers = await run(
      workspace,
      'ls -A ../.comet | grep -c step- || true',
    );
    expect(leftovers.lines).toEqual([{ stream: 'stdout', text: '0' }]);

    // A line longer than 64 KiB arrives in pieces that continue each other
    const wide = await run(
      workspace,
      "head -c 100000 /dev/zero | tr '\\0' a; echo; echo end",
    );
    expect(wide.lines.map(l => [l.text.length, l.continues])).toEqual([
      [65536, true],
      [34464, undefined],
      [3, undefined],
    ]);

    // A long script goes in pieces
    const long = await run(workspace, `X='${'x'.repeat(40_000)}'\necho \${#X}`);
    expect(long.lines).toEqual([{ stream: 'stdout', text: '40000' }]);

    const target = path.join(tmp, 'artifacts');
    const copied = await executor.collectArtifacts(
      workspace,
      ['dist', 'missing.txt', 'README.md'],
      target,
    );
    expect(copied).toEqual(['dist', 'README.md']);
    expect(
      await fs.readFile(path.join(target, 'dist', 'app.txt'), 'utf8'),
    ).toBe('built\n');
    expect(await fs.readFile(path.join(target, 'README.md'), 'utf8')).toBe(
      'hello\n',
    );
    await expect(
      executor.collectArtifacts(workspace, ['../etc'], target),
    ).rejects.toThrow("must not contain '..'");
    await expect(
      executor.collectArtifacts(workspace, ['/etc/passwd'], target),
    ).rejects.toThrow('must be relative to the workspace');

    await executor.cleanupWorkspace(workspace);
    expect(fake.jobs.size).toBe(0);
    await eventually(() => expect(fake.pods.size).toBe(0));
    await expect(run(workspace, 'true')).rejects.toThrow(
      'was not prepared by this Kubernetes executor',
    );
  });

  it('deletes the pod on cancel and on timeout', async () => {
    const workspace = await prepare();
    const controller = new AbortController();
    const seen: PipelineOutputLine[] = [];
    const cancelled = run(workspace, 'echo started\nsleep 30\necho never', {
      signal: controller.signal,
      lines: seen,
    });
    // The step is running in the pod: its first line came through the exec stream
    await eventually(() => expect(seen.map(l => l.text)).toContain('started'));
    controller.abort();
    const result = await cancelled;
    expect(result.result).toEqual({ exitCode: null, terminatedBy: 'cancel' });
    expect(result.lines.map(l => l.text)).not.toContain('never');
    expect(
      fake.requests.some(
        r =>
          r.startsWith('DELETE /api/v1/namespaces/comet-jobs/pods/') &&
          r.includes('gracePeriodSeconds=1'),
      ),
    ).toBe(true);
    await expect(run(workspace, 'true')).rejects.toThrow(
      'was deleted (cancel) before this step',
    );
    await executor.cleanupWorkspace(workspace);

    const second = await prepare();
    expect((await run(second, 'sleep 30', { timeoutMs: 300 })).result).toEqual({
      exitCode: null,
      terminatedBy: 'timeout',
    });
    await executor.cleanupWorkspace(second);
  });

  it('reports a dropped exec stream instead of losing it', async () => {
    const workspace = await prepare();
    const seen: PipelineOutputLine[] = [];
    const step = run(workspace, 'echo one\nsleep 5\necho two', {
      lines: seen,
    }).catch((error: Error) => error);
    // The stream is flowing: the step's first line arrived
    await eventually(() => expect(seen.map(l => l.text)).toContain('one'));
    fake.dropExecConnections();
    expect(String(await step)).toMatch(
      /Lost the connection to the step in pod comet-run-1-build-os-linux-[0-9a-f]+-\w+: the exec stream closed .* before the command's exit status arrived/,
    );
    await executor.cleanupWorkspace(workspace);
  });

  it('refuses images and repositories that are not allowed, before creating anything', async () => {
    const before = fake.requests.length;
    await expect(
      prepare({ image: 'untrusted.example.net/library/alpine:3' }),
    ).rejects.toThrow(
      'The job\'s image "untrusted.example.net/library/alpine:3" is not allowed: pipelines.kubernetes.allowedImages lists "registry.example.org/comet/*"',
    );
    await expect(
      executor.prepareWorkspace({
        runId: 'r',
        jobRunId: 'j',
        repositoryUrl: 'http://169.254.169.254/repo',
      }),
    ).rejects.toThrow('is not in pipelines.git.allowedHosts');
    await expect(
      executor.prepareWorkspace({
        runId: 'r',
        jobRunId: 'j',
        repositoryUrl: git.url('app'),
        ref: '--upload-pack=x',
      }),
    ).rejects.toThrow('Invalid git ref');
    expect(fake.requests.length).toBe(before);
  });

  it('fails with the checkout log when the commit cannot be fetched, and removes its objects', async () => {
    await expect(prepare({ ref: 'no-such-branch' })).rejects.toThrow(
      /The checkout of http:\/\/127\.0\.0\.1:\d+\/app at no-such-branch failed in pod .*: the checkout exited with code 128/,
    );
    expect(fake.jobs.size).toBe(0);
    expect(fake.secrets.size).toBe(0);
  });

  it('retries 429 answers after Retry-After, relists after 410 Expired, and names the call on other errors', async () => {
    fake.failNext('POST', `/apis/batch/v1/namespaces/${NAMESPACE}/jobs`, 429, {
      retryAfterSeconds: 0,
    });
    fake.podStartDelayMs = 300;
    const watching = prepare();
    await eventually(() =>
      expect(fake.requests.some(r => r.includes('watch=true'))).toBe(true),
    );
    fake.compactEvents();
    const workspace = await watching;
    fake.podStartDelayMs = 0;
    expect(
      fake.requests.filter(r => r.startsWith('POST /apis/batch/v1')).length,
    ).toBeGreaterThanOrEqual(2);
    expect((await run(workspace, 'echo ok')).lines).toEqual([
      { stream: 'stdout', text: 'ok' },
    ]);
    await executor.cleanupWorkspace(workspace);

    fake.failNext('POST', `/api/v1/namespaces/${NAMESPACE}/secrets`, 409);
    await expect(prepare()).rejects.toThrow(
      /Kubernetes API: cannot create Secret comet-run-1-build-os-linux-\w+-checkout in namespace comet-jobs at http:\/\/127\.0\.0\.1:\d+: 409 AlreadyExists: injected 409/,
    );
    fake.failNext('POST', `/apis/batch/v1/namespaces/${NAMESPACE}/jobs`, 422);
    await expect(prepare()).rejects.toThrow(
      /cannot create Job .*: 422 Invalid/,
    );
    expect(fake.secrets.size).toBe(0);
  });

  it('answers 422 for an invalid Job, as the API server does', async () => {
    await expect(
      api.createJob({
        metadata: { name: 'Bad_Name' },
        spec: {
          template: { spec: { containers: [], restartPolicy: 'Always' } },
        },
      }),
    ).rejects.toThrow(
      /422 Invalid: Job.batch "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name", spec.template.spec.containers: Required value/,
    );
  });
});
