import {
  DENIED_JOB_DESTINATIONS,
  EXECUTOR_PERMISSIONS,
  findObject,
  JOBS_NAMESPACE_LABEL,
  type ManifestCheckContext,
  PORTAL_LABELS,
  workloads,
} from './manifestModel';
import { cidrContains, isCidr, selectorMatches } from './selectors';
import { type DeployProblem, type ManifestDocument, problemIn } from './types';

type PolicyRule = {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
};

/** RBAC: namespaced, no wildcards, the executor's rights in the jobs namespace only. */
export function checkRbac(
  context: ManifestCheckContext,
  jobsNamespace: string | undefined,
): DeployProblem[] {
  const problems: DeployProblem[] = [];
  const { documents } = context;
  for (const document of documents) {
    const { kind } = document.object;
    if (kind === 'ClusterRole' || kind === 'ClusterRoleBinding') {
      problems.push(
        problemIn(
          document,
          undefined,
          `Comet needs no cluster-wide rights; use a Role and RoleBinding in the jobs namespace`,
        ),
      );
    }
    if (kind === 'Role' || kind === 'ClusterRole') {
      ((document.object as any).rules ?? []).forEach(
        (rule: PolicyRule, index: number) => {
          for (const field of ['apiGroups', 'resources', 'verbs'] as const) {
            if ((rule[field] ?? []).includes('*')) {
              problems.push(
                problemIn(
                  document,
                  `rules[${index}].${field}`,
                  'has the wildcard *; name what is needed',
                ),
              );
            }
          }
        },
      );
    }
  }

  const portal = workloads(documents).find(workload =>
    selectorMatches({ matchLabels: PORTAL_LABELS }, workload.labels),
  );
  if (!portal) return problems;
  const account = portal.podSpec.serviceAccountName ?? 'default';
  const bindings = documents.filter(
    document =>
      (document.object.kind === 'RoleBinding' ||
        document.object.kind === 'ClusterRoleBinding') &&
      ((document.object as any).subjects ?? []).some(
        (subject: any) =>
          subject.kind === 'ServiceAccount' &&
          subject.name === account &&
          (subject.namespace ?? document.object.metadata.namespace) ===
            portal.namespace,
      ),
  );
  for (const binding of bindings) {
    if (
      binding.object.kind === 'RoleBinding' &&
      binding.object.metadata.namespace !== jobsNamespace
    ) {
      problems.push(
        problemIn(
          binding,
          undefined,
          `gives the portal's ServiceAccount ${
            portal.namespace
          }/${account} rights in ${
            binding.object.metadata.namespace ?? 'default'
          }; it gets rights only in the jobs namespace (${
            jobsNamespace ?? 'none defined'
          })`,
        ),
      );
    }
  }
  if (!jobsNamespace) return problems;
  const granted: PolicyRule[] = [];
  for (const binding of bindings) {
    if (binding.object.metadata.namespace !== jobsNamespace) continue;
    const roleRef = (binding.object as any).roleRef ?? {};
    const role =
      roleRef.kind === 'Role'
        ? findObject(documents, 'Role', jobsNamespace, roleRef.name)
        : undefined;
    if (!role) {
      problems.push(
        problemIn(
          binding,
          'roleRef',
          `refers to ${roleRef.kind} ${roleRef.name}, which is not a Role defined in ${jobsNamespace}`,
        ),
      );
      continue;
    }
    granted.push(...((role.object as any).rules ?? []));
  }
  const missing = EXECUTOR_PERMISSIONS.flatMap(permission =>
    permission.verbs
      .filter(
        verb =>
          !granted.some(
            rule =>
              (rule.apiGroups ?? []).includes(permission.group) &&
              (rule.resources ?? []).includes(permission.resource) &&
              (rule.verbs ?? []).includes(verb),
          ),
      )
      .map(
        verb =>
          `${verb} ${permission.group ? `${permission.group}/` : ''}${
            permission.resource
          }`,
      ),
  );
  if (missing.length > 0) {
    problems.push({
      file: context.origin,
      message: `the portal's ServiceAccount ${
        portal.namespace
      }/${account} may not ${missing.join(
        ', ',
      )} in ${jobsNamespace}, which the Kubernetes executor needs`,
    });
  }
  return problems;
}

function peerSelectsPods(
  peer: any,
  policyNamespace: string,
  namespaceLabels: Record<string, string>,
  namespace: string,
  podLabels: Record<string, string>,
): boolean {
  if (peer.ipBlock) return false;
  const namespaceMatches = peer.namespaceSelector
    ? selectorMatches(peer.namespaceSelector, namespaceLabels)
    : policyNamespace === namespace;
  const podMatches = peer.podSelector
    ? selectorMatches(peer.podSelector, podLabels)
    : true;
  return namespaceMatches && podMatches;
}

