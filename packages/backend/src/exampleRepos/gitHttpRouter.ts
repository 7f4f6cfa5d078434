import { LoggerService } from '@backstage/backend-plugin-api';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import express from 'express';
import Router from 'express-promise-router';
import path from 'node:path';
import { promisify } from 'node:util';
import { ProcessSlots } from './ProcessSlots';

const execFileAsync = promisify(execFile);

const REPO_PATH =
  /^\/([a-z0-9][a-z0-9-]*)\.git(\/info\/refs|\/git-upload-pack|\/HEAD)$/;

/** `/<name>.git/raw/<ref>/<path...>`: one file of a branch, tag or commit. */
const RAW_PATH = /^\/([a-z0-9][a-z0-9-]*)\.git\/raw\/(.+)$/;
/** What a ref may look like in a raw URL; it must also name a branch, tag or commit. */
const RAW_REF = /^[A-Za-z0-9._/-]+$/;
const COMMIT_SHA = /^[0-9a-f]{7,40}$/;

/** The largest file the raw route serves; catalog files and pipeline files are far smaller. */
export const MAX_RAW_FILE_BYTES = 1024 * 1024;

/** Limits on the `git http-backend` processes; each request runs one. */
export type GitHttpLimits = {
  /** Processes running at once. */
  maxConcurrent: number;
  /** Requests waiting for a process beyond those; more get 503 with Retry-After. */
  maxQueued: number;
  /** How long a request waits in the queue before it gets 503. */
  queueTimeoutMs: number;
  /** How long one process may run before its process group is killed. */
  timeoutMs: number;
  /** The most bytes a request body (a clone's or fetch's negotiation) may have. */
  maxRequestBytes: number;
};

export const DEFAULT_GIT_HTTP_LIMITS: GitHttpLimits = {
  maxConcurrent: 8,
  maxQueued: 32,
  queueTimeoutMs: 30_000,
  timeoutMs: 120_000,
  // The wants and haves of a fetch; a full clone of the examples sends a few kilobytes
  maxRequestBytes: 4 * 1024 * 1024,
};

/** Seconds a refused client is told to wait before it tries again. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Serves bare repositories read-only over git's smart HTTP protocol by running
 * `git http-backend` as a CGI program. Pushing is refused: only `git-upload-pack` (clone and
 * fetch, shallow included) is allowed. The endpoint takes unauthenticated requests, so each
 * process is bounded: a concurrency cap with a bounded queue, a timeout, a body size cap, and
 * its process group is killed when the client goes away.
 */
