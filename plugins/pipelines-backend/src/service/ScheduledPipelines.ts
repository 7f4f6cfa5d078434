import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { stringifyEntityRef } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_PIPELINES,
  ANNOTATION_SOURCE_LOCATION,
  pipelinePathsOf,
  type parsePipeline,
  type PipelineRunTrigger,
} from '@internal/plugin-pipelines-common';
import { cronMatches } from '../engine/cron';
import type { GitPipelineSource } from '../engine/GitPipelineSource';
import type { TriggerRequest } from '../engine/PipelineEngine';
import { formatPipelineIssues, repositoryUrlOf } from './PipelinesService';

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
    | { at: number; text: string; commit: string; missing?: undefined }
    | { at: number; missing: true }
  >();

  /** Problems already recorded as failed runs, per pipeline file (`repositoryUrl#path`). */
  private readonly reported = new Map<string, string>();

  constructor(
    private readonly options: {
      catalog: CatalogService;
      auth: AuthService;
      source: Pick<GitPipelineSource, 'readFile'>;
      trigger: (request: TriggerRequest) => Promise<unknown>;
      /**
       * Records a failed run for a pipeline file that cannot be read or is invalid, so the
       * problem shows in the run list: once per file version (or per read error), not every
       * minute.
       */
      recordFailure?: (request: {
        entityRef: string;
        repositoryUrl?: string;
        pipelinePath: string;
        commitSha?: string;
        trigger: PipelineRunTrigger;
        reason: string;
      }) => Promise<unknown>;
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
    // Entities that name their pipeline files, and those that rely on the default file
    // (`pipelinePathsOf`, as everywhere else) and only say where their code is.
    const { items } = await catalog.getEntities(
      {
        filter: [
          {
            [`metadata.annotations.${ANNOTATION_PIPELINES}`]:
              CATALOG_FILTER_EXISTS,
          },
          {
            [`metadata.annotations.${ANNOTATION_SOURCE_LOCATION}`]:
              CATALOG_FILTER_EXISTS,
          },
        ],
        // Once a minute over every such entity: only what naming and locating files needs
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.annotations',
        ],
      },
      { credentials },
    );
    const started: string[] = [];
    for (const entity of items) {
      const repositoryUrl = repositoryUrlOf(entity);
      if (!repositoryUrl) continue;
      const entityRef = stringifyEntityRef(entity);
      const declared = Boolean(
        entity.metadata.annotations?.[ANNOTATION_PIPELINES],
      );
      for (const pipelinePath of pipelinePathsOf(entity.metadata.annotations)) {
        const key = `${repositoryUrl}#${pipelinePath}`;
        try {
          let file = this.files.get(key);
          if (!file || now.getTime() - file.at > FILE_TTL_MS) {
            try {
              const read = await source.readFile({
                repositoryUrl,
                filePath: pipelinePath,
              });
              file = { ...read, at: now.getTime() };
            } catch (error) {
              // An entity that names no pipeline file may simply not use Comet's pipelines:
              // most repositories have no default file, and some are not reachable from here
              // at all. Neither is worth a failed run, a warning or a git fetch every minute;
              // only files an entity names are reported.
              if (declared) {
                await this.reportOnce(key, {
                  entityRef,
                  repositoryUrl,
                  pipelinePath,
                  reason: `Cannot read ${pipelinePath}: ${
                    (error as Error)?.message ?? error
                  }`,
                });
                throw error;
              }
              this.files.set(key, { at: now.getTime(), missing: true });
              continue;
            }
            this.files.set(key, file);
          }
          if (file.missing) continue;
          const result = this.options.validate(file.text, pipelinePath);
          if (!result.ok) {
            await this.reportOnce(key, {
              entityRef,
              repositoryUrl,
              pipelinePath,
              commitSha: file.commit,
              reason: `${pipelinePath} is invalid:\n${formatPipelineIssues(
                result.issues,
              )}`,
            });
            continue;
          }
          this.reported.delete(key);
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

  /** Records a failed run for a file's problem unless this problem was recorded already. */
  private async reportOnce(
    key: string,
    problem: {
      entityRef: string;
      repositoryUrl: string;
      pipelinePath: string;
      commitSha?: string;
      reason: string;
    },
  ) {
    const { recordFailure } = this.options;
    const fingerprint = `${problem.commitSha ?? ''}\n${problem.reason}`;
    if (!recordFailure || this.reported.get(key) === fingerprint) return;
    this.reported.set(key, fingerprint);
    await recordFailure({ ...problem, trigger: { type: 'schedule' } });
  }
}
