import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { SonarQubeClient } from '@internal/plugin-sonarqube-node';

const NEW_CODE_TYPES = [
  'PREVIOUS_VERSION',
  'NUMBER_OF_DAYS',
  'REFERENCE_BRANCH',
  'SPECIFIC_ANALYSIS',
] as const;

/**
 * `sonarqube:project:create`: creates a SonarQube project (or finds it), assigns a quality gate
 * and sets the new-code definition. Idempotent: running it again changes only what differs,
 * so a retried template step never fails on "already exists".
 */
export function createSonarQubeProjectAction(options: {
  client: SonarQubeClient;
}) {
  const { client } = options;
  return createTemplateAction({
    id: 'sonarqube:project:create',
    description:
      'Creates a SonarQube project (or uses the existing one), assigns its quality gate and sets its new-code definition. Idempotent.',
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
        logger.info(`The ${where} already exists; keeping it`);
      } else if (ctx.isDryRun) {
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
          // Created concurrently (e.g. a retried step): the same outcome as ours
          if (!/already exists/.test(String((error as Error).message))) {
            throw error;
          }
          logger.info(`The ${where} was created meanwhile; keeping it`);
        }
      }
      const exists = Boolean(existing) || created;

      if (input.qualityGate) {
        const current = exists
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

      if (input.newCodeDefinition) {
        const wanted = input.newCodeDefinition;
        if (
          wanted.type === 'NUMBER_OF_DAYS' &&
          !/^\d+$/.test(wanted.value ?? '')
        ) {
          throw new InputError(
            'newCodeDefinition NUMBER_OF_DAYS needs a value: a number of days from 1 to 90',
          );
        }
        if (
          (wanted.type === 'REFERENCE_BRANCH' ||
            wanted.type === 'SPECIFIC_ANALYSIS') &&
          !wanted.value
        ) {
          throw new InputError(
            `newCodeDefinition ${wanted.type} needs a value (a branch name or an analysis key)`,
          );
        }
        const current = exists
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
