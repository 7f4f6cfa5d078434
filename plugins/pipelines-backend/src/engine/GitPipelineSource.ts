import { InputError, NotFoundError } from '@backstage/errors';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  gitEnvironment,
  isSafeGitRef,
  isSafeRepositoryUrl,
} from '../git/gitEnvironment';
import type { GitUrlRewrite } from '../git/gitUrlRewrites';
import { redactUrl } from '../git/redactUrl';

const execFileAsync = promisify(execFile);

/** The largest pipeline file read: 1 MiB. */
export const MAX_PIPELINE_FILE_BYTES = 1024 * 1024;

export type PipelineFile = {
  text: string;
  /** The commit the file was read at. */
  commit: string;
};

/**
 * Reads pipeline files straight from an entity's git repository at a branch or commit, with a
 * shallow fetch into a throw-away folder.
 */
export class GitPipelineSource {
  static create(options?: {
    timeoutMs?: number;
    /** Repository URL prefixes git fetches from elsewhere; see `pipelines.gitUrlRewrites`. */
    gitUrlRewrites?: readonly GitUrlRewrite[];
  }) {
    return new GitPipelineSource(
      options?.timeoutMs ?? 60_000,
      options?.gitUrlRewrites ?? [],
    );
  }

  private constructor(
    private readonly timeoutMs: number,
    private readonly gitUrlRewrites: readonly GitUrlRewrite[],
  ) {}

  async readFile(options: {
    repositoryUrl: string;
    ref?: string;
    filePath: string;
  }): Promise<PipelineFile> {
    const { repositoryUrl, filePath } = options;
    const ref = options.ref ?? 'HEAD';
    // Both reach git as arguments: neither may look like an option (--upload-pack=… runs a
    // command), and the ref is one word.
    if (!isSafeGitRef(ref)) {
      throw new InputError(`Invalid git ref ${JSON.stringify(ref)}`);
    }
    if (!isSafeRepositoryUrl(repositoryUrl)) {
      throw new InputError(
        `Invalid repository URL ${JSON.stringify(redactUrl(repositoryUrl))}`,
      );
    }
    const shownUrl = redactUrl(repositoryUrl);
    if (path.isAbsolute(filePath) || filePath.split('/').includes('..')) {
      throw new InputError(
        `Pipeline path "${filePath}" must be relative to the repository and must not contain ".."`,
      );
    }
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-pipeline-src-'));
    const env = gitEnvironment({
      path: process.env.PATH ?? '/usr/bin:/bin',
      home: dir,
      ignoreSystemConfig: true,
      gitUrlRewrites: this.gitUrlRewrites,
    });
    const git = (args: string[]) =>
      execFileAsync('git', args, { cwd: dir, env, timeout: this.timeoutMs });
    try {
      await git(['init', '--quiet']);
      try {
        await git([
          'fetch',
          '--quiet',
          '--depth',
          '1',
          '--',
          repositoryUrl,
          ref,
        ]);
      } catch (error) {
        const stderr = String((error as { stderr?: string }).stderr ?? error)
          .trim()
          .split('\n')
          .slice(-3)
          .join(' ')
          .split(repositoryUrl)
          .join(shownUrl);
        throw new InputError(`Cannot fetch ${ref} from ${shownUrl}: ${stderr}`);
      }
      const commit = (await git(['rev-parse', 'FETCH_HEAD'])).stdout.trim();
      const where = `in ${shownUrl} at ${ref} (${commit.slice(0, 12)})`;
      let size: number;
      try {
        const { stdout } = await git([
          'cat-file',
          '-s',
          `FETCH_HEAD:${filePath}`,
        ]);
        size = Number(stdout.trim());
      } catch {
        throw new NotFoundError(
          `Pipeline file ${filePath} does not exist ${where}`,
        );
      }
      // Said as such: git's output over the limit used to fail like a missing file
      if (size > MAX_PIPELINE_FILE_BYTES) {
        throw new InputError(
          `Pipeline file ${filePath} ${where} is too large (${size} bytes, limit 1 MiB)`,
        );
      }
      const { stdout } = await execFileAsync(
        'git',
        ['show', `FETCH_HEAD:${filePath}`],
        {
          cwd: dir,
          env,
          timeout: this.timeoutMs,
          // The file, or git's listing of a folder of that name
          maxBuffer: MAX_PIPELINE_FILE_BYTES + 64 * 1024,
        },
      );
      return { text: stdout, commit };
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
}
