import type { PermissionsService } from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { EntityAccess, normalizedEntityRef } from '@internal/backend-common';
import { jiraIssueCreatePermission } from '@internal/plugin-jira-common';
import type {
  JiraInstanceConfig,
  JiraInstances,
} from '@internal/plugin-jira-node';
import { createHash } from 'node:crypto';
import {
  accountOf,
  checkName,
  checkProjectKey,
  clientFor,
  inProject,
  JIRA_NAME_MAX,
  PROJECT_KEY,
  refusedWrite,
} from './jiraActionSupport';

const ACTION_ID = 'jira:issue:create';
const DEFAULT_ISSUE_TYPE = 'Task';
const CUSTOM_FIELD_ID = /^customfield_\d+$/;

/** Jira's create fields → this action's inputs, for Jira's 400 field errors. */
const INPUT_OF_FIELD: Record<string, string> = {
  project: 'projectKey',
  issuetype: 'issueType',
  summary: 'summary',
  description: 'description',
  assignee: 'assigneeEmail',
  labels: 'labels',
  components: 'components',
};

/**
 * The field id of each `customFields` key: a configured name (exactly, else ignoring case, as
 * the client resolves it) or a field id itself. Checked before Jira is asked.
 */
function customFieldIds(
  instance: JiraInstanceConfig,
  customFields: Record<string, unknown> | undefined,
): Array<{ input: string; id: string }> {
  return Object.keys(customFields ?? {}).map(input => {
    if (CUSTOM_FIELD_ID.test(input)) return { input, id: input };
    const configured = instance.customFields;
    const id =
      configured[input] ??
      Object.entries(configured).find(
        ([name]) => name.toLowerCase() === input.toLowerCase(),
      )?.[1];
    if (!id) {
      const names = Object.keys(configured);
      throw new InputError(
        `customFields["${input}"]: no custom field of that name in jira.instances[name=${
          instance.name
        }].customFields (${
          names.length ? `configured: ${names.join(', ')}` : 'none configured'
        }); use a configured name or a field id (customfield_…)`,
      );
    }
    return { input, id };
  });
}

/**
 * `jira:issue:create`: creates an issue in a Jira project, with a Markdown description (the
 * client converts it to ADF or wiki markup), labels, components, an assignee by email and
 * custom fields by their configured name. A retried step returns the issue it created
 * (checkpoint) instead of creating a second one.
 *
 * Permission: `jira.issue.create` is a catalog-entity (resource) permission, so it is checked,
 * with the initiator's credentials, on an entity: the `entityRef` input (the entity the issue is
 * about) or, without one, the template itself. Comet's policy grants it to administrators and
 * to the entity's owners.
 */
