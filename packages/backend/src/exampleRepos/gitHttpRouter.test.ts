/*
 * The example repositories' git endpoint with real `git http-backend` processes: clients that
 * leave, hang or send too much must not leave git processes behind or crash the backend.
 */
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ChildProcess, execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import express from 'express';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ExampleRepositories } from './ExampleRepositories';
import { exampleReposPlugin } from './plugin';
import {
  createGitHttpRouter,
  GitHttpLimits,
  MAX_RAW_FILE_BYTES,
} from './gitHttpRouter';

jest.setTimeout(60_000);

const execFileAsync = promisify(execFile);

let workDir: string;
let projectRoot: string;
let headCommit: string;
const servers: http.Server[] = [];
const sockets: net.Socket[] = [];
const spawned: ChildProcess[] = [];

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'git-http-router-'));
  const sourceDir = path.join(workDir, 'projects');
  fs.mkdirSync(path.join(sourceDir, 'demo'), { recursive: true });
  fs.writeFileSync(path.join(sourceDir, 'demo', 'README.md'), '# demo\n');
  // Incompressible, so the pack takes many writes to send
  fs.writeFileSync(
    path.join(sourceDir, 'demo', 'blob.bin'),
    crypto.randomBytes(16 * 1024 * 1024),
  );
  const repositories = ExampleRepositories.create({
    sourceDir,
    targetDir: path.join(workDir, 'git'),
    logger: mockServices.logger.mock(),
  });
  const [demo] = await repositories.sync();
  headCommit = demo.commit;
  projectRoot = repositories.targetDir;
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(
    servers
      .splice(0)
      .map(server => new Promise(resolve => server.close(resolve))),
  );
  // A failed test must not leave git processes behind either
  for (const child of spawned.splice(0)) {
    if (child.pid !== undefined && groupIsRunning(child.pid)) {
      process.kill(-child.pid, 'SIGKILL');
    }
  }
});

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** Whether any live (not zombie) process is in the process group `pgid`; from /proc. */
function groupIsRunning(pgid: number): boolean {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') {
      return true;
    }
  }
  return false;
}

