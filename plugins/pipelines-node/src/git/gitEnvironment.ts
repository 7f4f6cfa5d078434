/**
 * The environment every git command of Comet runs with (checkouts and pipeline-file reads):
 * nothing of the backend's own environment or configuration. `HOME` is a private empty folder
 * and neither the system nor a global config file is read, so a `~/.gitconfig` on the backend
 * host (credential helpers, `url.insteadOf`, `core.sshCommand`) cannot change what is fetched;
 * git never prompts (a missing credential fails instead of hanging); Git LFS does not download
 * anything; and only the given protocols are spoken (`GIT_ALLOW_PROTOCOL`).
 */
export function gitEnvironment(options: {
  path: string;
  /** A private, empty folder: git looks for `~/.gitconfig` and `~/.config/git` there. */
  home: string;
  /** Colon-separated, e.g. `http:https` (see GitRemotePolicy.allowedProtocols). */
  allowedProtocols: string;
}): Record<string, string> {
  return {
    PATH: options.path,
    HOME: options.home,
    XDG_CONFIG_HOME: options.home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    GIT_LFS_SKIP_SMUDGE: '1',
    GIT_ALLOW_PROTOCOL: options.allowedProtocols,
  };
}

/**
 * Configuration given on every git command line (`-c`): redirects are not followed (an allowed
 * host cannot send git to another one), the file transport is off whatever the URL, and
 * submodules are never fetched or checked out (their URLs are not checked against the allowed
 * hosts). Hooks cannot run from the throw-away repositories either.
 */
export function gitSafetyArgs(options: { allowFile?: boolean } = {}): string[] {
  return [
    '-c',
    'http.followRedirects=false',
    '-c',
    `protocol.file.allow=${options.allowFile ? 'always' : 'never'}`,
    '-c',
    'protocol.ext.allow=never',
    '-c',
    'submodule.recurse=false',
    '-c',
    'fetch.recurseSubmodules=false',
    '-c',
    'core.hooksPath=/dev/null',
    '-c',
    'credential.helper=',
  ];
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
