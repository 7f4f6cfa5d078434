import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { Client } from 'pg';

const BACKEND_DIR = resolvePackagePath('backend');
export const REPO_ROOT = path.resolve(BACKEND_DIR, '../..');

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export type CometProcessOptions = {
  /** Extra config files, after app-config.yaml. */
  configs?: string[];
  /** Extra config written to a temporary file and loaded last. */
  overrides?: string;
  env?: Record<string, string>;
  nodeEnv?: 'development' | 'production';
};

/**
 * The real Comet backend (packages/backend/src/index.ts) in a child process, started exactly
 * as `npm start` starts it.
 */
export class CometProcess {
  output = '';
  private exitCode: number | null | undefined = undefined;
  private readonly exited: Promise<number | null>;

  static start(options: CometProcessOptions = {}) {
    return new CometProcess(options);
  }

  readonly child: ChildProcess;
  readonly tempDir: string;

  private constructor(options: CometProcessOptions) {
    this.tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-smoke-'));
    const args = [
      '--enable-source-maps',
      '--require',
      require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
      'src/index.ts',
      '--config',
      path.join(REPO_ROOT, 'app-config.yaml'),
    ];
    for (const config of options.configs ?? []) {
      args.push('--config', path.resolve(REPO_ROOT, config));
    }
    if (options.overrides) {
      const file = path.join(this.tempDir, 'overrides.yaml');
      fs.writeFileSync(file, options.overrides);
      args.push('--config', file);
    }
    this.child = spawn(process.execPath, args, {
      cwd: BACKEND_DIR,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: options.nodeEnv ?? 'development',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', chunk => {
      this.output += chunk;
    });
    this.child.stderr!.on('data', chunk => {
      this.output += chunk;
    });
    this.exited = new Promise(resolve => {
      this.child.on('exit', code => {
        this.exitCode = code;
        resolve(code);
      });
    });
  }

  /** Resolves with the URL once the backend prints that it is ready. */
  async ready(timeoutMs = 90_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = /Comet is ready at (\S+)/.exec(this.output);
      if (match) {
        return match[1];
      }
      if (this.exitCode !== undefined) {
        throw new Error(
          `Comet exited with ${
            this.exitCode
          } before it was ready:\n${this.output.slice(-4000)}`,
        );
      }
      await new Promise(r => setTimeout(r, 200));
    }
    throw new Error(
      `Comet was not ready within ${timeoutMs} ms:\n${this.output.slice(
        -4000,
      )}`,
    );
  }

  /** Waits for the process to exit on its own. */
  async exit(timeoutMs = 60_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<number | null>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `Comet did not exit within ${timeoutMs} ms:\n${this.output.slice(
                -4000,
              )}`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the backend with SIGINT, as Ctrl-C does, and cleans up. */
  async stop(): Promise<number | null> {
    if (this.exitCode === undefined) {
      this.child.kill('SIGINT');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
      await this.exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.tempDir, { recursive: true, force: true });
    return this.exitCode ?? null;
  }
}

/** Polls `check` until it returns a value, or fails with the last error. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    await new Promise(r => setTimeout(r, 500));
  }
  throw new Error(`Timed out after ${timeoutMs} ms; last error: ${lastError}`);
}

/** Drops the PostgreSQL databases a test created (Backstage makes one per plugin). */
export async function dropTestDatabases(
  connectionString: string,
  prefix: string,
) {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${prefix}%`],
    );
    for (const row of rows) {
      await client.query(
        `DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`,
      );
    }
  } finally {
    await client.end();
  }
}