async function waitFor(what: string, condition: () => boolean) {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting: ${what}`);
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

async function startServer(
  limits: Partial<GitHttpLimits> = {},
  repositories: () => Set<string> | Promise<Set<string>> = () =>
    new Set(['demo']),
  isServed?: (name: string) => Promise<boolean>,
) {
  const logger = mockServices.logger.mock();
  const queued: string[] = [];
  const app = express();
  app.use(
    createGitHttpRouter({
      projectRoot,
      repositories,
      isServed,
      logger,
      limits,
      onSpawn: child => spawned.push(child),
      onQueued: requestPath => queued.push(requestPath),
    }),
  );
  const server = http.createServer(app);
  servers.push(server);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, logger, queued, spawnedBefore: spawned.length };
}

/** A raw connection that sends `head` and then whatever the test writes. */
async function connect(port: number, head: string): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => {});
  await new Promise(resolve => socket.once('connect', resolve));
  socket.write(head);
  return socket;
}

/** An upload-pack POST that announces a body of 1000 bytes and sends 10 of them. */
function partialUploadPack(port: number) {
  return connect(
    port,
    [
      'POST /demo.git/git-upload-pack HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: application/x-git-upload-pack-request',
      'Content-Length: 1000',
      '',
      '0032want ',
    ].join('\r\n'),
  );
}

/** The status line of the server's response, once it is there. */
function statusLineOf(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.on('data', chunk => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n')) resolve(text.slice(0, text.indexOf('\r\n')));
    });
    socket.on('close', () =>
      reject(new Error(`Closed after ${JSON.stringify(text)}`)),
    );
  });
}

function get(port: number, requestPath: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders }>(
    (resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: requestPath }, res => {
          res.resume();
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers }),
          );
        })
        .on('error', reject);
    },
  );
}

describe('createGitHttpRouter', () => {
  it('serves a clone', async () => {
    const { port } = await startServer();
    const target = path.join(workDir, 'clone');
    await execFileAsync('git', [
      'clone',
      '--quiet',
      `http://127.0.0.1:${port}/demo.git`,
      target,
    ]);
    expect(fs.readFileSync(path.join(target, 'README.md'), 'utf8')).toBe(
      '# demo\n',
    );
    fs.rmSync(target, { recursive: true, force: true });
  });

  it('kills the git processes of a client that leaves mid-request', async () => {
    const { port, spawnedBefore } = await startServer();
    const socket = await partialUploadPack(port);
    await waitFor(
      'git http-backend started',
      () => spawned.length > spawnedBefore,
    );
    const { pid } = spawned[spawnedBefore];
    expect(groupIsRunning(pid!)).toBe(true);
    socket.destroy();
    await waitFor('the git process group exited', () => !groupIsRunning(pid!));
  });

  it('kills the git processes of a client that leaves while the pack streams', async () => {
    const { port, spawnedBefore } = await startServer();
    const body = `0032want ${headCommit}\n00000009done\n`;
    const socket = await connect(
      port,
      [
        'POST /demo.git/git-upload-pack HTTP/1.1',
        'Host: 127.0.0.1',
        'Content-Type: application/x-git-upload-pack-request',
        `Content-Length: ${body.length}`,
        '',
        body,
      ].join('\r\n'),
    );
    // The client reads the start of the pack, then stops reading and leaves
    const first = await new Promise<Buffer>(resolve =>
      socket.once('data', resolve),
    );
    socket.pause();
    expect(first.toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const { pid } = spawned[spawnedBefore];
    // 16 MiB of pack is more than the pipes and sockets hold: git waits for a reader
    expect(groupIsRunning(pid!)).toBe(true);
    socket.destroy();
    await waitFor('the git process group exited', () => !groupIsRunning(pid!));
  });

  it('kills a process that runs past the timeout and answers 504', async () => {
    const { port, spawnedBefore, logger } = await startServer({
      timeoutMs: 300,
    });
    const socket = await partialUploadPack(port);
    const response = statusLineOf(socket);
    const closed = new Promise(resolve => socket.once('close', resolve));
    await waitFor(
      'git http-backend started',
      () => spawned.length > spawnedBefore,
    );
    const { pid } = spawned[spawnedBefore];
    // The client never sends the rest of the body. The timeout, not the client, ends the
    // request, and git's own headers are held until the body is in: the answer is a 504
    expect(await response).toBe('HTTP/1.1 504 Gateway Timeout');
    await closed;
    await waitFor('the git process group exited', () => !groupIsRunning(pid!));
    expect(logger.warn).toHaveBeenCalledWith(
      'git http-backend killed (timeout) for POST /demo.git/git-upload-pack',
    );
  });

  it('runs at most maxConcurrent processes, queues maxQueued, refuses the rest', async () => {
    const { port, spawnedBefore, queued } = await startServer({
      maxConcurrent: 2,
      maxQueued: 1,
    });
    const first = await partialUploadPack(port);
    await partialUploadPack(port);
    await waitFor('two processes', () => spawned.length === spawnedBefore + 2);
    await partialUploadPack(port);
    await waitFor('one request queued', () => queued.length === 1);
    expect(spawned.length).toBe(spawnedBefore + 2);

    const refused = await get(
      port,
      '/demo.git/info/refs?service=git-upload-pack',
    );
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(spawned.length).toBe(spawnedBefore + 2);

    // A client leaving frees its slot for the queued request
    first.destroy();
    await waitFor(
      'the queued request started',
      () => spawned.length === spawnedBefore + 3,
    );
  });

  it('answers a queued request 503 when no slot frees in time', async () => {
    const { port } = await startServer({
      maxConcurrent: 1,
      maxQueued: 1,
      queueTimeoutMs: 200,
    });
    await partialUploadPack(port);
    const waited = await get(
      port,
      '/demo.git/info/refs?service=git-upload-pack',
    );
    expect(waited.status).toBe(503);
  });

  it('handles EPIPE from a process that exits before reading the body', async () => {
    const { port, logger, spawnedBefore } = await startServer();
    // git http-backend refuses the content type and exits without reading its stdin
    const body = Buffer.alloc(2 * 1024 * 1024, 'x');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/demo.git/git-upload-pack',
          headers: {
            'content-type': 'text/plain',
            'content-length': body.length,
          },
        },
        res => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(415);
    const { pid } = spawned[spawnedBefore];
    await waitFor('the git process group exited', () => !groupIsRunning(pid!));
    expect(logger.error).not.toHaveBeenCalled();
    // The server still serves
    expect(
      (await get(port, '/demo.git/info/refs?service=git-upload-pack')).status,
    ).toBe(200);
  });

  it('refuses a body over maxRequestBytes, announced or streamed', async () => {
    const { port, spawnedBefore } = await startServer({
      maxRequestBytes: 32 * 1024,
    });
    const announced = await connect(
      port,
      [
        'POST /demo.git/git-upload-pack HTTP/1.1',
        'Host: 127.0.0.1',
        'Content-Type: application/x-git-upload-pack-request',
        `Content-Length: ${32 * 1024 + 1}`,
        '',
        '',
      ].join('\r\n'),
    );
    expect(await statusLineOf(announced)).toBe(
      'HTTP/1.1 413 Payload Too Large',
    );
    expect(spawned.length).toBe(spawnedBefore);

    const streamed = await connect(
      port,
      [
        'POST /demo.git/git-upload-pack HTTP/1.1',
        'Host: 127.0.0.1',
        'Content-Type: application/x-git-upload-pack-request',
        'Transfer-Encoding: chunked',
        '',
        '',
      ].join('\r\n'),
    );
    const response = statusLineOf(streamed);
    await waitFor(
      'git http-backend started',
      () => spawned.length > spawnedBefore,
    );
    const { pid } = spawned[spawnedBefore];
    // The start of one long pkt-line: git waits for the rest while the body passes the cap
    const chunk = `fff0${'a'.repeat(40 * 1024)}`;
    streamed.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    expect(await response).toBe('HTTP/1.1 413 Payload Too Large');
    await waitFor('the git process group exited', () => !groupIsRunning(pid!));
  });
});

