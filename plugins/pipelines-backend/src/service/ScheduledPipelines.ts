import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_PIPELINES,
  ANNOTATION_SOURCE_LOCATION,
  cronMatches,
  type parsePipeline,
  type PipelineRunTrigger,
} from '@internal/plugin-pipelines-common';
import type { GitPipelineSource } from '../engine/GitPipelineSource';
import type { TriggerRequest } from '../engine/PipelineEngine';
import {
  type EntityPipeline,
  PipelineTriggerPlanner,
} from './PipelineTriggerPlanner';

/** How long a pipeline file read for its schedule is trusted before it is read again. */
const FILE_TTL_MS = 5 * 60_000;

/** Names a pipeline file across entities that share a repository. */
const fileKey = (pipeline: EntityPipeline) =>
  `${pipeline.repositoryUrl}#${pipeline.pipelinePath}`;

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

  private readonly planner: PipelineTriggerPlanner;

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
  ) {
    this.planner = PipelineTriggerPlanner.create({
      validate: options.validate,
    });
  }

  /** Triggers every pipeline due at `now`'s minute; returns what it started. */
  async tick(now: Date = new Date()): Promise<string[]> {
    const { catalog, auth, logger } = this.options;
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
    await this.planner.forEachPipeline(items, {
      readFile: pipeline => this.readFile(pipeline, now),
      onProblem: async (pipeline, problem) => {
        await this.reportOnce(fileKey(pipeline), {
          entityRef: pipeline.entityRef,
          repositoryUrl: pipeline.repositoryUrl,
          pipelinePath: pipeline.pipelinePath,
          commitSha: problem.kind === 'invalid' ? problem.commitSha : undefined,
          reason: problem.reason,
        });
        if (problem.kind === 'unreadable') {
          logger.warn(
            `Scheduled ${pipeline.pipelinePath} of ${pipeline.entityRef} did not start: ${problem.error}`,
          );
        }
      },
      onValid: async (pipeline, definition, commitSha, commitMessage) => {
        this.reported.delete(fileKey(pipeline));
        const due = (definition.on.schedule ?? []).some(s =>
          cronMatches(s.cron, minute),
        );
        if (!due) return;
        await this.options.trigger({
          entityRef: pipeline.entityRef,
          entityName: pipeline.entityName,
          repositoryUrl: pipeline.repositoryUrl,
          pipelinePath: pipeline.pipelinePath,
          definition,
          commitSha,
          commitMessage,
          trigger: { type: 'schedule' },
        });
        started.push(`${pipeline.entityRef} ${pipeline.pipelinePath}`);
      },
      onError: (pipeline, error) => {
        logger.warn(
          `Scheduled ${pipeline.pipelinePath} of ${pipeline.entityRef} did not start: ${error}`,
        );
      },
    });
    return started;
  }

  /**
   * The pipeline file, read again once it is older than `FILE_TTL_MS`. A default file that an
   * entity does not name and that cannot be read is remembered as missing for as long, so it
   * is not fetched every minute.
   */
  private async readFile(pipeline: EntityPipeline, now: Date) {
    const key = fileKey(pipeline);
    const cached = this.files.get(key);
    if (cached && now.getTime() - cached.at <= FILE_TTL_MS) {
      return cached.missing ? undefined : cached;
    }
    try {
      const read = await this.options.source.readFile({
        repositoryUrl: pipeline.repositoryUrl,
        filePath: pipeline.pipelinePath,
      });
      this.files.set(key, { ...read, at: now.getTime() });
      return read;
    } catch (error) {
      if (!pipeline.declared) {
        this.files.set(key, { at: now.getTime(), missing: true });
      }
      throw error;
    }
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