export function createJiraIssueAction(options: {
  jira: JiraInstances;
  permissions: PermissionsService;
  catalog: CatalogService;
}) {
  const { jira } = options;
  // The entity read with the initiator's credentials and the policy's conditions applied to it,
  // as the Jira backend decides its own writes
  const access = EntityAccess.create({
    catalog: options.catalog,
    permissions: options.permissions,
    cacheTtlMs: 0,
  });
  return createTemplateAction({
    id: ACTION_ID,
    description:
      "Creates a Jira issue (Markdown description, labels, components, assignee by email, custom fields by configured name) and outputs its key, id and url. Needs jira.issue.create for the user who started the task; it is a catalog-entity permission, so it is checked on the entityRef input (the entity the issue is about) or, without one, on the template itself (Comet grants it to administrators and the entity's owners). A retried step does not create a second issue. Dry run checks the project, issue type, assignee, components and custom fields and creates nothing.",
    examples: [
      {
        description:
          'An onboarding task for the new service, assigned to its owner',
        example: [
          'steps:',
          '  - id: jira-issue',
          '    action: jira:issue:create',
          '    input:',
          '      projectKey: PAY',
          '      entityRef: component:default/${{ parameters.name }}',
          '      summary: Set up alerts for ${{ parameters.name }}',
          '      description: |',
          '        Created by the **new service** template.',
          '        - add the service to the on-call rota',
          '      labels: [golden-path]',
          '      components: [payments-api]',
          '      assigneeEmail: ${{ user.entity.spec.profile.email }}',
          '      customFields:',
          '        Story points: 3',
        ].join('\n'),
      },
    ],
    supportsDryRun: true,
    schema: {
      input: {
        projectKey: z =>
          z
            .string()
            .regex(PROJECT_KEY, 'an upper-case Jira project key, e.g. PAY')
            .describe('The Jira project key, e.g. PAY'),
        instance: z =>
          z
            .string()
            .optional()
            .describe(
              'A name from jira.instances; without it the instance called "default", else the only one',
            ),
        issueType: z =>
          z
            .string()
            .min(1)
            .optional()
            .describe(
              `The issue type's name or id. Default: ${DEFAULT_ISSUE_TYPE}`,
            ),
        summary: z =>
          z
            .string()
            .min(1)
            .max(JIRA_NAME_MAX)
            .describe(`At most ${JIRA_NAME_MAX} characters`),
        description: z =>
          z
            .string()
            .optional()
            .describe(
              'Markdown; converted to ADF (Jira Cloud) or wiki markup (Data Center)',
            ),
        labels: z =>
          z
            .array(z.string().regex(/^\S+$/, 'a label has no spaces'))
            .optional()
            .describe('Labels, without spaces'),
        components: z =>
          z
            .array(z.string().min(1))
            .optional()
            .describe("Names of the project's components"),
        assigneeEmail: z =>
          z
            .string()
            .email()
            .optional()
            .describe('The email of the Jira account to assign the issue to'),
        customFields: z =>
          z
            .record(z.unknown())
            .optional()
            .describe(
              'Values by the name configured in jira.instances[].customFields (or by field id), e.g. { "Story points": 3 }',
            ),
        entityRef: z =>
          z
            .string()
            .optional()
            .describe(
              'The catalog entity the issue is about; jira.issue.create is checked on it (default: the template)',
            ),
      },
      output: {
        key: z => z.string().describe('The issue key, e.g. PAY-123'),
        id: z => z.string(),
        url: z => z.string().describe('Where a browser opens the issue'),
      },
    },
    async handler(ctx) {
      const { input, logger } = ctx;
      const client = clientFor(jira, input.instance, ACTION_ID);
      const instance = client.instance;
      checkProjectKey(input.projectKey);
      const projectKey = input.projectKey;
      const summary = checkName('summary', input.summary);
      const issueType = input.issueType?.trim() || DEFAULT_ISSUE_TYPE;
      const where = `Jira project ${projectKey} on instance "${instance.name}"`;

      let resourceRef: string | undefined;
      if (input.entityRef) {
        try {
          resourceRef = normalizedEntityRef(input.entityRef);
        } catch (error) {
          throw new InputError(`entityRef: ${(error as Error).message}`);
        }
      } else {
        resourceRef = ctx.templateInfo?.entityRef;
      }
      if (!resourceRef) {
        throw new InputError(
          `entityRef: ${jiraIssueCreatePermission.name} is checked on a catalog entity, and this task has no template to check it on; set entityRef to the entity the issue is about`,
        );
      }
      // Before anything is read from Jira: a refused user learns nothing about the project
      try {
        await access.entity(await ctx.getInitiatorCredentials(), resourceRef, {
          require: [jiraIssueCreatePermission],
          fresh: true,
        });
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'NotAllowedError') {
          throw new NotAllowedError(
            `You are not allowed to create issues in ${where} for ${resourceRef}: it needs the ${jiraIssueCreatePermission.name} permission on ${resourceRef}`,
          );
        }
        if (name === 'NotFoundError') {
          throw new InputError(
            `entityRef: ${resourceRef} is not in the catalog, or you may not see it`,
          );
        }
        throw error;
      }

      const fieldIds = customFieldIds(instance, input.customFields);
      await inProject(client, projectKey, () => client.getProject(projectKey));
      const assignee = input.assigneeEmail
        ? await accountOf(client, input.assigneeEmail, 'assigneeEmail')
        : undefined;
      const components = input.components ?? [];
      const labels = input.labels ?? [];
      const details = [
        assignee && `assigned to ${assignee.displayName}`,
        labels.length && `labels ${labels.join(', ')}`,
        components.length && `components ${components.join(', ')}`,
      ].filter(Boolean);
      const about = `${details.length ? ` (${details.join('; ')})` : ''}`;

      if (ctx.isDryRun) {
        const meta = await inProject(client, projectKey, () =>
          client.getCreateMeta(projectKey),
        );
        const wanted = issueType.toLowerCase();
        const type = meta.issueTypes.find(
          t => t.id === issueType || t.name.toLowerCase() === wanted,
        );
        if (!type) {
          throw new InputError(
            `issueType: ${where} has no issue type "${issueType}"; its types are ${meta.issueTypes
              .map(t => t.name)
              .join(', ')}`,
          );
        }
        const allowed = type.fields.find(
          f => f.id === 'components',
        )?.allowedValues;
        const unknown = allowed
          ? components.filter(c => !allowed.some(a => a.name === c))
          : [];
        if (unknown.length) {
          throw new InputError(
            `components: ${where} has no component ${unknown
              .map(c => `"${c}"`)
              .join(', ')}; its components are ${
              allowed!.map(a => a.name).join(', ') || 'none'
            }`,
          );
        }
        for (const { input: name, id } of fieldIds) {
          if (!type.fields.some(f => f.id === id)) {
            throw new InputError(
              `customFields["${name}"]: the field ${id} is not on the create screen of ${type.name} in ${where}`,
            );
          }
        }
        logger.info(
          `Dry run: would create a ${type.name} "${summary}" in ${where}${about}`,
        );
        ctx.output('key', `${projectKey}-0`);
        ctx.output('id', '0');
        ctx.output('url', `${instance.browseUrl}/browse/${projectKey}-0`);
        return;
      }

      let createdNow = false;
      // Per task and step: a retried or resumed step finds the issue it created
      const checkpointKey = `jira.issue.create.${
        instance.name
      }.${projectKey}.${createHash('sha256')
        .update(summary)
        .digest('hex')
        .slice(0, 16)}`;
      const created = await ctx.checkpoint({
        key: checkpointKey,
        fn: async () => {
          try {
            const issue = await client.createIssue(projectKey, {
              issueType,
              summary,
              ...(input.description ? { description: input.description } : {}),
              ...(assignee ? { assignee: assignee.id } : {}),
              ...(labels.length ? { labels } : {}),
              ...(components.length ? { components } : {}),
              ...(fieldIds.length ? { customFields: input.customFields } : {}),
            });
            createdNow = true;
            return { key: issue.key, id: issue.id, url: issue.url };
          } catch (error) {
            throw refusedWrite(
              error,
              `the new issue in project ${projectKey}`,
              field =>
                INPUT_OF_FIELD[field] ??
                fieldIds
                  .filter(f => f.id === field)
                  .map(f => `customFields["${f.input}"]`)[0],
            );
          }
        },
      });
      logger.info(
        createdNow
          ? `Created the issue ${created.key} in ${where}${about}: ${created.url}`
          : `The issue ${created.key} in ${where} was created by an earlier attempt of this step; not creating another`,
      );
      ctx.output('key', created.key);
      ctx.output('id', created.id);
      ctx.output('url', created.url);
    },
  });
}
