import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { pipelineExecutorExtensionPoint } from '@internal/plugin-pipelines-node';
import { S3_ARTIFACTS_CONFIG_KEY } from './S3ArtifactConfig';
import { S3ArtifactStore } from './S3ArtifactStore';

/** The id of the scheduled task that applies `retentionDays`. */
export const S3_RETENTION_TASK_ID = 'pipelines-s3-artifact-retention';

/**
 * Replaces the pipelines' local-disk artifact store with S3-compatible object storage when
 * `pipelines.artifacts.s3.bucket` is set; with `retentionDays`, one replica at a time deletes
 * older objects every hour.
 */
export const pipelinesModuleS3 = createBackendModule({
  pluginId: 'pipelines',
  moduleId: 's3',
  register(reg) {
    reg.registerInit({
      deps: {
        executor: pipelineExecutorExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
      },
      async init({ executor, config, logger, scheduler, lifecycle }) {
        const store = S3ArtifactStore.fromConfig(config, { logger });
        if (!store) {
          logger.info(
            `Pipeline artifacts stay on the local disk: set ${S3_ARTIFACTS_CONFIG_KEY}.bucket to keep them in S3-compatible object storage`,
          );
          return;
        }
        executor.setArtifactStore(store);
        logger.info(`Pipeline artifacts go to S3: ${store.location}`);
        // Said at start-up, without holding it up: the store's own errors say the same later
        lifecycle.addStartupHook(() => {
          store
            .check()
            .catch(error => logger.warn(String(error?.message ?? error)));
          store
            .removeStaleStaging()
            .catch(error =>
              logger.warn(
                `Cannot remove old artifact staging folders: ${error}`,
              ),
            );
        });

        const retentionDays = store.retentionDays;
        if (retentionDays) {
          await scheduler.scheduleTask({
            id: S3_RETENTION_TASK_ID,
            frequency: { hours: 1 },
            timeout: { minutes: 30 },
            initialDelay: { minutes: 1 },
            fn: async () => {
              const deleted = await store.deleteExpired();
              logger.info(
                `Deleted ${deleted} pipeline artifact object(s) older than ${retentionDays} days from S3 (${S3_ARTIFACTS_CONFIG_KEY}.retentionDays)`,
              );
            },
          });
        }
      },
    });
  },
});
