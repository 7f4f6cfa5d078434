import { ConfigReader } from '@backstage/config';
import {
  isImageAllowed,
  readKubernetesExecutorConfig,
} from './KubernetesExecutorConfig';

const base = {
  namespace: 'comet-jobs',
  image: 'registry.example.org/comet/runner:1',
  allowedImages: ['registry.example.org/comet/*'],
};

function read(extra: Record<string, unknown>) {
  return readKubernetesExecutorConfig(
    new ConfigReader({ pipelines: { kubernetes: { ...base, ...extra } } }),
  );
}

describe('readKubernetesExecutorConfig', () => {
  it('is undefined without pipelines.kubernetes', () => {
    expect(readKubernetesExecutorConfig(new ConfigReader({}))).toBeUndefined();
  });

  it('reads every setting, with defaults', () => {
    expect(read({})).toEqual({
      ...base,
      checkoutImage: base.image,
      kubeconfigPath: undefined,
      context: undefined,
      serviceAccountName: undefined,
      nodeSelector: {},
      tolerations: [],
      resources: undefined,
      ttlSecondsAfterFinished: 600,
      runAsUser: 1000,
      podStartTimeoutSeconds: 600,
      terminationGracePeriodSeconds: 10,
      reaperIntervalMinutes: 10,
    });
    expect(
      read({
        checkoutImage: 'registry.example.org/comet/git:2',
        kubeconfig: { path: '/etc/kube/config', context: 'ci' },
        serviceAccountName: 'comet-job',
        nodeSelector: { pool: 'ci' },
        tolerations: [
          { key: 'ci', operator: 'Equal', value: 'yes', effect: 'NoSchedule' },
        ],
        resources: {
          requests: { cpu: '500m', memory: '1Gi' },
          limits: { memory: '4Gi' },
        },
        ttlSecondsAfterFinished: 60,
        reaper: { intervalMinutes: 0 },
      }),
    ).toMatchObject({
      checkoutImage: 'registry.example.org/comet/git:2',
      kubeconfigPath: '/etc/kube/config',
      context: 'ci',
      serviceAccountName: 'comet-job',
      nodeSelector: { pool: 'ci' },
      tolerations: [
        { key: 'ci', operator: 'Equal', value: 'yes', effect: 'NoSchedule' },
      ],
      resources: {
        requests: { cpu: '500m', memory: '1Gi' },
        limits: { memory: '4Gi' },
      },
      ttlSecondsAfterFinished: 60,
      reaperIntervalMinutes: 0,
    });
  });

  it.each([
    [
      { namespace: 'Comet_Jobs' },
      'pipelines.kubernetes.namespace must be a namespace name (DNS label), got "Comet_Jobs"',
    ],
    [
      { allowedImages: [] },
      'pipelines.kubernetes.allowedImages must list at least one image or image prefix',
    ],
    [
      { allowedImages: ['registry.example.org/*/x'] },
      'pipelines.kubernetes.allowedImages[0] must be an image reference, or a prefix ending in a single trailing *',
    ],
    [
      { image: 'untrusted.example.net/node:22' },
      'pipelines.kubernetes.image "untrusted.example.net/node:22" is not in pipelines.kubernetes.allowedImages',
    ],
    [
      { checkoutImage: 'alpine/git' },
      'pipelines.kubernetes.checkoutImage "alpine/git" is not in pipelines.kubernetes.allowedImages',
    ],
    [
      { ttlSecondsAfterFinished: -1 },
      'pipelines.kubernetes.ttlSecondsAfterFinished must be a whole number from 0 to 604800, got -1',
    ],
    [
      { tolerations: [{ operator: 'Maybe' }] },
      'pipelines.kubernetes.tolerations[0].operator must be Exists or Equal, got "Maybe"',
    ],
    [
      { tolerations: [{ effect: 'Never' }] },
      'pipelines.kubernetes.tolerations[0].effect must be NoSchedule, PreferNoSchedule or NoExecute, got "Never"',
    ],
    [
      { resources: { limits: { gpu: '1' } } },
      'pipelines.kubernetes.resources.limits.gpu is not a resource the executor sets',
    ],
    [
      { resources: { limits: { memory: 'lots' } } },
      'pipelines.kubernetes.resources.limits.memory must be a Kubernetes quantity like 500m or 2Gi, got "lots"',
    ],
    [
      { serviceAccountName: 'Bad Name' },
      'pipelines.kubernetes.serviceAccountName must be a service account name, got "Bad Name"',
    ],
  ])('refuses %j', (extra, message) => {
    expect(() => read(extra)).toThrow(message);
  });
});

describe('isImageAllowed', () => {
  it('matches exact references and prefixes', () => {
    const allowed = ['registry.example.org/comet/*', 'node:22'];
    expect(isImageAllowed('registry.example.org/comet/a:1', allowed)).toBe(
      true,
    );
    expect(isImageAllowed('node:22', allowed)).toBe(true);
    expect(isImageAllowed('node:22-alpine', allowed)).toBe(false);
    expect(isImageAllowed('registry.example.org/other/a:1', allowed)).toBe(
      false,
    );
  });
});
