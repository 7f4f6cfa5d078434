import type { Config } from '@backstage/config';

/** Where the Kubernetes executor is configured. */
export const KUBERNETES_CONFIG_KEY = 'pipelines.kubernetes';

export type KubernetesToleration = {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
};

export type KubernetesResources = {
  requests?: { cpu?: string; memory?: string; 'ephemeral-storage'?: string };
  limits?: { cpu?: string; memory?: string; 'ephemeral-storage'?: string };
};

/** `pipelines.kubernetes`, checked. */
export type KubernetesExecutorConfig = {
  namespace: string;
  /** The job image when the pipeline file names none. */
  image: string;
  /** The init container's image: needs `sh` and `git`. */
  checkoutImage: string;
  /** Exact references, or prefixes ending in `*`. */
  allowedImages: string[];
  /** A kubeconfig file; in-cluster configuration when absent. */
  kubeconfigPath?: string;
  /** The kubeconfig context; its current context when absent. */
  context?: string;
  serviceAccountName?: string;
  nodeSelector: Record<string, string>;
  tolerations: KubernetesToleration[];
  resources?: KubernetesResources;
  ttlSecondsAfterFinished: number;
  /** The uid and gid the containers run as (the restricted profile forbids root). */
  runAsUser: number;
  podStartTimeoutSeconds: number;
  terminationGracePeriodSeconds: number;
  /** Minutes between two passes of the reaper; 0 turns it off. */
  reaperIntervalMinutes: number;
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|E|Ei|P|Pi)?$/;

/**
 * Reads `pipelines.kubernetes`; undefined when it is absent (the executor stays off). Throws an
 * error naming the key for every bad value.
 */
export function readKubernetesExecutorConfig(
  root: Config,
): KubernetesExecutorConfig | undefined {
  const config = root.getOptionalConfig(KUBERNETES_CONFIG_KEY);
  if (!config) {
    return undefined;
  }
  const key = (name: string) => `${KUBERNETES_CONFIG_KEY}.${name}`;
  const fail = (name: string, message: string): never => {
    throw new Error(`${key(name)} ${message}`);
  };

  const namespace = config.getString('namespace');
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) {
    fail(
      'namespace',
      `must be a namespace name (DNS label), got "${namespace}"`,
    );
  }
  const allowedImages = config.getStringArray('allowedImages');
  if (allowedImages.length === 0) {
    fail('allowedImages', 'must list at least one image or image prefix');
  }
  allowedImages.forEach((entry, index) => {
    if (
      !entry ||
      /\s/.test(entry) ||
      (entry.indexOf('*') !== entry.length - 1 && entry.includes('*'))
    ) {
      fail(
        `allowedImages[${index}]`,
        `must be an image reference, or a prefix ending in a single trailing *, got "${entry}"`,
      );
    }
  });
  const image = config.getString('image');
  const checkoutImage = config.getOptionalString('checkoutImage') ?? image;
  for (const [name, value] of [
    ['image', image],
    ['checkoutImage', checkoutImage],
  ] as const) {
    if (!isImageAllowed(value, allowedImages)) {
      fail(name, `"${value}" is not in ${key('allowedImages')}`);
    }
  }

  const integer = (
    name: string,
    fallback: number,
    min: number,
    max: number,
  ) => {
    const value = config.getOptionalNumber(name) ?? fallback;
    if (!Number.isInteger(value) || value < min || value > max) {
      fail(name, `must be a whole number from ${min} to ${max}, got ${value}`);
    }
    return value;
  };

  const nodeSelector: Record<string, string> = {};
  const selector = config.getOptionalConfig('nodeSelector');
  for (const name of selector?.keys() ?? []) {
    nodeSelector[name] = selector!.getString(name);
  }

  const tolerations = (config.getOptionalConfigArray('tolerations') ?? []).map(
    (entry, index) => {
      const where = `tolerations[${index}]`;
      const operator = entry.getOptionalString('operator');
      if (
        operator !== undefined &&
        operator !== 'Exists' &&
        operator !== 'Equal'
      ) {
        fail(`${where}.operator`, `must be Exists or Equal, got "${operator}"`);
      }
      const effect = entry.getOptionalString('effect');
      if (
        effect !== undefined &&
        !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)
      ) {
        fail(
          `${where}.effect`,
          `must be NoSchedule, PreferNoSchedule or NoExecute, got "${effect}"`,
        );
      }
      const toleration: KubernetesToleration = {
        key: entry.getOptionalString('key'),
        operator: operator as KubernetesToleration['operator'],
        value: entry.getOptionalString('value'),
        effect: effect as KubernetesToleration['effect'],
        tolerationSeconds: entry.getOptionalNumber('tolerationSeconds'),
      };
      return Object.fromEntries(
        Object.entries(toleration).filter(([, v]) => v !== undefined),
      ) as KubernetesToleration;
    },
  );

  let resources: KubernetesResources | undefined;
  const resourcesConfig = config.getOptionalConfig('resources');
  if (resourcesConfig) {
    resources = {};
    for (const kind of ['requests', 'limits'] as const) {
      const section = resourcesConfig.getOptionalConfig(kind);
      if (!section) continue;
      const values: Record<string, string> = {};
      for (const name of section.keys()) {
        if (!['cpu', 'memory', 'ephemeral-storage'].includes(name)) {
          fail(
            `resources.${kind}.${name}`,
            'is not a resource the executor sets (cpu, memory, ephemeral-storage)',
          );
        }
        const value = String(section.get(name));
        if (!QUANTITY.test(value)) {
          fail(
            `resources.${kind}.${name}`,
            `must be a Kubernetes quantity like 500m or 2Gi, got "${value}"`,
          );
        }
        values[name] = value;
      }
      resources[kind] = values;
    }
  }

  const serviceAccountName = config.getOptionalString('serviceAccountName');
  if (
    serviceAccountName !== undefined &&
    !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(serviceAccountName)
  ) {
    fail(
      'serviceAccountName',
      `must be a service account name, got "${serviceAccountName}"`,
    );
  }

  return {
    namespace,
    image,
    checkoutImage,
    allowedImages,
    kubeconfigPath: config.getOptionalString('kubeconfig.path'),
    context: config.getOptionalString('kubeconfig.context'),
    serviceAccountName,
    nodeSelector,
    tolerations,
    resources,
    ttlSecondsAfterFinished: integer(
      'ttlSecondsAfterFinished',
      600,
      0,
      7 * 24 * 3600,
    ),
    runAsUser: integer('runAsUser', 1000, 1, 2 ** 31 - 1),
    podStartTimeoutSeconds: integer(
      'podStartTimeoutSeconds',
      600,
      1,
      24 * 3600,
    ),
    terminationGracePeriodSeconds: integer(
      'terminationGracePeriodSeconds',
      10,
      0,
      3600,
    ),
    reaperIntervalMinutes: integer('reaper.intervalMinutes', 10, 0, 24 * 60),
  };
}

/** Whether `image` is one of `allowedImages` (exact, or under a prefix ending in `*`). */
export function isImageAllowed(
  image: string,
  allowedImages: string[],
): boolean {
  return allowedImages.some(entry =>
    entry.endsWith('*')
      ? image.startsWith(entry.slice(0, -1))
      : image === entry,
  );
}
