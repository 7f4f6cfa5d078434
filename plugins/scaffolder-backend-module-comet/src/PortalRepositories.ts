import type { Config } from '@backstage/config';
import { ConflictError, InputError } from '@backstage/errors';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A repository's name: the folder `<name>.git` and the last segment of its URL. */
export const REPOSITORY_NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
export const MAX_REPOSITORY_NAME_LENGTH = 63;

/** The git config keys that tag a repository this module created. */
const ENTITY_KEY = 'comet.entity';
const CREATED_BY_KEY = 'comet.createdBy';

/** Folders never committed from a workspace, at any depth (and `.git`, folder or file). */
const EXCLUDED_DIRECTORIES = new Set(['node_modules']);

/** The committer of every commit; the author is the user who started the task. */
const COMMITTER = { name: 'Comet portal', email: 'portal@comet.invalid' };

/** How long one git process may run. */
const GIT_TIMEOUT_MS = 60_000;

/** The config key whose absence turns portal repositories off. */
export const SOURCE_DIR_KEY = 'comet.exampleRepos.sourceDir';

/** A file of a workspace, as it would be committed. */
export type WorkspaceFile = {
  /** The path inside the committed tree, `/`-separated. */
  path: string;
  size: number;
  /** git's mode: a regular file, an executable or a symbolic link. */
  mode: '100644' | '100755' | '120000';
};

/** Who a repository belongs to, read from its git config. */
export type RepositoryOwner =
  | { exists: false }
  | { exists: true; entityRef?: string; createdBy?: string };

export type RepositoryUrls = {
  /** What `git clone` takes. */
  remoteUrl: string;
  /** The `backstage.io/source-location` annotation's value. */
  sourceLocation: string;
  /** The catalog file on `main`, for `catalog:register`. */
  catalogInfoUrl: string;
};

export type RepositoryAuthor = { name: string; email: string };

export type CreateRepositoryResult = {
  commit: string;
  created: boolean;
  adopted: boolean;
  /** Whether main got a new commit (an adopted repository whose files are unchanged gets none). */
  committed: boolean;
};

/** Checks a repository name; the InputError names the field. */
export function checkRepositoryName(name: string, field = 'name'): void {
  if (
    !REPOSITORY_NAME_PATTERN.test(name) ||
    name.length > MAX_REPOSITORY_NAME_LENGTH
  ) {
    throw new InputError(
      `${field}: "${name}" is not a repository name: lowercase letters, digits and dashes, starting with a letter or digit, at most ${MAX_REPOSITORY_NAME_LENGTH} characters`,
    );
  }
}

/** The ConflictError for a repository that is someone else's. */
export function repositoryTakenError(
  name: string,
  owner: Extract<RepositoryOwner, { exists: true }>,
): ConflictError {
  return new ConflictError(
    `repository ${name}.git already exists and belongs to ${
      owner.entityRef ?? 'the examples'
    }; pick another name`,
  );
}

/**
 * Why a user may not take over an existing repository for `entityRef`, or undefined when they
 * may: the repository must be tagged with that entity, and created by the same user (a user who
 * re-runs their own template resumes it; anyone else would be pushing into another team's
 * repository).
 */
export function adoptionRefusal(
  name: string,
  owner: Extract<RepositoryOwner, { exists: true }>,
  entityRef: string,
  userEntityRef: string | undefined,
): ConflictError | undefined {
  if (owner.entityRef !== entityRef) {
    return repositoryTakenError(name, owner);
  }
  if (owner.createdBy && owner.createdBy !== userEntityRef) {
    return new ConflictError(
      `repository ${name}.git already exists for ${entityRef}, created by ${
        owner.createdBy
      }; only they can resume that template run (you are ${
        userEntityRef ?? 'not a user'
      }); pick another name`,
    );
  }
  return undefined;
}

type GitResult = { stdout: string };

/**
 * The git repositories the portal serves itself at `/api/example-repos/<name>.git`, next to the
 * example repositories (the example-repos plugin's folder): creates them for templates, tagged
 * with the entity they belong to (`git config comet.entity`), so a re-run of the same template
 * resumes its own repository and never takes over an example or another entity's.
 */
export class PortalRepositories {
  /** The repositories of `comet.exampleRepos`, or undefined when it is not configured. */
  static fromConfig(config: Config): PortalRepositories | undefined {
    const sourceDir = config.getOptionalString(SOURCE_DIR_KEY);
    if (!sourceDir) return undefined;
    // The example-repos plugin's own default (packages/backend/src/exampleRepos/plugin.ts)
    const root = path.resolve(
      config.getOptionalString('comet.exampleRepos.targetDir') ??
        path.join(sourceDir, '..', '..', '.data', 'git'),
    );
    const baseUrl = config.getString('backend.baseUrl').replace(/\/+$/, '');
    return new PortalRepositories(root, `${baseUrl}/api/example-repos`);
  }

