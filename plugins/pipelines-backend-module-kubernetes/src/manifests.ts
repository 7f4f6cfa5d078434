import type { V1Job, V1Secret } from '@kubernetes/client-node';
import { gitSafetyArgs } from '@internal/plugin-pipelines-node';
import type { KubernetesExecutorConfig } from './KubernetesExecutorConfig';

/** Label on every object the executor creates; the reaper lists by it. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'comet-pipelines';
export const RUN_ID_LABEL = 'comet.dev/run-id';
export const JOB_LABEL = 'comet.dev/job';
export const RUN_ID_ANNOTATION = 'comet.dev/run-id';
export const JOB_RUN_ID_ANNOTATION = 'comet.dev/job-run-id';
export const ENTITY_REF_ANNOTATION = 'comet.dev/entity-ref';

/** The containers of a job pod. */
export const CHECKOUT_CONTAINER = 'checkout';
export const STEPS_CONTAINER = 'steps';
/** Where the workspace volume is mounted: the containers' working directory. */
export const WORKSPACE_MOUNT = '/workspace';
/** The checkout, relative to the working directory. */
export const SOURCE_DIR = 'src';
/** The last line of the checkout's log: `<marker><commit>`. */
export const COMMIT_MARKER = 'comet-checkout-commit=';

export type JobObjects = {
  name: string;
  secretName: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
};

/** A label value: at most 63 of `[A-Za-z0-9._-]`, starting and ending alphanumeric. */
export function labelValue(value: string): string {
  const cleaned = value
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned || 'x';
}

/** `comet-<run>-<job>-<random>`: a DNS label of at most 63 characters. */
export function jobObjectName(runId: string, jobRunId: string, random: string) {
  const part = (value: string, max: number) =>
    value
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, max)
      .replace(/-+$/g, '') || 'x';
  return `comet-${part(runId, 20)}-${part(jobRunId, 24)}-${random}`;
}

export function objectsFor(options: {
  runId: string;
  jobRunId: string;
  entityRef?: string;
  random: string;
}): JobObjects {
  const name = jobObjectName(options.runId, options.jobRunId, options.random);
  return {
    name,
    secretName: `${name}-checkout`,
    labels: {
      [MANAGED_BY_LABEL]: MANAGED_BY,
      [RUN_ID_LABEL]: labelValue(options.runId),
      [JOB_LABEL]: labelValue(options.jobRunId),
    },
    annotations: {
      [RUN_ID_ANNOTATION]: options.runId,
      [JOB_RUN_ID_ANNOTATION]: options.jobRunId,
      ...(options.entityRef
        ? { [ENTITY_REF_ANNOTATION]: options.entityRef }
        : {}),
    },
  };
}

/** The per-job Secret holding what the checkout needs; only the init container reads it. */
export function checkoutSecret(
  objects: JobObjects,
  checkout: { url: string; ref: string },
): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: objects.secretName,
      labels: objects.labels,
      annotations: objects.annotations,
    },
    stringData: { url: checkout.url, ref: checkout.ref },
  };
}

/**
 * The init container's script: a shallow fetch of one commit with the same safety settings as
 * the local executor's checkout (no redirects, hooks, submodules or credential helpers), then
 * the commit on the last line of its log.
 */
export function checkoutScript(options: { allowFile: boolean }): string {
  const args = gitSafetyArgs({ allowFile: options.allowFile })
    .map(arg => `'${arg.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  return [
    'set -eu',
    `git init --quiet ${SOURCE_DIR}`,
    `cd ${SOURCE_DIR}`,
    `git ${args} fetch --quiet --no-tags --no-recurse-submodules --depth 1 -- "$COMET_CHECKOUT_URL" "$COMET_CHECKOUT_REF"`,
    `git ${args} checkout --quiet --no-recurse-submodules --detach FETCH_HEAD`,
    `echo "${COMMIT_MARKER}$(git rev-parse HEAD)"`,
  ].join('\n');
}

/** What runs in the steps container between steps: nothing, until it is told to stop. */
const IDLE_SCRIPT =
  'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done';

/**
 * A Job of one pod, under the restricted Pod Security profile: not root, no privilege
 * escalation, every capability dropped, the runtime's seccomp profile, no service-account token.
 */
export function jobManifest(
  objects: JobObjects,
  config: KubernetesExecutorConfig,
  options: { image: string; allowFile: boolean },
): V1Job {
  const containerSecurity = {
    allowPrivilegeEscalation: false,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
  const volumeMounts = [{ name: 'workspace', mountPath: WORKSPACE_MOUNT }];
  const gitEnv = [
    { name: 'HOME', value: `${WORKSPACE_MOUNT}/.checkout-home` },
    { name: 'GIT_CONFIG_NOSYSTEM', value: '1' },
    { name: 'GIT_CONFIG_GLOBAL', value: '/dev/null' },
    { name: 'GIT_TERMINAL_PROMPT', value: '0' },
    { name: 'GIT_LFS_SKIP_SMUDGE', value: '1' },
    {
      name: 'GIT_ALLOW_PROTOCOL',
      value: options.allowFile ? 'http:https:file' : 'http:https',
    },
  ];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: objects.name,
      labels: objects.labels,
      annotations: objects.annotations,
    },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: config.ttlSecondsAfterFinished,
      template: {
        metadata: { labels: objects.labels, annotations: objects.annotations },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(config.serviceAccountName
            ? { serviceAccountName: config.serviceAccountName }
            : {}),
          ...(Object.keys(config.nodeSelector).length
            ? { nodeSelector: config.nodeSelector }
            : {}),
          ...(config.tolerations.length
            ? { tolerations: config.tolerations }
            : {}),
          terminationGracePeriodSeconds: config.terminationGracePeriodSeconds,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: config.runAsUser,
            runAsGroup: config.runAsUser,
            fsGroup: config.runAsUser,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          volumes: [{ name: 'workspace', emptyDir: {} }],
          initContainers: [
            {
              name: CHECKOUT_CONTAINER,
              image: config.checkoutImage,
              command: ['/bin/sh', '-c', checkoutScript(options)],
              workingDir: WORKSPACE_MOUNT,
              env: [
                ...gitEnv,
                {
                  name: 'COMET_CHECKOUT_URL',
                  valueFrom: {
                    secretKeyRef: { name: objects.secretName, key: 'url' },
                  },
                },
                {
                  name: 'COMET_CHECKOUT_REF',
                  valueFrom: {
                    secretKeyRef: { name: objects.secretName, key: 'ref' },
                  },
                },
              ],
              volumeMounts,
              securityContext: containerSecurity,
              ...(config.resources ? { resources: config.resources } : {}),
            },
          ],
          containers: [
            {
              name: STEPS_CONTAINER,
              image: options.image,
              command: ['/bin/sh', '-c', IDLE_SCRIPT],
              workingDir: WORKSPACE_MOUNT,
              volumeMounts,
              securityContext: containerSecurity,
              ...(config.resources ? { resources: config.resources } : {}),
            },
          ],
        },
      },
    },
  };
}
