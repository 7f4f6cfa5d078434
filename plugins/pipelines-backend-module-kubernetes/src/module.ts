import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  GitRemotePolicy,
  pipelineExecutorExtensionPoint,
} from '@internal/plugin-pipelines-node';
import { KubernetesApi } from './KubernetesApi';
import { KubernetesExecutor, POD_START_METRIC } from './KubernetesExecutor';
import {
  KUBERNETES_CONFIG_KEY,
  readKubernetesExecutorConfig,
  type KubernetesExecutorConfig,
} from './KubernetesExecutorConfig';
import { loadKubernetesClient } from './kubernetesClient';
import { databaseJobRunStates, KubernetesReaper } from './KubernetesReaper';

/** The id of the scheduled task that removes leftover Jobs and Secrets. */
export const KUBERNETES_REAPER_TASK_ID = 'pipelines-kubernetes-reaper';

/** A kubeconfig file (`kubeconfig.path`), or the pod's in-cluster service account. */
export async function kubeConfigFor(config: KubernetesExecutorConfig) {
  const k8s = await loadKubernetesClient();
  const kubeConfig = new k8s.KubeConfig();
  if (config.kubeconfigPath) {
    kubeConfig.loadFromFile(config.kubeconfigPath);
    if (config.context) kubeConfig.setCurrentContext(config.context);
  } else {
    kubeConfig.loadFromCluster();
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new Error(
      `${KUBERNETES_CONFIG_KEY}: no cluster in ${
        config.kubeconfigPath
          ? `the kubeconfig ${config.kubeconfigPath}${
              config.context ? ` (context ${config.context})` : ''
            }`
          : 'the in-cluster configuration (KUBERNETES_SERVICE_HOST is not set: set kubeconfig.path outside a cluster)'
      }`,
    );
  }
  return kubeConfig;
}

/**
 * Runs pipeline jobs as Kubernetes Jobs when `pipelines.kubernetes` is configured; the
 * pipelines keep their local executor otherwise.
 */
export const pipelinesModuleKubernetes = createBackendModule({
  pluginId: 'pipelines',
  moduleId: 'kubernetes',
  register(reg) {
    reg.registerInit({
      deps: {
        executor: pipelineExecutorExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        database: coreServices.database,
        metrics: metricsServiceRef,
      },
      async init({ executor, config, logger, scheduler, database, metrics }) {
        const settings = readKubernetesExecutorConfig(config);
        if (!settings) {
          logger.info(
            `Pipeline jobs run on the backend's machine: set ${KUBERNETES_CONFIG_KEY} to run them as Kubernetes Jobs`,
          );
          return;
        }
        const api = await KubernetesApi.create(
          await kubeConfigFor(settings),
          settings.namespace,
        );
        executor.setExecutor(
          KubernetesExecutor.create({
            api,
            config: settings,
            logger,
            gitRemotePolicy: GitRemotePolicy.fromConfig(config),
            podStartHistogram: metrics.createHistogram(POD_START_METRIC, {
              description:
                'Seconds from creating a job pod until its checkout is done and its steps can run',
              unit: 's',
              advice: {
                explicitBucketBoundaries: [
                  0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300,
                ],
              },
            }),
          }),
        );
        logger.info(
          `Pipeline jobs run as Kubernetes Jobs in namespace ${settings.namespace} at ${api.server}`,
        );

        if (settings.reaperIntervalMinutes > 0) {
          const reaper = KubernetesReaper.create({
            api,
            logger,
            jobRunState: databaseJobRunStates(await database.getClient()),
          });
          await scheduler.scheduleTask({
            id: KUBERNETES_REAPER_TASK_ID,
            frequency: { minutes: settings.reaperIntervalMinutes },
            timeout: { minutes: 5 },
            initialDelay: { minutes: 1 },
            fn: async () => {
              await reaper.reap();
            },
          });
        }
      },
    });
  },
});
