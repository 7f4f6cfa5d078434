import { InputError } from '@backstage/errors';
import type {
  PipelineRunLink,
  PipelineRunPullRequest,
  PipelineRunTrigger,
} from '@internal/plugin-pipelines-common';

/** Longest URL and pull request title kept with a run. */
const MAX_URL_LENGTH = 2048;
const MAX_TITLE_LENGTH = 512;

/** Comet's example repositories (`/api/example-repos/<name>.git`) are plain git, no web view. */
const EXAMPLE_REPOS_PATH = /^\/api\/example-repos\//;

/**
 * `value` as an absolute http(s) URL without credentials (`https://token@host/…` loses the
 * token), or undefined when it is not one.
 */
export function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_URL_LENGTH) {
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  url.username = '';
  url.password = '';
  return url.toString();
}

/**
 * The web address of a repository (origin and path, without `.git`, credentials, query or
 * fragment) from its clone URL: `https://…`, `http://…`, `ssh://git@host/…` or scp-like
 * `git@host:org/repo.git` (the last two are assumed to be served over https on the same host).
 */
function repositoryWebLocation(
  repositoryUrl: string,
): { origin: string; hostname: string; segments: string[] } | undefined {
  let url: URL;
  const scpLike = /^[\w.-]+@([\w.-]+):(?!\/)([^\s]+)$/.exec(repositoryUrl);
  try {
    if (scpLike) {
      url = new URL(`https://${scpLike[1]}/${scpLike[2]}`);
    } else {
      url = new URL(repositoryUrl);
      if (url.protocol === 'ssh:') {
        // The ssh port says nothing about the web server's
        url = new URL(`https://${url.hostname}${url.pathname}`);
      }
    }
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (EXAMPLE_REPOS_PATH.test(url.pathname)) return undefined;
  const segments = url.pathname
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean);
  if (segments.some(segment => segment === '.' || segment === '..')) {
    return undefined;
  }
  // `url.origin` never carries credentials
  return { origin: url.origin, hostname: url.hostname, segments };
}

/**
 * The web page of commit `sha` in the repository cloned from `repositoryUrl`, or undefined
 * when the host is not one Comet recognises:
 *
 * - GitLab (a host named `gitlab…`, groups and subgroups): `https://host/group/repo/-/commit/<sha>`
 * - Bitbucket Cloud: `https://bitbucket.org/workspace/repo/commits/<sha>`
 * - github.com and GitHub Enterprise style hosts, `https://host/org/repo(.git)`:
 *   `https://host/org/repo/commit/<sha>`
 *
 * Comet's example repositories (`/api/example-repos/<name>.git`), `file:` URLs and any other
 * path shape get no link. Credentials in `repositoryUrl` never reach the result.
 */
export function commitUrlOf(
  repositoryUrl: string | null | undefined,
  sha: string | null | undefined,
): string | undefined {
  if (!repositoryUrl || !sha || !/^[0-9a-f]{4,64}$/i.test(sha)) {
    return undefined;
  }
  const web = repositoryWebLocation(repositoryUrl);
  if (!web) return undefined;
  const { origin, hostname, segments } = web;
  const repository = `${origin}/${segments.join('/')}`;
  const host = hostname.toLowerCase();
  if (/(^|\.)gitlab\b/.test(host)) {
    return segments.length >= 2 ? `${repository}/-/commit/${sha}` : undefined;
  }
  if (segments.length !== 2) return undefined;
  if (host === 'bitbucket.org') return `${repository}/commits/${sha}`;
  return `${repository}/commit/${sha}`;
}

/**
 * A pull request as Comet keeps it with a run: a positive number, an http(s) URL (credentials
 * dropped) and the title if any; undefined when the number or the URL is not valid.
 */
export function pullRequestOf(
  value: unknown,
): PipelineRunPullRequest | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const pr = value as Record<string, unknown>;
  const number = pr.number;
  if (
    typeof number !== 'number' ||
    !Number.isSafeInteger(number) ||
    number <= 0
  ) {
    return undefined;
  }
  const url = httpUrl(pr.url);
  if (!url) return undefined;
  const title =
    typeof pr.title === 'string' && pr.title.trim()
      ? pr.title.trim().slice(0, MAX_TITLE_LENGTH)
      : undefined;
  return { number, ...(title !== undefined ? { title } : {}), url };
}

/** The links of a run: its pull request, when a pull request started it. */
export function runLinksOf(trigger: PipelineRunTrigger): PipelineRunLink[] {
  const pr = pullRequestOf(trigger.pullRequest);
  return pr ? [{ title: `Pull request #${pr.number}`, url: pr.url }] : [];
}

/** Links modules may add to one run, in all. */
export const MAX_EXTRA_LINKS = 50;

type StoredExtraLink = { title: string; url: string; source: string };

/** The links modules added to a run (`extra_links`), without their source. */
export function extraLinksOf(
  json: string | null | undefined,
): PipelineRunLink[] {
  return storedExtraLinks(json).map(({ title, url }) => ({ title, url }));
}

function storedExtraLinks(json: string | null | undefined): StoredExtraLink[] {
  if (!json) return [];
  try {
    const parsed = JSON.parse(json);
    return Array.isArray(parsed)
      ? parsed.filter(
          (link): link is StoredExtraLink =>
            typeof link?.title === 'string' && typeof link?.url === 'string',
        )
      : [];
  } catch {
    return [];
  }
}

/**
 * Adds `links` from `source` to the stored ones: each needs a title and an absolute http(s) URL
 * (credentials dropped); a URL the run already links is not added twice; at most
 * {@link MAX_EXTRA_LINKS} in all. Throws on a link that is not valid, naming it.
 */
export function mergeExtraLinks(
  json: string | null | undefined,
  source: string,
  links: Array<{ title: string; url: string }>,
): { json: string; added: number } {
  const stored = storedExtraLinks(json);
  const seen = new Set(stored.map(link => link.url));
  let added = 0;
  links.forEach((link, index) => {
    const title =
      typeof link?.title === 'string' ? link.title.trim().slice(0, 200) : '';
    const url = httpUrl(link?.url);
    if (!title || !url) {
      throw new InputError(
        `links[${index}] needs a title and an absolute http(s) URL of at most ${MAX_URL_LENGTH} characters`,
      );
    }
    if (seen.has(url)) return;
    if (stored.length >= MAX_EXTRA_LINKS) {
      throw new InputError(
        `A run holds at most ${MAX_EXTRA_LINKS} links added by modules`,
      );
    }
    seen.add(url);
    stored.push({ title, url, source });
    added++;
  });
  return { json: JSON.stringify(stored), added };
}
