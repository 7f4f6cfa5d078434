import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { ActionsService } from '@backstage/backend-plugin-api/alpha';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  isError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
} from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { JsonObject } from '@backstage/types';
import {
  createdLine,
  MAX_WAIT_FOR_ENTITY_SECONDS,
  DEFAULT_WAIT_FOR_ENTITY_SECONDS,
  type TaskCreationLog,
  type WaitClock,
  waitForEntity,
  waitForEntitySeconds,
} from '@internal/backend-common';

const ACTION_ID = 'pipelines:run:trigger';

/** The pipelines plugin's own action, registered by @internal/plugin-pipelines-backend. */
export const TRIGGER_RUN_ACTION_ID = 'pipelines:trigger-run';

export type CreateRunTriggerActionOptions = {
  actions: ActionsService;
  /** The frontend's base URL (`app.baseUrl`), for the run page's link; '' for a relative one. */
  appBaseUrl: string;
  clock?: WaitClock;
  /** Lists what the task created when the step fails (a real run only). */
  creationLog?: TaskCreationLog;
  /**
   * For dry runs, which trigger nothing: whether the initiator may start runs of the entity
   * (`pipelines.run.create`), or `missing` when the catalog does not have it yet (a template's
   * own register step has not run in a dry run).
   */
  mayTrigger?: (
    credentials: BackstageCredentials,
    entityRef: string,
  ) => Promise<'allowed' | 'denied' | 'missing'>;
};

/** The name and message of a failed invoke: the remote error's, not "Request failed with 404". */
function remoteFailure(error: unknown): { name: string; message: string } {
  if (ResponseError.is(error)) {
    return { name: error.cause.name, message: error.cause.message };
  }
  if (isError(error)) {
    return { name: error.name, message: error.message };
  }
  return { name: 'Error', message: String(error) };
}

const ERROR_TYPES: Record<string, new (message: string) => Error> = {
  InputError,
  NotAllowedError,
  NotFoundError,
  ConflictError,
  AuthenticationError,
};

function normalizedRef(entityRef: string): string {
  try {
    return stringifyEntityRef(parseEntityRef(entityRef));
  } catch {
    throw new InputError(
      `entityRef: "${entityRef}" is not an entity ref, e.g. component:default/payments-api`,
    );
  }
}

/** Who the task runs as, for the log. */
function describeInitiator(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type?: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (principal.type === 'user' && principal.userEntityRef) {
    return principal.userEntityRef;
  }
  if (principal.type === 'service' && principal.subject) {
    return `the service ${principal.subject}`;
  }
  return 'an unknown principal';
}

type TriggeredRun = { runId: string; status: string };

/**
 * `pipelines:run:trigger`: starts a Comet pipeline of a catalog entity through the pipelines
 * plugin's own `pipelines:trigger-run` action, invoked with the credentials of the user who
 * started the task, so their `pipelines.run.create` permission decides and the run's trigger is
 * them. A template usually registers the entity just before; until the catalog has ingested it
 * the pipelines plugin answers "not found", so that answer is retried for `waitForEntitySeconds`.
 */
