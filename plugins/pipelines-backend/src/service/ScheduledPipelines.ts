import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { stringifyEntityRef } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_PIPELINES,
  pipelinePathsOf,
  type parsePipeline,
} from '@internal/plugin-pipelines-common';
import { cronMatches } from '../engine/cron';
import type { GitPipelineSource } from '../engine/GitPipelineSource';
import type { TriggerRequest } from '../engine/PipelineEngine';
import { repositoryUrlOf } from './PipelinesService';

/** How long a pipeline file read for its schedule is trusted before it is read again. */
const FILE_TTL_MS = 5 * 60_000;

/**
 * Starts the pipelines whose `on.schedule` cron matches a minute. The backend scheduler calls
 * `tick` once a minute on one replica (its task lock), so each cron match gives one run
 * across all replicas.
 */
export class ScheduledPipelines {
  private readonly files = new Map<
    string,
    { at: number; text: string; commit: string }
  >();

  constructor(
    private readonly options: {
      catalog: CatalogService;
      auth: AuthService;
      source: Pick<GitPipelineSource, 'readFile'>;
      trigger: (request: TriggerRequest) => Promise<unknown>;
      logger: LoggerService;
      /** Validates a pipeline file against the backend's step types and secrets. */
      validate: (
        text: string,
        file: string,
      ) => ReturnType<typeof parsePipeline>;
    },
  ) {}

  /** Triggers every pipeline due at `now`'s minute; returns what it started. */
  async tick(now: Date = new Date()): Promise<string[]> {
    const { catalog, auth, source, logger } = this.options;
    const minute = new Date(now);
    minute.setUTCSeconds(0, 0);
    const credentials = await auth.getOwnServiceCredentials();
    const { items } = await catalog.getEntities(
      {
        filter: {
          [`metadata.annotations.${ANNOTATION_PIPELINES}`]:
            CATALOG_FILTER_EXISTS,
        },
      },
      { credentials },
    );
    const started: string[] = [];
    for (const entity of items) {
      const repositoryUrl = repositoryUrlOf(entity);
      if (!repositoryUrl) continue;
      const entityRef = stringifyEntityRef(entity);
      for (const pipelinePath of pipelinePathsOf(entity.metadata.annotations)) {
        const key = `${repositoryUrl}#${pipelinePath}`;
        try {
          let file = this.files.get(key);
          if (!file || now.getTime() - file.at > FILE_TTL_MS) {
            const read = await source.readFile({
              repositoryUrl,
              filePath: pipelinePath,
            });
            file = { ...read, at: now.getTime() };
            this.files.set(key, file);
          }
          const result = this.options.validate(file.text, pipelinePath);
          if (!result.ok) continue;
          const due = (result.pipeline.on.schedule ?? []).some(s =>
            cronMatches(s.cron, minute),
          );
          if (!due) continue;
          await this.options.trigger({
            entityRef,
            entityName: entity.metadata.name,
            repositoryUrl,
            pipelinePath,
            definition: result.pipeline,
            commitSha: file.commit,
            trigger: { type: 'schedule' },
          });
          started.push(`${entityRef} ${pipelinePath}`);
        } catch (error) {
          logger.warn(
            `Scheduled ${pipelinePath} of ${entityRef} did not start: ${error}`,
          );
        }
      }
    }
    return started;
  }
}
