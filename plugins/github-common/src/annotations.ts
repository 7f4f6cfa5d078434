import {
  ANNOTATION_SOURCE_LOCATION,
  type Entity,
} from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';

/** `owner/repo`: the GitHub repository of a catalog entity (the community key). */
export const GITHUB_PROJECT_SLUG_ANNOTATION = 'github.com/project-slug';

/**
 * Where the entity's source lives (`url:https://ghe.example.com/org/repo/tree/main/`); read
 * for the host of GitHub Enterprise repositories.
 */
export const GITHUB_SOURCE_LOCATION_ANNOTATION = ANNOTATION_SOURCE_LOCATION;

/** The host of repositories whose entity says nothing else. */
export const GITHUB_DEFAULT_HOST = 'github.com';

export type GitHubSlug = { owner: string; repo: string };

/** A repository on a GitHub host (`github.com` or a GitHub Enterprise Server host). */
export type GitHubRepositoryRef = GitHubSlug & { host: string };

// GitHub: "Username may only contain alphanumeric characters or single hyphens, and cannot
// begin or end with a hyphen", at most 39 characters. Organizations follow the same rule.
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
// Repository names: ASCII letters, digits, ".", "-" and "_"; "." and ".." are reserved.
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

function isOwner(value: string) {
  return OWNER.test(value);
}

function isRepo(value: string) {
  return REPO.test(value) && value !== '.' && value !== '..';
}

/**
 * Parses `github.com/project-slug` (`owner/repo`). Throws an InputError whose message names
 * the annotation, shows the bad value and the expected form.
 */
export function parseGitHubSlug(value: string | undefined): GitHubSlug {
  const expected =
    'expected owner/repo, e.g. "comet-examples/payments-api" (owner: letters, digits and single hyphens, at most 39 characters; repo: letters, digits, ".", "-" and "_")';
  const trimmed = (value ?? '').trim();
  if (!trimmed) {
    throw new InputError(
      `The annotation ${GITHUB_PROJECT_SLUG_ANNOTATION} is empty; ${expected}`,
    );
  }
  const parts = trimmed.split('/');
  if (parts.length !== 2 || !isOwner(parts[0]) || !isRepo(parts[1])) {
    throw new InputError(
      `The annotation ${GITHUB_PROJECT_SLUG_ANNOTATION} is "${value}", which is not a GitHub repository; ${expected}`,
    );
  }
  return { owner: parts[0], repo: parts[1] };
}

/** `owner/repo`, as the annotation says it. */
export function stringifyGitHubSlug(slug: GitHubSlug): string {
  return `${slug.owner}/${slug.repo}`;
}

function hostOfSourceLocation(
  location: string | undefined,
  slug: GitHubSlug,
): string | undefined {
  if (!location) return undefined;
  const target = location.replace(/^url:/, '');
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const [owner, repo] = url.pathname.split('/').filter(Boolean);
  const sameRepo =
    owner?.toLowerCase() === slug.owner.toLowerCase() &&
    repo?.replace(/\.git$/, '').toLowerCase() === slug.repo.toLowerCase();
  return sameRepo ? url.host.toLowerCase() : undefined;
}

/**
 * The entity's GitHub repository: the slug from `github.com/project-slug`; the host from
 * `backstage.io/source-location` when that URL points at the same owner/repo (GitHub
 * Enterprise), else `github.com`. Undefined when the entity has no slug annotation; throws
 * an InputError (see {@link parseGitHubSlug}) when it has a bad one.
 */
export function gitHubRepositoryOf(
  entity: Entity,
): GitHubRepositoryRef | undefined {
  const annotations = entity.metadata.annotations ?? {};
  const value = annotations[GITHUB_PROJECT_SLUG_ANNOTATION];
  if (value === undefined) return undefined;
  const slug = parseGitHubSlug(value);
  const host =
    hostOfSourceLocation(
      annotations[GITHUB_SOURCE_LOCATION_ANNOTATION],
      slug,
    ) ?? GITHUB_DEFAULT_HOST;
  return { host, ...slug };
}
