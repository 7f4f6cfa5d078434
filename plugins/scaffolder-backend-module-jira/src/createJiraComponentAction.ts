import type { PermissionsService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  isError,
  NotAllowedError,
} from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { jiraComponentCreatePermission } from '@internal/plugin-jira-common';
import {
  JiraError,
  type JiraClient,
  type JiraInstances,
} from '@internal/plugin-jira-node';
import {
  belongsTo,
  createdLine,
  ENTITY_TAG_KEY,
  entityRefInput,
  type TaskCreationLog,
  taggedEntityRefs,
  withEntityTag,
} from '@internal/backend-common';
import type { JiraProjectScopes } from './JiraProjectScopes';
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

type Component = { id: string; name: string; description?: string };

/** The instance's URL as errors show it: no credentials, query or fragment. */
function shownUrl(baseUrl: string) {
  try {
    const url = new URL(baseUrl);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(baseUrl is not a URL)';
  }
}

/**
 * A call to Jira whose failure also says where the instance is (its timeouts and unreachable
 * errors do; its HTTP statuses do not), so the template's log says which Jira to check.
 */
async function atInstance<T>(
  client: JiraClient,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const { name, baseUrl } = client.instance;
    const url = shownUrl(baseUrl);
    // An InputError is about the template's input (a lead without an account), not Jira
    if (
      isError(error) &&
      error.name !== 'InputError' &&
      !error.message.includes(url)
    ) {
      error.message += ` (Jira instance "${name}" is at ${url})`;
    }
    throw error;
  }
}

/** The project's components (a 404 names the project). */
async function componentsOf(
  client: JiraClient,
  projectKey: string,
): Promise<Component[]> {
  return inProject(client, projectKey, () =>
    atInstance(client, () => client.getComponents(projectKey)),
  );
}

function findByName(components: Component[], name: string) {
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
 * policy gives it to every signed-in user).
 *
 * With `projectScopes` (and `comet.resourceScopes` configured), the project must be within the
 * `jira` scopes of one of the initiator's groups, administrators excepted: checked before any
 * call to Jira, so a project outside them is neither read nor changed for the initiator.
 *
 * With `entityRef`, a new component's description ends with `comet.dev/entity: <ref>`, and an
 * existing one is adopted (`adopted: true`, nothing changed) only when its description has that
 * line; any other existing component of that name is a ConflictError.
 */
