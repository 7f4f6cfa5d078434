import type { Config } from '@backstage/config';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The GitHub owner the example catalog's `github.com/project-slug`s name. */
export const EXAMPLE_GITHUB_OWNER = 'comet-examples';

/** Where the example-repos plugin keeps its bare repositories (its own default). */
export function exampleReposDir(config: Config): string | undefined {
  const sourceDir = config.getOptionalString('comet.exampleRepos.sourceDir');
  if (!sourceDir) return undefined;
  return path.resolve(
    config.getOptionalString('comet.exampleRepos.targetDir') ??
      path.join(sourceDir, '..', '..', '.data', 'git'),
  );
}

/**
 * The GitHub fake's `commitSource` for the demo: a commit of `comet-examples/<name>` is read
 * from the example repository `<name>.git` that the portal serves, so a Comet run of an example
 * (which builds that repository's commit) can report its status to the fake as it would to
 * GitHub. Anything else is unknown, and the fake answers GitHub's 422.
 */
export function exampleCommitSource(reposDir: string) {
  return async (owner: string, repo: string, sha: string) => {
    if (
      owner !== EXAMPLE_GITHUB_OWNER ||
      !/^[a-z0-9][a-z0-9._-]*$/.test(repo) ||
      !/^[0-9a-f]{40}$/.test(sha)
    ) {
      return undefined;
    }
    try {
      const { stdout } = await execFileAsync(
        'git',
        [
          '--git-dir',
          path.join(reposDir, `${repo}.git`),
          'show',
          '-s',
          '--format=%an%x00%ae%x00%aI%x00%B',
          `${sha}^{commit}`,
        ],
        {
          env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1' },
          timeout: 10_000,
        },
      );
      const [name, email, date, ...message] = stdout.split('\0');
      return {
        message: message.join('\0').trim(),
        // GitHub's form: UTC, whole seconds
        author: {
          name,
          email,
          date: new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      };
    } catch {
      return undefined;
    }
  };
}