  constructor(
    /** The folder that holds `<name>.git`. */
    readonly root: string,
    /** Where the portal serves them, e.g. http://localhost:7007/api/example-repos. */
    readonly baseUrl: string,
  ) {}

  urls(name: string): RepositoryUrls {
    checkRepositoryName(name);
    const remoteUrl = `${this.baseUrl}/${name}.git`;
    return {
      remoteUrl,
      sourceLocation: `url:${remoteUrl}`,
      catalogInfoUrl: `${remoteUrl}/raw/main/catalog-info.yaml`,
    };
  }

  /** Whether `<name>.git` exists, and its tags if it does. */
  async owner(name: string): Promise<RepositoryOwner> {
    checkRepositoryName(name);
    const gitDir = path.join(this.root, `${name}.git`);
    try {
      await fs.lstat(gitDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return { exists: false };
      }
      throw error;
    }
    return {
      exists: true,
      entityRef: await this.configValue(gitDir, ENTITY_KEY),
      createdBy: await this.configValue(gitDir, CREATED_BY_KEY),
    };
  }

  /**
   * Commits the files of `sourceDir` to `main` of `<name>.git`. A new repository is built in a
   * temporary folder under the root and renamed into place, so it appears whole or not at all
   * and of two creators at once the second loses. An existing one tagged with `entityRef` and
   * created by the same user is adopted: it gets a commit only when the files differ.
   */
  async create(options: {
    name: string;
    entityRef: string;
    sourceDir: string;
    message: string;
    author: RepositoryAuthor;
    /** The user who creates it; only they may adopt it later. */
    userEntityRef?: string;
  }): Promise<CreateRepositoryResult> {
    const { name, entityRef, userEntityRef } = options;
    checkRepositoryName(name);
    await fs.mkdir(this.root, { recursive: true });
    const files = await listWorkspaceFiles(options.sourceDir);
    const target = path.join(this.root, `${name}.git`);
    const owner = await this.owner(name);
    if (owner.exists) {
      const refusal = adoptionRefusal(name, owner, entityRef, userEntityRef);
      if (refusal) throw refusal;
      const { commit, committed } = await this.commitFiles(
        target,
        files,
        options,
      );
      return { commit, created: false, adopted: true, committed };
    }

    // A dot-folder: never served, whatever its name (the router serves `<name>.git` only)
    const building = await fs.mkdtemp(
      path.join(this.root, `.creating-${name}-`),
    );
    try {
      await this.git([
        'init',
        '--quiet',
        '--bare',
        '--initial-branch=main',
        building,
      ]);
      await this.git(['--git-dir', building, 'config', ENTITY_KEY, entityRef]);
      if (userEntityRef) {
        await this.git([
          '--git-dir',
          building,
          'config',
          CREATED_BY_KEY,
          userEntityRef,
        ]);
      }
      const { commit } = await this.commitFiles(building, files, options);
      // mkdtemp made it private; served repositories are readable like the examples'
      await fs.chmod(building, 0o755);
      try {
        await fs.rename(building, target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
        const winner = await this.owner(name);
        throw new ConflictError(
          `repository ${name}.git was created by another task while this step ran (it belongs to ${
            (winner.exists && winner.entityRef) || 'the examples'
          }); pick another name, or run the step again to resume it if it is yours`,
        );
      }
      return { commit, created: true, adopted: false, committed: true };
    } finally {
      await fs.rm(building, { recursive: true, force: true });
    }
  }

  /** The new head of `main`: the files as one tree, committed only when it differs. */
  private async commitFiles(
    gitDir: string,
    files: WorkspaceFile[],
    options: { sourceDir: string; message: string; author: RepositoryAuthor },
  ): Promise<{ commit: string; committed: boolean }> {
    // A private index: concurrent readers of the repository never see a half-written one
    const indexDir = await fs.mkdtemp(
      path.join(os.tmpdir(), 'comet-repo-index-'),
    );
    try {
      const env = { GIT_INDEX_FILE: path.join(indexDir, 'index') };
      const git = (args: string[], input?: string) =>
        this.git(['--git-dir', gitDir, ...args], {
          env,
          input,
          cwd: options.sourceDir,
        });

      const regular = files.filter(file => file.mode !== '120000');
      const hashes = new Map<string, string>();
      if (regular.length > 0) {
        const { stdout } = await git(
          ['hash-object', '-w', '--no-filters', '--stdin-paths'],
          `${regular.map(file => file.path).join('\n')}\n`,
        );
        const lines = stdout.trim().split('\n');
        regular.forEach((file, index) => hashes.set(file.path, lines[index]));
      }
      for (const link of files.filter(file => file.mode === '120000')) {
        // The link's own text, never the file it points at (which may be outside the workspace)
        const target = await fs.readlink(
          path.join(options.sourceDir, link.path),
        );
        const { stdout } = await git(['hash-object', '-w', '--stdin'], target);
        hashes.set(link.path, stdout.trim());
      }
      await git(['read-tree', '--empty']);
      if (files.length > 0) {
        await git(
          ['update-index', '-z', '--add', '--index-info'],
          files
            .map(
              file => `${file.mode} ${hashes.get(file.path)}\t${file.path}\0`,
            )
            .join(''),
        );
      }
      const tree = (await git(['write-tree'])).stdout.trim();
      const head = (
        await git([
          'rev-parse',
          '--verify',
          '--quiet',
          'refs/heads/main',
        ]).catch(() => ({ stdout: '' }))
      ).stdout.trim();
      if (head) {
        const headTree = (
          await git(['rev-parse', `${head}^{tree}`])
        ).stdout.trim();
        if (headTree === tree) return { commit: head, committed: false };
      }
      const commit = (
        await this.git(
          [
            '--git-dir',
            gitDir,
            'commit-tree',
            tree,
            ...(head ? ['-p', head] : []),
            '-m',
            options.message,
          ],
          {
            env: {
              GIT_AUTHOR_NAME: options.author.name,
              GIT_AUTHOR_EMAIL: options.author.email,
              GIT_COMMITTER_NAME: COMMITTER.name,
              GIT_COMMITTER_EMAIL: COMMITTER.email,
            },
          },
        )
      ).stdout.trim();
      // Moves main only from the head this commit builds on (all zeros: main must not exist)
      await this.git([
        '--git-dir',
        gitDir,
        'update-ref',
        'refs/heads/main',
        commit,
        head || '0'.repeat(40),
      ]).catch(() => {
        throw new ConflictError(
          `main of ${path.basename(
            gitDir,
          )} moved while this step committed to it; run the step again`,
        );
      });
      return { commit, committed: true };
    } finally {
      await fs.rm(indexDir, { recursive: true, force: true });
    }
  }

  private async configValue(
    gitDir: string,
    key: string,
  ): Promise<string | undefined> {
    const { stdout } = await this.git([
      'config',
      '--file',
      path.join(gitDir, 'config'),
      '--default',
      '',
      '--get',
      key,
    ]).catch(() => ({ stdout: '' }));
    return stdout.trim() || undefined;
  }

  /**
   * One git process, with a fixed environment: no system or global config (HOME is the root,
   * which has none), no prompts, nothing from the portal's own environment but PATH.
   */
  private git(
    args: string[],
    options: {
      env?: Record<string, string>;
      input?: string;
      cwd?: string;
    } = {},
  ): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', args, {
        cwd: options.cwd ?? this.root,
        env: {
          PATH: process.env.PATH,
          HOME: this.root,
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_TERMINAL_PROMPT: '0',
          ...options.env,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: GIT_TIMEOUT_MS,
      });
      const stdout: Buffer[] = [];
      let stderr = '';
      child.stdout.on('data', chunk => stdout.push(chunk));
      child.stderr.on('data', chunk => {
        if (stderr.length < 4096) stderr += chunk;
      });
      child.stdin.on('error', () => {
        // git exited before reading its input; its exit code says why
      });
      child.on('error', reject);
      child.on('close', (code, signal) => {
        if (code === 0) {
          resolve({ stdout: Buffer.concat(stdout).toString('utf8') });
        } else {
          reject(
            new Error(
              `git ${args[0] === '--git-dir' ? args[2] : args[0]} failed (${
                code ?? signal
              }): ${stderr.trim()}`,
            ),
          );
        }
      });
      child.stdin.end(options.input ?? '');
    });
  }
}

