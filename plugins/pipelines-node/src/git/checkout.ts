import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  gitEnvironment,
  gitSafetyArgs,
  isSafeGitRef,
  isSafeRepositoryUrl,
} from './gitEnvironment';
import { GitRemote, GitRemotePolicy } from './GitRemotePolicy';
import { redactCredentials, redactUrl } from './redactUrl';
import { runGit } from './runGit';

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * A checkout of one repository at one ref, checked before anything is created: the URL and ref
 * are safe git arguments and the URL (after `pipelines.gitUrlRewrites`) is allowed by the
 * {@link GitRemotePolicy}. Throws an error naming the URL otherwise.
 */
export class GitCheckout {
  static prepare(options: {
    repositoryUrl: string | undefined;
    ref?: string;
    remotePolicy: GitRemotePolicy;
  }): GitCheckout {
    const { repositoryUrl, ref, remotePolicy } = options;
    if (!isSafeRepositoryUrl(repositoryUrl)) {
      throw new Error(
        `Invalid repository URL ${JSON.stringify(
          redactUrl(repositoryUrl ?? ''),
        )}`,
      );
    }
    if (ref !== undefined && !isSafeGitRef(ref)) {
      throw new Error(`Invalid git ref ${JSON.stringify(ref)}`);
    }
    return new GitCheckout(
      repositoryUrl,
      ref,
      remotePolicy.resolve(repositoryUrl),
      remotePolicy.allowedProtocols,
    );
  }

  private constructor(
    private readonly repositoryUrl: string,
    private readonly ref: string | undefined,
    private readonly remote: GitRemote,
    private readonly allowedProtocols: string,
  ) {}

  /** `<url> at <ref>`, without credentials. */
  get source(): string {
    return `${this.remote.shownUrl}${this.ref ? ` at ${this.ref}` : ''}`;
  }

  /**
   * Fetches the one commit (`--depth 1`, no tags, no submodules) into the empty folder `dir`
   * and checks it out; returns the commit. Git runs with a private, empty HOME that is removed
   * afterwards, so nothing of the backend's git configuration applies.
   */
  async into(
    dir: string,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<string> {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-git-home-'));
    try {
      const env = gitEnvironment({
        path: process.env.PATH ?? DEFAULT_PATH,
        home,
        allowedProtocols: this.allowedProtocols,
      });
      const globalArgs = gitSafetyArgs({ allowFile: this.remote.local });
      const git = (args: string[]) =>
        runGit(args, {
          cwd: dir,
          env,
          timeoutMs: options.timeoutMs,
          signal: options.signal,
          globalArgs,
        });
      const source = this.source;

      const init = await git(['init', '--quiet']);
      if (init.failure) {
        throw new Error(
          `Could not create a git repository in ${dir}: ${init.failure}`,
        );
      }
      const fetch = await git([
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-recurse-submodules',
        '--depth',
        '1',
        '--',
        this.remote.fetchUrl,
        this.ref ?? 'HEAD',
      ]);
      if (fetch.failure) {
        throw new Error(
          `Could not fetch ${source}: ${this.hideCredentials(fetch.failure)}`,
        );
      }
      const checkout = await git([
        'checkout',
        '--quiet',
        '--no-recurse-submodules',
        '--detach',
        'FETCH_HEAD',
      ]);
      if (checkout.failure) {
        throw new Error(
          `Could not check out ${source}: ${this.hideCredentials(
            checkout.failure,
          )}`,
        );
      }
      const revParse = await git(['rev-parse', 'HEAD']);
      if (revParse.failure) {
        throw new Error(
          `Could not read the commit checked out from ${source}: ${revParse.failure}`,
        );
      }
      return revParse.stdout.trim();
    } finally {
      await fs.rm(home, { recursive: true, force: true });
    }
  }

  private hideCredentials(text: string): string {
    return redactCredentials(
      redactCredentials(text, this.remote.fetchUrl),
      this.repositoryUrl,
    );
  }
}
