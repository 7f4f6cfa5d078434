import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { createdLine, type TaskCreationLog } from '@internal/backend-common';
import fs from 'node:fs/promises';
import { fullEntityRef, userEntityRefOf } from './entityRefs';
import {
  adoptionRefusal,
  checkRepositoryName,
  listWorkspaceFiles,
  MAX_REPOSITORY_NAME_LENGTH,
  PortalRepositories,
  RepositoryAuthor,
  SOURCE_DIR_KEY,
  WorkspaceFile,
} from './PortalRepositories';

const ACTION_ID = 'comet:repo:create';

export type CreateRepoCreateActionOptions = {
  /** Undefined when `comet.exampleRepos.sourceDir` is not set: the action then refuses. */
  repositories?: PortalRepositories;
  /** Lists what the task created when the step fails (a real run only). */
  creationLog?: TaskCreationLog;
};

/** The workspace folder to commit; `resolveSafeChildPath` follows links. */
async function sourceDirOf(
  workspacePath: string,
  sourcePath: string | undefined,
): Promise<string> {
  let dir: string;
  try {
    dir = resolveSafeChildPath(workspacePath, sourcePath ?? '.');
  } catch {
    throw new InputError(
      `sourcePath: "${sourcePath}" is outside the task workspace (or links there); give a folder inside it`,
    );
  }
  const info = await fs.stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new InputError(
      `sourcePath: there is no folder "${
        sourcePath ?? '.'
      }" in the task workspace (an earlier step, e.g. fetch:template, puts the files there)`,
    );
  }
  return dir;
}

/**
 * The commit's author: the user who started the task, by display name and entity ref (not their
 * mail address: the repository is served to anyone who reaches the portal).
 */
function authorOf(
  userEntityRef: string | undefined,
  displayName: string | undefined,
): RepositoryAuthor {
  if (!userEntityRef) {
    return { name: 'Comet portal', email: 'portal@comet.invalid' };
  }
  // git refuses < and > in an identity, and a line break would end its header
  const clean = (text: string) => text.replace(/[<>\r\n]/g, '').trim();
  return {
    name: clean(displayName ?? '') || parseEntityRef(userEntityRef).name,
    email: clean(userEntityRef),
  };
}

function describeFiles(files: WorkspaceFile[]): string {
  const bytes = files.reduce((sum, file) => sum + file.size, 0);
  return `${files.length} ${
    files.length === 1 ? 'file' : 'files'
  }, ${bytes} bytes`;
}

/**
 * `comet:repo:create`: a git repository the portal serves itself, so the golden-path template
 * works with no network and no GitHub. The repository is tagged with the entity it belongs to;
 * running the template again resumes it.
 */
