import { parseImage } from './kustomize';
import {
  containersOf,
  findObject,
  keysOf,
  type ManifestCheckContext,
  type Workload,
  workloads,
} from './manifestModel';
import { type DeployProblem, type ManifestDocument, problemIn } from './types';

/** The Pod Security level a namespace enforces (`privileged` when unlabelled). */
function enforcedLevel(
  documents: ManifestDocument[],
  namespace: string,
): string {
  const object = findObject(documents, 'Namespace', undefined, namespace);
  return (
    object?.object.metadata.labels?.['pod-security.kubernetes.io/enforce'] ??
    'privileged'
  );
}

const RESTRICTED_VOLUME_TYPES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

/**
 * The Pod Security Standards' baseline and restricted rules that Comet's pods touch, as the
 * API server's admission applies them: a pod that breaks its namespace's level is refused.
 */
function podSecurityViolations(level: string, workload: Workload): string[] {
  if (level !== 'baseline' && level !== 'restricted') return [];
  const violations: string[] = [];
  const pod = workload.podSpec;
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (pod[key] === true)
      violations.push(`${workload.podPath}.${key} is true`);
  }
  const podSeccomp = pod.securityContext?.seccompProfile?.type;
  const podAppArmor = pod.securityContext?.appArmorProfile?.type;
  if (podSeccomp === 'Unconfined') {
    violations.push(
      `${workload.podPath}.securityContext.seccompProfile.type is Unconfined`,
    );
  }
  if (podAppArmor === 'Unconfined') {
    violations.push(
      `${workload.podPath}.securityContext.appArmorProfile.type is Unconfined`,
    );
  }
  for (const { container, path: where } of containersOf(workload)) {
    const security = container.securityContext ?? {};
    if (security.privileged === true) {
      violations.push(`${where}.securityContext.privileged is true`);
    }
    if (security.procMount && security.procMount !== 'Default') {
      violations.push(
        `${where}.securityContext.procMount is ${security.procMount}`,
      );
    }
    if (security.seccompProfile?.type === 'Unconfined') {
      violations.push(
        `${where}.securityContext.seccompProfile.type is Unconfined`,
      );
    }
    if (security.appArmorProfile?.type === 'Unconfined') {
      violations.push(
        `${where}.securityContext.appArmorProfile.type is Unconfined`,
      );
    }
    if (level === 'restricted') {
      const seccomp = security.seccompProfile?.type ?? podSeccomp;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
        violations.push(
          `${where} has no RuntimeDefault or Localhost seccomp profile`,
        );
      }
      const added = (security.capabilities?.add ?? []).filter(
        (capability: string) => capability !== 'NET_BIND_SERVICE',
      );
      if (added.length) {
        violations.push(
          `${where}.securityContext.capabilities.add has ${added.join(', ')}`,
        );
      }
    }
  }
  if (level === 'restricted') {
    for (const volume of pod.volumes ?? []) {
      const type = Object.keys(volume).find(key => key !== 'name');
      if (type && !RESTRICTED_VOLUME_TYPES.includes(type)) {
        violations.push(`volume ${volume.name} is of type ${type}`);
      }
    }
  }
  return violations;
}

