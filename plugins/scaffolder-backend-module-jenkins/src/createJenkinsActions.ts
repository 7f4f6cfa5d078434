import {
  type BackstageCredentials,
  type PermissionsService,
  resolveSafeChildPath,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  isError,
  NotAllowedError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  DEFAULT_JENKINS_INSTANCE,
  jenkinsJobConfigurePermission,
  jobFullNameProblem,
} from '@internal/plugin-jenkins-common';
import {
  JenkinsClient,
  type JenkinsInstance,
  jobUrl,
} from '@internal/plugin-jenkins-node';
import fs from 'node:fs/promises';
import {
  belongsTo,
  createdLine,
  ENTITY_TAG_KEY,
  entityRefInput,
  type TaskCreationLog,
  taggedEntityRefs,
  withEntityTag,
} from '@internal/backend-common';
import {
  jobDescription,
  pipelineFromScmConfigXml,
  withJobDescription,
} from './jenkinsJobConfig';

/**
 * The instance an action input names, or without a name the default one (`default`, else the
 * only one). An unknown name is the template author's mistake: an InputError listing the names.
 */
function instanceFor(client: JenkinsClient, name: string | undefined) {
  if (name !== undefined && !client.instances.some(i => i.name === name)) {
    throw new InputError(
      client.instances.length
        ? `No Jenkins instance "${name}" in jenkins.instances (configured: ${client.instances
            .map(i => i.name)
            .join(', ')})`
        : 'Jenkins is not configured: set jenkins.instances in app-config.yaml',
    );
  }
  return client.instance(name);
}

