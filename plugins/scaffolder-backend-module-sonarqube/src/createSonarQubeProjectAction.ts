import type { PermissionsService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  authorizeSonarQubeProjectConfigure,
  type SonarQubeClient,
} from '@internal/plugin-sonarqube-node';

const NEW_CODE_TYPES = [
  'PREVIOUS_VERSION',
  'NUMBER_OF_DAYS',
  'REFERENCE_BRANCH',
  'SPECIFIC_ANALYSIS',
] as const;

/**
 * `sonarqube:project:create`: creates a SonarQube project, assigns it a quality gate and sets
 * its new-code definition. A project that already exists is left exactly as it is (`created:
 * false`): a template must not be a way to change another team's gate. Assigning a gate or a
 * new-code definition needs the initiator to hold `sonarqube.project.configure`.
 */
export function createSonarQubeProjectAction(options: {
  client: SonarQubeClient;
  permissions: PermissionsService;
}) {
  const { client, permissions } = options;
  return createTemplateAction({
    id: 'sonarqube:project:create',
    description:
      'Creates a SonarQube project, assigns its quality gate and sets its new-code definition (needs sonarqube.project.configure). An existing project is left as it is.',
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
      },
      output: {
        projectKey: z => z.string(),
        instance: z => z.string(),
        url: z => z.string().describe('The project dashboard in SonarQube'),
        created: z =>
          z.boolean().describe('False when the project already existed'),
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
      const instance = client.instance(input.instance);
      const query = { instance: input.instance, projectKey: input.projectKey };
      const where = `project ${input.projectKey} on SonarQube instance "${instance.name}"`;
      const url = client.dashboardUrl(query);
      const [existing] = await client.searchProjects({
        instance: input.instance,
        projectKeys: [input.projectKey],
      });
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
          logger.info(`Dry run: would create the ${where}`);
        } else {
          try {
            await client.createProject({
              instance: input.instance,
              projectKey: input.projectKey,
              name: input.name,
              mainBranch: input.mainBranch,
              visibility: input.visibility,
            });
            created = true;
            logger.info(`Created the ${where}`);
          } catch (error) {
            // Created concurrently (e.g. a retried step): someone else's, so left as it is
            if (!/already exists/.test(String((error as Error).message))) {
              throw error;
            }
            logger.info(
              `The ${where} was created meanwhile; leaving it as it is`,
            );
          }
        }
      }
      // Only a project this run created, or would create, is configured
      const configure = created || (ctx.isDryRun && !existing);

      if (configure && input.qualityGate) {
        const current = created
          ? await client.getProjectQualityGate(query)
          : undefined;
        if (current === input.qualityGate) {
          logger.info(`Quality gate is already "${input.qualityGate}"`);
        } else if (ctx.isDryRun) {
          logger.info(
            `Dry run: would assign the quality gate "${input.qualityGate}"`,
          );
        } else {
          await client.selectQualityGate({
            ...query,
            gateName: input.qualityGate,
          });
          logger.info(`Assigned the quality gate "${input.qualityGate}"`);
        }
      }

      if (configure && wanted) {
        const current = created
          ? await client.getNewCodePeriod(query)
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
          await client.setNewCodePeriod({
            ...query,
            type: wanted.type,
            value: wanted.value,
          });
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
}
