import type { Config } from '@backstage/config';
import { ANNOTATION_LOCATION } from '@backstage/catalog-model';
import { ConflictError, InputError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { createdLine, type TaskCreationLog } from '@internal/backend-common';
import type { GitHubClientFactory } from '@internal/plugin-github-node';
import { createHash } from 'node:crypto';
import { readConfiguredIntegrations } from './configuredIntegrations';
import { entityRefOfKind, userEntityRefOf } from './entityRefs';
import {
  adoptionRefusal,
  checkRepositoryName,
  PortalRepositories,
  SOURCE_DIR_KEY,
} from './PortalRepositories';

const ACTION_ID = 'comet:service:check';

export type CreateServiceCheckActionOptions = {
  catalog: CatalogService;
  config: Config;
  /** Undefined when `comet.exampleRepos.sourceDir` is not set. */
  repositories?: PortalRepositories;
  /** Says "Nothing was created yet" (or, in a re-ordered template, what was) on a failure. */
  creationLog?: TaskCreationLog;
  /** Reads whether the GitHub repository exists and is this service's; absent: not checked. */
  github?: Pick<GitHubClientFactory, 'forRepository'>;
};

/**
 * The GitHub topic that tags a repository with the entity it was created for (topics are
 * lower-case letters, digits and hyphens, at most 50 characters, so the ref is hashed):
 * `publish:github` sets it, and a re-run adopts only a repository that carries it.
 */
export function entityTopic(entityRef: string): string {
  return `comet-entity-${createHash('sha256')
    .update(entityRef.toLocaleLowerCase('en-US'))
    .digest('hex')
    .slice(0, 16)}`;
}

/** `github.com?owner=acme&repo=payouts` (RepoUrlPicker's value) → its host, owner and repo. */
function parseGitHubRepoUrl(repoUrl: string | undefined) {
  let url: URL | undefined;
  try {
    url = repoUrl ? new URL(`https://${repoUrl}`) : undefined;
  } catch {
    url = undefined;
  }
  const owner = url?.searchParams.get('owner');
  const repo = url?.searchParams.get('repo');
  if (!url || !owner || !repo) {
    throw new InputError(
      `repoUrl: ${JSON.stringify(
        repoUrl ?? '',
      )} does not name a GitHub repository; give one as github.com?owner=<owner>&repo=<name>`,
    );
  }
  return { host: url.host, owner, repo };
}

/**
 * `comet:service:check`: the golden-path template's first step. Fails before anything is
 * created when the owner or system does not exist or the name is taken, tells a re-run of the
 * same template (resume) from a clash, and says which integrations the portal has, so later
 * steps can be skipped with a reason.
 */
export function createServiceCheckAction(
  options: CreateServiceCheckActionOptions,
) {
  const { catalog, config, repositories, creationLog, github } = options;
  const action = createTemplateAction({
    id: ACTION_ID,
    description:
      "Checks a new service before the comet-service template creates anything: the owner group and the system exist in the catalog (as the user who started the task sees it), the name is free or belongs to an earlier run of this template (resume), and which integrations (Jenkins, SonarQube, Jira, GitHub, the test recorder) the portal's config turns on, with a sentence for each one that is off. Creates nothing.",
    examples: [
      {
        description:
          'First step: later steps run only when their integration is on',
        example: [
          'steps:',
          '  - id: check',
          '    action: comet:service:check',
          '    input:',
          '      name: ${{ parameters.name }}',
          '      owner: ${{ parameters.owner }}',
          '      system: ${{ parameters.system }}',
          '      repoHost: portal',
          '  - id: jenkins',
          '    if: ${{ parameters.jenkins and steps.check.output.jenkins }}',
          '    action: jenkins:job:create',
        ].join('\n'),
      },
    ],
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string()
            .describe(
              'The service: component:default/<name>, and its repository <name>',
            ),
        owner: z =>
          z
            .string()
            .describe('The owner group, e.g. group:default/payments-team'),
        system: z =>
          z
            .string()
            .optional()
            .describe('The system it is part of, e.g. system:default/payments'),
        repoHost: z =>
          z
            .enum(['portal', 'github'])
            .describe(
              'Where the repository goes: served by the portal (comet:repo:create) or GitHub',
            ),
        repoUrl: z =>
          z
            .string()
            .optional()
            .describe(
              'For GitHub: the repository, as RepoUrlPicker gives it (github.com?owner=<owner>&repo=<name>); it must not exist, or be tagged with this service (resume)',
            ),
      },
      output: {
        resume: z =>
          z
            .boolean()
            .describe(
              'An earlier run of this template created the repository (and maybe registered the entity): this run resumes it',
            ),
        registered: z =>
          z
            .boolean()
            .describe(
              'The catalog already has component:default/<name> from that repository: skip catalog:register',
            ),
        jenkins: z => z.boolean(),
        sonarqube: z => z.boolean(),
        jira: z => z.boolean(),
        github: z => z.boolean(),
        testRecorder: z => z.boolean(),
        skipped: z =>
          z
            .array(z.string())
            .describe(
              'One sentence for each integration that is off: what to set, and what is skipped',
            ),
        remoteUrl: z =>
          z
            .string()
            .optional()
            .describe(
              "The repository's clone URL, known before it is created: for the portal, where comet:repo:create will serve it (<backend.baseUrl>/api/example-repos/<name>.git); for GitHub, https://<host>/<owner>/<repo>.git",
            ),
        repoContentsUrl: z =>
          z
            .string()
            .optional()
            .describe(
              "For GitHub: https://<host>/<owner>/<repo>/blob/main, where catalog-info.yaml is read from (publish:github's output of the same name)",
            ),
        githubTopic: z =>
          z
            .string()
            .optional()
            .describe(
              'For GitHub: the topic publish:github gives the new repository (comet-entity-<hash of the entity ref>), which a re-run adopts it by',
            ),
        sourceLocation: z =>
          z
            .string()
            .optional()
            .describe(
              'When the portal serves the repository: url:<remoteUrl>, the backstage.io/source-location value',
            ),
      },
    },
    async handler(ctx) {
      const { input, logger } = ctx;
      checkRepositoryName(input.name);
      const owner = entityRefOfKind(input.owner, 'group', 'owner');
      const system = input.system
        ? entityRefOfKind(input.system, 'system', 'system')
        : undefined;
      const integrations = readConfiguredIntegrations(config);
      // GitHub when asked for and configured, else the portal (the template does the same)
      const repoHost =
        input.repoHost === 'github' && integrations.github
          ? 'github'
          : 'portal';
      if (repoHost === 'portal' && !repositories) {
        throw new InputError(
          input.repoHost === 'github'
            ? `repoHost: GitHub is not configured (integrations.github has no entry with a token or an app) and the portal serves no git repositories (${SOURCE_DIR_KEY} is not set); configure one of them`
            : `repoHost: the portal serves no git repositories because ${SOURCE_DIR_KEY} is not set; set it, or choose GitHub`,
        );
      }
      if (repoHost !== input.repoHost) {
        logger.info(
          'repoHost: GitHub is not configured (integrations.github has no entry with a token or an app), so the portal serves the repository instead',
        );
      }

      // As the user who started the task: what they cannot see does not exist for them
      const credentials = await ctx.getInitiatorCredentials();
      for (const [field, ref] of [
        ['owner', owner],
        ['system', system],
      ] as const) {
        if (ref && !(await catalog.getEntityByRef(ref, { credentials }))) {
          throw new InputError(`${field} ${ref} does not exist in the catalog`);
        }
      }

      const componentRef = `component:default/${input.name}`;
      const existing = await catalog.getEntityByRef(componentRef, {
        credentials,
      });
      let resume = false;
      let registered = false;
      if (repoHost === 'portal') {
        const portal = repositories!;
        const { catalogInfoUrl, remoteUrl, sourceLocation } = portal.urls(
          input.name,
        );
        ctx.output('remoteUrl', remoteUrl);
        ctx.output('sourceLocation', sourceLocation);
        const repository = await portal.owner(input.name);
        const location = existing?.metadata.annotations?.[ANNOTATION_LOCATION];
        if (existing && location !== `url:${catalogInfoUrl}`) {
          throw new ConflictError(
            `${componentRef} already exists in the catalog (from ${
              location ?? 'an unknown location'
            }); pick another name`,
          );
        }
        if (repository.exists) {
          // The repository's own tag decides: the entity alone could have been registered by
          // anyone from that URL
          const refusal = adoptionRefusal(
            input.name,
            repository,
            componentRef,
            userEntityRefOf(credentials) ?? ctx.user?.ref,
          );
          if (refusal) throw refusal;
          resume = true;
          registered = existing !== undefined;
        } else if (existing) {
          throw new ConflictError(
            `${componentRef} already exists in the catalog (from ${location}), but its repository ${input.name}.git does not; unregister it or pick another name`,
          );
        }
      } else {
        const topic = entityTopic(componentRef);
        ctx.output('githubTopic', topic);
        const location = existing?.metadata.annotations?.[ANNOTATION_LOCATION];
        const where = parseGitHubRepoUrl(input.repoUrl);
        const repository = github
          ? await github.forRepository(where).getRepository()
          : undefined;
        const slug = `${where.host}/${where.owner}/${where.repo}`;
        const fromThisRepository =
          location
            ?.toLowerCase()
            .startsWith(`url:https://${slug}/`.toLowerCase()) ?? false;
        if (existing && !(repository && fromThisRepository)) {
          throw new ConflictError(
            `${componentRef} already exists in the catalog (from ${
              location ?? 'an unknown location'
            }); pick another name`,
          );
        }
        if (repository) {
          // The repository's topic decides, as the other resources' tags do
          if (!repository.topics.includes(topic)) {
            throw new ConflictError(
              `repoUrl: the GitHub repository ${slug} already exists and was not created by this template for ${componentRef} (it lacks the topic ${topic}); pick another repository name`,
            );
          }
          resume = true;
          registered = existing !== undefined;
          logger.info(
            ctx.isDryRun
              ? `Dry run: would adopt the GitHub repository ${slug} (topic ${topic})`
              : createdLine({
                  how: 'Adopted',
                  kind: 'repository',
                  name: `${where.owner}/${where.repo}`,
                  url: repository.htmlUrl,
                }),
          );
        }
        // Known before publish:github runs, and when a resumed run skips it
        const web = `https://${where.host}/${where.owner}/${where.repo}`;
        ctx.output('remoteUrl', `${web}.git`);
        ctx.output('repoContentsUrl', `${web}/blob/main`);
      }

      logger.info(
        resume
          ? `${input.name}: resuming the earlier run of this template (${
              registered
                ? 'repository created and entity registered'
                : 'repository created, entity not registered yet'
            })`
          : `${input.name}: the name is free; owner ${owner}${
              system ? ` and system ${system} exist` : ' exists'
            }`,
      );
      for (const sentence of integrations.skipped) {
        logger.info(sentence);
      }
      ctx.output('resume', resume);
      ctx.output('registered', registered);
      ctx.output('jenkins', integrations.jenkins);
      ctx.output('sonarqube', integrations.sonarqube);
      ctx.output('jira', integrations.jira);
      ctx.output('github', integrations.github);
      ctx.output('testRecorder', integrations.testRecorder);
      ctx.output('skipped', integrations.skipped);
    },
  });
  return creationLog ? creationLog.guard(action) : action;
}