/** A GET with the path sent exactly as given (fetch would resolve `..` segments). */
function getText(port: number, requestPath: string) {
  return new Promise<{
    status: number;
    headers: http.IncomingHttpHeaders;
    text: string;
  }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: requestPath }, res => {
        const chunks: Buffer[] = [];
        res.on('data', chunk => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      })
      .on('error', reject);
  });
}

describe('raw files', () => {
  let mainCommit: string;

  beforeAll(() => {
    const work = path.join(workDir, 'svc-work');
    const write = (relative: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(work, relative)), {
        recursive: true,
      });
      fs.writeFileSync(path.join(work, relative), text);
    };
    const env = {
      PATH: process.env.PATH,
      HOME: work,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
    };
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: work, env }).toString().trim();
    write('catalog-info.yaml', 'kind: Component\n');
    write('docs/guide.md', '# Guide\n');
    write('docs/<script>.html', '<script>alert(1)</script>\n');
    write('exact.txt', 'y'.repeat(MAX_RAW_FILE_BYTES));
    write('big.txt', 'x'.repeat(MAX_RAW_FILE_BYTES + 1));
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    git('tag', 'v1.0');
    mainCommit = git('rev-parse', 'HEAD');
    git('checkout', '-q', '-b', 'feature/x');
    write('catalog-info.yaml', 'kind: Component # feature\n');
    git('commit', '-q', '-am', 'feature');
    git('clone', '-q', '--bare', work, path.join(projectRoot, 'svc.git'));
  });

  const served = async () => new Set(['demo', 'svc']);

  it('serves a file of a branch as plain text, not to be sniffed', async () => {
    const { port } = await startServer({}, served);
    const answer = await getText(port, '/svc.git/raw/main/catalog-info.yaml');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.text).toBe('kind: Component\n');
    const html = await getText(
      port,
      '/svc.git/raw/main/docs/%3Cscript%3E.html',
    );
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect((await getText(port, '/svc.git/raw/main/docs/guide.md')).text).toBe(
      '# Guide\n',
    );
  });

  it('finds the ref among branches (with slashes), tags and commit ids', async () => {
    const { port } = await startServer({}, served);
    const text = async (requestPath: string) =>
      (await getText(port, requestPath)).text;
    expect(await text('/svc.git/raw/feature/x/catalog-info.yaml')).toBe(
      'kind: Component # feature\n',
    );
    expect(await text('/svc.git/raw/v1.0/catalog-info.yaml')).toBe(
      'kind: Component\n',
    );
    expect(await text(`/svc.git/raw/${mainCommit}/catalog-info.yaml`)).toBe(
      'kind: Component\n',
    );
    expect(
      await text(`/svc.git/raw/${mainCommit.slice(0, 8)}/docs/guide.md`),
    ).toBe('# Guide\n');
  });

  it('answers 404 with the reason for a missing file, a folder, an unknown ref or commit', async () => {
    const { port } = await startServer({}, served);
    const cases: Array<[string, string]> = [
      [
        '/svc.git/raw/main/missing.yaml',
        'No file missing.yaml at main in svc.git\n',
      ],
      [
        '/svc.git/raw/main/docs',
        'docs at main in svc.git is a folder, not a file\n',
      ],
      [
        '/svc.git/raw/develop/catalog-info.yaml',
        'No branch, tag or commit in raw/develop/catalog-info.yaml of svc.git (its branches: feature/x, main)\n',
      ],
      [
        `/svc.git/raw/${'0'.repeat(40)}/catalog-info.yaml`,
        `No commit ${'0'.repeat(40)} in svc.git\n`,
      ],
      ['/nope.git/raw/main/catalog-info.yaml', 'No repository nope.git\n'],
    ];
    for (const [requestPath, message] of cases) {
      const answer = await getText(port, requestPath);
      expect([requestPath, answer.status, answer.text]).toEqual([
        requestPath,
        404,
        message,
      ]);
    }
  });

  it('refuses .., empty segments and a missing path with 400', async () => {
    const { port } = await startServer({}, served);
    for (const requestPath of [
      '/svc.git/raw/main/../svc.git/config',
      '/svc.git/raw/main/%2e%2e/config',
      '/svc.git/raw/main//catalog-info.yaml',
      '/svc.git/raw/main/./catalog-info.yaml',
      '/svc.git/raw/main',
      '/svc.git/raw/main/%0a',
    ]) {
      const answer = await getText(port, requestPath);
      expect([requestPath, answer.status]).toEqual([requestPath, 400]);
      expect(answer.text).toMatch(/^Give raw\/<ref>\/<path>/);
    }
    const malformed = await getText(port, '/svc.git/raw/main/%E0%A4%A');
    expect(malformed.status).toBe(400);
    expect(malformed.text).toBe(
      'The path main/%E0%A4%A is not a valid URL path\n',
    );
  });

  it('serves files up to 1 MiB and answers 413 for larger ones', async () => {
    const { port } = await startServer({}, served);
    const exact = await getText(port, '/svc.git/raw/main/exact.txt');
    expect(exact.status).toBe(200);
    expect(exact.text.length).toBe(MAX_RAW_FILE_BYTES);
    const big = await getText(port, '/svc.git/raw/main/big.txt');
    expect(big.status).toBe(413);
    expect(big.text).toBe(
      `big.txt at main in svc.git has ${
        MAX_RAW_FILE_BYTES + 1
      } bytes; files over ${MAX_RAW_FILE_BYTES} bytes are not served raw (clone the repository)\n`,
    );
  });

  it('asks for the served repositories on every request: one added later is served, raw and cloned', async () => {
    const names = new Set(['demo']);
    const { port } = await startServer({}, async () => names);
    expect(
      (await getText(port, '/svc.git/raw/main/catalog-info.yaml')).status,
    ).toBe(404);
    expect(
      (await get(port, '/svc.git/info/refs?service=git-upload-pack')).status,
    ).toBe(404);
    names.add('svc');
    expect(
      (await getText(port, '/svc.git/raw/main/catalog-info.yaml')).status,
    ).toBe(200);
    const target = path.join(workDir, 'svc-clone');
    await execFileAsync('git', [
      'clone',
      '--quiet',
      `http://127.0.0.1:${port}/svc.git`,
      target,
    ]);
    expect(fs.readFileSync(path.join(target, 'docs', 'guide.md'), 'utf8')).toBe(
      '# Guide\n',
    );
  });

  it("is what the catalog reads a new service's catalog file through, with reading.allow limited to the path", async () => {
    const app = express();
    app.use(
      '/api/example-repos',
      createGitHttpRouter({
        projectRoot,
        repositories: served,
        logger: mockServices.logger.mock(),
      }),
    );
    app.get('/api/other/secret', (_req, res) => {
      res.send('not for the catalog');
    });
    const server = http.createServer(app);
    servers.push(server);
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    // As app-config.yaml's backend.reading.allow, for this server's port
    const reader = UrlReaders.default({
      logger: mockServices.logger.mock(),
      config: new ConfigReader({
        backend: {
          reading: { allow: [{ host, paths: ['/api/example-repos/'] }] },
        },
      }),
    });
    const response = await reader.readUrl(
      `http://${host}/api/example-repos/svc.git/raw/main/catalog-info.yaml`,
    );
    expect((await response.buffer()).toString('utf8')).toBe(
      'kind: Component\n',
    );
    await expect(
      reader.readUrl(`http://${host}/api/other/secret`),
    ).rejects.toThrow(
      `Reading from 'http://${host}/api/other/secret' is not allowed`,
    );
  });

  it('asks isServed about each name when given it, and lists repositories() when a URL names none', async () => {
    const asked: string[] = [];
    const { port } = await startServer(
      {},
      async () => new Set(['demo']),
      async name => {
        asked.push(name);
        return name === 'svc';
      },
    );
    expect(
      (await getText(port, '/svc.git/raw/main/catalog-info.yaml')).text,
    ).toBe('kind: Component\n');
    expect(
      (await get(port, '/svc.git/info/refs?service=git-upload-pack')).status,
    ).toBe(200);
    const missing = await getText(port, '/other.git/info/refs');
    expect(missing.status).toBe(404);
    expect(missing.text).toBe(
      'No example repository at /other.git/info/refs. Available: demo.git\n',
    );
    expect(asked).toEqual(['svc', 'svc', 'other']);
  });

  it('answers 503 when every git process slot is taken and the queue is full', async () => {
    const { port } = await startServer(
      { maxConcurrent: 1, maxQueued: 0 },
      served,
    );
    await partialUploadPack(port);
    await waitFor('git http-backend started', () => spawned.length > 0);
    const answer = await getText(port, '/svc.git/raw/main/catalog-info.yaml');
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
  });
});

