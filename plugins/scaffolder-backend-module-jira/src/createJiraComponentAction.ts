import type { PermissionsService } from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { jiraComponentCreatePermission } from '@internal/plugin-jira-common';
import {
  JiraError,
  type JiraClient,
  type JiraInstances,
} from '@internal/plugin-jira-node';
import {
  accountOf,
  checkName,
  checkProjectKey,
  clientFor,
  inProject,
  isAllowed,
  JIRA_NAME_MAX,
  PROJECT_KEY,
  refusedWrite,
} from './jiraActionSupport';

const ACTION_ID = 'jira:component:create';

/** Jira's component fields → this action's inputs, for Jira's 400 field errors. */
const INPUT_OF_FIELD: Record<string, string> = {
  project: 'projectKey',
  projectId: 'projectKey',
  name: 'name',
  description: 'description',
  leadAccountId: 'leadEmail',
  leadUserName: 'leadEmail',
};

/** The project's components (a 404 names the project). */
async function componentsOf(
  client: JiraClient,
  projectKey: string,
): Promise<Array<{ id: string; name: string }>> {
  return inProject(client, projectKey, () => client.getComponents(projectKey));
}

function findByName(
  components: Array<{ id: string; name: string }>,
  name: string,
) {
  const lower = name.toLowerCase();
  return components.find(c => c.name.toLowerCase() === lower);
}

function isAlreadyExists(error: unknown): boolean {
  return (
    error instanceof JiraError &&
    error.kind === 'badRequest' &&
    /already exists/i.test(error.fieldErrors.name ?? '')
  );
}

/** The project's issues of a component, in Jira's issue navigator (Cloud and Data Center). */
function componentUrl(browseUrl: string, projectKey: string, ref: string) {
  return `${browseUrl}/issues/?jql=${encodeURIComponent(
    `project = ${projectKey} AND component = ${ref}`,
  )}`;
}

/**
 * `jira:component:create`: creates a component in a Jira project, with a description and a
 * lead by email. Idempotent: a component of that name (ignoring case) that already exists is
 * returned as it is (`created: false`) and nothing is changed, so that needs no permission;
 * creating one needs the initiator to hold `jira.component.create` (a basic permission, Comet's
 * policy keeps it for administrators).
 */
export function createJiraComponentAction(options: {
  jira: JiraInstances;
  permissions: PermissionsService;
}) {
  const { jira, permissions } = options;
  return createTemplateAction({
    id: ACTION_ID,
    description:
      'Creates a component in a Jira project (needs jira.component.create, a basic permission checked for the user who started the task). A component of that name (ignoring case) that already exists is returned as it is, with created: false, and nothing is changed. Dry run checks the project and the lead and creates nothing.',
    examples: [
      {
        description:
          "A component for the new service, led by the service's owner",
        example: [
          'steps:',
          '  - id: jira-component',
          '    action: jira:component:create',
          '    input:',
          '      projectKey: PAY',
          '      name: ${{ parameters.name }}',
          '      description: ${{ parameters.description }}',
          '      leadEmail: ${{ user.entity.spec.profile.email }}',
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
        name: z =>
          z
            .string()
            .min(1)
            .max(JIRA_NAME_MAX)
            .describe(
              `The component name, at most ${JIRA_NAME_MAX} characters`,
            ),
        description: z => z.string().optional(),
        leadEmail: z =>
          z
            .string()
            .email()
            .optional()
            .describe("The email of the component lead's Jira account"),
        instance: z =>
          z
            .string()
            .optional()
            .describe(
              'A name from jira.instances; without it the instance called "default", else the only one',
            ),
      },
      output: {
        id: z =>
          z
            .string()
            .describe(
              'The component id; "0" in a dry run that would create it',
            ),
        name: z => z.string().describe("The component's name as Jira has it"),
        created: z =>
          z.boolean().describe('False when the component already existed'),
        url: z =>
          z
            .string()
            .describe("The component's issues in Jira's issue navigator"),
      },
    },
    async handler(ctx) {
      const { input, logger } = ctx;
      const client = clientFor(jira, input.instance, ACTION_ID);
      const instance = client.instance;
      checkProjectKey(input.projectKey);
      const projectKey = input.projectKey;
      const name = checkName('name', input.name);
      const where = `Jira project ${projectKey} on instance "${instance.name}"`;
      const output = (
        component: { id: string; name: string },
        created: boolean,
        ref = component.id,
      ) => {
        ctx.output('id', component.id);
        ctx.output('name', component.name);
        ctx.output('created', created);
        ctx.output('url', componentUrl(instance.browseUrl, projectKey, ref));
      };

      const existing = findByName(await componentsOf(client, projectKey), name);
      if (existing) {
        logger.info(
          `The component "${existing.name}" (id ${existing.id}) of ${where} already exists; leaving it as it is`,
        );
        output(existing, false);
        return;
      }

      // Checked before the lead is looked up and anything is created
      const [decision] = await permissions.authorize(
        [{ permission: jiraComponentCreatePermission }],
        { credentials: await ctx.getInitiatorCredentials() },
      );
      if (!isAllowed(decision)) {
        throw new NotAllowedError(
          `You are not allowed to create the component "${name}" in ${where}: it needs the ${jiraComponentCreatePermission.name} permission`,
        );
      }
      const lead = input.leadEmail
        ? await accountOf(client, input.leadEmail, 'leadEmail')
        : undefined;
      const led = lead ? ` led by ${lead.displayName}` : '';

      if (ctx.isDryRun) {
        logger.info(
          `Dry run: would create the component "${name}"${led} in ${where}`,
        );
        output({ id: '0', name }, false, JSON.stringify(name));
        return;
      }

      try {
        const component = await client.createComponent({
          projectKey,
          name,
          ...(input.description ? { description: input.description } : {}),
          ...(lead ? { lead: lead.id } : {}),
        });
        logger.info(
          `Created the component "${component.name}" (id ${component.id})${led} in ${where}`,
        );
        output(component, true);
      } catch (error) {
        if (!isAlreadyExists(error)) {
          throw refusedWrite(
            error,
            `the component "${name}" in project ${projectKey}`,
            field => INPUT_OF_FIELD[field],
          );
        }
        // Created meanwhile (another run of the template): someone else's, left as it is
        const raced = findByName(await componentsOf(client, projectKey), name);
        if (!raced) {
          throw new InputError(
            `name: Jira says a component "${name}" already exists in ${where}, but does not list it among the project's components; try again`,
          );
        }
        logger.info(
          `The component "${raced.name}" (id ${raced.id}) of ${where} was created meanwhile; leaving it as it is`,
        );
        output(raced, false);
      }
    },
  });
}
