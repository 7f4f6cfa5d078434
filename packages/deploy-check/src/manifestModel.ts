import type { DockerfileFacts } from './dockerfile';
import { podSpecOf } from './kustomize';
import type { ShutdownDefaults } from './repoFacts';
import { selectorMatches } from './selectors';
import type { KubernetesObject, ManifestDocument } from './types';

/** Backstage's health endpoints (`@backstage/backend-defaults`' root HTTP router). */
export const HEALTH_PATHS = {
  readiness: '/.backstage/health/v1/readiness',
  liveness: '/.backstage/health/v1/liveness',
};

/** The labels of the portal's pods. */
export const PORTAL_LABELS = {
  'app.kubernetes.io/name': 'comet',
  'app.kubernetes.io/component': 'portal',
};

/** The label of the namespace pipeline jobs run in. */
export const JOBS_NAMESPACE_LABEL = {
  key: 'app.kubernetes.io/component',
  value: 'pipeline-jobs',
};

/** The OpenTelemetry Prometheus exporter's default port (COMET_METRICS_PORT). */
export const DEFAULT_METRICS_PORT = 9464;

/** The annotation every example Secret carries. */
export const EXAMPLE_ANNOTATION = 'comet.dev/example';

/**
 * What the Kubernetes executor does in its namespace (docs/deploy.md): the Role bound to the
 * portal's ServiceAccount must allow at least this.
 */
export const EXECUTOR_PERMISSIONS = [
  {
    group: 'batch',
    resource: 'jobs',
    verbs: ['create', 'get', 'list', 'watch', 'delete'],
  },
  { group: '', resource: 'pods', verbs: ['get', 'list', 'watch', 'delete'] },
  { group: '', resource: 'pods/exec', verbs: ['create'] },
  { group: '', resource: 'pods/log', verbs: ['get'] },
  { group: '', resource: 'secrets', verbs: ['create', 'delete'] },
  { group: '', resource: 'events', verbs: ['list'] },
  { group: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['get'] },
];

/** Addresses job pods must not reach, each with an address inside it. */
export const DENIED_JOB_DESTINATIONS = [
  { address: '169.254.169.254', what: 'the cloud metadata address' },
  {
    address: '10.0.0.1',
    what: 'the private range 10.0.0.0/8 (pods and services: the portal, its PostgreSQL and Redis)',
  },
  {
    address: '172.16.0.1',
    what: 'the private range 172.16.0.0/12 (pods and services: the portal, its PostgreSQL and Redis)',
  },
  {
    address: '192.168.0.1',
    what: 'the private range 192.168.0.0/16 (pods and services: the portal, its PostgreSQL and Redis)',
  },
];

export type ManifestCheckContext = {
  /** The kustomization folder, relative to the repository, for problems of the whole. */
  origin: string;
  /** The rendered objects of one kustomization. */
  documents: ManifestDocument[];
  /** The example Secrets: the names and keys the real ones must have. */
  exampleSecrets: ManifestDocument[];
  dockerfile: DockerfileFacts;
  dockerfileFile: string;
  shutdownDefaults: ShutdownDefaults;
  /** A repository file's text by its path relative to the repository, or undefined. */
  readRepoFile: (relativePath: string) => string | undefined;
  /** The Node.js and Yarn versions the repository pins, which the image must use. */
  toolchain: { node?: string; yarn?: string };
};

export type Container = Record<string, any>;
export type PodSpec = Record<string, any>;

export type Workload = {
  document: ManifestDocument;
  podSpec: PodSpec;
  /** The field path of the pod spec, e.g. `spec.template.spec`. */
  podPath: string;
  namespace: string;
  labels: Record<string, string>;
};

export function workloads(documents: ManifestDocument[]): Workload[] {
  const out: Workload[] = [];
  for (const document of documents) {
    const podSpec = podSpecOf(document.object);
    if (!podSpec) continue;
    const object = document.object as any;
    let podPath = 'spec.template.spec';
    let labels = object.spec?.template?.metadata?.labels;
    if (document.object.kind === 'Pod') {
      podPath = 'spec';
      labels = object.metadata?.labels;
    } else if (document.object.kind === 'CronJob') {
      podPath = 'spec.jobTemplate.spec.template.spec';
      labels = object.spec?.jobTemplate?.spec?.template?.metadata?.labels;
    }
    out.push({
      document,
      podSpec,
      podPath,
      namespace: document.object.metadata.namespace ?? 'default',
      labels: labels ?? {},
    });
  }
  return out;
}

export function containersOf(
  workload: Workload,
): Array<{ container: Container; path: string }> {
  const out: Array<{ container: Container; path: string }> = [];
  for (const key of ['initContainers', 'containers']) {
    const list = workload.podSpec[key];
    if (!Array.isArray(list)) continue;
    list.forEach((container, index) =>
      out.push({ container, path: `${workload.podPath}.${key}[${index}]` }),
    );
  }
  return out;
}

export function findObject(
  documents: ManifestDocument[],
  kind: string,
  namespace: string | undefined,
  name: string,
): ManifestDocument | undefined {
  return documents.find(
    document =>
      document.object.kind === kind &&
      document.object.metadata.name === name &&
      (namespace === undefined ||
        (document.object.metadata.namespace ?? 'default') === namespace),
  );
}

/** The keys of a Secret or ConfigMap (data and stringData/binaryData). */
export function keysOf(object: KubernetesObject): Map<string, string> {
  const keys = new Map<string, string>();
  const data = (object.data ?? {}) as Record<string, string>;
  for (const [key, value] of Object.entries(data)) {
    keys.set(
      key,
      object.kind === 'Secret'
        ? Buffer.from(String(value), 'base64').toString('utf8')
        : String(value),
    );
  }
  for (const field of ['stringData', 'binaryData']) {
    for (const [key, value] of Object.entries(
      (object[field] ?? {}) as Record<string, string>,
    )) {
      keys.set(key, String(value));
    }
  }
  return keys;
}

/** The portal Deployment(s) among the workloads. */
export function portalsOf(documents: ManifestDocument[]): Workload[] {
  return workloads(documents).filter(
    workload =>
      workload.document.object.kind === 'Deployment' &&
      selectorMatches({ matchLabels: PORTAL_LABELS }, workload.labels),
  );
}
