import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import {
  JenkinsService,
  MAX_JOB_SEARCH_LIMIT,
} from '../service/JenkinsService';

const entityRefDescription = 'Entity ref, e.g. component:default/payments-api';
const jobDescription =
  'Job as [instance:]folder/job, as the entity annotation jenkins.io/job-full-name writes it or jenkins:list-builds returns it, e.g. payments/payments-api or default:payments/payments-api (without an instance: the one named default, else the only one)';

/**
 * The Jenkins actions: one implementation (JenkinsService, with the caller's own
 * permissions) behind the UI, the AI assistant, MCP clients and scaffolder templates.
 */
export function registerActions(
  actionsRegistry: ActionsRegistryService,
  service: JenkinsService,
) {
  actionsRegistry.register({
    name: 'list-builds',
    title: 'List Jenkins builds',
    description:
      "Lists the Jenkins builds of a catalog entity's jobs (annotation jenkins.io/job-full-name), newest first, with status, branch, commit, causes, parameters, test summary and duration. Without job, all the entity's jobs are merged; page with the returned cursor (or offset with job).",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          job: z.string().optional().describe(jobDescription),
          branch: z
            .string()
            .optional()
            .describe('Branch, for multibranch jobs'),
          limit: z.number().int().min(1).max(100).optional(),
          offset: z
            .number()
            .int()
            .min(0)
            .optional()
            .describe('With job: skip this many builds (at most 1000)'),
          cursor: z
            .string()
            .optional()
            .describe('Without job: the nextCursor of the previous page'),
        }),
      output: z =>
        z.object({
          builds: z.array(z.any()),
          nextCursor: z.string().optional(),
          nextOffset: z.number().optional(),
          errors: z
            .array(
              z.object({
                jobRef: z.string(),
                name: z.string(),
                message: z.string(),
              }),
            )
            .optional(),
        }),
    },
    action: async ({ input, credentials }) => {
      if (input.job) {
        const { builds, nextOffset } = await service.listBuilds(credentials, {
          entityRef: input.entityRef,
          job: input.job,
          branch: input.branch,
          limit: input.limit ?? 20,
          offset: input.offset,
        });
        return { output: { builds, nextOffset } };
      }
      const page = await service.listEntityBuilds(credentials, {
        entityRef: input.entityRef,
        limit: input.limit ?? 20,
        cursor: input.cursor,
      });
      const builds = input.branch
        ? page.builds.filter(b => b.branch === input.branch)
        : page.builds;
      return {
        output: { builds, nextCursor: page.nextCursor, errors: page.errors },
      };
    },
  });

  actionsRegistry.register({
    name: 'search-jobs',
    title: 'Search Jenkins jobs',
    description:
      'Lists the Jenkins jobs an entity can name in jenkins.io/job-full-name, on every configured instance or one: jobs in folders (walked a few levels deep) and multibranch projects (not their branch jobs), whose full name contains query (ignoring case), sorted by instance and name. Only what the comet.resourceScopes of your groups allow; ref is the value for the annotation. truncated means there are more: narrow with query.',
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          instance: z
            .string()
            .optional()
            .describe('A Jenkins instance name; all of them when absent'),
          query: z
            .string()
            .max(200)
            .optional()
            .describe('Part of the job full name, e.g. payments'),
          limit: z
            .number()
            .int()
            .min(1)
            .max(MAX_JOB_SEARCH_LIMIT)
            .optional()
            .describe(
              `At most this many jobs (default and maximum ${MAX_JOB_SEARCH_LIMIT})`,
            ),
        }),
      output: z =>
        z.object({
          jobs: z.array(
            z.object({
              fullName: z.string(),
              url: z.string(),
              instance: z.string(),
              ref: z.string(),
            }),
          ),
          truncated: z.boolean(),
          errors: z.array(
            z.object({ instance: z.string(), message: z.string() }),
          ),
        }),
    },
    action: async ({ input, credentials }) => ({
      output: await service.searchJobs(credentials, {
        instance: input.instance,
        query: input.query,
        limit: input.limit ?? MAX_JOB_SEARCH_LIMIT,
      }),
    }),
  });

  actionsRegistry.register({
    name: 'get-build',
    title: 'Get a Jenkins build',
    description:
      'Gets one Jenkins build: result, duration, parameters, causes, commits, JUnit test summary, artifacts and, for Pipeline jobs, stages with their status.',
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          job: z.string().describe(jobDescription),
          number: z.number().int().min(1).describe('Build number'),
        }),
      output: z => z.object({ build: z.any() }),
    },
    action: async ({ input, credentials }) => ({
      output: { build: await service.getBuild(credentials, input) },
    }),
  });

  actionsRegistry.register({
    name: 'get-build-log',
    title: 'Get a Jenkins build log',
    description:
      "Reads a Jenkins build's console text from byte offset start (default: the last maxBytes bytes). more is true while the build still writes; pass nextStart to continue. Use it to explain why a build failed.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          job: z.string().describe(jobDescription),
          number: z.number().int().min(1),
          start: z.number().int().min(0).optional(),
          maxBytes: z.number().int().min(100).max(1_000_000).optional(),
        }),
      output: z =>
        z.object({
          text: z.string(),
          start: z.number(),
          nextStart: z.number(),
          more: z.boolean(),
          truncated: z.boolean(),
        }),
    },
    action: async ({ input, credentials }) => {
      const maxBytes = input.maxBytes ?? 20_000;
      let chunk = await service.getLog(credentials, {
        ...input,
        start: input.start ?? 0,
      });
      if (
        input.start === undefined &&
        chunk.truncated &&
        chunk.textSize !== undefined
      ) {
        // A console longer than one read: its tail is where builds fail, read that
        chunk = await service.getLog(credentials, {
          ...input,
          start: Math.max(0, chunk.textSize - maxBytes),
        });
        return {
          output: {
            text: chunk.text,
            start: Math.max(0, chunk.nextStart - Buffer.byteLength(chunk.text)),
            nextStart: chunk.nextStart,
            more: chunk.more,
            truncated: true,
          },
        };
      }
      const bytes = Buffer.from(chunk.text, 'utf8');
      let start = input.start ?? 0;
      let text = chunk.text;
      let truncated = false;
      if (bytes.length > maxBytes) {
        truncated = true;
        if (input.start === undefined) {
          // Without a start the end of the log matters most: that is where builds fail.
          text = bytes.subarray(bytes.length - maxBytes).toString('utf8');
          start = chunk.nextStart - maxBytes;
        } else {
          text = bytes.subarray(0, maxBytes).toString('utf8');
          return {
            output: {
              text,
              start,
              nextStart: start + maxBytes,
              more: true,
              truncated,
            },
          };
        }
      }
      return {
        output: {
          text,
          start,
          nextStart: chunk.nextStart,
          more: chunk.more,
          truncated,
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'trigger-build',
    title: 'Trigger a Jenkins build',
    description:
      "Starts a build of an entity's Jenkins job, with parameters checked against the job's parameter definitions (get them from the job). Answers with the queue item and, once Jenkins started it, the build number.",
    attributes: { readOnly: false, destructive: false, idempotent: false },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          job: z.string().describe(jobDescription),
          parameters: z
            .record(z.union([z.string(), z.number(), z.boolean()]))
            .optional()
            .describe('Parameter values by name'),
        }),
      output: z =>
        z.object({
          jobRef: z.string(),
          queueId: z.number(),
          buildNumber: z.number().optional(),
          url: z.string().optional(),
        }),
    },
    action: async ({ input, credentials }) => ({
      output: await service.trigger(credentials, input),
    }),
  });

  actionsRegistry.register({
    name: 'abort-build',
    title: 'Abort a Jenkins build',
    description: "Stops a running build of an entity's Jenkins job.",
    attributes: { readOnly: false, destructive: true, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          job: z.string().describe(jobDescription),
          number: z.number().int().min(1),
        }),
      output: z =>
        z.object({
          jobRef: z.string(),
          number: z.number(),
          aborted: z.boolean(),
        }),
    },
    action: async ({ input, credentials }) => ({
      output: await service.abort(credentials, input),
    }),
  });
}
