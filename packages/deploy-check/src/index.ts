/**
 * Checks Comet's deployment files (deploy/): the Kubernetes manifests against the Kubernetes
 * schemas and against what the portal needs, the Dockerfile against the manifests.
 *
 * @packageDocumentation
 */
export { checkDeploy, COMET_DEPLOY } from './checkDeploy';
export type { DeployCheckOptions, DeployCheckResult } from './checkDeploy';
export { checkConfigSchema } from './configSchema';
export { parseDockerfile } from './dockerfile';
export type { DockerfileFacts, DockerInstruction } from './dockerfile';
export { validateKubernetesSchemas } from './kubernetesSchemas';
export { readManifestFile, renderKustomization } from './kustomize';
export type { RenderResult } from './kustomize';
export { checkManifests } from './manifestChecks';
export {
  DENIED_JOB_DESTINATIONS,
  EXECUTOR_PERMISSIONS,
  HEALTH_PATHS,
  PORTAL_LABELS,
} from './manifestModel';
export type { ManifestCheckContext } from './manifestModel';
export { portalConfigFiles } from './portalChecks';
export {
  loadPodConfig,
  readShutdownDefaults,
  shutdownSeconds,
} from './repoFacts';
export type { PodConfigFile, ShutdownDefaults } from './repoFacts';
export { formatProblem } from './types';
export type {
  DeployProblem,
  KubernetesObject,
  ManifestDocument,
} from './types';
