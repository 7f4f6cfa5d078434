import { KubernetesApi } from '../KubernetesApi';
import { loadKubernetesClient } from '../kubernetesClient';
import { KubernetesFake } from './KubernetesFake';

jest.setTimeout(60_000);

describe('KubernetesFake', () => {
  let fake: KubernetesFake;
  let api: KubernetesApi;

  beforeAll(async () => {
    fake = await KubernetesFake.start();
    const k8s = await loadKubernetesClient();
    const kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromString(fake.kubeconfig());
    api = await KubernetesApi.create(kubeConfig, 'comet-jobs');
  });

  afterAll(async () => {
    await fake?.close();
  });

  const call = (method: string, path: string, token = fake.token) =>
    fetch(`${fake.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
    });

  it('answers like the API server: 401, 404, 400 for logs and exec it cannot serve', async () => {
    const unauthorized = await call(
      'GET',
      '/api/v1/namespaces/comet-jobs/pods',
      'wrong',
    );
    expect(unauthorized.status).toBe(401);
    const unknown = await call('GET', '/api/v1/nodes');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
    });
    for (const path of [
      '/apis/batch/v1/namespaces/comet-jobs/jobs/missing',
      '/api/v1/namespaces/comet-jobs/pods/missing',
      '/api/v1/namespaces/comet-jobs/pods/missing/log',
      '/api/v1/namespaces/comet-jobs/secrets/missing',
    ]) {
      expect((await call('GET', path)).status).toBe(404);
    }
    expect(await api.deleteSecret('missing')).toBe(false);
    expect(await api.deletePod('missing', 0)).toBe(false);

    await api.createJob({
      metadata: { name: 'idle', labels: { app: 'x' } },
      spec: {
        template: {
          metadata: { labels: { app: 'x' } },
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'main',
                image: 'x',
                command: ['sleep'],
                workingDir: '/w',
                volumeMounts: [{ name: 'w', mountPath: '/w' }],
              },
            ],
            volumes: [{ name: 'w', emptyDir: {} }],
          },
        },
      },
    });
    const pod = await api.waitForPod(
      'job-name=idle',
      p => (p.status?.phase === 'Running' ? p : undefined),
      new AbortController().signal,
    );
    const podName = pod.metadata!.name!;
    expect(pod.metadata?.labels).toMatchObject({
      app: 'x',
      'job-name': 'idle',
    });
    expect(
      (await call('GET', `/apis/batch/v1/namespaces/comet-jobs/jobs/idle`))
        .status,
    ).toBe(200);
    expect(
      (await call('GET', `/api/v1/namespaces/comet-jobs/pods/${podName}`))
        .status,
    ).toBe(200);
    const badLog = await call(
      'GET',
      `/api/v1/namespaces/comet-jobs/pods/${podName}/log?container=nope`,
    );
    expect(badLog.status).toBe(400);
    expect(await api.readLog(podName, 'main')).toBe('');
    await expect(
      api.exec({
        pod: podName,
        container: 'nope',
        command: ['true'],
        onStdout: () => {},
        onStderr: () => {},
      }),
    ).rejects.toThrow(/cannot exec in pod .*: Unexpected server response: 400/);
    await expect(
      api.exec({
        pod: 'missing',
        container: 'main',
        command: ['true'],
        onStdout: () => {},
        onStderr: () => {},
      }),
    ).rejects.toThrow(/Unexpected server response: 404/);
    const out: Buffer[] = [];
    const result = await api.exec({
      pod: podName,
      container: 'main',
      command: ['/bin/sh', '-c', 'echo $PWD; exit 3'],
      onStdout: chunk => out.push(chunk),
      onStderr: () => {},
    });
    expect(result).toMatchObject({ kind: 'exited', exitCode: 3 });
    expect(Buffer.concat(out).toString()).toMatch(/idle-\w+-w\n$/);
    const missing = await api.exec({
      pod: podName,
      container: 'main',
      command: ['/no/such/command'],
      onStdout: () => {},
      onStderr: () => {},
    });
    expect(missing).toMatchObject({ kind: 'exited', exitCode: 127 });

    expect((await api.listJobs('app=x')).map(j => j.metadata?.name)).toEqual([
      'idle',
    ]);
    expect((await api.listPods('app!=x')).pods).toEqual([]);
    expect(await api.deleteJob('idle', 0)).toBe(true);
  });

  it('refuses a Secret with bad data and names the field; 409 for a second one', async () => {
    await expect(
      api.createSecret({ metadata: { name: 's' }, data: { key: '%%%' } }),
    ).rejects.toThrow(
      '422 Invalid: Secret "s" is invalid: data[key]: illegal base64 data',
    );
    await api.createSecret({ metadata: { name: 's2' }, data: { key: 'YQ==' } });
    await expect(
      api.createSecret({ metadata: { name: 's2' } }),
    ).rejects.toThrow('409 AlreadyExists: secrets "s2" already exists');
    expect((await api.listSecrets('')).map(s => s.metadata?.name)).toContain(
      's2',
    );
  });

  it('gives up on 429 after a few attempts, and leaves a pod Pending whose Secret is missing', async () => {
    fake.failNext('GET', '/api/v1/namespaces/comet-jobs/secrets', 429, {
      count: 6,
      retryAfterSeconds: 0,
    });
    await expect(api.listSecrets('')).rejects.toThrow('429 TooManyRequests');

    await api.createJob({
      metadata: { name: 'nosecret' },
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            initContainers: [
              {
                name: 'init',
                image: 'x',
                command: ['true'],
                env: [
                  {
                    name: 'A',
                    valueFrom: { secretKeyRef: { name: 'absent', key: 'a' } },
                  },
                ],
              },
            ],
            containers: [{ name: 'main', image: 'x' }],
          },
        },
      },
    });
    const waiting = await api.waitForPod(
      'job-name=nosecret',
      p =>
        p.status?.initContainerStatuses?.[0]?.state?.waiting?.reason ===
        'CreateContainerConfigError'
          ? p.status.initContainerStatuses[0].state.waiting.message
          : undefined,
      new AbortController().signal,
    );
    expect(waiting).toBe('secret "absent" not found');
    const controller = new AbortController();
    const never = api.waitForPod(
      'job-name=nothing',
      () => undefined,
      controller.signal,
    );
    controller.abort(new Error('stopped'));
    await expect(never).rejects.toThrow('stopped');
  });
});
