import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_GITHUB_PROJECT_SLUG,
  type PipelineRunTrigger,
} from '@internal/plugin-pipelines-common';
import type { GitPipelineSource } from '../engine/GitPipelineSource';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { ownerRefsOf } from '../secrets/ownersOfEntity';
import { gateUntrustedDefinition } from '../secrets/untrustedRuns';
import { LimitExceededError } from '../limits/LimitExceededError';
import { pipelineWantsWebhook, WebhookTrigger } from './GithubWebhookHandler';
import {
  type EntityPipeline,
  PipelineTriggerPlanner,
} from './PipelineTriggerPlanner';
import type { PipelinesService } from './PipelinesService';

export type WebhookPipelineTriggerOptions = {
  catalog: Pick<CatalogService, 'queryEntities'>;
  auth: Pick<AuthService, 'getOwnServiceCredentials'>;
  source: Pick<GitPipelineSource, 'readFile'>;
  /** Validates files, starts runs and records the runs that cannot start, audited. */
  service: Pick<
    PipelinesService,
    'validate' | 'triggerFromEvent' | 'recordFailedTrigger'
  >;
  logger: LoggerService;
};

/**
 * Starts the pipelines a GitHub `push` or `pull_request` delivery asks for: those of the
 * entities whose `github.com/project-slug` is the repository, read at the delivery's commit,
 * whose `on:` wants the branch, tag or pull request.
 */
export class WebhookPipelineTrigger {
  static create(
    options: WebhookPipelineTriggerOptions,
  ): WebhookPipelineTrigger {
    return new WebhookPipelineTrigger(options);
  }

  private readonly planner: PipelineTriggerPlanner;

  private constructor(private readonly options: WebhookPipelineTriggerOptions) {
    this.planner = PipelineTriggerPlanner.create({
      validate: (text, file) => options.service.validate(text, file),
    });
  }

  /**
   * Creates the runs of a delivery. Pipelines that cannot start for a reason a redelivery
   * cannot fix (an unreadable or invalid file, a required parameter without a default) are
   * recorded as failed runs; anything else (the database) rejects, so that GitHub's
   * redelivery tries again.
   */
  async trigger(
    trigger: WebhookTrigger,
    delivery: { deliveryId: string },
  ): Promise<void> {
    const { catalog, auth, source, service, logger } = this.options;
    const credentials = await auth.getOwnServiceCredentials();
    const { items } = await catalog.queryEntities(
      {
        filter: {
          [`metadata.annotations.${ANNOTATION_GITHUB_PROJECT_SLUG}`]:
            trigger.repository,
        },
      },
      { credentials },
    );
    if (items.length === 0) {
      logger.info(
        `GitHub ${trigger.event} on ${trigger.repository}: no entity has ${ANNOTATION_GITHUB_PROJECT_SLUG}: ${trigger.repository}`,
      );
    }
    // A fork's pull request is untrusted: its runs get no secrets and wait for an owner.
    const untrusted = trigger.fork
      ? `Pull request${
          trigger.pullRequest ? ` #${trigger.pullRequest.number}` : ''
        } on ${trigger.repository} comes from the fork ${trigger.fork}`
      : undefined;
    const runTrigger: PipelineRunTrigger = {
      type: trigger.event,
      actor: trigger.sender ? `github:${trigger.sender}` : undefined,
      pullRequest: trigger.pullRequest,
      ...(untrusted ? { untrusted } : {}),
    };
    const owners = new Map(
      items.map(entity => [stringifyEntityRef(entity), ownerRefsOf(entity)]),
    );
    const failed = (
      pipeline: EntityPipeline,
      reason: string,
      commitSha?: string,
    ) =>
      service.recordFailedTrigger(
        {
          entityRef: pipeline.entityRef,
          repositoryUrl: pipeline.repositoryUrl,
          pipelinePath: pipeline.pipelinePath,
          commitSha,
          branch: trigger.ref,
          trigger: runTrigger,
          reason,
        },
        delivery,
      );
    const failures: string[] = [];
    await this.planner.forEachPipeline(items, {
      readFile: pipeline =>
        source.readFile({
          repositoryUrl: pipeline.repositoryUrl,
          ref: trigger.commitSha,
          filePath: pipeline.pipelinePath,
        }),
      onProblem: async (pipeline, problem) => {
        if (problem.kind === 'unreadable') {
          await failed(pipeline, problem.reason, trigger.commitSha);
          return;
        }
        logger.warn(
          `${pipeline.pipelinePath} of ${pipeline.entityRef} is invalid; not triggered: ${problem.issues[0].message}`,
        );
        await failed(pipeline, problem.reason, problem.commitSha);
      },
      onValid: async (pipeline, definition, commitSha, fileMessage) => {
        if (!pipelineWantsWebhook(definition.on, trigger)) return;
        try {
          await service.triggerFromEvent(
            {
              entityRef: pipeline.entityRef,
              entityName: pipeline.entityName,
              repositoryUrl: pipeline.repositoryUrl,
              pipelinePath: pipeline.pipelinePath,
              definition: untrusted
                ? gateUntrustedDefinition(definition, {
                    reason: untrusted,
                    approvers: owners.get(pipeline.entityRef) ?? [],
                  })
                : definition,
              commitSha,
              commitMessage: trigger.commitMessages ?? fileMessage,
              branch: trigger.ref,
              trigger: runTrigger,
            },
            delivery,
          );
        } catch (error) {
          if (LimitExceededError.is(error)) {
            // The entity has too many active runs (pipelines.limits): this push is not built,
            // and the entity's run list says so
            logger.warn(
              `GitHub ${trigger.event} on ${trigger.repository}: ${pipeline.pipelinePath} of ${pipeline.entityRef} skipped: ${error.message}`,
            );
            await failed(
              pipeline,
              `${pipeline.pipelinePath} was not started: ${error.message}`,
              commitSha,
            );
            return;
          }
          // e.g. a required parameter without a default: no redelivery helps
          if ((error as Error)?.name !== 'InputError') throw error;
          await failed(
            pipeline,
            `${pipeline.pipelinePath} cannot start: ${
              (error as Error).message
            }`,
            commitSha,
          );
        }
      },
      onError: (pipeline, error) => {
        logger.warn(
          `Cannot trigger ${pipeline.pipelinePath} of ${pipeline.entityRef}: ${error}`,
        );
        failures.push(
          `${pipeline.pipelinePath} of ${pipeline.entityRef}: ${error}`,
        );
      },
    });
    if (failures.length > 0) {
      throw new Error(
        `${failures.length} pipeline(s) could not be triggered: ${failures.join(
          '; ',
        )}`,
      );
    }
  }
}
