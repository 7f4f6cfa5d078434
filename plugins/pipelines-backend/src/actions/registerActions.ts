import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { PipelinesService } from '../service/PipelinesService';

const statuses = [
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
] as const;

/**
 * The pipelines actions: one implementation (PipelinesService, with the caller's own
 * permissions) behind the UI, the AI assistant, MCP clients and scaffolder templates.
 */
export function registerActions(
  actionsRegistry: ActionsRegistryService,
  service: PipelinesService,
) {
  actionsRegistry.register({
    name: 'list-runs',
    title: 'List pipeline runs',
    description:
      "Lists Comet pipeline runs newest first, with status, trigger, branch, commit and duration: of one catalog entity (entityRef), or across entities (scope: owned by the caller's groups, or all the caller may see). Filter by pipeline, branch or status; page with the returned cursor.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .optional()
            .describe(
              'Entity ref, e.g. component:default/payments-api; omit to list across entities',
            ),
          scope: z
            .enum(['owned', 'all'])
            .optional()
            .describe(
              'Without entityRef: runs of entities owned by your groups (default) or of all you may see',
            ),
          pipeline: z.string().optional().describe('Pipeline name'),
          branch: z.string().optional(),
          status: z.enum(statuses).optional(),
          limit: z.number().int().min(1).max(100).optional(),
          cursor: z.string().optional(),
        }),
      output: z =>
        z.object({
          runs: z.array(z.any()),
          nextCursor: z.string().optional(),
          totalCount: z.number().optional(),
        }),
    },
    action: async ({ input, credentials }) => {
      const { entityRef, scope, ...filters } = input;
      const limit = input.limit ?? 20;
      if (entityRef) {
        return {
          output: await service.listRuns(credentials, {
            ...filters,
            entityRef,
            limit,
          }),
        };
      }
      const page = await service.listRunsAcrossEntities(credentials, {
        ...filters,
        scope: scope ?? 'owned',
        limit,
      });
      return {
        output: {
          runs: page.runs,
          nextCursor: page.nextCursor,
          totalCount: page.totalCount,
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'get-run',
    title: 'Get a pipeline run',
    description:
      'Gets one Comet pipeline run with its jobs (needs, matrix values, approval gates) and steps, each with status, exit code, error and timings, and what its steps reported (reports: quality gates, test results, each with status, summary and link).',
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z => z.object({ runId: z.string() }),
      output: z => z.object({ run: z.any() }),
    },
    action: async ({ input, credentials }) => ({
      output: { run: await service.getRun(credentials, input.runId) },
    }),
  });

  actionsRegistry.register({
    name: 'get-run-logs',
    title: 'Get pipeline run logs',
    description:
      'Reads the log lines of a Comet pipeline run in order (secrets are masked). Page with afterSeq; filter to one job with jobRunId. Use it to explain why a run failed.',
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          runId: z.string(),
          jobRunId: z.string().optional(),
          afterSeq: z.number().int().optional(),
          limit: z.number().int().min(1).max(5000).optional(),
        }),
      output: z =>
        z.object({
          status: z.string(),
          lines: z.array(
            z.object({
              seq: z.number(),
              jobRunId: z.string(),
              stepIndex: z.number().optional(),
              stream: z.string(),
              timestamp: z.string(),
              text: z.string(),
            }),
          ),
        }),
    },
    action: async ({ input, credentials }) => {
      const { run, lines } = await service.getLogs(credentials, input.runId, {
        afterSeq: input.afterSeq,
        limit: input.limit ?? 500,
        jobRunId: input.jobRunId,
      });
      return {
        output: {
          status: run.status,
          lines: lines.map(line => ({
            ...line,
            stepIndex: line.stepIndex ?? undefined,
          })),
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'trigger-run',
    title: 'Trigger a pipeline run',
    description:
      "Starts a Comet pipeline of a catalog entity from its repository, with typed parameters. Uses the entity's first pipeline unless pipelinePath is given.",
    attributes: { readOnly: false, destructive: false, idempotent: false },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string(),
          pipelinePath: z
            .string()
            .optional()
            .describe('e.g. .comet/release.yaml'),
          branch: z.string().optional(),
          params: z
            .record(z.union([z.string(), z.number(), z.boolean()]))
            .optional(),
        }),
      output: z => z.object({ run: z.any() }),
    },
    action: async ({ input, credentials }) => ({
      output: { run: await service.trigger(credentials, input) },
    }),
  });

  actionsRegistry.register({
    name: 'cancel-run',
    title: 'Cancel a pipeline run',
    description:
      'Cancels a queued, running or waiting Comet pipeline run; running steps are terminated.',
    attributes: { readOnly: false, destructive: true, idempotent: false },
    schema: {
      input: z => z.object({ runId: z.string() }),
      output: z => z.object({ run: z.any() }),
    },
    action: async ({ input, credentials }) => ({
      output: { run: await service.cancel(credentials, input.runId) },
    }),
  });

  actionsRegistry.register({
    name: 'approve-run',
    title: 'Approve or reject a pipeline gate',
    description:
      'Approves or rejects the approval gate (a job waiting for a decision) of a Comet pipeline run.',
    // Destructive: a rejection fails the run for good (its later jobs are skipped and cannot
    // be resumed, only re-run), and an approval releases jobs that may deploy.
    attributes: { readOnly: false, destructive: true, idempotent: false },
    schema: {
      input: z =>
        z.object({
          runId: z.string(),
          jobRunId: z
            .string()
            .describe('The waiting job, e.g. approve-production'),
          decision: z.enum(['approve', 'reject']),
          comment: z.string().optional(),
        }),
      output: z => z.object({ run: z.any() }),
    },
    action: async ({ input, credentials }) => ({
      output: { run: await service.decide(credentials, input) },
    }),
  });

  actionsRegistry.register({
    name: 'list-pipeline-files',
    title: 'List pipeline files',
    description:
      "Lists the pipeline files in a catalog entity's repository (backstage.io/source-location) at its default branch or at ref: the YAML files of .comet/ and the files its comet.dev/pipelines annotation (or paths) names that exist, each with its name: when it has one. Returns the commit read. Use it to pick the paths for comet.dev/pipelines or a run's pipelinePath.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe('Entity ref, e.g. component:default/payments-api'),
          ref: z
            .string()
            .min(1)
            .max(255)
            .optional()
            .describe(
              'A branch, tag or commit of the repository; default: its default branch',
            ),
          paths: z
            .array(z.string().max(500))
            .max(50)
            .optional()
            .describe(
              'More repository paths to look for (e.g. ones about to be declared); each that exists as a file is listed too',
            ),
        }),
      output: z =>
        z.object({
          repositoryUrl: z.string(),
          ref: z.string(),
          commit: z.string(),
          files: z.array(
            z.object({ path: z.string(), name: z.string().optional() }),
          ),
        }),
    },
    action: async ({ input, credentials }) => ({
      output: await service.listPipelineFiles(credentials, input),
    }),
  });

  actionsRegistry.register({
    name: 'validate-pipeline',
    title: 'Validate a pipeline file',
    description:
      'Validates the YAML of a Comet pipeline file and lists every problem with its line, column and field.',
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          yaml: z.string().describe('The pipeline file text'),
          file: z.string().optional(),
        }),
      output: z =>
        z.object({
          ok: z.boolean(),
          issues: z.array(
            z.object({
              message: z.string(),
              path: z.string(),
              file: z.string().optional(),
              line: z.number().optional(),
              column: z.number().optional(),
            }),
          ),
        }),
    },
    action: async ({ input }) => {
      const result = service.validate(input.yaml, input.file);
      return { output: { ok: result.ok, issues: result.issues } };
    },
  });
}
