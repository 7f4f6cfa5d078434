import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { ServiceUnavailableError } from '@backstage/errors';
import {
  MAX_PROJECT_SEARCH_LIMIT,
  type SonarQubeService,
} from '../service/SonarQubeService';

/**
 * The SonarQube actions: one implementation (SonarQubeService, with the caller's own
 * permissions) behind the UI, the AI assistant, MCP clients and scaffolder templates. No
 * output carries a credential.
 */
export function registerActions(
  actionsRegistry: ActionsRegistryService,
  service: SonarQubeService,
) {
  async function projectsOf(
    credentials: Parameters<SonarQubeService['summary']>[0],
    input: {
      entityRef: string;
      project?: string;
      branch?: string;
      pullRequest?: string;
    },
  ) {
    if (input.project) {
      return [await service.projectView(credentials, input)];
    }
    const summary = await service.summary(credentials, input);
    if (!summary.configured) {
      throw new ServiceUnavailableError(summary.message);
    }
    return summary.projects;
  }

  actionsRegistry.register({
    name: 'get-quality-gate',
    title: 'Get the SonarQube quality gate',
    description:
      "Gets the SonarQube quality gate status (OK or ERROR, NONE when never analysed) of a catalog entity's projects, on the main branch, a branch or a pull request, with every condition (metric, comparator, threshold, actual value, status) and a link to SonarQube.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe('Entity ref, e.g. component:default/payments-api'),
          project: z
            .string()
            .optional()
            .describe(
              'One of the entity\'s projects as in its sonarqube.org/project-key annotation ("[instance/]key"); all of them (or the first, for issues) when absent',
            ),
          branch: z
            .string()
            .optional()
            .describe('A branch; the main branch when absent'),
          pullRequest: z
            .string()
            .optional()
            .describe('A pull request key, e.g. "42"'),
        }),
      output: z =>
        z.object({
          projects: z.array(
            z.object({
              project: z.string(),
              instance: z.string(),
              status: z.string(),
              conditions: z.array(z.any()),
              url: z.string().optional(),
              analysed: z
                .literal(false)
                .optional()
                .describe(
                  'false when the project has no analysis yet (status NONE)',
                ),
              error: z.string().optional(),
            }),
          ),
        }),
    },
    action: async ({ input, credentials }) => ({
      output: {
        projects: (await projectsOf(credentials, input)).map(p => ({
          project: p.project,
          instance: p.instance,
          status: p.qualityGate?.status ?? 'NONE',
          conditions: p.qualityGate?.conditions ?? [],
          url: p.url,
          // false: read, but SonarQube has no analysis yet (status NONE, error says so)
          ...(p.analysed === false ? { analysed: false as const } : {}),
          error: p.error,
        })),
      },
    }),
  });

  actionsRegistry.register({
    name: 'get-measures',
    title: 'Get SonarQube measures',
    description:
      "Gets the SonarQube measures of a catalog entity's projects: bugs, vulnerabilities, code smells, security hotspots (and % reviewed), coverage, duplications, reliability/security/maintainability ratings (1.0 = A … 5.0 = E), technical debt in minutes and lines of code, on the main branch, a branch or a pull request.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe('Entity ref, e.g. component:default/payments-api'),
          project: z
            .string()
            .optional()
            .describe(
              'One of the entity\'s projects as in its sonarqube.org/project-key annotation ("[instance/]key"); all of them (or the first, for issues) when absent',
            ),
          branch: z
            .string()
            .optional()
            .describe('A branch; the main branch when absent'),
          pullRequest: z
            .string()
            .optional()
            .describe('A pull request key, e.g. "42"'),
        }),
      output: z => z.object({ projects: z.array(z.any()) }),
    },
    action: async ({ input, credentials }) => ({
      output: { projects: await projectsOf(credentials, input) },
    }),
  });

  actionsRegistry.register({
    name: 'search-issues',
    title: 'Search SonarQube issues',
    description:
      "Lists open SonarQube issues of one of a catalog entity's projects (the first when project is absent), filtered by type and severity, one page at a time. SonarQube returns at most the first 10,000 results; narrow with filters past that.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe('Entity ref, e.g. component:default/payments-api'),
          project: z
            .string()
            .optional()
            .describe(
              'One of the entity\'s projects as in its sonarqube.org/project-key annotation ("[instance/]key"); all of them (or the first, for issues) when absent',
            ),
          branch: z
            .string()
            .optional()
            .describe('A branch; the main branch when absent'),
          pullRequest: z
            .string()
            .optional()
            .describe('A pull request key, e.g. "42"'),
          types: z
            .array(z.enum(['BUG', 'VULNERABILITY', 'CODE_SMELL']))
            .optional(),
          severities: z
            .array(z.enum(['BLOCKER', 'CRITICAL', 'MAJOR', 'MINOR', 'INFO']))
            .optional(),
          page: z.number().int().min(1).optional(),
          pageSize: z.number().int().min(1).max(100).optional(),
        }),
      output: z =>
        z.object({
          issues: z.array(z.any()),
          total: z.number(),
          page: z.number(),
          pageSize: z.number(),
          reachableTotal: z.number(),
          securityHidden: z.boolean().optional(),
        }),
    },
    action: async ({ input, credentials }) => ({
      output: await service.issues(credentials, {
        ...input,
        page: input.page ?? 1,
        pageSize: input.pageSize ?? 25,
      }),
    }),
  });

  actionsRegistry.register({
    name: 'search-projects',
    title: 'Search SonarQube projects',
    description:
      'Lists the SonarQube projects an entity can name in sonarqube.org/project-key, on every configured instance or one, whose key or name contains query (ignoring case), sorted by instance and name. Only what the comet.resourceScopes of your groups allow; ref is the value for the annotation. truncated means there are more: narrow with query.',
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          instance: z
            .string()
            .optional()
            .describe('A SonarQube instance name; all of them when absent'),
          query: z
            .string()
            .max(200)
            .optional()
            .describe('Part of the project key or name, e.g. payments'),
          limit: z
            .number()
            .int()
            .min(1)
            .max(MAX_PROJECT_SEARCH_LIMIT)
            .optional()
            .describe(
              `At most this many projects (default and maximum ${MAX_PROJECT_SEARCH_LIMIT})`,
            ),
        }),
      output: z =>
        z.object({
          projects: z.array(
            z.object({
              key: z.string(),
              name: z.string(),
              instance: z.string(),
              ref: z.string(),
              url: z.string(),
            }),
          ),
          truncated: z.boolean(),
          errors: z.array(
            z.object({ instance: z.string(), message: z.string() }),
          ),
        }),
    },
    action: async ({ input, credentials }) => ({
      output: await service.searchProjects(credentials, {
        instance: input.instance,
        query: input.query,
        limit: input.limit ?? MAX_PROJECT_SEARCH_LIMIT,
      }),
    }),
  });
}