export function createJiraComponentAction(options: {
  jira: JiraInstances;
  permissions: PermissionsService;
  projectScopes?: JiraProjectScopes;
  /** Lists what the task created when the step fails (a real run only). */
  creationLog?: TaskCreationLog;
}) {
  const { jira, permissions, projectScopes, creationLog } = options;
  const action = createTemplateAction({
    id: ACTION_ID,
    description:
      "Creates a component in a Jira project (needs jira.component.create, a basic permission checked for the user who started the task; with comet.resourceScopes configured, the project must be within the jira scopes of one of that user's groups, unless they are an administrator). A component of that name (ignoring case) that already exists is returned as it is, with created: false, and nothing is changed. With entityRef, the new component's description ends with a line comet.dev/entity: <ref>, and an existing component of that name is adopted (adopted: true, nothing changed) only when its description carries that line; any other is a conflict. Dry run checks the project and the lead, says whether it would create, adopt or conflict, and creates nothing.",
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
      {
        description:
          'Tagged with the new entity, so that running the template again resumes: the component it created is adopted, not refused',
        example: [
          'steps:',
          '  - id: jira-component',
          '    action: jira:component:create',
          '    input:',
          '      projectKey: PAY',
          '      name: ${{ parameters.name }}',
          '      entityRef: component:default/${{ parameters.name }}',
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
        entityRef: z =>
          z
            .string()
            .optional()
            .describe(
              'The entity the component belongs to, e.g. component:default/payments-api: its description gets the line comet.dev/entity: <ref>; a component of that name already tagged so is adopted, any other is a conflict',
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
        adopted: z =>
          z
            .boolean()
            .optional()
            .describe(
              'With entityRef: whether an existing component tagged with it was adopted (or would be, in a dry run)',
            ),
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
      const entityRef =
        input.entityRef === undefined
          ? undefined
          : entityRefInput(input.entityRef);
      const description = entityRef
        ? withEntityTag(input.description, entityRef)
        : input.description;
      const where = `Jira project ${projectKey} on instance "${instance.name}"`;
      // Before any call to Jira: Comet's account reads nothing outside the initiator's scopes
      const outOfScope = await projectScopes?.refusal(
        await ctx.getInitiatorCredentials(),
        { instance: instance.name, projectKey },
      );
      if (outOfScope) {
        throw new NotAllowedError(
          `You are not allowed to create the component "${name}" in ${where}: ${outOfScope}; an administrator may add the project to your group's scopes (docs/security.md, "Resource scopes")`,
        );
      }
      const urlOf = (component: { id: string }, ref?: string) =>
        componentUrl(instance.browseUrl, projectKey, ref ?? component.id);
      const output = (
        component: { id: string; name: string },
        outcome: { created: boolean; adopted?: boolean; ref?: string },
      ) => {
        ctx.output('id', component.id);
        ctx.output('name', component.name);
        ctx.output('created', outcome.created);
        if (entityRef) ctx.output('adopted', outcome.adopted ?? false);
        ctx.output('url', urlOf(component, outcome.ref));
      };
      /** Adopts a component tagged with the entity; any other is a conflict. */
      const adopt = (component: Component, how: string) => {
        const tags = taggedEntityRefs(component.description);
        if (!tags.includes(entityRef!)) {
          throw new ConflictError(
            `Jira component "${
              component.name
            }" already exists in project ${projectKey} on instance "${
              instance.name
            }" and is not tagged with ${entityRef} (it belongs to ${belongsTo(
              tags,
            )}): pick another name or tag it (a line "${ENTITY_TAG_KEY}: ${entityRef}" in its description)`,
          );
        }
        logger.info(
          `${how} the component "${component.name}" (id ${component.id}) of ${where} (tagged with ${entityRef}); nothing changed`,
        );
        if (!ctx.isDryRun) {
          logger.info(
            createdLine({
              how: 'Adopted',
              kind: 'Jira component',
              name: component.name,
              url: urlOf(component),
            }),
          );
        }
        output(component, { created: false, adopted: true });
      };

      const existing = findByName(await componentsOf(client, projectKey), name);
      if (existing && entityRef) {
        adopt(existing, ctx.isDryRun ? 'Dry run: would adopt' : 'Adopted');
        return;
      }
      if (existing) {
        logger.info(
          `The component "${existing.name}" (id ${existing.id}) of ${where} already exists; leaving it as it is`,
        );
        output(existing, { created: false });
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
        ? await atInstance(client, () =>
            accountOf(client, input.leadEmail!, 'leadEmail'),
          )
        : undefined;
      const led = lead ? ` led by ${lead.displayName}` : '';
      const tagged = entityRef ? `, tagged with ${entityRef}` : '';

      if (ctx.isDryRun) {
        logger.info(
          `Dry run: would create the component "${name}"${led} in ${where}${tagged}`,
        );
        output(
          { id: '0', name },
          { created: false, ref: JSON.stringify(name) },
        );
        return;
      }

      try {
        const component = await atInstance(client, () =>
          client.createComponent({
            projectKey,
            name,
            ...(description ? { description } : {}),
            ...(lead ? { lead: lead.id } : {}),
          }),
        );
        logger.info(
          `The component "${component.name}" (id ${component.id})${led} is in ${where}${tagged}`,
        );
        logger.info(
          createdLine({
            how: 'Created',
            kind: 'Jira component',
            name: component.name,
            url: urlOf(component),
          }),
        );
        output(component, { created: true });
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
        if (entityRef) {
          adopt(raced, 'Adopted the meanwhile created');
          return;
        }
        logger.info(
          `The component "${raced.name}" (id ${raced.id}) of ${where} was created meanwhile; leaving it as it is`,
        );
        output(raced, { created: false });
      }
    },
  });
  return creationLog ? creationLog.guard(action) : action;
}
