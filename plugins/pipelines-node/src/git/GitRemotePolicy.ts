import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  GitUrlRewrite,
  applyGitUrlRewrites,
  readGitUrlRewrites,
} from './gitUrlRewrites';
import { redactUrl } from './redactUrl';

const ALLOWED_HOSTS_KEY = 'pipelines.git.allowedHosts';
/** Where the backend serves the example repositories (packages/backend, `comet.exampleRepos`). */
const EXAMPLE_REPOS_PATH = 'api/example-repos/';
const DEFAULT_PORTS: Record<string, string> = {
  'http:': '80',
  'https:': '443',
};

/** A repository git may fetch: the URL git is given, and how to name it in messages. */
export type GitRemote = {
  /** What git fetches: the URL after `pipelines.gitUrlRewrites`, normalised. */
  fetchUrl: string;
  /** The URL as the entity names it, without credentials: for messages and logs. */
  shownUrl: string;
  /** Whether `fetchUrl` is a local path (only with `allowLocalRepositories`). */
  local: boolean;
};

export type GitRemotePolicyOptions = {
  /** `host[:port]` entries; a host without a port allows the scheme's default port only. */
  allowedHosts?: readonly string[];
  /** URL prefixes allowed whatever their host: the portal's own example repositories. */
  allowedUrlPrefixes?: readonly string[];
  gitUrlRewrites?: readonly GitUrlRewrite[];
  /**
   * Tests and benchmarks only (never read from config): lets git read repositories from local
   * paths. A portal must not, since a path reaches every repository on the backend's disk.
   */
  allowLocalRepositories?: boolean;
};

/**
 * Which repositories checkouts and pipeline-file reads may fetch. Entities name any URL they
 * like, so the URL is checked after `pipelines.gitUrlRewrites` are applied, and git is given the
 * checked URL itself (git applies no rewrite of its own): only `http`/`https` on a host in
 * `pipelines.git.allowedHosts`, or under the portal's own `/api/example-repos/`. No `file://`,
 * no local path, no `ext::` or other transport, no address an admin did not allow.
 */
export class GitRemotePolicy {
  static create(options: GitRemotePolicyOptions = {}): GitRemotePolicy {
    return new GitRemotePolicy(
      (options.allowedHosts ?? []).map((entry, index) =>
        parseHostEntry(entry, `allowedHosts[${index}]`),
      ),
      (options.allowedUrlPrefixes ?? []).map(prefix => new URL(prefix)),
      options.gitUrlRewrites ?? [],
      options.allowLocalRepositories ?? false,
    );
  }

  /**
   * `pipelines.git.allowedHosts` and `pipelines.gitUrlRewrites`; the example repositories under
   * `backend.baseUrl` are allowed without an entry.
   */
  static fromConfig(config: Config): GitRemotePolicy {
    const hosts = config.getOptionalStringArray(ALLOWED_HOSTS_KEY) ?? [];
    const baseUrl = config.getOptionalString('backend.baseUrl');
    return new GitRemotePolicy(
      hosts.map((entry, index) =>
        parseHostEntry(entry, `${ALLOWED_HOSTS_KEY}[${index}]`),
      ),
      baseUrl ? [new URL(exampleReposPrefix(baseUrl))] : [],
      readGitUrlRewrites(config),
      false,
    );
  }

  private constructor(
    private readonly allowedHosts: readonly HostEntry[],
    private readonly allowedUrlPrefixes: readonly URL[],
    private readonly gitUrlRewrites: readonly GitUrlRewrite[],
    private readonly allowLocalRepositories: boolean,
  ) {}

  /** The protocols git may use (`GIT_ALLOW_PROTOCOL`). */
  get allowedProtocols(): string {
    return this.allowLocalRepositories ? 'http:https:file' : 'http:https';
  }

  /**
   * Applies the rewrites and checks the result; throws an `InputError` that names the URL
   * (without credentials) and `pipelines.git.allowedHosts` when it is refused.
   */
  resolve(repositoryUrl: string): GitRemote {
    const shownUrl = redactUrl(repositoryUrl);
    const target = applyGitUrlRewrites(repositoryUrl, this.gitUrlRewrites);
    const rewritten =
      target === repositoryUrl
        ? ''
        : ` (rewritten by pipelines.gitUrlRewrites to ${redactUrl(target)})`;
    const refuse = (why: string) =>
      new InputError(
        `Repository URL ${shownUrl}${rewritten} is not allowed: ${why}`,
      );

    if (!/^https?:\/\//i.test(target)) {
      if (this.allowLocalRepositories && isLocalRepository(target)) {
        return { fetchUrl: target, shownUrl, local: true };
      }
      throw refuse(
        `only http:// and https:// repositories on a host in ${ALLOWED_HOSTS_KEY} are fetched (no file://, local paths, ssh or other transports)`,
      );
    }
    // The characters where URL parsers disagree (WHATWG, curl) are refused, and git gets the
    // URL as parsed here, so the host checked is the host git connects to
    if (/[\s\\]/.test(target) || hasControlCharacter(target)) {
      throw refuse('it contains spaces, backslashes or control characters');
    }
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw refuse('it is not a valid URL');
    }
    const port = url.port || DEFAULT_PORTS[url.protocol];
    const hostPort = `${url.hostname}:${port}`;
    const allowed =
      this.allowedHosts.some(
        host =>
          host.hostname === url.hostname &&
          (host.port ?? DEFAULT_PORTS[url.protocol]) === port,
      ) ||
      this.allowedUrlPrefixes.some(
        prefix =>
          prefix.origin === url.origin &&
          url.pathname.startsWith(prefix.pathname),
      );
    if (!allowed) {
      throw refuse(
        `the host ${hostPort} is not in ${ALLOWED_HOSTS_KEY} (add it there to allow it)`,
      );
    }
    return { fetchUrl: url.href, shownUrl, local: false };
  }
}

/** The portal's own example repositories: `<backend.baseUrl>/api/example-repos/`. */
export function exampleReposPrefix(baseUrl: string): string {
  return new URL(EXAMPLE_REPOS_PATH, `${baseUrl.replace(/\/+$/, '')}/`).href;
}

/** An allowed host; without a port it allows the scheme's default port (80, 443) only. */
type HostEntry = { hostname: string; port?: string };

/** `host[:port]`, normalised as URLs are (`127.1` is `127.0.0.1`, names in lower case). */
function parseHostEntry(entry: string, key: string): HostEntry {
  const invalid = (why: string) =>
    new Error(
      `Invalid ${key} ${JSON.stringify(
        entry,
      )}: give host[:port], e.g. git.example.com or 10.0.0.5:8080 (${why})`,
    );
  const trimmed = entry.trim().toLowerCase();
  if (!trimmed || /[/\s@\\?#]/.test(trimmed) || trimmed.includes('://')) {
    throw invalid('no scheme, path, user or spaces');
  }
  let url: URL;
  try {
    url = new URL(`http://${trimmed}`);
  } catch {
    throw invalid('not a host name');
  }
  if (/:\d*$/.test(trimmed) && !url.port && !/:(80|443)$/.test(trimmed)) {
    throw invalid('the port is not a number');
  }
  const explicitPort = /:(\d+)$/.exec(trimmed)?.[1];
  return explicitPort
    ? { hostname: url.hostname, port: String(Number(explicitPort)) }
    : { hostname: url.hostname };
}

function isLocalRepository(target: string): boolean {
  return target.startsWith('/') || /^file:\/\//i.test(target);
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
