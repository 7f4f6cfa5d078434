import { LoggerService } from '@backstage/backend-plugin-api';
import { execFile } from 'node:child_process';
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The fixed identity and date of example commits, so unchanged files give the same commit. */
const COMMIT_ENV = {
  GIT_AUTHOR_NAME: 'Comet examples',
  GIT_AUTHOR_EMAIL: 'examples@comet.invalid',
  GIT_COMMITTER_NAME: 'Comet examples',
  GIT_COMMITTER_EMAIL: 'examples@comet.invalid',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};

/**
 * An example's commit message, when its folder has one (not committed itself): issue keys in
 * it link the example's runs to the demo Jira's issues.
 */
const COMMIT_MESSAGE_FILE = '.example-commit-message';
const EXCLUDES = [
  'node_modules/',
  'dist/',
  '.DS_Store',
  `/${COMMIT_MESSAGE_FILE}`,
];

export type ExampleRepository = {
  name: string;
  commit: string;
};

/** A served repository's folder name: `<name>.git`. */
const REPOSITORY_DIR = /^([a-z0-9][a-z0-9-]*)\.git$/;

/**
 * The git config key comet:repo:create (plugins/scaffolder-backend-module-comet) tags its
 * repositories with: the entity each belongs to.
 */
export const ENTITY_TAG_KEY = 'comet.entity';

/** How long the list of served repositories is reused before the folder is read again. */
export const SERVED_LIST_TTL_MS = 2000;

/**
 * Turns each folder under `examples/projects/` into a bare git repository (branch `main`), so
 * that example components have a real repository to check out with no network. A repository
 * gets a new commit only when its files changed.
 */
export class ExampleRepositories {
  static create(options: {
    sourceDir: string;
    targetDir: string;
    logger: LoggerService;
    /** The clock of the served list's cache; tests pass their own. */
    now?: () => number;
  }) {
    return new ExampleRepositories(
      path.resolve(options.sourceDir),
      path.resolve(options.targetDir),
      options.logger,
      options.now ?? Date.now,
    );
  }

  /** The examples the last sync wrote. */
  private synced = new Set<string>();
  /** Created repositories already seen tagged: a tag is never removed, so no need to ask again. */
  private readonly tagged = new Set<string>();
  /** Folders found without a tag, and when: not asked again for SERVED_LIST_TTL_MS. */
  private readonly untagged = new Map<string, number>();
  private servedList?: { readAt: number; names: Promise<Set<string>> };

  private constructor(
    readonly sourceDir: string,
    readonly targetDir: string,
    private readonly logger: LoggerService,
    private readonly now: () => number,
  ) {}

  /**
   * The repositories the portal serves, for the list a wrong URL's answer shows: the examples
   * synced at start-up, and those created since by comet:repo:create (a `<name>.git` tagged
   * with `comet.entity`). The folder is read again at most every {@link SERVED_LIST_TTL_MS}.
   */
  served(): Promise<Set<string>> {
    const now = this.now();
    if (this.servedList && now - this.servedList.readAt < SERVED_LIST_TTL_MS) {
      return this.servedList.names;
    }
    const names = this.readServed();
    this.servedList = { readAt: now, names };
    // A failed read is not reused
    names.catch(() => {
      if (this.servedList?.names === names) this.servedList = undefined;
    });
    return names;
  }

  /**
   * Whether `<name>.git` is served, asked on each request: an example, or a repository tagged
   * by comet:repo:create, including one created a moment ago (the catalog reads a new
   * service's catalog file right after the template created its repository). A folder without
   * a tag is asked about again after {@link SERVED_LIST_TTL_MS}.
   */
  async isServed(name: string): Promise<boolean> {
    if (!REPOSITORY_DIR.test(`${name}.git`)) return false;
    if (this.synced.has(name)) return true;
    const gitDir = path.join(this.targetDir, `${name}.git`);
    const info = await fs.stat(gitDir).catch(() => undefined);
    if (!info?.isDirectory()) {
      this.tagged.delete(name);
      this.untagged.delete(name);
      return false;
    }
    if (this.tagged.has(name)) return true;
    const checkedAt = this.untagged.get(name);
    if (
      checkedAt !== undefined &&
      this.now() - checkedAt < SERVED_LIST_TTL_MS
    ) {
      return false;
    }
    if (await this.entityTag(gitDir)) {
      this.tagged.add(name);
      this.untagged.delete(name);
      return true;
    }
    this.untagged.set(name, this.now());
    return false;
  }

