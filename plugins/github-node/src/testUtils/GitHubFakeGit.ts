import { ChildProcess, execFile, spawn } from 'node:child_process';
import type express from 'express';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The most bytes git's answers may have when the fake reads a repository. */
const MAX_GIT_OUTPUT_BYTES = 512 * 1024 * 1024;

/** The environment of the git programs the fake runs: its PATH and HOME, no GIT_* variables. */
function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GIT_CONFIG_NOSYSTEM: '1',
    ...extra,
  };
}

/** Runs `git` on a bare repository and gives its output. */
async function gitOutput(gitDir: string, args: string[]): Promise<Buffer> {
  const { stdout } = await execFileAsync(
    'git',
    ['--git-dir', gitDir, ...args],
    {
      encoding: 'buffer',
      env: gitEnv(),
      maxBuffer: MAX_GIT_OUTPUT_BYTES,
    },
  );
  return stdout;
}

/** Creates an empty bare repository, as GitHub has one for a repository created empty. */
export async function initBareRepository(
  gitDir: string,
  defaultBranch: string,
): Promise<void> {
  await execFileAsync(
    'git',
    ['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, gitDir],
    { env: gitEnv() },
  );
}

/** Makes `branch` the bare repository's HEAD, what a clone checks out. */
export async function setBareHead(gitDir: string, branch: string) {
  await gitOutput(gitDir, ['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
}

/** A commit as git stores it, its dates in GitHub's ISO form. */
export type GitCommitObject = {
  tree: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; date: string };
};

/** One entry of a git tree; `mode` as GitHub's API writes it (`040000` for a folder). */
export type GitTreeEntry = {
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
};

/** Every commit, tree and blob of a repository, and its branches. */
export type GitRepositoryObjects = {
  commits: Map<string, GitCommitObject>;
  trees: Map<string, GitTreeEntry[]>;
  blobs: Map<string, Buffer>;
  /** Branch name → commit. */
  heads: Map<string, string>;
};

/** `Name <email> 1700000000 +0100` → the name, email and UTC date. */
function parseIdentity(line: string): GitCommitObject['author'] {
  const match = /^(.*) <([^>]*)> (\d+) [+-]\d{4}$/.exec(line);
  if (!match) return { name: line, email: '', date: new Date(0).toISOString() };
  return {
    name: match[1],
    email: match[2],
    date: new Date(Number(match[3]) * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
  };
}

function parseCommit(data: Buffer): GitCommitObject {
  const text = data.toString('utf8');
  const split = text.indexOf('\n\n');
  const headers = split < 0 ? text : text.slice(0, split);
  const commit: GitCommitObject = {
    tree: '',
    parents: [],
    // GitHub's API gives the message without its final newline
    message: split < 0 ? '' : text.slice(split + 2).replace(/\n+$/, ''),
    author: parseIdentity(''),
  };
  for (const line of headers.split('\n')) {
    const space = line.indexOf(' ');
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key === 'tree') commit.tree = value;
    else if (key === 'parent') commit.parents.push(value);
    else if (key === 'author') commit.author = parseIdentity(value);
  }
  return commit;
}

/** A tree object's entries: `<mode> <name>\0<20-byte sha>` each. */
function parseTree(data: Buffer): GitTreeEntry[] {
  const entries: GitTreeEntry[] = [];
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const nul = data.indexOf(0, space);
    const mode = data.subarray(offset, space).toString('latin1');
    const sha = data.subarray(nul + 1, nul + 21).toString('hex');
    let type: GitTreeEntry['type'] = 'blob';
    if (mode === '40000') type = 'tree';
    else if (mode === '160000') type = 'commit';
    entries.push({
      path: data.subarray(space + 1, nul).toString('utf8'),
      mode: mode.padStart(6, '0'),
      type,
      sha,
    });
    offset = nul + 21;
  }
  return entries;
}

/**
 * Reads every object of a bare repository (`git cat-file --batch-all-objects --batch`) and its
 * branches, for the fake to serve what was pushed through its REST API under git's own SHAs.
 */
export async function readGitRepository(
  gitDir: string,
): Promise<GitRepositoryObjects> {
  const objects: GitRepositoryObjects = {
    commits: new Map(),
    trees: new Map(),
    blobs: new Map(),
    heads: new Map(),
  };
  const refs = (
    await gitOutput(gitDir, [
      'for-each-ref',
      '--format=%(objectname) %(refname)',
      'refs/heads',
    ])
  ).toString('utf8');
  for (const line of refs.split('\n').filter(Boolean)) {
    const [sha, ref] = line.split(' ');
    objects.heads.set(ref.replace(/^refs\/heads\//, ''), sha);
  }
  if (objects.heads.size === 0) return objects;
  const all = await gitOutput(gitDir, [
    'cat-file',
    '--batch-all-objects',
    '--batch',
  ]);
  // Each object: `<sha> <type> <size>\n<content>\n`
  let offset = 0;
  while (offset < all.length) {
    const newline = all.indexOf(0x0a, offset);
    const [sha, type, size] = all
      .subarray(offset, newline)
      .toString('latin1')
      .split(' ');
    const data = all.subarray(newline + 1, newline + 1 + Number(size));
    offset = newline + 1 + Number(size) + 1;
    if (type === 'commit') objects.commits.set(sha, parseCommit(data));
    else if (type === 'tree') objects.trees.set(sha, parseTree(data));
    else if (type === 'blob') objects.blobs.set(sha, Buffer.from(data));
  }
  return objects;
}

/** What `git http-backend` did: its exit code, and the body held back when asked to. */
export type GitBackendResult = {
  exitCode: number | null;
  /** The answer's body, when `holdBody`: the caller sends it (and ends the answer). */
  held: Buffer[];
};

/**
 * Answers one smart-HTTP request by running `git http-backend` as a CGI program: the request's
 * body goes to its stdin, its headers (up to the blank line; `Status:` sets the status) and body
 * to the answer. The process (and the git programs it starts) is killed when the client leaves.
 * With `holdBody` the answer's status and headers are set but its body is given back instead of
 * sent, for the caller to act on the outcome first.
 */
export function runGitHttpBackend(
  req: express.Request,
  res: express.Response,
  options: {
    projectRoot: string;
    /** `/<owner>/<repo>.git/<rest>` under projectRoot. */
    pathInfo: string;
    remoteUser?: string;
    holdBody?: boolean;
    /** Told about the process started, so that it can be killed when the fake closes. */
    onSpawn?: (child: ChildProcess) => void;
  },
): Promise<GitBackendResult> {
  const query = req.url.includes('?')
    ? req.url.slice(req.url.indexOf('?') + 1)
    : '';
  const env = gitEnv({
    GIT_PROJECT_ROOT: options.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: options.pathInfo,
    REQUEST_METHOD: req.method,
    QUERY_STRING: query,
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: options.remoteUser ?? '',
    GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'true',
  });
  if (req.headers['content-length']) {
    env.CONTENT_LENGTH = req.headers['content-length'];
  }
  // git http-backend inflates a gzip body itself
  if (req.headers['content-encoding']) {
    env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  }
  const child = spawn('git', ['http-backend'], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group, so that a kill reaches upload-pack and receive-pack too
    detached: true,
  });
  options.onSpawn?.(child);
  let exited = false;
  const kill = () => {
    if (exited) return;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  // A process that stops reading (it answered early, or was killed) breaks the pipe
  const ignore = () => undefined;
  child.stdin.on('error', ignore);
  req.on('error', ignore);
  res.on('error', ignore);
  req.pipe(child.stdin);
  res.on('close', () => {
    if (!res.writableFinished) kill();
  });

  const held: Buffer[] = [];
  let headerBuffer: Buffer | undefined = Buffer.alloc(0);
  const writeBody = (chunk: Buffer) => {
    if (chunk.length === 0) return;
    if (options.holdBody) held.push(chunk);
    else if (!res.destroyed && !res.write(chunk)) {
      child.stdout.pause();
      res.once('drain', () => child.stdout.resume());
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    if (!headerBuffer) {
      writeBody(chunk);
      return;
    }
    headerBuffer = Buffer.concat([headerBuffer, chunk]);
    const crlf = headerBuffer.indexOf('\r\n\r\n');
    const lf = headerBuffer.indexOf('\n\n');
    if (crlf < 0 && lf < 0) return;
    const [end, separator] = crlf >= 0 ? [crlf, 4] : [lf, 2];
    const headerText = headerBuffer.subarray(0, end).toString('latin1');
    const body = headerBuffer.subarray(end + separator);
    headerBuffer = undefined;
    for (const line of headerText.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') {
        res.status(parseInt(value, 10) || 500);
      } else {
        res.setHeader(name, value);
      }
    }
    writeBody(body);
  });
  child.stderr.resume();

  return new Promise<GitBackendResult>(resolve => {
    let settled = false;
    const finish = (exitCode: number | null) => {
      if (settled) return;
      settled = true;
      exited = true;
      if (headerBuffer && !res.headersSent && !res.destroyed) {
        res.status(502).type('text/plain').send('git http-backend failed\n');
      } else if (!options.holdBody && !res.writableEnded) {
        res.end();
      }
      resolve({ exitCode: headerBuffer ? null : exitCode, held });
    };
    child.on('close', code => finish(code));
    child.on('error', () => finish(null));
  });
}
