import { LoggerService } from '@backstage/backend-plugin-api';
import { spawn } from 'node:child_process';
import express from 'express';
import Router from 'express-promise-router';

const REPO_PATH =
  /^\/([a-z0-9][a-z0-9-]*)\.git(\/info\/refs|\/git-upload-pack|\/HEAD)$/;

/**
 * Serves bare repositories read-only over git's smart HTTP protocol by running
 * `git http-backend` as a CGI program. Pushing is refused: only `git-upload-pack` (clone and
 * fetch, shallow included) is allowed.
 */
export function createGitHttpRouter(options: {
  projectRoot: string;
  repositories: () => Set<string>;
  logger: LoggerService;
}): express.Router {
  const router = Router();
  router.use(async (req, res) => {
    const match = REPO_PATH.exec(req.path);
    const service = String(req.query.service ?? '');
    if (
      !match ||
      !options.repositories().has(match[1]) ||
      (service && service !== 'git-upload-pack')
    ) {
      res
        .status(404)
        .type('text/plain')
        .send(
          `No example repository at ${req.path}. Available: ${[
            ...options.repositories(),
          ]
            .map(name => `${name}.git`)
            .join(', ')}\n`,
        );
      return;
    }
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
    });
    req.pipe(child.stdin);
    let headerBuffer: Buffer | undefined = Buffer.alloc(0);
    child.stdout.on('data', (chunk: Buffer) => {
      if (!headerBuffer) {
        res.write(chunk);
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
      res.write(body);
    });
    let stderr = '';
    child.stderr.on('data', chunk => {
      stderr += chunk;
    });
    await new Promise<void>(resolve => {
      child.on('close', code => {
        if (code !== 0) {
          options.logger.warn(
            `git http-backend exited with ${code} for ${req.method} ${
              req.path
            }: ${stderr.trim()}`,
          );
        }
        if (headerBuffer && !res.headersSent) {
          res.status(502).type('text/plain').send('git http-backend failed\n');
        } else {
          res.end();
        }
        resolve();
      });
      child.on('error', error => {
        options.logger.error(`Cannot run git http-backend: ${error}`);
        if (!res.headersSent) {
          res.status(500).type('text/plain').send('git is not installed\n');
        }
        resolve();
      });
    });
  });
  return router;
}