  private async readServed(): Promise<Set<string>> {
    const names = new Set(this.synced);
    let entries: Dirent[];
    try {
      entries = await fs.readdir(this.targetDir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return names;
      throw error;
    }
    const present = new Set<string>();
    for (const entry of entries) {
      const name = REPOSITORY_DIR.exec(entry.name)?.[1];
      if (!name || !entry.isDirectory() || names.has(name)) continue;
      present.add(name);
      if (
        this.tagged.has(name) ||
        (await this.entityTag(path.join(this.targetDir, entry.name)))
      ) {
        this.tagged.add(name);
        names.add(name);
      }
    }
    // A deleted repository is asked about again should it come back
    for (const name of this.tagged) {
      if (!present.has(name)) this.tagged.delete(name);
    }
    return names;
  }

  /** The entity a repository is tagged with, or undefined for an example's. */
  private async entityTag(gitDir: string): Promise<string | undefined> {
    try {
      const { stdout } = await execFileAsync(
        'git',
        [
          'config',
          '--file',
          path.join(gitDir, 'config'),
          '--get',
          ENTITY_TAG_KEY,
        ],
        {
          env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1' },
          timeout: 10_000,
        },
      );
      return stdout.trim() || undefined;
    } catch {
      // Exit code 1: no such key (or no config file)
      return undefined;
    }
  }

  async sync(): Promise<ExampleRepository[]> {
    let names: string[];
    try {
      const entries = await fs.readdir(this.sourceDir, { withFileTypes: true });
      names = entries
        .filter(e => e.isDirectory())
        .map(e => e.name)
        .sort();
    } catch (error) {
      this.logger.warn(
        `No example repositories: cannot read ${this.sourceDir} (${error})`,
      );
      return [];
    }
    await fs.mkdir(this.targetDir, { recursive: true });
    const repositories: ExampleRepository[] = [];
    for (const name of names) {
      const tag = await this.entityTag(
        path.join(this.targetDir, `${name}.git`),
      );
      if (tag) {
        // Never overwrite what a template created under an example's name
        this.logger.warn(
          `Example ${name} is not served: ${name}.git belongs to ${tag} (created by comet:repo:create); rename the example`,
        );
        continue;
      }
      repositories.push(await this.syncOne(name));
    }
    this.synced = new Set(repositories.map(repository => repository.name));
    this.servedList = undefined;
    return repositories;
  }

  private async git(gitDir: string, workTree: string, args: string[]) {
    const { stdout } = await execFileAsync(
      'git',
      ['--git-dir', gitDir, '--work-tree', workTree, ...args],
      {
        env: {
          PATH: process.env.PATH,
          HOME: this.targetDir,
          GIT_CONFIG_NOSYSTEM: '1',
          ...COMMIT_ENV,
        },
      },
    );
    return stdout.trim();
  }

  private async syncOne(name: string): Promise<ExampleRepository> {
    const gitDir = path.join(this.targetDir, `${name}.git`);
    const workTree = path.join(this.sourceDir, name);
    const exists = await fs
      .stat(path.join(gitDir, 'HEAD'))
      .then(() => true)
      .catch(() => false);
    if (!exists) {
      await execFileAsync('git', [
        'init',
        '--quiet',
        '--bare',
        '--initial-branch=main',
        gitDir,
      ]);
    }
    await fs.mkdir(path.join(gitDir, 'info'), { recursive: true });
    await fs.writeFile(
      path.join(gitDir, 'info', 'exclude'),
      `${EXCLUDES.join('\n')}\n`,
    );
    // A bare repository's index is private to us; rebuild it from the files every time.
    await this.git(gitDir, workTree, ['read-tree', '--empty']);
    await this.git(gitDir, workTree, ['add', '--all', '.']);
    const tree = await this.git(gitDir, workTree, ['write-tree']);
    const head = await this.git(gitDir, workTree, [
      'rev-parse',
      '--verify',
      '--quiet',
      'refs/heads/main',
    ]).catch(() => '');
    const headTree = head
      ? await this.git(gitDir, workTree, ['rev-parse', `${head}^{tree}`])
      : '';
    if (headTree === tree) {
      return { name, commit: head };
    }
    const message =
      (
        await fs
          .readFile(path.join(workTree, COMMIT_MESSAGE_FILE), 'utf8')
          .catch(() => '')
      ).trim() || `Update ${name} example`;
    const commitArgs = ['commit-tree', tree, '-m', message];
    if (head) {
      commitArgs.push('-p', head);
    }
    const commit = await this.git(gitDir, workTree, commitArgs);
    await this.git(gitDir, workTree, ['update-ref', 'refs/heads/main', commit]);
    this.logger.info(`Example repository ${name} is at ${commit}`);
    return { name, commit };
  }
}
