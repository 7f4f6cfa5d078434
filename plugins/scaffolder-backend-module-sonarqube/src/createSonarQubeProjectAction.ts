import type { PermissionsService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, isError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  authorizeSonarQubeProjectConfigure,
  type SonarQubeClient,
} from '@internal/plugin-sonarqube-node';
import { createdLine, type TaskCreationLog } from '@internal/backend-common';
import {
  entityRefInput,
  entityRefOfSonarTag,
  sonarEntityTag,
} from './entityTag';

const NEW_CODE_TYPES = [
  'PREVIOUS_VERSION',
  'NUMBER_OF_DAYS',
  'REFERENCE_BRANCH',
  'SPECIFIC_ANALYSIS',
] as const;

/** An instance URL as errors show it: no credentials, query or fragment. */
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
 * `sonarqube:project:create`: creates a SonarQube project, assigns it a quality gate and sets
 * its new-code definition. A project that already exists is left exactly as it is (`created:
 * false`): a template must not be a way to change another team's gate. Assigning a gate or a
 * new-code definition needs the initiator to hold `sonarqube.project.configure`.
 *
 * With `entityRef`, a new project gets the project tag of that entity (see `sonarEntityTag`),
 * and an existing project is adopted (`adopted: true`, nothing changed) only when it carries
 * that tag; any other existing project of that key is a ConflictError.
 */
