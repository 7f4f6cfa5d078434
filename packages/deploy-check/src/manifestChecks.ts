import { checkIpBlocks, checkJobsNamespace, checkRbac } from './jobsChecks';
import {
  JOBS_NAMESPACE_LABEL,
  type ManifestCheckContext,
} from './manifestModel';
import { checkWorkloads } from './podChecks';
import { checkBudgetsSelectSomething, checkPortal } from './portalChecks';
import { checkSecrets } from './secretChecks';
import type { DeployProblem } from './types';

/**
 * Checks one rendered kustomization against what Comet needs in production: every pod
 * secure and pinned, the portal wired to the backend's health endpoints, config, ports and
 * shutdown, Secrets as the examples define them, and pipeline jobs confined.
 */
export function checkManifests(context: ManifestCheckContext): DeployProblem[] {
  const jobsNamespaces = context.documents.filter(
    document =>
      document.object.kind === 'Namespace' &&
      document.object.metadata.labels?.[JOBS_NAMESPACE_LABEL.key] ===
        JOBS_NAMESPACE_LABEL.value,
  );
  const problems = [
    ...checkWorkloads(context),
    ...checkPortal(context),
    ...checkBudgetsSelectSomething(context),
    ...checkIpBlocks(context),
    ...checkRbac(context, jobsNamespaces[0]?.object.metadata.name),
    ...checkJobsNamespace(context, jobsNamespaces[0]),
    ...checkSecrets(context),
  ];
  if (jobsNamespaces.length > 1) {
    problems.push({
      file: context.origin,
      message: `has ${jobsNamespaces.length} Namespaces labelled ${JOBS_NAMESPACE_LABEL.key}: ${JOBS_NAMESPACE_LABEL.value}; expected one`,
    });
  }
  return problems;
}