/**
 * The files under `dir` that a repository gets, sorted by path: regular files and symbolic
 * links, without `node_modules` and `.git` folders at any depth.
 */
export async function listWorkspaceFiles(
  dir: string,
): Promise<WorkspaceFile[]> {
  const files: WorkspaceFile[] = [];
  const walk = async (relative: string) => {
    const entries = await fs.readdir(path.join(dir, relative), {
      withFileTypes: true,
    });
    for (const entry of entries) {
      const entryPath = relative ? `${relative}/${entry.name}` : entry.name;
      // A `.git` file (a worktree's link to its repository) is skipped like the folder
      if (entry.name === '.git') continue;
      if (entry.isDirectory()) {
        if (!EXCLUDED_DIRECTORIES.has(entry.name)) await walk(entryPath);
        continue;
      }
      if (!entry.isFile() && !entry.isSymbolicLink()) continue;
      if (entryPath.includes('\n')) {
        throw new InputError(
          `sourcePath: the file "${entryPath.replace(
            /\n/g,
            '\\n',
          )}" has a line break in its name, which this action cannot commit; rename it`,
        );
      }
      const info = await fs.lstat(path.join(dir, entryPath));
      let mode: WorkspaceFile['mode'] = '100644';
      if (info.isSymbolicLink()) mode = '120000';
      // eslint-disable-next-line no-bitwise
      else if (info.mode & 0o111) mode = '100755';
      files.push({ path: entryPath, size: info.size, mode });
    }
  };
  await walk('');
  return files.sort((a, b) => (a.path < b.path ? -1 : Number(a.path > b.path)));
}