export function createSonarQubeProjectAction(options: {
  client: SonarQubeClient;
  permissions: PermissionsService;
  /** Lists what the task created when the step fails (a real run only). */
  creationLog?: TaskCreationLog;
}) {
  const { client, permissions, creationLog } = options;
  const action = createTemplateAction({
    id: 'sonarqube:project:create',
    description:
      'Creates a SonarQube project, assigns its quality gate and sets its new-code definition (needs sonarqube.project.configure). An existing project is left as it is. With entityRef, the new project gets the project tag comet-entity.<kind>.<namespace>.<name> (lower case, "_" written "+"), and a re-run adopts a project carrying that tag (created: false, adopted: true, nothing changed); any other existing project of that key is a conflict. Dry run reads only: it says whether it would create, adopt or conflict.',
    examples: [
      {
        description: 'A project with the strict gate, new code = last 30 days',
        example: [
          'steps:',
          '  - id: sonarqube',
          '    action: sonarqube:project:create',
          '    input:',
          '      projectKey: acme_${{ parameters.name }}',
          '      name: ${{ parameters.name }}',
          '      qualityGate: Sonar way',
          '      newCodeDefinition: { type: NUMBER_OF_DAYS, value: "30" }',
        ].join('\n'),
      },
      {
        description:
          'Tagged with the new entity, so that running the template again resumes: the project it created is adopted, not refused',
        example: [
          'steps:',
          '  - id: sonarqube',
          '    action: sonarqube:project:create',
          '    input:',
          '      projectKey: acme_${{ parameters.name }}',
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
            .regex(
              /^(?!\d+$)[A-Za-z0-9_.:-]+$/,
              'letters, digits, "-", "_", "." and ":", with at least one non-digit',
            )
            .describe('The SonarQube project key, e.g. acme_payments-api'),
        name: z => z.string().min(1).describe('The project name'),
        instance: z =>
          z
            .string()
            .optional()
            .describe(
              'A name from sonarqube.instances; the default instance when absent',
            ),
        mainBranch: z => z.string().optional().describe('Default: main'),
        visibility: z => z.enum(['public', 'private']).optional(),
        qualityGate: z =>
          z.string().optional().describe('Quality gate name, e.g. "Sonar way"'),
        newCodeDefinition: z =>
          z
            .object({
              type: z.enum(NEW_CODE_TYPES),
              value: z.string().optional(),
            })
            .optional()
            .describe(
              'e.g. { type: NUMBER_OF_DAYS, value: "30" } or { type: REFERENCE_BRANCH, value: main }',
            ),
        entityRef: z =>
          z
            .string()
            .optional()
            .describe(
              'The entity the project belongs to, e.g. component:default/payments-api: a new project gets the tag comet-entity.component.default.payments-api; a project of that key already tagged so is adopted, any other is a conflict',
            ),
      },
      output: {
        projectKey: z => z.string(),
        instance: z => z.string(),
        url: z => z.string().describe('The project dashboard in SonarQube'),
        created: z =>
          z.boolean().describe('False when the project already existed'),
        adopted: z =>
          z
            .boolean()
            .optional()
            .describe(
              'With entityRef: whether an existing project tagged with it was adopted (or would be, in a dry run)',
            ),
      },
    },
    async handler(ctx) {
      const { input, logger } = ctx;
      if (!client.configured) {
        throw new InputError(
          'SonarQube is not configured: add an instance under sonarqube.instances to use sonarqube:project:create',
        );
      }
      const wanted = input.newCodeDefinition;
      if (
        wanted?.type === 'NUMBER_OF_DAYS' &&
        !/^\d+$/.test(wanted.value ?? '')
      ) {
        throw new InputError(
          'newCodeDefinition NUMBER_OF_DAYS needs a value: a number of days from 1 to 90',
        );
      }
      if (
        (wanted?.type === 'REFERENCE_BRANCH' ||
          wanted?.type === 'SPECIFIC_ANALYSIS') &&
        !wanted.value
      ) {
        throw new InputError(
          `newCodeDefinition ${wanted.type} needs a value (a branch name or an analysis key)`,
        );
      }
      const entityRef =
        input.entityRef === undefined
          ? undefined
          : entityRefInput(input.entityRef);
      const entityTag = entityRef ? sonarEntityTag(entityRef) : undefined;
      const instance = client.instance(input.instance);
      const query = { instance: input.instance, projectKey: input.projectKey };
      const where = `project ${input.projectKey} on SonarQube instance "${instance.name}"`;
      const url = client.dashboardUrl(query);
      /** A call whose failure also says where the instance is, without credentials. */
      const atInstance = async <T>(call: () => Promise<T>): Promise<T> => {
        try {
          return await call();
        } catch (error) {
          const shown = shownUrl(instance.baseUrl);
          if (isError(error) && !error.message.includes(shown)) {
            error.message += ` (SonarQube instance "${instance.name}" is at ${shown})`;
          }
          throw error;
        }
      };
      /**
       * Adopts a project tagged with the entity (nothing changed); any other project of that
       * key is a conflict. api/components/show returns a project's tags (needs Browse).
       */
      const adopt = async (how: string) => {
        const { component } = await atInstance(() =>
          client.request<{ component: { tags?: string[] } }>(
            input.instance,
            'api/components/show',
            {
              params: { component: input.projectKey },
              subject: `project "${input.projectKey}"`,
            },
          ),
        );
        const tags = component.tags ?? [];
        if (!tags.includes(entityTag!)) {
          const owners = tags
            .map(entityRefOfSonarTag)
            .filter((ref): ref is string => Boolean(ref));
          throw new ConflictError(
            `SonarQube project ${
              input.projectKey
            } already exists on instance "${
              instance.name
            }" and is not tagged with ${entityRef} (it belongs to ${
              owners.length ? owners.join(', ') : 'nobody'
            }): pick another project key or tag it (the project tag ${entityTag})`,
          );
        }
        logger.info(
          `${how} the ${where} (tagged with ${entityRef}, as the project tag ${entityTag}); nothing changed`,
        );
        if (!ctx.isDryRun) {
          logger.info(
            createdLine({
              how: 'Adopted',
              kind: 'SonarQube project',
              name: input.projectKey,
              url,
            }),
          );
        }
        ctx.output('projectKey', input.projectKey);
        ctx.output('instance', instance.name);
        ctx.output('url', url);
        ctx.output('created', false);
        ctx.output('adopted', true);
      };

      const tagged = entityTag ? `, tagged with ${entityTag}` : '';
      /**
       * A call once the project exists: its failure also says what was created, and what to do
       * by hand, since a re-run leaves an existing project as it is.
       */
      const afterCreating = async <T>(
        what: string,
        fix: string,
        call: () => Promise<T>,
        done = `${where}${tagged}`,
      ): Promise<T> => {
        try {
          return await atInstance(call);
        } catch (error) {
          if (isError(error)) {
            error.message = `Created the ${done}, but could not ${what}: ${error.message}. ${fix}`;
          }
          throw error;
        }
      };

      const [existing] = await atInstance(() =>
        client.searchProjects({
          instance: input.instance,
          projectKeys: [input.projectKey],
        }),
      );
      if (existing && entityRef) {
        await adopt(ctx.isDryRun ? 'Dry run: would adopt' : 'Adopted');
        return;
      }
      let created = false;
      if (existing) {
        logger.info(
          `The ${where} already exists; leaving it as it is (its quality gate and new-code definition are not changed)`,
        );
      } else {
        if (input.qualityGate || wanted) {
          // Checked before creating, so a refusal leaves no half-configured project behind
          await authorizeSonarQubeProjectConfigure({
            permissions,
            credentials: await ctx.getInitiatorCredentials(),
            what: `assign a quality gate or a new-code definition to the ${where}`,
          });
        }
        if (ctx.isDryRun) {
          logger.info(`Dry run: would create the ${where}${tagged}`);
        } else {
          try {
            await atInstance(() =>
              client.createProject({
                instance: input.instance,
                projectKey: input.projectKey,
                name: input.name,
                mainBranch: input.mainBranch,
                visibility: input.visibility,
              }),
            );
            created = true;
            // Logged at once: a later call that fails lists it among what the task created
            logger.info(
              createdLine({
                how: 'Created',
                kind: 'SonarQube project',
                name: input.projectKey,
                url,
              }),
            );
          } catch (error) {
            // Created concurrently (e.g. a retried step): someone else's, so left as it is
            if (!/already exists/.test(String((error as Error).message))) {
              throw error;
            }
            if (entityRef) {
              await adopt('Adopted the meanwhile created');
              return;
            }
            logger.info(
              `The ${where} was created meanwhile; leaving it as it is`,
            );
          }
          if (created && entityTag) {
            // A new project has no tags, so setting them all sets just this one
            await afterCreating(
              `tag it with ${entityTag}`,
              'Add that project tag in SonarQube (Project Information > Tags) before running the template again, or the re-run refuses the untagged project',
              () =>
                client.request(input.instance, 'api/project_tags/set', {
                  method: 'POST',
                  params: { project: input.projectKey, tags: entityTag },
                  subject: `project "${input.projectKey}"`,
                }),
              where,
            );
          }
          if (created && entityTag) {
            logger.info(`The ${where} is tagged with ${entityTag}`);
          }
        }
      }
      // Only a project this run created, or would create, is configured
      const configure = created || (ctx.isDryRun && !existing);

      if (configure && input.qualityGate) {
        const gateFix = `A re-run leaves the existing project as it is: assign the quality gate "${input.qualityGate}" in SonarQube (Project Settings > Quality Gate)`;
        const current = created
          ? await afterCreating('read its quality gate', gateFix, () =>
              client.getProjectQualityGate(query),
            )
          : undefined;
        if (current === input.qualityGate) {
          logger.info(`Quality gate is already "${input.qualityGate}"`);
        } else if (ctx.isDryRun) {
          logger.info(
            `Dry run: would assign the quality gate "${input.qualityGate}"`,
          );
        } else {
          await afterCreating(
            `assign the quality gate "${input.qualityGate}"`,
            gateFix,
            () =>
              client.selectQualityGate({
                ...query,
                gateName: input.qualityGate!,
              }),
          );
          logger.info(`Assigned the quality gate "${input.qualityGate}"`);
        }
      }

      if (configure && wanted) {
        const newCodeFix = `A re-run leaves the existing project as it is: set the new-code definition ${wanted.type} in SonarQube (Project Settings > New Code)`;
        const current = created
          ? await afterCreating(
              'read its new-code definition',
              newCodeFix,
              () => client.getNewCodePeriod(query),
            )
          : undefined;
        const same =
          current &&
          !current.inherited &&
          current.type === wanted.type &&
          (current.value ?? undefined) === (wanted.value ?? undefined);
        if (same) {
          logger.info(
            `New-code definition is already ${wanted.type}${
              wanted.value ? ` ${wanted.value}` : ''
            }`,
          );
        } else if (ctx.isDryRun) {
          logger.info(
            `Dry run: would set the new-code definition to ${wanted.type}`,
          );
        } else {
          await afterCreating(
            `set the new-code definition to ${wanted.type}`,
            newCodeFix,
            () =>
              client.setNewCodePeriod({
                ...query,
                type: wanted.type,
                value: wanted.value,
              }),
          );
          logger.info(
            `Set the new-code definition to ${wanted.type}${
              wanted.value ? ` ${wanted.value}` : ''
            }`,
          );
        }
      }

      ctx.output('projectKey', input.projectKey);
      ctx.output('instance', instance.name);
      ctx.output('url', url);
      ctx.output('created', created);
    },
  });
  return creationLog ? creationLog.guard(action) : action;
}
