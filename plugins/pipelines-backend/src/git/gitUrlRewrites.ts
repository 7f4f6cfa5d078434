import type { Config } from '@backstage/config';

/**
 * A repository URL prefix that git fetches from somewhere else: git's own
 * `url.<to>.insteadOf <from>`. Used for mirrors, and for the example repositories when the
 * portal listens on another address than the one the example catalog names.
 */
export type GitUrlRewrite = {
  /** The prefix as entities name it, e.g. `https://github.com/`. */
  from: string;
  /** What git fetches instead, e.g. `https://git-mirror.internal/github/`. */
  to: string;
};

const KEY = 'pipelines.gitUrlRewrites';

/**
 * Reads `pipelines.gitUrlRewrites`, with an error that names the entry and field that is wrong.
 */
export function readGitUrlRewrites(config: Config): GitUrlRewrite[] {
  const entries = config.getOptionalConfigArray(KEY) ?? [];
  return entries.map((entry, index) => {
    const rewrite: GitUrlRewrite = {
      from: entry.getString('from'),
      to: entry.getString('to'),
    };
    for (const field of ['from', 'to'] as const) {
      const value = rewrite[field];
      if (!value.trim() || value.startsWith('-') || /[\0\r\n]/.test(value)) {
        throw new Error(
          `Invalid ${KEY}[${index}].${field} ${JSON.stringify(
            value,
          )}: give a URL prefix (not empty, not starting with "-", on one line)`,
        );
      }
    }
    return rewrite;
  });
}

/**
 * The environment that makes git apply the rewrites (`GIT_CONFIG_COUNT`, git 2.31 and later),
 * so no argument and no config file changes. Entities keep naming the original URL.
 */
export function gitUrlRewriteEnv(
  rewrites: readonly GitUrlRewrite[] = [],
): Record<string, string> {
  if (rewrites.length === 0) return {};
  const env: Record<string, string> = {
    GIT_CONFIG_COUNT: String(rewrites.length),
  };
  rewrites.forEach(({ from, to }, i) => {
    env[`GIT_CONFIG_KEY_${i}`] = `url.${to}.insteadOf`;
    env[`GIT_CONFIG_VALUE_${i}`] = from;
  });
  return env;
}