describe('exampleReposPlugin', () => {
  it('serves the examples and, from the moment it exists, a repository a template created', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-repos-plugin-'));
    const sourceDir = path.join(dir, 'examples', 'projects');
    const targetDir = path.join(dir, 'git');
    fs.mkdirSync(path.join(sourceDir, 'ledger'), { recursive: true });
    fs.writeFileSync(path.join(sourceDir, 'ledger', 'README.md'), '# ledger\n');
    const backend = await startTestBackend({
      features: [
        exampleReposPlugin,
        mockServices.rootConfig.factory({
          data: { comet: { exampleRepos: { sourceDir, targetDir } } },
        }),
      ],
    });
    try {
      const base = `http://localhost:${backend.server.port()}/api/example-repos`;
      // No token: git clients and the catalog's reader carry none
      const example = await fetch(`${base}/ledger.git/raw/main/README.md`);
      expect(example.status).toBe(200);
      expect(await example.text()).toBe('# ledger\n');

      // What comet:repo:create leaves: a tagged bare repository with main, made after start-up
      const work = path.join(dir, 'work');
      fs.mkdirSync(work);
      fs.writeFileSync(
        path.join(work, 'catalog-info.yaml'),
        'kind: Component\n',
      );
      const env = {
        PATH: process.env.PATH,
        HOME: dir,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'Test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'Test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
      };
      const git = (...args: string[]) =>
        execFileSync('git', args, { cwd: work, env });
      git('init', '-q', '-b', 'main');
      git('add', '.');
      git('commit', '-q', '-m', 'first');
      const created = path.join(targetDir, 'payouts-api.git');
      git('clone', '-q', '--bare', work, created);
      git(
        '--git-dir',
        created,
        'config',
        'comet.entity',
        'component:default/payouts-api',
      );
      // An untagged folder is not served
      git('clone', '-q', '--bare', work, path.join(targetDir, 'stray.git'));

      const raw = await fetch(
        `${base}/payouts-api.git/raw/main/catalog-info.yaml`,
      );
      expect(raw.status).toBe(200);
      expect(await raw.text()).toBe('kind: Component\n');
      const stray = await fetch(`${base}/stray.git/raw/main/catalog-info.yaml`);
      expect(stray.status).toBe(404);
      expect(await stray.text()).toBe('No repository stray.git\n');
    } finally {
      await backend.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is off without comet.exampleRepos.sourceDir, naming the key', async () => {
    const logger = mockServices.logger.mock();
    const backend = await startTestBackend({
      features: [exampleReposPlugin, logger.factory],
    });
    try {
      expect(logger.info).toHaveBeenCalledWith(
        'Example repositories are off; set comet.exampleRepos.sourceDir to serve examples/projects as git repositories',
      );
      const answer = await fetch(
        `http://localhost:${backend.server.port()}/api/example-repos/ledger.git/info/refs`,
      );
      expect(answer.status).toBe(404);
    } finally {
      await backend.stop();
    }
  });
});