/** Checks every pod template: images, security, resources and what it reads. */
export function checkWorkloads(context: ManifestCheckContext): DeployProblem[] {
  const problems: DeployProblem[] = [];
  const { documents } = context;
  for (const workload of workloads(documents)) {
    const { document, podSpec, podPath, namespace } = workload;

    const level = enforcedLevel(documents, namespace);
    for (const violation of podSecurityViolations(level, workload)) {
      problems.push(
        problemIn(
          document,
          undefined,
          `namespace ${namespace} enforces the ${level} Pod Security level, which refuses this pod: ${violation}`,
        ),
      );
    }

    const serviceAccount = podSpec.serviceAccountName;
    if (
      serviceAccount &&
      serviceAccount !== 'default' &&
      !findObject(documents, 'ServiceAccount', namespace, serviceAccount)
    ) {
      problems.push(
        problemIn(
          document,
          `${podPath}.serviceAccountName`,
          `ServiceAccount ${namespace}/${serviceAccount} is not defined`,
        ),
      );
    }

    for (const { container, path: where } of containersOf(workload)) {
      // Images: a fixed version, never latest
      const image = String(container.image ?? '');
      const parsed = parseImage(image);
      if (!parsed.digest && (!parsed.tag || parsed.tag === 'latest')) {
        problems.push(
          problemIn(
            document,
            `${where}.image`,
            `"${image}" must name a version (a tag other than latest, or a digest): latest changes under a running Deployment`,
          ),
        );
      }

      // Runs as a user other than root, without ways back to more privileges
      const security = container.securityContext ?? {};
      const podSecurity = podSpec.securityContext ?? {};
      const runAsNonRoot = security.runAsNonRoot ?? podSecurity.runAsNonRoot;
      const runAsUser = security.runAsUser ?? podSecurity.runAsUser;
      if (runAsNonRoot !== true) {
        problems.push(
          problemIn(
            document,
            `${where}.securityContext.runAsNonRoot`,
            'must be true (here or in the pod securityContext): the container must not run as root',
          ),
        );
      }
      if (runAsUser === 0) {
        problems.push(
          problemIn(
            document,
            `${where}.securityContext.runAsUser`,
            'is 0 (root)',
          ),
        );
      }
      if (security.allowPrivilegeEscalation !== false) {
        problems.push(
          problemIn(
            document,
            `${where}.securityContext.allowPrivilegeEscalation`,
            'must be false',
          ),
        );
      }
      if (!(security.capabilities?.drop ?? []).includes('ALL')) {
        problems.push(
          problemIn(
            document,
            `${where}.securityContext.capabilities.drop`,
            'must contain ALL',
          ),
        );
      }
      if ((security.capabilities?.add ?? []).length > 0) {
        problems.push(
          problemIn(
            document,
            `${where}.securityContext.capabilities.add`,
            `adds ${security.capabilities.add.join(', ')}; Comet needs none`,
          ),
        );
      }
      if (security.readOnlyRootFilesystem !== true) {
        problems.push(
          problemIn(
            document,
            `${where}.securityContext.readOnlyRootFilesystem`,
            'must be true: what the container writes goes to its volumes',
          ),
        );
      }

      // Resources: a request to schedule by and a memory limit
      for (const key of ['requests.cpu', 'requests.memory', 'limits.memory']) {
        const [group, name] = key.split('.');
        if (container.resources?.[group]?.[name] === undefined) {
          problems.push(
            problemIn(document, `${where}.resources.${key}`, 'is not set'),
          );
        }
      }

      // Secrets: exactly the names and keys of the example Secrets
      (container.env ?? []).forEach((variable: any, index: number) => {
        const secretRef = variable?.valueFrom?.secretKeyRef;
        if (secretRef) {
          const secret = findObject(
            context.exampleSecrets,
            'Secret',
            namespace,
            secretRef.name,
          );
          const where2 = `${where}.env[${index}].valueFrom.secretKeyRef`;
          if (!secret) {
            problems.push(
              problemIn(
                document,
                where2,
                `${variable.name} reads Secret ${namespace}/${secretRef.name}, which the example Secrets do not define`,
              ),
            );
          } else if (!keysOf(secret.object).has(secretRef.key)) {
            problems.push(
              problemIn(
                document,
                where2,
                `${variable.name} reads key "${
                  secretRef.key
                }" of Secret ${namespace}/${
                  secretRef.name
                }, which the example (${secret.file}) does not have (it has ${[
                  ...keysOf(secret.object).keys(),
                ].join(', ')})`,
              ),
            );
          }
        }
        const configMapRef = variable?.valueFrom?.configMapKeyRef;
        if (configMapRef && !configMapRef.optional) {
          const configMap = findObject(
            documents,
            'ConfigMap',
            namespace,
            configMapRef.name,
          );
          const where2 = `${where}.env[${index}].valueFrom.configMapKeyRef`;
          if (!configMap) {
            problems.push(
              problemIn(
                document,
                where2,
                `${variable.name} reads ConfigMap ${namespace}/${configMapRef.name}, which is not defined`,
              ),
            );
          } else if (!keysOf(configMap.object).has(configMapRef.key)) {
            problems.push(
              problemIn(
                document,
                where2,
                `${variable.name} reads key "${configMapRef.key}" of ConfigMap ${namespace}/${configMapRef.name}, which it does not have`,
              ),
            );
          }
        }
      });
      (container.envFrom ?? []).forEach((source: any, index: number) => {
        if (source.secretRef && !source.secretRef.optional) {
          if (
            !findObject(
              context.exampleSecrets,
              'Secret',
              namespace,
              source.secretRef.name,
            )
          ) {
            problems.push(
              problemIn(
                document,
                `${where}.envFrom[${index}].secretRef`,
                `Secret ${namespace}/${source.secretRef.name} is not among the example Secrets`,
              ),
            );
          }
        }
        if (source.configMapRef && !source.configMapRef.optional) {
          if (
            !findObject(
              documents,
              'ConfigMap',
              namespace,
              source.configMapRef.name,
            )
          ) {
            problems.push(
              problemIn(
                document,
                `${where}.envFrom[${index}].configMapRef`,
                `ConfigMap ${namespace}/${source.configMapRef.name} is not defined`,
              ),
            );
          }
        }
      });
    }

    (podSpec.volumes ?? []).forEach((volume: any, index: number) => {
      const where = `${podPath}.volumes[${index}]`;
      let reference:
        | {
            kind: string;
            name: string;
            items?: Array<{ key: string }>;
            optional?: boolean;
            in: ManifestDocument[];
          }
        | undefined;
      if (volume.secret) {
        reference = {
          kind: 'Secret',
          name: volume.secret.secretName,
          items: volume.secret.items,
          optional: volume.secret.optional,
          in: context.exampleSecrets,
        };
      } else if (volume.configMap) {
        reference = {
          kind: 'ConfigMap',
          name: volume.configMap.name,
          items: volume.configMap.items,
          optional: volume.configMap.optional,
          in: documents,
        };
      }
      if (!reference || reference.optional) return;
      const source = findObject(
        reference.in,
        reference.kind,
        namespace,
        reference.name,
      );
      if (!source) {
        problems.push(
          problemIn(
            document,
            where,
            `volume ${volume.name} mounts ${reference.kind} ${namespace}/${reference.name}, which is not defined`,
          ),
        );
        return;
      }
      const keys = keysOf(source.object);
      for (const item of reference.items ?? []) {
        if (!keys.has(item.key)) {
          problems.push(
            problemIn(
              document,
              where,
              `volume ${volume.name} mounts key "${item.key}" of ${reference.kind} ${namespace}/${reference.name}, which it does not have`,
            ),
          );
        }
      }
    });
  }
  return problems;
}
