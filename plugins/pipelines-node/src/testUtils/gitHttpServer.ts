import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type GitHttpServer = {
  /** `127.0.0.1:<port>`, as `pipelines.git.allowedHosts` names it. */
  host: string;
  /** `http://127.0.0.1:<port>/<name>` for a repository folder `<root>/<name>`. */
  url(name: string): string;
  /** Every request received, as `METHOD /path?query`. */
  requests: string[];
  /** Bytes of response bodies sent so far. */
  bytesSent(): number;
  close(): Promise<void>;
};

/**
 * For tests: serves the git repositories under `root` over smart HTTP with `git http-backend`
 * on 127.0.0.1 (partial clones and fetches by object id allowed, as on GitHub), and counts
 * requests. A path under a key of `redirects` is answered `301` to the value instead.
 */
export async function startGitHttpServer(options: {
  root: string;
  redirects?: Record<string, string>;
}): Promise<GitHttpServer> {
  const requests: string[] = [];
  let bytesSent = 0;
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    requests.push(`${req.method} ${url}`);
    for (const [from, to] of Object.entries(options.redirects ?? {})) {
      if (url.startsWith(from)) {
        res.writeHead(301, { location: to + url.slice(from.length) }).end();
        return;
      }
    }
    const [pathname, query = ''] = url.split('?');
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        HOME: options.root,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_PROJECT_ROOT: options.root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(pathname),
        QUERY_STRING: query,
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        GIT_CONFIG_COUNT: '2',
        GIT_CONFIG_KEY_0: 'uploadpack.allowFilter',
        GIT_CONFIG_VALUE_0: 'true',
        GIT_CONFIG_KEY_1: 'uploadpack.allowAnySHA1InWant',
        GIT_CONFIG_VALUE_1: 'true',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    child.stdin.on('error', () => {});
    req.pipe(child.stdin);
    let head: Buffer | undefined = Buffer.alloc(0);
    child.stdout.on('data', (chunk: Buffer) => {
      if (!head) {
        bytesSent += chunk.length;
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      let status = 200;
      for (const line of head
        .subarray(0, end)
        .toString('latin1')
        .split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = parseInt(value, 10);
        else if (colon > 0) res.setHeader(name, value);
      }
      res.statusCode = status;
      bytesSent += head.length - end - 4;
      res.write(head.subarray(end + 4));
      head = undefined;
    });
    child.on('close', () => res.end());
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: name => `http://127.0.0.1:${port}/${name}`,
    requests,
    bytesSent: () => bytesSent,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