/** The instance's URL as errors show it: no credentials, query or fragment. */
function shownUrl(instance: JenkinsInstance) {
  try {
    const url = new URL(instance.baseUrl);
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
 * A call to Jenkins whose failure (unreachable, an HTTP status) also says where the instance
 * is, so the template's log says which Jenkins to check.
 */
async function atInstance<T>(
  instance: JenkinsInstance,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const url = shownUrl(instance);
    if (isError(error) && !error.message.includes(url)) {
      error.message += ` (Jenkins instance "${instance.name}" is at ${url})`;
    }
    throw error;
  }
}

function checkJobName(what: string, value: string) {
  const problem = jobFullNameProblem(value);
  if (problem)
    throw new InputError(`${what} "${value}" cannot be used: ${problem}`);
}

/**
 * A job from raw config.xml (inline or from the workspace) or with Jenkins credentials can run
 * anything as the Jenkins user or read its secrets: only who holds `jenkins.job.configure`
 * (the person who started the task) may create one.
 */
async function requireJobConfigure(
  permissions: PermissionsService,
  credentials: BackstageCredentials,
  what: string,
  instead = 'use repoUrl without credentialsId, or ask a Jenkins administrator',
) {
  const [decision] = await permissions.authorize(
    [{ permission: jenkinsJobConfigurePermission }],
    { credentials },
  );
  if (decision.result !== AuthorizeResult.ALLOW) {
    throw new NotAllowedError(
      `${what} needs the permission ${jenkinsJobConfigurePermission.name}, which you do not have; ${instead}`,
    );
  }
}

/**
 * `jenkins:job:create` and `jenkins:job:build`, for software templates. With `creationLog`, a
 * failure of `jenkins:job:create` in a real run lists what the task created before it.
 */
export function createJenkinsActions(options: {
  client: JenkinsClient;
  permissions: PermissionsService;
  creationLog?: TaskCreationLog;
}) {
  const { client, permissions, creationLog } = options;
  /**
   * Jobs each task created (`instance:job`): a template may build the job it just created
   * without more permission. Kept in memory, for the newest tasks only; after a restart the
   * build step needs `jenkins.job.configure` like any other job.
   */
  const createdByTask = new Map<string, Set<string>>();
  const rememberCreated = (taskId: string, job: string) => {
    const jobs = createdByTask.get(taskId) ?? new Set<string>();
    jobs.add(job);
    createdByTask.delete(taskId);
    createdByTask.set(taskId, jobs);
    if (createdByTask.size > 1000) {
      createdByTask.delete(createdByTask.keys().next().value!);
    }
  };

  const createJob = createTemplateAction({
    id: 'jenkins:job:create',
    description:
      "Creates a Jenkins job: from a config.xml template (configXml, or configXmlPath in the workspace), or a Pipeline job that reads its Jenkinsfile from the new repository (repoUrl). Outputs the jenkins.io/job-full-name value for the new entity's catalog-info.yaml. With entityRef, the job's description gets a line comet.dev/entity: <ref>, and a re-run adopts a job of that name carrying the same line (created: false, adopted: true, nothing changed); any other existing job of that name is a conflict. Without entityRef an existing job is an error. Dry run reads only: it says whether it would create, adopt or conflict.",
    supportsDryRun: true,
    examples: [
      {
        description:
          'A Pipeline job reading the Jenkinsfile of the new repository',
        example: `steps:
  - id: jenkins
    action: jenkins:job:create
    input:
      folder: payments
      name: \${{ parameters.name }}
      repoUrl: https://git.example.com/acme/\${{ parameters.name }}.git
      parameters:
        - { name: DEPLOY_ENV, type: choice, choices: [staging, production] }`,
      },
      {
        description:
          'Tagged with the new entity, so that running the template again resumes: the job it created is adopted, not refused',
        example: `steps:
  - id: jenkins
    action: jenkins:job:create
    input:
      folder: payments
      name: \${{ parameters.name }}
      repoUrl: https://git.example.com/acme/\${{ parameters.name }}.git
      entityRef: component:default/\${{ parameters.name }}`,
      },
    ],
    schema: {
      input: {
        name: z => z.string().describe('Job name (one path segment)'),
        folder: z =>
          z
            .string()
            .optional()
            .describe('Folder to create it in, e.g. payments or a/b'),
        instance: z =>
          z
            .string()
            .optional()
            .describe(
              'Instance from jenkins.instances (default: the one named default, else the only one)',
            ),
        configXml: z => z.string().optional().describe('The job config.xml'),
        configXmlPath: z =>
          z
            .string()
            .optional()
            .describe('Path of a config.xml in the workspace'),
        repoUrl: z =>
          z
            .string()
            .optional()
            .describe('Git URL whose Jenkinsfile the Pipeline job runs'),
        branch: z =>
          z.string().optional().describe('Branch to build (default main)'),
        scriptPath: z =>
          z
            .string()
            .optional()
            .describe('Path of the Jenkinsfile (default Jenkinsfile)'),
        credentialsId: z =>
          z
            .string()
            .optional()
            .describe('Jenkins credentials id for the git checkout'),
        description: z => z.string().optional(),
        parameters: z =>
          z
            .array(
              z.object({
                name: z.string(),
                type: z
                  .enum(['string', 'text', 'boolean', 'choice', 'password'])
                  .optional(),
                default: z.union([z.string(), z.boolean()]).optional(),
                choices: z.array(z.string()).optional(),
                description: z.string().optional(),
              }),
            )
            .optional()
            .describe('Build parameters of the Pipeline job (with repoUrl)'),
        entityRef: z =>
          z
            .string()
            .optional()
            .describe(
              'The entity the job belongs to, e.g. component:default/payments-api: written into the job description as comet.dev/entity: <ref>; a job of that name already tagged so is adopted, any other is a conflict',
            ),
      },
      output: {
        jobFullName: z => z.string(),
        jobUrl: z => z.string(),
        annotation: z =>
          z.string().describe('The jenkins.io/job-full-name value'),
        created: z =>
          z
            .boolean()
            .optional()
            .describe(
              'With entityRef: whether this run created the job (false when adopted or in a dry run)',
            ),
        adopted: z =>
          z
            .boolean()
            .optional()
            .describe(
              'With entityRef: whether an existing job tagged with it was adopted (or would be, in a dry run)',
            ),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      if (input.name.includes('/'))
        throw new InputError(
          `name "${input.name}" must not contain "/"; use folder`,
        );
      checkJobName('name', input.name);
      if (input.folder) checkJobName('folder', input.folder);
      const entityRef =
        input.entityRef === undefined
          ? undefined
          : entityRefInput(input.entityRef);
      const instance = instanceFor(client, input.instance);
      const sources = [
        input.configXml,
        input.configXmlPath,
        input.repoUrl,
      ].filter(Boolean).length;
      if (sources !== 1) {
        throw new InputError(
          'Give exactly one of configXml, configXmlPath or repoUrl',
        );
      }
      const dangerous = [
        input.configXml && 'from configXml',
        input.configXmlPath && 'from configXmlPath',
        input.credentialsId && 'with credentialsId',
      ].filter(Boolean);
      if (dangerous.length) {
        await requireJobConfigure(
          permissions,
          await ctx.getInitiatorCredentials(),
          `Creating a Jenkins job ${dangerous.join(' and ')}`,
        );
      }
      let configXml: string;
      let configSource = 'The generated config.xml';
      if (input.configXml) {
        configXml = input.configXml;
        configSource = 'configXml';
      } else if (input.configXmlPath) {
        configSource = `configXmlPath "${input.configXmlPath}"`;
        configXml = await fs.readFile(
          resolveSafeChildPath(ctx.workspacePath, input.configXmlPath),
          'utf8',
        );
      } else {
        if (!/^(https?|ssh|git):\/\/|^git@/.test(input.repoUrl!)) {
          throw new InputError(`repoUrl "${input.repoUrl}" is not a git URL`);
        }
        configXml = pipelineFromScmConfigXml({
          repoUrl: input.repoUrl!,
          branch: input.branch ?? 'main',
          scriptPath: input.scriptPath ?? 'Jenkinsfile',
          description: input.description,
          credentialsId: input.credentialsId,
          parameters: input.parameters,
        });
      }
      if (entityRef) {
        configXml = withJobDescription(
          configXml,
          description => withEntityTag(description, entityRef),
          configSource,
        );
      }
      const jobFullName = input.folder
        ? `${input.folder.replace(/^\/+|\/+$/g, '')}/${input.name}`
        : input.name;
      const annotation =
        instance.name === DEFAULT_JENKINS_INSTANCE
          ? jobFullName
          : `${instance.name}:${jobFullName}`;
      const url = jobUrl(instance, jobFullName);
      const output = (outcome?: { created: boolean; adopted: boolean }) => {
        ctx.output('jobFullName', jobFullName);
        ctx.output('jobUrl', url);
        ctx.output('annotation', annotation);
        if (outcome) {
          ctx.output('created', outcome.created);
          ctx.output('adopted', outcome.adopted);
        }
      };
      const checkpointKey = `jenkins-create-${instance.name}-${jobFullName}`;

      if (!entityRef) {
        if (ctx.isDryRun) {
          ctx.logger.info(
            `Dry run: would create Jenkins job ${jobFullName} on instance "${instance.name}"`,
          );
        } else {
          await ctx.checkpoint({
            key: checkpointKey,
            fn: async () => {
              await atInstance(instance, () =>
                client.createJob({
                  instance,
                  folderFullName: input.folder,
                  name: input.name,
                  configXml,
                }),
              );
            },
          });
          ctx.logger.info(
            createdLine({
              how: 'Created',
              kind: 'Jenkins job',
              name: jobFullName,
              url,
            }),
          );
        }
        rememberCreated(ctx.task.id, `${instance.name}:${jobFullName}`);
        output();
        return;
      }

      /** The entity refs an existing job of that name is tagged with; undefined if there is none. */
      const existingTags = async (): Promise<string[] | undefined> => {
        let existing: string;
        try {
          existing = await atInstance(instance, () =>
            client.getConfigXml({ instance, jobFullName }),
          );
        } catch (error) {
          if (isError(error) && error.name === 'NotFoundError') {
            return undefined;
          }
          throw error;
        }
        return taggedEntityRefs(
          jobDescription(
            existing,
            `The config.xml of Jenkins job ${jobFullName} on instance "${instance.name}"`,
          ),
        );
      };
      /** Adopts a job tagged with the entity; any other job of that name is a conflict. */
      const adopt = (
        tags: string[],
        how: 'dry run' | 'adopted' | 'created meanwhile',
      ) => {
        if (!tags.includes(entityRef)) {
          throw new ConflictError(
            `Jenkins job ${jobFullName} already exists on instance "${
              instance.name
            }" and is not tagged with ${entityRef} (it belongs to ${belongsTo(
              tags,
            )}): pick another name or tag it (a line "${ENTITY_TAG_KEY}: ${entityRef}" in its description)`,
          );
        }
        // Not remembered as created: building a job only its tag ties to the entity needs
        // jenkins.job.configure, as the tag is text anyone who can configure the job may write.
        const where = `Jenkins job ${jobFullName} on instance "${instance.name}" (tagged with ${entityRef})`;
        if (how === 'dry run') {
          ctx.logger.info(
            `Dry run: would adopt ${where}; nothing changed: ${url}`,
          );
        } else {
          ctx.logger.info(
            how === 'adopted'
              ? `The ${where} exists; adopting it as it is, nothing changed`
              : `The ${where} was created meanwhile; adopting it as it is, nothing changed`,
          );
          ctx.logger.info(
            createdLine({
              how: 'Adopted',
              kind: 'Jenkins job',
              name: jobFullName,
              url,
            }),
          );
        }
        output({ created: false, adopted: true });
      };

      const tags = await existingTags();
      if (tags) {
        adopt(tags, ctx.isDryRun ? 'dry run' : 'adopted');
        return;
      }
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would create Jenkins job ${jobFullName} on instance "${instance.name}", tagged with ${entityRef}`,
        );
        rememberCreated(ctx.task.id, `${instance.name}:${jobFullName}`);
        output({ created: false, adopted: false });
        return;
      }
      try {
        await ctx.checkpoint({
          key: checkpointKey,
          fn: async () => {
            await atInstance(instance, () =>
              client.createJob({
                instance,
                folderFullName: input.folder,
                name: input.name,
                configXml,
              }),
            );
            return true;
          },
        });
      } catch (error) {
        // Created meanwhile (another run of the template): adopted or refused like any other
        const raced =
          isError(error) && error.name === 'InputError'
            ? await existingTags()
            : undefined;
        if (!raced) throw error;
        adopt(raced, 'created meanwhile');
        return;
      }
      ctx.logger.info(
        `The Jenkins job ${jobFullName} on instance "${instance.name}" is tagged with ${entityRef}`,
      );
      ctx.logger.info(
        createdLine({
          how: 'Created',
          kind: 'Jenkins job',
          name: jobFullName,
          url,
        }),
      );
      rememberCreated(ctx.task.id, `${instance.name}:${jobFullName}`);
      output({ created: true, adopted: false });
    },
  });

  const buildJob = createTemplateAction({
    id: 'jenkins:job:build',
    description:
      'Starts a build of a Jenkins job, with parameters, and outputs its queue item and build number. The job must be one an earlier jenkins:job:create step of the same task created, unless whoever runs the template holds jenkins.job.configure.',
    supportsDryRun: true,
    schema: {
      input: {
        job: z =>
          z.string().describe('Job full name, e.g. payments/payments-api'),
        instance: z =>
          z
            .string()
            .optional()
            .describe(
              'Instance from jenkins.instances (default: the one named default, else the only one)',
            ),
        parameters: z =>
          z.record(z.union([z.string(), z.number(), z.boolean()])).optional(),
        waitSeconds: z =>
          z
            .number()
            .int()
            .min(0)
            .max(120)
            .optional()
            .describe('How long to wait for the build number (default 30)'),
      },
      output: {
        queueId: z => z.number().optional(),
        buildNumber: z => z.number().optional(),
        buildUrl: z => z.string().optional(),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      checkJobName('job', input.job);
      const instance = instanceFor(client, input.instance);
      const location = { instance, jobFullName: input.job };
      // A job is not an entity, so no entity permission applies: a template that takes the job
      // name as a parameter would let its users start any job (another team's deploy) with
      // Comet's credentials. Only the job this task created, or an administrator's choice.
      if (
        !createdByTask.get(ctx.task.id)?.has(`${instance.name}:${input.job}`)
      ) {
        await requireJobConfigure(
          permissions,
          await ctx.getInitiatorCredentials(),
          `Building the Jenkins job ${input.job} on instance "${instance.name}", which this task did not create,`,
          'a template may build only the job it created with jenkins:job:create in an earlier step',
        );
      }
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would build Jenkins job ${input.job} on instance "${instance.name}"`,
        );
        return;
      }
      const parameters = input.parameters
        ? Object.fromEntries(
            Object.entries(input.parameters).map(([k, v]) => [k, String(v)]),
          )
        : undefined;
      const { queueId } = await atInstance(instance, () =>
        client.triggerBuild(location, parameters),
      );
      ctx.output('queueId', queueId);
      const deadline = Date.now() + (input.waitSeconds ?? 30) * 1000;
      while (Date.now() < deadline) {
        const item = await atInstance(instance, () =>
          client.getQueueItem(location, queueId),
        );
        if (item?.cancelled)
          throw new Error(
            `Jenkins cancelled queue item ${queueId} of ${input.job}`,
          );
        const number = item?.executable?.number;
        if (number) {
          const buildUrl = `${jobUrl(instance, input.job)}${number}/`;
          ctx.logger.info(
            `Jenkins build #${number} of ${input.job} started: ${buildUrl}`,
          );
          ctx.output('buildNumber', number);
          ctx.output('buildUrl', buildUrl);
          return;
        }
        await new Promise(resolve => setTimeout(resolve, 1000));
      }
      ctx.logger.info(
        `Jenkins queued ${input.job} (queue item ${queueId}); it has not started yet`,
      );
    },
  });

  return [creationLog ? creationLog.guard(createJob) : createJob, buildJob];
}