export function createRepoCreateAction(options: CreateRepoCreateActionOptions) {
  const action = createTemplateAction({
    id: ACTION_ID,
    description:
      'Creates a git repository served by the portal itself at /api/example-repos/<name>.git (branch main) from the task workspace, tagged with the entity it belongs to. A re-run by the same user resumes it (a new commit only when the files changed); a repository of another entity, or an example, is refused. Needs comet.exampleRepos.sourceDir. Dry run lists the files it would commit and creates nothing.',
    examples: [
      {
        description:
          'Publish the rendered skeleton, then register its catalog file',
        example: [
          'steps:',
          '  - id: publish',
          '    action: comet:repo:create',
          '    input:',
          '      name: ${{ parameters.name }}',
          '      entityRef: component:default/${{ parameters.name }}',
          '  - id: register',
          '    action: catalog:register',
          '    input:',
          "      catalogInfoUrl: ${{ steps['publish'].output.catalogInfoUrl }}",
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
              `The repository's name, served as <name>.git: lowercase letters, digits and dashes, at most ${MAX_REPOSITORY_NAME_LENGTH}`,
            ),
        entityRef: z =>
          z
            .string()
            .describe(
              'The entity the repository belongs to, in full, e.g. component:default/payments-api; recorded in the repository so a re-run can resume it',
            ),
        sourcePath: z =>
          z
            .string()
            .optional()
            .describe(
              'The folder of the task workspace to commit (default: the whole workspace)',
            ),
        commitMessage: z =>
          z
            .string()
            .optional()
            .describe(
              'The commit message (default: Create <name> from the comet-service template)',
            ),
      },
      output: {
        remoteUrl: z => z.string().describe('What git clone takes'),
        sourceLocation: z =>
          z
            .string()
            .describe('url:<remoteUrl>, for backstage.io/source-location'),
        catalogInfoUrl: z =>
          z
            .string()
            .describe('catalog-info.yaml on main, for catalog:register'),
        commit: z =>
          z.string().describe('The head of main; "dry-run" in a dry run'),
        created: z =>
          z
            .boolean()
            .describe(
              'Whether the repository is new (in a dry run: would be new)',
            ),
        adopted: z =>
          z
            .boolean()
            .describe(
              'Whether an earlier run of this template had created it and it was resumed',
            ),
      },
    },
    async handler(ctx) {
      const { input, logger } = ctx;
      const { repositories } = options;
      if (!repositories) {
        throw new InputError(
          `${SOURCE_DIR_KEY} is not set, so the portal serves no git repositories and cannot create ${input.name}.git; set it (app-config.yaml does) or publish to GitHub`,
        );
      }
      checkRepositoryName(input.name);
      const entityRef = fullEntityRef(input.entityRef, 'entityRef');
      const commitMessage =
        input.commitMessage?.trim() ||
        `Create ${input.name} from the comet-service template`;
      const sourceDir = await sourceDirOf(ctx.workspacePath, input.sourcePath);
      const files = await listWorkspaceFiles(sourceDir);
      if (files.length === 0) {
        throw new InputError(
          `sourcePath: the folder "${
            input.sourcePath ?? '.'
          }" of the task workspace has no files to commit`,
        );
      }
      const urls = repositories.urls(input.name);
      const userEntityRef =
        userEntityRefOf(await ctx.getInitiatorCredentials()) ?? ctx.user?.ref;

      if (ctx.isDryRun) {
        const owner = await repositories.owner(input.name);
        if (owner.exists) {
          const refusal = adoptionRefusal(
            input.name,
            owner,
            entityRef,
            userEntityRef,
          );
          if (refusal) throw refusal;
        }
        for (const file of files) {
          logger.info(
            `Dry run: would commit ${file.path} (${file.size} bytes)`,
          );
        }
        logger.info(
          `Dry run: would ${
            owner.exists
              ? `resume ${input.name}.git of ${entityRef} (a commit on main if the files differ)`
              : `create ${input.name}.git for ${entityRef}`
          } with ${describeFiles(files)}, served at ${urls.remoteUrl}`,
        );
        ctx.output('remoteUrl', urls.remoteUrl);
        ctx.output('sourceLocation', urls.sourceLocation);
        ctx.output('catalogInfoUrl', urls.catalogInfoUrl);
        ctx.output('commit', 'dry-run');
        ctx.output('created', !owner.exists);
        ctx.output('adopted', owner.exists);
        return;
      }

      const result = await repositories.create({
        name: input.name,
        entityRef,
        sourceDir,
        message: commitMessage,
        author: authorOf(
          userEntityRef,
          ctx.user?.entity?.spec?.profile?.displayName,
        ),
        userEntityRef,
      });
      logger.info(
        result.created
          ? `Committed ${describeFiles(files)} to main of ${
              input.name
            }.git for ${entityRef} as ${result.commit}`
          : `Resumed ${input.name}.git of ${entityRef}: ${
              result.committed
                ? `committed the changed files (${describeFiles(files)}) as`
                : 'its files are unchanged, main stays at'
            } ${result.commit}`,
      );
      logger.info(
        createdLine({
          how: result.created ? 'Created' : 'Adopted',
          kind: 'repository',
          name: input.name,
          url: urls.remoteUrl,
        }),
      );
      ctx.output('remoteUrl', urls.remoteUrl);
      ctx.output('sourceLocation', urls.sourceLocation);
      ctx.output('catalogInfoUrl', urls.catalogInfoUrl);
      ctx.output('commit', result.commit);
      ctx.output('created', result.created);
      ctx.output('adopted', result.adopted);
    },
  });
  return options.creationLog ? options.creationLog.guard(action) : action;
}
