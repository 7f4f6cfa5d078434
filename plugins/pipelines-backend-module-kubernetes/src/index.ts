/**
 * Runs pipeline jobs as Kubernetes Jobs: one pod per job, steps through the exec API.
 *
 * @packageDocumentation
 */
export {
  pipelinesModuleKubernetes as default,
  pipelinesModuleKubernetes,
  KUBERNETES_REAPER_TASK_ID,
} from './module';
export { KubernetesExecutor, POD_START_METRIC } from './KubernetesExecutor';
export type { KubernetesExecutorOptions } from './KubernetesExecutor';
export { KubernetesApi, KubernetesApiError } from './KubernetesApi';
export { KubernetesReaper, databaseJobRunStates } from './KubernetesReaper';
export type {
  JobRunStateLookup,
  KubernetesReaperOptions,
} from './KubernetesReaper';
export {
  readKubernetesExecutorConfig,
  isImageAllowed,
  KUBERNETES_CONFIG_KEY,
} from './KubernetesExecutorConfig';
export type { KubernetesExecutorConfig } from './KubernetesExecutorConfig';
