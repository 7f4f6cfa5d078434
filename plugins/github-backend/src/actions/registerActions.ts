import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { parseInput } from '@internal/backend-common';
import { CATALOG_CHANGE_ANNOTATIONS } from '../service/catalogInfo';
import type { GitHubService } from '../service/GitHubService';
import { proposalBody, WORKFLOW_RUN_STATUSES } from '../service/router';

/** What `github:get-job-log` returns of a log's end without `maxBytes`. */
const JOB_LOG_DEFAULT_BYTES = 1_000_000;

const entityRefDescription =
  'Entity ref of a catalog entity with the github.com/project-slug annotation, e.g. component:default/payments-api';

/**
 * The GitHub actions: one implementation (GitHubService, with the caller's own catalog view
 * and permissions) behind the UI, the AI assistant and MCP clients. No output carries a
 * credential.
 */
export function registerActions(
  actionsRegistry: ActionsRegistryService,
  service: GitHubService,
) {
  actionsRegistry.register({
    name: 'list-pull-requests',
    title: 'List GitHub pull requests',
    description:
      "Lists the pull requests of a catalog entity's GitHub repository (newest first, at most 30), with author, draft flag, branches, review state (approved, changes_requested or none) and the checks of the head commit (state and counts).",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          state: z
            .enum(['open', 'closed', 'all'])
            .optional()
            .describe('Which pull requests; open when absent'),
        }),
      output: z =>
        z.object({
          pullRequests: z.array(z.any()),
          count: z.number().describe('How many the newest 30 held'),
          hasMore: z.boolean().describe('Whether there are more than 30'),
        }),
    },
    action: async ({ input, credentials }) => ({
      output: await service.pullRequests(credentials, {
        entityRef: input.entityRef,
        state: input.state ?? 'open',
      }),
    }),
  });

  actionsRegistry.register({
    name: 'get-pull-request',
    title: 'Get a GitHub pull request',
    description:
      "Gets one pull request of a catalog entity's GitHub repository: state (open, closed or merged), branches, review state and the checks of its head commit.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          number: z.number().int().min(1).describe('Pull request number'),
        }),
      output: z => z.object({ pullRequest: z.any() }),
    },
    action: async ({ input, credentials }) => ({
      output: await service.pullRequest(credentials, input),
    }),
  });

  actionsRegistry.register({
    name: 'list-commits',
    title: 'List GitHub commits',
    description:
      "Lists the newest commits of the default branch of a catalog entity's GitHub repository: sha, first line of the message, author and date.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          perPage: z
            .number()
            .int()
            .min(1)
            .max(100)
            .optional()
            .describe('How many commits; 20 when absent'),
        }),
      output: z => z.object({ branch: z.string(), commits: z.array(z.any()) }),
    },
    action: async ({ input, credentials }) => ({
      output: await service.commits(credentials, {
        entityRef: input.entityRef,
        perPage: input.perPage ?? 20,
      }),
    }),
  });

  actionsRegistry.register({
    name: 'list-workflow-runs',
    title: 'List GitHub Actions workflow runs',
    description:
      "Lists GitHub Actions workflow runs of a catalog entity's repository, newest first, one page at a time, with workflow name, branch, commit, event, status and conclusion. Filter by branch or by a status or conclusion.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          branch: z.string().min(1).optional().describe('Only this branch'),
          status: z
            .enum(WORKFLOW_RUN_STATUSES)
            .optional()
            .describe('A status or conclusion, e.g. failure or in_progress'),
          page: z.number().int().min(1).max(1000).optional(),
          perPage: z.number().int().min(1).max(100).optional(),
        }),
      output: z =>
        z.object({
          runs: z.array(z.any()),
          totalCount: z.number(),
          page: z.number(),
          perPage: z.number(),
          repository: z.object({
            host: z.string(),
            owner: z.string(),
            repo: z.string(),
            htmlUrl: z.string(),
          }),
        }),
    },
    action: async ({ input, credentials }) => ({
      output: await service.workflowRuns(credentials, {
        entityRef: input.entityRef,
        branch: input.branch,
        status: input.status,
        page: input.page ?? 1,
        perPage: input.perPage ?? 20,
      }),
    }),
  });

  actionsRegistry.register({
    name: 'list-workflow-jobs',
    title: 'List the jobs of a GitHub Actions workflow run',
    description:
      "Lists the jobs of one GitHub Actions workflow run (its latest attempt) of a catalog entity's repository: id, name, status, conclusion, times, runner and each step with its status and conclusion. Use it to find the failed job and step, then read that job's log with github:get-job-log.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          runId: z
            .number()
            .int()
            .min(1)
            .describe(
              'The workflow run id, as github:list-workflow-runs gives it',
            ),
        }),
      output: z => z.object({ jobs: z.array(z.any()) }),
    },
    action: async ({ input, credentials }) => ({
      output: await service.jobs(credentials, input),
    }),
  });

  actionsRegistry.register({
    name: 'get-job-log',
    title: 'Get the log of a GitHub Actions job',
    description:
      "Reads the plain-text log of one GitHub Actions job of a catalog entity's repository (every line starts with its UTC timestamp; secrets GitHub knows are written ***). A log longer than maxBytes is cut at its start: only its end is returned, from a whole line, and droppedBytes says how much was left out; unreadAfter says the log was too long to read to its end. A log past the repository's retention answers not found.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          jobId: z
            .number()
            .int()
            .min(1)
            .describe('The job id, as github:list-workflow-jobs gives it'),
          maxBytes: z
            .number()
            .int()
            .min(1_000)
            .max(5_000_000)
            .optional()
            .describe(
              `Bytes of the log's end to return; ${JOB_LOG_DEFAULT_BYTES} when absent`,
            ),
        }),
      output: z =>
        z.object({
          jobId: z.number(),
          text: z.string(),
          bytesRead: z.number(),
          droppedBytes: z.number(),
          unreadAfter: z.boolean(),
        }),
    },
    action: async ({ input, credentials }) => ({
      output: await service.jobLog(credentials, {
        entityRef: input.entityRef,
        jobId: input.jobId,
        maxBytes: input.maxBytes ?? JOB_LOG_DEFAULT_BYTES,
      }),
    }),
  });

  actionsRegistry.register({
    name: 'create-pull-request',
    title: 'Propose a change as a GitHub pull request',
    description:
      "Opens a pull request on a catalog entity's GitHub repository that changes its pipeline files (only the paths its comet.dev/pipelines annotation names; .comet/pipeline.yaml without one): a new branch comet/<title>-<random> from the default branch with one commit that names the signed-in user in a Proposed-by trailer. Each call opens a new pull request.",
    attributes: { readOnly: false, destructive: false, idempotent: false },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          title: z.string().min(1).max(256).describe('Pull request title'),
          body: z
            .string()
            .max(65_536)
            .optional()
            .describe('Pull request description (Markdown)'),
          files: z
            .record(z.string())
            .describe(
              'The new content of each changed file by repository path, e.g. {".comet/pipeline.yaml": "..."}',
            ),
          message: z
            .string()
            .min(1)
            .max(10_000)
            .optional()
            .describe('Commit message; the title when absent'),
        }),
      output: z =>
        z.object({
          number: z.number(),
          htmlUrl: z.string(),
          branch: z.string(),
        }),
    },
    action: async ({ input, credentials }) => {
      const { entityRef, ...proposal } = input;
      // The same limits as the REST API's request body
      const checked = parseInput(proposalBody, proposal, 'input');
      return {
        output: await service.proposePullRequest(credentials, {
          entityRef,
          ...checked,
        }),
      };
    },
  });

  actionsRegistry.register({
    name: 'propose-catalog-change',
    title:
      "Propose a change of an entity's catalog annotations as a GitHub pull request",
    description: `Opens a pull request on a catalog entity's GitHub repository that changes annotations of the entity in its catalog file: the file its backstage.io/managed-by-location names when that is in the same repository, else catalog-info.yaml at the root, read on the default branch. Only the annotations of the entity's own document change; comments and order stay. Only ${CATALOG_CHANGE_ANNOTATIONS.join(
      ', ',
    )} may be set (a string) or removed (null). One commit on a new branch comet/wiring-<name>-<random> names the signed-in user in a Proposed-by trailer. Each call opens a new pull request.`,
    attributes: { readOnly: false, destructive: false, idempotent: false },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          annotations: z
            .record(z.string(), z.string().nullable())
            .describe(
              'Annotation → its new value, or null to remove it, e.g. {"jira/component": "payments-api", "comet.dev/test-suites": null}',
            ),
          title: z
            .string()
            .trim()
            .min(1)
            .max(256)
            .describe('Pull request title'),
          body: z
            .string()
            .max(65_536)
            .optional()
            .describe('Pull request description (Markdown)'),
        }),
      output: z =>
        z.object({
          htmlUrl: z.string().describe('The pull request on GitHub'),
          number: z.number(),
          branch: z.string(),
          path: z.string().describe('The catalog file it changes'),
        }),
    },
    action: async ({ input, credentials }) => ({
      output: await service.proposeCatalogChange(credentials, {
        entityRef: input.entityRef,
        annotations: input.annotations,
        title: input.title,
        body: input.body,
      }),
    }),
  });
}
