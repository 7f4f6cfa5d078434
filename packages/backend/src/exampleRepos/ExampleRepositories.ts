import { LoggerService } from '@backstage/backend-plugin-api';
import { execFile } from 'node:child_process';
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
  }) {
    return new ExampleRepositories(
      path.resolve(options.sourceDir),
      path.resolve(options.targetDir),
      options.logger,
    );
  }

  private constructor(
    readonly sourceDir: string,
    readonly targetDir: string,
    private readonly logger: LoggerService,
  ) {}

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
      repositories.push(await this.syncOne(name));
    }
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