export function createRunTriggerAction(options: CreateRunTriggerActionOptions) {
  const { actions, clock, creationLog } = options;
  const appBaseUrl = options.appBaseUrl.replace(/\/+$/, '');
  const runPathOf = (runId: string) =>
    `/pipelines/runs/${encodeURIComponent(runId)}`;
  const runUrlOf = (runId: string) => `${appBaseUrl}${runPathOf(runId)}`;

  const action = createTemplateAction({
    id: ACTION_ID,
    description:
      "Starts a Comet pipeline run of a catalog entity from its repository (the entity's first pipeline unless pipelinePath is given) as the user who started the task; it needs pipelines.run.create on the entity. An entity registered by an earlier step is waited for until the catalog has it (waitForEntitySeconds). Outputs the run's id, status and page. Dry run triggers nothing.",
    examples: [
      {
        description:
          'Register the new service, then start its first run and link to it',
        example: [
          'steps:',
          '  - id: register',
          '    action: catalog:register',
          '    input:',
          "      catalogInfoUrl: ${{ steps['publish'].output.catalogInfoUrl }}",
          '  - id: first-run',
          '    action: pipelines:run:trigger',
          '    input:',
          '      entityRef: component:default/${{ parameters.name }}',
          'output:',
          '  links:',
          '    - title: First pipeline run',
          "      url: ${{ steps['first-run'].output.runUrl }}",
        ].join('\n'),
      },
    ],
    supportsDryRun: true,
    schema: {
      input: {
        entityRef: z =>
          z
            .string()
            .describe('The entity, e.g. component:default/payments-api'),
        pipelinePath: z =>
          z
            .string()
            .optional()
            .describe(
              "The pipeline file, e.g. .comet/pipeline.yaml (default: the entity's first pipeline)",
            ),
        branch: z =>
          z
            .string()
            .optional()
            .describe("The branch (default: the repository's default branch)"),
        params: z =>
          z
            .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
            .optional()
            .describe("The pipeline's parameters"),
        waitForEntitySeconds: z =>
          z
            .number()
            .int()
            .min(0)
            .max(MAX_WAIT_FOR_ENTITY_SECONDS)
            .optional()
            .describe(
              `How long to wait for the catalog to ingest the entity, in seconds (default ${DEFAULT_WAIT_FOR_ENTITY_SECONDS}, at most ${MAX_WAIT_FOR_ENTITY_SECONDS})`,
            ),
      },
      output: {
        runId: z => z.string().describe('The run; "dry-run" in a dry run'),
        runUrl: z => z.string().describe("The run's page in the portal"),
        runPath: z =>
          z
            .string()
            .describe(
              "The run's page as a path in the portal, for an output link that opens in the same tab",
            ),
        status: z =>
          z.string().describe("The run's status when it started, e.g. queued"),
      },
    },
    async handler(ctx) {
      const { input, logger } = ctx;
      const entityRef = normalizedRef(input.entityRef);
      const waitSeconds = waitForEntitySeconds(input.waitForEntitySeconds);
      const credentials = await ctx.getInitiatorCredentials();
      const pipeline = input.pipelinePath ?? "the entity's first pipeline";
      const what = `${pipeline} of ${entityRef}${
        input.branch ? ` on ${input.branch}` : ''
      }`;

      if (ctx.isDryRun) {
        const decision = options.mayTrigger
          ? await options.mayTrigger(credentials, entityRef)
          : 'missing';
        if (decision === 'denied') {
          throw new NotAllowedError(
            `You may not start pipeline runs of ${entityRef} (pipelines.run.create)`,
          );
        }
        logger.info(
          `Dry run: would trigger ${what} as ${describeInitiator(credentials)}`,
        );
        ctx.output('runId', 'dry-run');
        ctx.output('runUrl', `${appBaseUrl}/pipelines`);
        ctx.output('runPath', '/pipelines');
        ctx.output('status', 'dry-run');
        return;
      }

      const invokeInput: JsonObject = {
        entityRef,
        ...(input.pipelinePath !== undefined
          ? { pipelinePath: input.pipelinePath }
          : {}),
        ...(input.branch !== undefined ? { branch: input.branch } : {}),
        ...(input.params !== undefined ? { params: input.params } : {}),
      };
      /** One invoke: the run, or the catalog not having the entity yet; else it throws. */
      const invokeTrigger = async (): Promise<
        { value: TriggeredRun } | { missing: string }
      > => {
        let output: unknown;
        try {
          ({ output } = await actions.invoke({
            id: TRIGGER_RUN_ACTION_ID,
            input: invokeInput,
            credentials,
          }));
        } catch (error) {
          const failure = remoteFailure(error);
          const notFound = failure.name === 'NotFoundError';
          if (
            notFound &&
            failure.message
              .toLocaleLowerCase('en-US')
              .includes(entityRef.toLocaleLowerCase('en-US'))
          ) {
            return { missing: failure.message };
          }
          const hint =
            notFound && failure.message.includes(TRIGGER_RUN_ACTION_ID)
              ? ' (is @internal/plugin-pipelines-backend installed, and pipelines listed in backend.actions.pluginSources?)'
              : '';
          const ErrorType = ERROR_TYPES[failure.name] ?? Error;
          throw new ErrorType(
            `The pipelines plugin did not start ${what}: ${failure.message}${hint}`,
          );
        }
        const run = (output as { run?: { runId?: unknown; status?: unknown } })
          ?.run;
        if (typeof run?.runId !== 'string' || typeof run.status !== 'string') {
          throw new Error(
            `${TRIGGER_RUN_ACTION_ID} answered ${JSON.stringify(
              output,
            )} instead of a run with its runId and status`,
          );
        }
        return { value: { runId: run.runId, status: run.status } };
      };

      // A retried task step returns the run its first attempt started, never a second one
      const run = await ctx.checkpoint({
        key: `pipelines.run.trigger.${entityRef}.${input.pipelinePath ?? ''}.${
          input.branch ?? ''
        }`,
        fn: (): Promise<TriggeredRun> =>
          waitForEntity({
            entityRef,
            waitSeconds,
            what: `The pipelines plugin did not start ${what}`,
            attempt: invokeTrigger,
            logger,
            clock,
            signal: ctx.signal,
          }),
      });
      const runUrl = runUrlOf(run.runId);
      logger.info(`Started run ${run.runId} of ${what} (${run.status})`);
      logger.info(
        createdLine({
          how: 'Created',
          kind: 'pipeline run',
          name: run.runId,
          url: runUrl,
        }),
      );
      ctx.output('runId', run.runId);
      ctx.output('runUrl', runUrl);
      ctx.output('runPath', runPathOf(run.runId));
      ctx.output('status', run.status);
    },
  });
  return creationLog ? creationLog.guard(action) : action;
}