export function createGitHttpRouter(options: {
  projectRoot: string;
  /** The names served (`<name>.git` under projectRoot), listed when a URL names none. */
  repositories: () => Set<string> | Promise<Set<string>>;
  /** Whether one name is served, asked on every request; by default `repositories().has`. */
  isServed?: (name: string) => boolean | Promise<boolean>;
  logger: LoggerService;
  limits?: Partial<GitHttpLimits>;
  /** Told about each `git http-backend` process started, for tests and diagnostics. */
  onSpawn?: (child: ChildProcess) => void;
  /** Told about each request that waits in the queue for a process. */
  onQueued?: (path: string) => void;
}): express.Router {
  const limits = { ...DEFAULT_GIT_HTTP_LIMITS, ...options.limits };
  const { logger } = options;
  const slots = new ProcessSlots(limits.maxConcurrent, limits.maxQueued);
  const isServed =
    options.isServed ??
    (async (name: string) => (await options.repositories()).has(name));
  const router = Router();

  // Matched here rather than as a route pattern, whose parameters express would decode itself
  // (a bad escape would be its HTML error page, not this router's answer)
  router.use(async (req, res, next) => {
    const match = RAW_PATH.exec(req.path);
    if (!match || (req.method !== 'GET' && req.method !== 'HEAD')) {
      next();
      return;
    }
    const name = match[1];
    if (!(await isServed(name))) {
      plainText(res, 404, `No repository ${name}.git\n`);
      return;
    }
    const slot = await slots.acquire(
      new AbortController().signal,
      limits.queueTimeoutMs,
    );
    if (slot !== 'acquired') {
      res.set('Retry-After', String(RETRY_AFTER_SECONDS));
      plainText(res, 503, 'Too many git requests; try again shortly\n');
      return;
    }
    try {
      await serveRawFile(
        res,
        path.join(options.projectRoot, `${name}.git`),
        name,
        match[2],
      );
    } finally {
      slots.release();
    }
  });

  router.use(async (req, res) => {
    const match = REPO_PATH.exec(req.path);
    const service = String(req.query.service ?? '');
    if (
      !match ||
      !(await isServed(match[1])) ||
      (service && service !== 'git-upload-pack')
    ) {
      res
        .status(404)
        .type('text/plain')
        .send(
          `No example repository at ${req.path}. Available: ${[
            ...(await options.repositories()),
          ]
            .map(name => `${name}.git`)
            .join(', ')}\n`,
        );
      return;
    }
    const declaredLength = Number(req.headers['content-length'] ?? 0);
    if (declaredLength > limits.maxRequestBytes) {
      tooLarge(res, limits.maxRequestBytes);
      return;
    }

    // The client may leave while waiting: its slot is then never taken
    const waiting = new AbortController();
    const onEarlyClose = () => waiting.abort();
    res.once('close', onEarlyClose);
    const slot = await slots.acquire(
      waiting.signal,
      limits.queueTimeoutMs,
      () => options.onQueued?.(req.path),
    );
    res.off('close', onEarlyClose);
    // The client may also have left just as its slot came free
    if (slot === 'closed' || (slot === 'acquired' && req.socket.destroyed)) {
      if (slot === 'acquired') slots.release();
      return;
    }
    if (slot === 'full' || slot === 'timeout') {
      res
        .status(503)
        .set('Retry-After', String(RETRY_AFTER_SECONDS))
        .type('text/plain')
        .send('Too many git requests; try again shortly\n');
      return;
    }
    try {
      await runBackend(req, res);
    } finally {
      slots.release();
    }
  });

  function runBackend(
    req: express.Request,
    res: express.Response,
  ): Promise<void> {
    const query = req.url.includes('?')
      ? req.url.slice(req.url.indexOf('?') + 1)
      : '';
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: options.projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: options.projectRoot,
        PATH_INFO: req.path,
        QUERY_STRING: query,
        REQUEST_METHOD: req.method,
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_ADDR: req.socket.remoteAddress ?? '',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so a kill reaches git-upload-pack and pack-objects too
      detached: true,
    });
    options.onSpawn?.(child);
    const what = `${req.method} ${req.path}`;
    let exited = false;
    /** Why the process was killed, if it was. */
    let killedFor: 'timeout' | 'disconnect' | 'too large' | undefined;

    const killGroup = (reason: NonNullable<typeof killedFor>) => {
      if (exited || killedFor) return;
      killedFor = reason;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone
        child.kill('SIGKILL');
      }
    };

    // A process that stops reading (it answered early, or was killed) breaks the pipe: EPIPE
    // is expected then, not a crash
    const ignoreBrokenPipe = (stream: string) => (error: Error) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (
        code !== 'EPIPE' &&
        code !== 'ECONNRESET' &&
        code !== 'ERR_STREAM_DESTROYED'
      ) {
        logger.warn(`git http-backend ${stream} failed for ${what}: ${error}`);
      }
    };
    child.stdin.on('error', ignoreBrokenPipe('stdin'));
    child.stdout.on('error', ignoreBrokenPipe('stdout'));
    child.stderr.on('error', ignoreBrokenPipe('stderr'));
    req.on('error', ignoreBrokenPipe('request'));
    res.on('error', ignoreBrokenPipe('response'));

    // The request body, counted, with backpressure both ways
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxRequestBytes) {
        req.pause();
        killGroup('too large');
        return;
      }
      if (!child.stdin.writable) return;
      if (!child.stdin.write(chunk)) {
        req.pause();
        child.stdin.once('drain', () => req.resume());
      }
    });
    const timer = setTimeout(() => killGroup('timeout'), limits.timeoutMs);
    // `close` before the response finished means the client went away
    res.on('close', () => {
      if (!res.writableFinished) killGroup('disconnect');
    });

    // git http-backend prints its headers before it reads the body: they are held until the
    // whole body is in, so a body that passes the cap later still gets its 413
    let requestDone = false;
    const held: Buffer[] = [];
    let headerBuffer: Buffer | undefined = Buffer.alloc(0);
    const writeBody = (chunk: Buffer) => {
      if (!requestDone) {
        held.push(chunk);
        return;
      }
      if (res.destroyed || chunk.length === 0) return;
      if (!res.write(chunk)) {
        child.stdout.pause();
        res.once('drain', () => child.stdout.resume());
      }
    };
    const flushHeld = () => {
      requestDone = true;
      for (const chunk of held.splice(0)) writeBody(chunk);
    };
    req.on('end', () => {
      child.stdin.end();
      flushHeld();
    });

    child.stdout.on('data', (chunk: Buffer) => {
      if (!headerBuffer) {
        writeBody(chunk);
        return;
      }
      headerBuffer = Buffer.concat([headerBuffer, chunk]);
      const end = headerBuffer.indexOf('\r\n\r\n');
      if (end < 0) {
        return;
      }
      const headerText = headerBuffer.subarray(0, end).toString('latin1');
      const body = headerBuffer.subarray(end + 4);
      headerBuffer = undefined;
      if (res.destroyed) return;
      for (const line of headerText.split('\r\n')) {
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
    let stderr = '';
    child.stderr.on('data', chunk => {
      if (stderr.length < 4096) stderr += chunk;
    });

    return new Promise<void>(resolve => {
      const finish = () => {
        exited = true;
        clearTimeout(timer);
        // Discard what is left of the body, so the connection can serve the next request;
        // a body over the cap is not read on: its 413 closes the connection instead
        if (killedFor !== 'too large') req.resume();
        resolve();
      };
      child.on('close', (code, signal) => {
        if (killedFor === 'disconnect') {
          logger.info(`git http-backend stopped: the client left ${what}`);
        } else if (killedFor) {
          logger.warn(`git http-backend killed (${killedFor}) for ${what}`);
        } else if (code !== 0) {
          logger.warn(
            `git http-backend exited with ${
              code ?? signal
            } for ${what}: ${stderr.trim()}`,
          );
        }
        if (res.destroyed || res.writableEnded) {
          // The client is gone, or the response was already sent
        } else if (killedFor === 'too large' && !res.headersSent) {
          tooLarge(res, limits.maxRequestBytes);
        } else if (killedFor === 'timeout' && !res.headersSent) {
          // The rest of the body is not waited for: the connection closes with the answer
          if (!requestDone) res.set('Connection', 'close');
          res
            .status(504)
            .type('text/plain')
            .send('git http-backend timed out\n');
        } else if (killedFor) {
          // Headers are out: only a broken connection tells the client the pack is incomplete
          res.destroy();
        } else if (headerBuffer && !res.headersSent) {
          res.status(502).type('text/plain').send('git http-backend failed\n');
        } else {
          // git finished before the body did (it answered without reading all of it)
          flushHeld();
          res.end();
        }
        finish();
      });
      child.on('error', error => {
        logger.error(`Cannot run git http-backend: ${error}`);
        if (!res.headersSent && !res.destroyed) {
          res.status(500).type('text/plain').send('git is not installed\n');
        }
        finish();
      });
    });
  }
  return router;
}

function plainText(res: express.Response, status: number, text: string) {
  res
    .status(status)
    .type('text/plain; charset=utf-8')
    .set('X-Content-Type-Options', 'nosniff')
    .send(text);
}

/** git on a served repository: no config but its own, nothing from the portal's environment. */
async function gitOutput(
  gitDir: string,
  args: string[],
  encoding: 'utf8' | 'buffer' = 'utf8',
): Promise<string | Buffer> {
  const { stdout } = await execFileAsync(
    'git',
    ['--git-dir', gitDir, ...args],
    {
      encoding,
      env: {
        PATH: process.env.PATH,
        HOME: path.dirname(gitDir),
        GIT_CONFIG_NOSYSTEM: '1',
        // A path is a path, never a pattern
        GIT_LITERAL_PATHSPECS: '1',
      },
      timeout: 10_000,
      maxBuffer: MAX_RAW_FILE_BYTES + 64 * 1024,
    },
  );
  return stdout;
}

/**
 * `raw/<ref>/<path>`: which part is the ref is decided by the repository's branches and tags,
 * the longest that matches (`feature/x/README.md` is the file README.md of the branch
 * feature/x when there is one), else a commit id in the first segment.
 */
async function serveRawFile(
  res: express.Response,
  gitDir: string,
  name: string,
  rest: string,
) {
  let segments: string[];
  try {
    segments = rest.split('/').map(segment => decodeURIComponent(segment));
  } catch {
    plainText(res, 400, `The path ${rest} is not a valid URL path\n`);
    return;
  }
  if (
    segments.length < 2 ||
    segments.some(
      segment =>
        segment === '' ||
        segment === '.' ||
        segment === '..' ||
        /[\0\r\n]/.test(segment),
    )
  ) {
    plainText(
      res,
      400,
      `Give raw/<ref>/<path> with a branch, tag or commit and a file path without empty, . or .. segments (got raw/${rest})\n`,
    );
    return;
  }
  const refs = String(
    await gitOutput(gitDir, [
      'for-each-ref',
      '--format=%(refname)',
      'refs/heads',
      'refs/tags',
    ]),
  )
    .split('\n')
    .filter(Boolean);
  let revision: string | undefined;
  let ref = '';
  let filePath = '';
  for (let refLength = segments.length - 1; refLength >= 1; refLength -= 1) {
    const candidate = segments.slice(0, refLength).join('/');
    const full = [`refs/heads/${candidate}`, `refs/tags/${candidate}`].find(r =>
      refs.includes(r),
    );
    if (full && RAW_REF.test(candidate)) {
      revision = full;
      ref = candidate;
      filePath = segments.slice(refLength).join('/');
      break;
    }
  }
  if (!revision && COMMIT_SHA.test(segments[0])) {
    revision = segments[0];
    ref = segments[0];
    filePath = segments.slice(1).join('/');
  }
  if (!revision) {
    plainText(
      res,
      404,
      `No branch, tag or commit in raw/${rest} of ${name}.git (its branches: ${refs
        .filter(r => r.startsWith('refs/heads/'))
        .map(r => r.slice('refs/heads/'.length))
        .join(', ')})\n`,
    );
    return;
  }
  let entry: string;
  try {
    entry = String(
      await gitOutput(gitDir, ['ls-tree', '-l', revision, '--', filePath]),
    ).trim();
  } catch {
    // Only a commit id can fail here: branches and tags were listed above
    plainText(res, 404, `No commit ${ref} in ${name}.git\n`);
    return;
  }
  // <mode> <type> <object> <size>\t<path>
  const [meta] = entry.split('\t');
  const [, type, object, size] = meta ? meta.split(/\s+/) : [];
  if (!entry || type !== 'blob') {
    plainText(
      res,
      404,
      entry
        ? `${filePath} at ${ref} in ${name}.git is a folder, not a file\n`
        : `No file ${filePath} at ${ref} in ${name}.git\n`,
    );
    return;
  }
  if (Number(size) > MAX_RAW_FILE_BYTES) {
    plainText(
      res,
      413,
      `${filePath} at ${ref} in ${name}.git has ${size} bytes; files over ${MAX_RAW_FILE_BYTES} bytes are not served raw (clone the repository)\n`,
    );
    return;
  }
  const content = await gitOutput(
    gitDir,
    ['cat-file', 'blob', object],
    'buffer',
  );
  res
    .status(200)
    .type('text/plain; charset=utf-8')
    .set('X-Content-Type-Options', 'nosniff')
    .send(content);
}

function tooLarge(res: express.Response, maxBytes: number) {
  res
    .status(413)
    .set('Connection', 'close')
    .type('text/plain')
    .send(`Request body larger than ${maxBytes} bytes\n`);
}