/** Every ipBlock is what the API server accepts: CIDRs, the exceptions inside the block. */
export function checkIpBlocks(context: ManifestCheckContext): DeployProblem[] {
  const problems: DeployProblem[] = [];
  for (const policy of context.documents) {
    if (policy.object.kind !== 'NetworkPolicy') continue;
    const spec = (policy.object as any).spec ?? {};
    for (const direction of ['ingress', 'egress']) {
      (spec[direction] ?? []).forEach((rule: any, index: number) => {
        (rule[direction === 'ingress' ? 'from' : 'to'] ?? []).forEach(
          (peer: any, peerIndex: number) => {
            const block = peer.ipBlock;
            if (!block) return;
            const where = `spec.${direction}[${index}].${
              direction === 'ingress' ? 'from' : 'to'
            }[${peerIndex}].ipBlock`;
            if (!isCidr(block.cidr)) {
              problems.push(
                problemIn(
                  policy,
                  `${where}.cidr`,
                  `${JSON.stringify(
                    block.cidr,
                  )} is not a CIDR (address/bits); the API server refuses it`,
                ),
              );
            }
            (block.except ?? []).forEach((except: string, i: number) => {
              if (!isCidr(except)) {
                problems.push(
                  problemIn(
                    policy,
                    `${where}.except[${i}]`,
                    `${JSON.stringify(
                      except,
                    )} is not a CIDR (address/bits); the API server refuses it`,
                  ),
                );
              } else if (
                isCidr(block.cidr) &&
                !cidrContains(block.cidr, except.split('/')[0]) &&
                !except.includes(':')
              ) {
                problems.push(
                  problemIn(
                    policy,
                    `${where}.except[${i}]`,
                    `${except} is not inside ${block.cidr}; the API server refuses it`,
                  ),
                );
              }
            });
          },
        );
      });
    }
  }
  return problems;
}

/** The jobs namespace: restricted pods, API tokens off, egress confined. */
export function checkJobsNamespace(
  context: ManifestCheckContext,
  jobsNamespace: ManifestDocument | undefined,
): DeployProblem[] {
  const problems: DeployProblem[] = [];
  const { documents } = context;
  if (!jobsNamespace) {
    return [
      {
        file: context.origin,
        message: `has no Namespace labelled ${JOBS_NAMESPACE_LABEL.key}: ${JOBS_NAMESPACE_LABEL.value} for pipeline jobs`,
      },
    ];
  }
  const name = jobsNamespace.object.metadata.name;
  const labels = jobsNamespace.object.metadata.labels ?? {};
  if (labels['pod-security.kubernetes.io/enforce'] !== 'restricted') {
    problems.push(
      problemIn(
        jobsNamespace,
        'metadata.labels.pod-security.kubernetes.io/enforce',
        `is ${JSON.stringify(
          labels['pod-security.kubernetes.io/enforce'],
        )}; job pods run untrusted code, so the namespace enforces "restricted"`,
      ),
    );
  }
  for (const account of documents.filter(
    document =>
      document.object.kind === 'ServiceAccount' &&
      document.object.metadata.namespace === name,
  )) {
    if ((account.object as any).automountServiceAccountToken !== false) {
      problems.push(
        problemIn(
          account,
          'automountServiceAccountToken',
          'must be false: a job step must not get an API token',
        ),
      );
    }
  }

  const policies = documents.filter(
    document =>
      document.object.kind === 'NetworkPolicy' &&
      document.object.metadata.namespace === name,
  );
  const confining = policies.filter(policy => {
    const spec = (policy.object as any).spec ?? {};
    const selectsAll =
      Object.keys(spec.podSelector?.matchLabels ?? {}).length === 0 &&
      (spec.podSelector?.matchExpressions ?? []).length === 0;
    return selectsAll && (spec.policyTypes ?? []).includes('Egress');
  });
  if (confining.length === 0) {
    problems.push(
      problemIn(
        jobsNamespace,
        undefined,
        'no NetworkPolicy in it confines the egress of all its pods (podSelector {} with policyTypes Egress)',
      ),
    );
    return problems;
  }

  const portal = workloads(documents).find(workload =>
    selectorMatches({ matchLabels: PORTAL_LABELS }, workload.labels),
  );
  const portalNamespace = portal
    ? findObject(documents, 'Namespace', undefined, portal.namespace)
    : undefined;
  const portalNamespaceLabels = {
    ...(portalNamespace?.object.metadata.labels ?? {}),
    'kubernetes.io/metadata.name': portal?.namespace ?? '',
  };
  const dnsAllowed = policies.some(policy =>
    ((policy.object as any).spec?.egress ?? []).some((rule: any) =>
      (rule.ports ?? []).some((port: any) => port.port === 53),
    ),
  );
  for (const policy of policies) {
    const egress: any[] = (policy.object as any).spec?.egress ?? [];
    egress.forEach((rule, index) => {
      const where = `spec.egress[${index}]`;
      const peers: any[] = rule.to ?? [];
      if (peers.length === 0) {
        problems.push(
          problemIn(
            policy,
            where,
            'has no "to", so it allows every destination: the portal, its database, Redis and 169.254.169.254 included',
          ),
        );
        return;
      }
      peers.forEach((peer, peerIndex) => {
        const peerWhere = `${where}.to[${peerIndex}]`;
        if (peer.ipBlock) {
          for (const denied of DENIED_JOB_DESTINATIONS) {
            const allowed =
              cidrContains(peer.ipBlock.cidr, denied.address) &&
              !(peer.ipBlock.except ?? []).some((except: string) =>
                cidrContains(except, denied.address),
              );
            if (allowed) {
              problems.push(
                problemIn(
                  policy,
                  `${peerWhere}.ipBlock`,
                  `allows job pods to reach ${denied.address}, ${denied.what}; list it in except`,
                ),
              );
            }
          }
        } else if (
          portal &&
          peerSelectsPods(
            peer,
            name,
            portalNamespaceLabels,
            portal.namespace,
            portal.labels,
          )
        ) {
          problems.push(
            problemIn(
              policy,
              peerWhere,
              `selects the portal's pods (${portal.namespace}): job pods must not reach the portal`,
            ),
          );
        }
      });
    });
  }
  if (!dnsAllowed) {
    problems.push(
      problemIn(
        confining[0],
        'spec.egress',
        'allows no DNS (port 53): job pods cannot resolve the hosts they may reach',
      ),
    );
  }
  return problems;
}
