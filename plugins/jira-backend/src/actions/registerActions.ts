import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import type { JiraIssue } from '@internal/plugin-jira-common';
import {
  MAX_PROJECT_LIST_LIMIT,
  type JiraService,
} from '../service/JiraService';

/** An issue as actions return it: what a model needs, no avatars. */
function brief(issue: JiraIssue) {
  return {
    key: issue.key,
    url: issue.url,
    summary: issue.summary,
    status: issue.status.name,
    statusCategory: issue.status.category,
    type: issue.type.name,
    ...(issue.priority ? { priority: issue.priority.name } : {}),
    ...(issue.assignee ? { assignee: issue.assignee.displayName } : {}),
    labels: issue.labels,
    components: issue.components,
    fixVersions: issue.fixVersions,
    ...(issue.storyPoints !== undefined
      ? { storyPoints: issue.storyPoints }
      : {}),
    updated: issue.updated,
  };
}

/**
 * The Jira actions: one implementation (JiraService, with the caller's own permissions) behind
 * the UI, the AI assistant, MCP clients and templates. No output carries a credential.
 */
export function registerActions(
  actionsRegistry: ActionsRegistryService,
  service: JiraService,
) {
  const entityRef = (z: any) =>
    z.string().describe('Entity ref, e.g. component:default/payments-api');

  actionsRegistry.register({
    name: 'search-issues',
    title: 'Search Jira issues',
    description:
      "Lists Jira issues of a catalog entity's projects (its jira/project-key, component and label annotations), newest update first, optionally narrowed by statuses, types and a JQL filter; or, with `jql` and no entity, searches the whole instance (needs the jira.search.jql permission).",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: entityRef(z).optional(),
          jql: z
            .string()
            .optional()
            .describe(
              "JQL that narrows the entity's issues (e.g. `priority = High`), or the whole query without an entity",
            ),
          status: z.array(z.string()).optional().describe('Status names'),
          type: z.array(z.string()).optional().describe('Issue type names'),
          instance: z
            .string()
            .optional()
            .describe('The Jira instance, for a search without an entity'),
          limit: z.number().int().min(1).max(100).default(25),
        }),
      output: z =>
        z.object({
          issues: z.array(z.any()),
          total: z.number().optional(),
          notices: z.array(z.string()),
        }),
    },
    action: async ({ input, credentials }) => {
      if (!input.entityRef) {
        if (!input.jql) {
          throw new Error('Give an entityRef, or a jql to search the instance');
        }
        const page = await service.search(credentials, {
          jql: input.jql,
          instance: input.instance,
          limit: input.limit,
        });
        return {
          output: {
            issues: page.issues.map(brief),
            ...(page.total !== undefined ? { total: page.total } : {}),
            notices: [],
          },
        };
      }
      const page = await service.issues(credentials, {
        entityRef: input.entityRef,
        filters: { jql: input.jql, status: input.status, type: input.type },
        limit: input.limit,
      });
      return {
        output: {
          issues: page.issues.map(brief),
          ...(page.total !== undefined ? { total: page.total } : {}),
          notices: page.notices.map(n => n.message),
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'get-issue',
    title: 'Get a Jira issue',
    description:
      "Gets one Jira issue of a catalog entity's projects: its fields, its description as Markdown and its latest comments.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: entityRef(z),
          key: z.string().describe('The issue key, e.g. PAY-123'),
        }),
      output: z =>
        z.object({
          issue: z.any(),
          description: z.string(),
          comments: z.array(
            z.object({
              author: z.string().optional(),
              created: z.string(),
              body: z.string(),
            }),
          ),
        }),
    },
    action: async ({ input, credentials }) => {
      const issue = await service.issue(
        credentials,
        input.entityRef,
        input.key,
      );
      return {
        output: {
          issue: brief(issue),
          description: issue.descriptionMarkdown,
          comments: issue.comments.map(c => ({
            ...(c.author ? { author: c.author.displayName } : {}),
            created: c.created,
            body: c.bodyMarkdown,
          })),
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'create-issue',
    title: 'Create a Jira issue',
    description:
      "Creates a Jira issue in one of a catalog entity's projects (the entity's component and label are added), with a Markdown description. Needs the jira.issue.create permission on the entity.",
    attributes: { readOnly: false, destructive: false, idempotent: false },
    schema: {
      input: z =>
        z.object({
          entityRef: entityRef(z),
          projectKey: z
            .string()
            .optional()
            .describe(
              "One of the entity's projects; needed when it has several",
            ),
          issueType: z
            .string()
            .describe('The issue type, e.g. Bug, Task, Story'),
          summary: z.string().min(1).max(255),
          description: z.string().optional().describe('Markdown'),
          labels: z.array(z.string()).optional(),
          components: z.array(z.string()).optional(),
        }),
      output: z => z.object({ key: z.string(), url: z.string() }),
    },
    action: async ({ input, credentials }) => {
      const { entityRef: ref, ...rest } = input;
      const created = await service.create(credentials, ref, rest);
      return { output: { key: created.key, url: created.url } };
    },
  });

  actionsRegistry.register({
    name: 'transition-issue',
    title: 'Move a Jira issue to another status',
    description:
      'Applies a workflow transition (by its name, e.g. "In Progress" or "Done") to an issue of a catalog entity\'s projects; an unknown name fails listing the allowed ones. Needs jira.issue.update on the entity.',
    attributes: { readOnly: false, destructive: false, idempotent: false },
    schema: {
      input: z =>
        z.object({
          entityRef: entityRef(z),
          key: z.string().describe('The issue key, e.g. PAY-123'),
          transition: z.string().describe('The transition name, e.g. Done'),
        }),
      output: z => z.object({ transition: z.string(), status: z.string() }),
    },
    action: async ({ input, credentials }) => {
      const result = await service.transition(
        credentials,
        input.entityRef,
        input.key,
        input.transition,
      );
      return { output: { transition: result.name, status: result.to.name } };
    },
  });

  actionsRegistry.register({
    name: 'add-comment',
    title: 'Comment on a Jira issue',
    description:
      "Adds a Markdown comment to an issue of a catalog entity's projects. Needs jira.issue.update on the entity.",
    attributes: { readOnly: false, destructive: false, idempotent: false },
    schema: {
      input: z =>
        z.object({
          entityRef: entityRef(z),
          key: z.string().describe('The issue key, e.g. PAY-123'),
          body: z.string().min(1).describe('Markdown'),
        }),
      output: z => z.object({ id: z.string() }),
    },
    action: async ({ input, credentials }) => {
      const comment = await service.comment(
        credentials,
        input.entityRef,
        input.key,
        input.body,
      );
      return { output: { id: comment.id } };
    },
  });

  actionsRegistry.register({
    name: 'get-active-sprint',
    title: 'Get the active Jira sprint',
    description:
      "Gets the active sprint of the board that shows a catalog entity's projects: its dates and goal, its issues, and the burndown (remaining story points per day).",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z => z.object({ entityRef: entityRef(z) }),
      output: z =>
        z.object({
          board: z.string(),
          sprint: z.any().optional(),
          issues: z.array(z.any()),
          burndown: z.array(z.any()),
          notices: z.array(z.string()),
        }),
    },
    action: async ({ input, credentials }) => {
      const sprint = await service.activeSprint(credentials, input.entityRef);
      return {
        output: {
          board: sprint.board.name,
          ...(sprint.sprint ? { sprint: sprint.sprint } : {}),
          issues: sprint.issues.map(brief),
          burndown: sprint.burndown,
          notices: sprint.notices.map(n => n.message),
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'get-release-notes',
    title: 'Get Jira release notes',
    description:
      "Gets release notes of a fix version of a catalog entity's projects as Markdown, grouped by issue type.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: entityRef(z),
          version: z.string().describe('The fix version name, e.g. 1.5.0'),
        }),
      output: z => z.object({ markdown: z.string(), issues: z.number() }),
    },
    action: async ({ input, credentials }) => {
      const notes = await service.releaseNotes(
        credentials,
        input.entityRef,
        input.version,
      );
      return {
        output: {
          markdown: notes.markdown,
          issues: notes.groups.reduce((n, g) => n + g.issues.length, 0),
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'list-projects',
    title: 'List Jira projects',
    description:
      'Lists the Jira projects an entity can name in jira/project-key (key and name only, no issue), on every configured instance or one, whose key or name contains query (ignoring case), sorted by instance and key. Only what the comet.resourceScopes of your groups allow; ref is the value for the annotation. truncated means there are more: narrow with query.',
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          instance: z
            .string()
            .optional()
            .describe('A Jira instance name; all of them when absent'),
          query: z
            .string()
            .max(200)
            .optional()
            .describe('Part of the project key or name, e.g. PAY'),
          limit: z
            .number()
            .int()
            .min(1)
            .max(MAX_PROJECT_LIST_LIMIT)
            .optional()
            .describe(
              `At most this many projects (default and maximum ${MAX_PROJECT_LIST_LIMIT})`,
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
      output: await service.listProjects(credentials, {
        instance: input.instance,
        query: input.query,
        limit: input.limit ?? MAX_PROJECT_LIST_LIMIT,
      }),
    }),
  });
}
