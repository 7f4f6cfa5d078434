import type { Entity } from '@backstage/catalog-model';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  ANNOTATION_PIPELINES,
  pipelinePathsOf,
  type parsePipeline,
  type PipelineDefinition,
  type PipelineIssue,
} from '@internal/plugin-pipelines-common';
import { formatPipelineIssues, repositoryUrlOf } from './PipelinesService';

/** One pipeline file of a catalog entity, in the repository its source location names. */
export type EntityPipeline = {
  entityRef: string;
  entityName: string;
  repositoryUrl: string;
  pipelinePath: string;
  /** The entity names the file in its annotation, rather than having the default file. */
  declared: boolean;
};

/** Why a pipeline cannot start: its file cannot be read, or it is invalid. */
export type PipelineFileProblem =
  | { kind: 'unreadable'; reason: string; error: unknown }
  | {
      kind: 'invalid';
      reason: string;
      issues: PipelineIssue[];
      /** The commit the invalid file was read at. */
      commitSha: string;
    };

/** What one trigger (a schedule tick, a webhook delivery) does with each pipeline. */
export type PipelineTriggerHandlers = {
  /**
   * The pipeline's file at the commit this trigger is about; undefined when it is known to be
   * absent. Throws when it cannot be read.
   */
  readFile(
    pipeline: EntityPipeline,
  ): Promise<{ text: string; commit: string; message?: string } | undefined>;
  /** A file the entity names that cannot be read, or an invalid file. */
  onProblem(
    pipeline: EntityPipeline,
    problem: PipelineFileProblem,
  ): Promise<void>;
  /** A valid pipeline: whether it wants this trigger is the handler's decision. */
  onValid(
    pipeline: EntityPipeline,
    definition: PipelineDefinition,
    commitSha: string,
    /** The commit's message, when the file's read gave it. */
    commitMessage?: string,
  ): Promise<void>;
  /** What `onProblem` or `onValid` threw; the other pipelines go on. */
  onError(pipeline: EntityPipeline, error: unknown): void;
};

/**
 * The loop that schedules and webhooks share: every pipeline file of every entity with a
 * source location is read and validated, then handed to the trigger to start or report.
 */
export class PipelineTriggerPlanner {
  static create(options: {
    /** Validates a pipeline file against the backend's step types and secrets. */
    validate: (text: string, file: string) => ReturnType<typeof parsePipeline>;
  }): PipelineTriggerPlanner {
    return new PipelineTriggerPlanner(options.validate);
  }

  private constructor(
    private readonly validate: (
      text: string,
      file: string,
    ) => ReturnType<typeof parsePipeline>,
  ) {}

  /** The pipeline files of the entities; an entity without a source location has none. */
  pipelinesOf(entities: Entity[]): EntityPipeline[] {
    const pipelines: EntityPipeline[] = [];
    for (const entity of entities) {
      const repositoryUrl = repositoryUrlOf(entity);
      if (!repositoryUrl) continue;
      const declared = Boolean(
        entity.metadata.annotations?.[ANNOTATION_PIPELINES],
      );
      for (const pipelinePath of pipelinePathsOf(entity.metadata.annotations)) {
        pipelines.push({
          entityRef: stringifyEntityRef(entity),
          entityName: entity.metadata.name,
          repositoryUrl,
          pipelinePath,
          declared,
        });
      }
    }
    return pipelines;
  }

  /** Reads and validates each pipeline of the entities, one after another. */
  async forEachPipeline(
    entities: Entity[],
    handlers: PipelineTriggerHandlers,
  ): Promise<void> {
    for (const pipeline of this.pipelinesOf(entities)) {
      try {
        await this.plan(pipeline, handlers);
      } catch (error) {
        handlers.onError(pipeline, error);
      }
    }
  }

  private async plan(
    pipeline: EntityPipeline,
    handlers: PipelineTriggerHandlers,
  ): Promise<void> {
    const { pipelinePath } = pipeline;
    let file;
    try {
      file = await handlers.readFile(pipeline);
    } catch (error) {
      // An entity that names no pipeline file may not use Comet's pipelines: most
      // repositories have no default file, and some are not readable from here. Only files
      // an entity names are worth a failed run.
      if (!pipeline.declared) return;
      await handlers.onProblem(pipeline, {
        kind: 'unreadable',
        reason: `Cannot read ${pipelinePath}: ${
          (error as Error)?.message ?? error
        }`,
        error,
      });
      return;
    }
    if (!file) return;
    const result = this.validate(file.text, pipelinePath);
    if (!result.ok) {
      await handlers.onProblem(pipeline, {
        kind: 'invalid',
        reason: `${pipelinePath} is invalid:\n${formatPipelineIssues(
          result.issues,
        )}`,
        issues: result.issues,
        commitSha: file.commit,
      });
      return;
    }
    await handlers.onValid(
      pipeline,
      result.pipeline,
      file.commit,
      file.message,
    );
  }
}
