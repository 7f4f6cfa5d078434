import { GitUrlRewrite, gitUrlRewriteEnv } from './gitUrlRewrites';

/**
 * The environment git runs with: only PATH and HOME from outside, never a terminal prompt
 * (a missing credential fails instead of hanging), and the URL rewrites.
 */
export function gitEnvironment(options: {
  path: string;
  home: string;
  /** Ignore `/etc/gitconfig` too (a throw-away read that needs no system settings). */
  ignoreSystemConfig?: boolean;
  gitUrlRewrites?: readonly GitUrlRewrite[];
}): Record<string, string> {
  return {
    PATH: options.path,
    HOME: options.home,
    GIT_TERMINAL_PROMPT: '0',
    ...(options.ignoreSystemConfig ? { GIT_CONFIG_NOSYSTEM: '1' } : {}),
    ...gitUrlRewriteEnv(options.gitUrlRewrites),
  };
}

/**
 * Whether a repository URL is safe to pass to git as an argument: not empty, no NUL, and not
 * looking like an option (`--upload-pack=…` runs a command).
 */
export function isSafeRepositoryUrl(url: string | undefined): url is string {
  return !!url && !url.startsWith('-') && !/\0/.test(url);
}

/** Whether a ref is safe to pass to git as an argument: one word, not an option. */
export function isSafeGitRef(ref: string): boolean {
  return ref !== '' && !ref.startsWith('-') && !/[\s\0]/.test(ref);
}
