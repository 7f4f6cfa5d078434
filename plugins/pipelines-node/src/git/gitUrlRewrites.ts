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
 * The URL git fetches for `url`: the rewrite with the longest matching `from` applies, as with
 * git's own `url.<to>.insteadOf`. Comet applies it itself so that the URL it checks against
 * `pipelines.git.allowedHosts` is exactly the URL git is given.
 */
export function applyGitUrlRewrites(
  url: string,
  rewrites: readonly GitUrlRewrite[] = [],
): string {
  let best: GitUrlRewrite | undefined;
  for (const rewrite of rewrites) {
    if (
      url.startsWith(rewrite.from) &&
      (!best || rewrite.from.length > best.from.length)
    ) {
      best = rewrite;
    }
  }
  return best ? best.to + url.slice(best.from.length) : url;
}
