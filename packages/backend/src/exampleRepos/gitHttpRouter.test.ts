/*
 * The example repositories' git endpoint with real `git http-backend` processes: clients that
 * leave, hang or send too much must not leave git processes behind or crash the backend.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { ChildProcess, execFile } from 'node:child_process';
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
import { createGitHttpRouter, GitHttpLimits } from './gitHttpRouter';

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

async function startServer(limits: Partial<GitHttpLimits> = {}) {
  const logger = mockServices.logger.mock();
  const queued: string[] = [];
  const app = express();
  app.use(
    createGitHttpRouter({
      projectRoot,
      repositories: () => new Set(['demo']),
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
